/**
 * kubelet benchmark (not a test: nothing is asserted).
 *  1. Pod startup latency: N pods (two busybox `sleep` containers each, plus the pause sandbox)
 *     created at once on one node; create → Running as seen through a pod watch; p50/p99.
 *  2. Baseline in the same run: the same containers started directly with dockerode (pause,
 *     then two busybox joined to its network namespace; create+start until running); ratio.
 *  3. kubelet idle RSS (its own process: the built bin), before and after the load.
 *
 *   npx nx run-many -t build && npx tsx tools/bench/kubelet/main.ts [-- --pods 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Dockerode from 'dockerode';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureDockerd, ensureImages, freePort, parseDockerHost } from '../../src/index.js';
import { machineLine, percentile } from '../harness.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '20' } } });
const N = Number(values.pods);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(bin: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(root, bin), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  children.push(child);
  return child;
}

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const docker = await ensureDockerd();
  await ensureImages(docker.host);
  const dockerode = new Dockerode(parseDockerHost(docker.host));
  const dir = await mkdtemp(join(tmpdir(), 'tskube-bench-kubelet-'));
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  start('apps/apiserver/dist/main.js', ['--storage=memory', '--secure-port=0', `--insecure-port=${apiPort}`]);
  await waitFor('apiserver', async () => (await fetch(`${api}/healthz`)).ok);
  const node = 'bench-node';
  const kubelet = start('apps/kubelet/dist/main.js', [
    `--node-name=${node}`, `--master=${api}`, `--root-dir=${dir}`, `--port=${await freePort()}`, `--healthz-port=${await freePort()}`,
    '--address=127.0.0.1', '--kubelet-insecure-http', `--docker-endpoint=${docker.host}`,
  ]);
  await waitFor('node Ready', async () => {
    const n = (await (await fetch(`${api}/api/v1/nodes/${node}`)).json()) as { status?: { conditions?: { type: string; status: string }[] } };
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
  await sleep(3000);
  const idleRss = rssMiB(kubelet.pid!);

  // 1. Through the kubelet: a watch first, then every pod created at once.
  const created = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const watchAbort = new AbortController();
  const watch = await fetch(`${api}/api/v1/namespaces/default/pods?watch=true`, { signal: watchAbort.signal });
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of watch.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { object: { metadata: { name: string }; status?: { phase?: string } } };
          const name = ev.object.metadata.name;
          if (ev.object.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, performance.now());
        }
      }
    } catch {
      // aborted
    }
  })();
  const sleeper = (name: string) => ({ name, image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] });
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const name = `bench-${i}`;
      created.set(name, performance.now());
      const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [sleeper('a'), sleeper('b')] } };
      const r = await fetch(`${api}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`create ${name}: ${r.status} ${await r.text()}`);
    }),
  );
  await waitFor(`${N} pods Running`, async () => runningAt.size >= N, 120_000);
  watchAbort.abort();
  const kubeletLat = [...created].map(([name, t]) => runningAt.get(name)! - t).sort((a, b) => a - b);
  const loadedRss = rssMiB(kubelet.pid!);

  // 2. Baseline: the same containers straight through dockerode, all at once.
  const ids: string[] = [];
  const baseLat = (
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const t0 = performance.now();
        const pause = await dockerode.createContainer({ Image: PAUSE_IMAGE, name: `tskube-bench-pause-${i}-${process.pid}`, Labels: { 'io.tskube.bench': '1' } });
        ids.push(pause.id);
        await pause.start();
        for (const n of ['a', 'b']) {
          const c = await dockerode.createContainer({
            Image: BUSYBOX_IMAGE,
            Cmd: ['sleep', '3600'],
            name: `tskube-bench-${n}-${i}-${process.pid}`,
            Labels: { 'io.tskube.bench': '1' },
            HostConfig: { NetworkMode: `container:${pause.id}` },
          });
          ids.push(c.id);
          await c.start();
          while (!(await c.inspect()).State.Running) await sleep(10);
        }
        return performance.now() - t0;
      }),
    )
  ).sort((a, b) => a - b);

  // Clean up: baseline containers, then the pods (the kubelet removes their containers).
  await Promise.all(ids.map((id) => dockerode.getContainer(id).remove({ force: true }).catch(() => undefined)));
  await Promise.all([...created.keys()].map((name) => fetch(`${api}/api/v1/namespaces/default/pods/${name}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gracePeriodSeconds: 0 }) })));
  await waitFor('pods removed', async () => ((await (await fetch(`${api}/api/v1/namespaces/default/pods`)).json()) as { items: unknown[] }).items.length === 0, 120_000).catch(() => undefined);

  const k50 = percentile(kubeletLat, 0.5);
  const k99 = percentile(kubeletLat, 0.99);
  const b50 = percentile(baseLat, 0.5);
  const b99 = percentile(baseLat, 0.99);
  const f = (n: number) => n.toFixed(0);
  console.log(`# kubelet benchmark — ${machineLine({ pods: String(N) })}`);
  console.log('| measure | p50 ms | p99 ms |');
  console.log('| --- | --- | --- |');
  console.log(`| pod create → Running (watch), ${N} pods × 2 containers, through tskubelet | ${f(k50)} | ${f(k99)} |`);
  console.log(`| same containers via dockerode create+start (pause + 2 × busybox), baseline | ${f(b50)} | ${f(b99)} |`);
  console.log(`| ratio kubelet / baseline | ${(k50 / b50).toFixed(2)}× | ${(k99 / b99).toFixed(2)}× |`);
  console.log(`\nkubelet RSS: idle ${idleRss.toFixed(1)} MiB, after ${N} pods ${loadedRss.toFixed(1)} MiB`);
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

try {
  await main();
} finally {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
}
