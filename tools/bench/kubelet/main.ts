/**
 * kubelet benchmark (not a test: nothing is asserted). performance.md §8 M5, in two modes:
 *  - sequential: N pods (two busybox `sleep` containers each, plus the pause sandbox) created one
 *    after another, each awaited Running before the next;
 *  - burst: N pods created at once.
 * Pod latency is create → Running as seen through a pod watch (the SLI's definition); p50/p99.
 * Beside each, a baseline in the same run and mode: the same containers started directly with
 * dockerode (pause, then two busybox joined to its network namespace; create+start until
 * running), one pod at a time or all at once; ratio and Δ = kubelet − baseline. The node is
 * emptied between phases. Also the kubelet's RSS (its own process: the built bin), idle and after
 * each mode's load.
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
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureDockerd, ensureImages, freePort, parseDockerHost, type DockerdHandle } from '../../src/index.js';
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

async function main(docker: DockerdHandle): Promise<void> {
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

  // One pod watch for the whole run: the time each pod is first seen Running.
  const runningAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
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
          if (ev.object.status?.phase === 'Running' && !runningAt.has(name)) {
            runningAt.set(name, performance.now());
            waiters.get(name)?.();
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  const isRunning = (name: string) =>
    new Promise<void>((resolve, reject) => {
      if (runningAt.has(name)) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${name} Running`)), 120_000);
      waiters.set(name, () => {
        clearTimeout(timer);
        resolve();
      });
    });

  const sleeper = (name: string) => ({ name, image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] });
  /** Creates one pod through the apiserver, waits for the watch to see it Running; its latency. */
  const kubeletPod = async (name: string): Promise<number> => {
    const running = isRunning(name);
    const t0 = performance.now();
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [sleeper('a'), sleeper('b')] } };
    const r = await fetch(`${api}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`create ${name}: ${r.status} ${await r.text()}`);
    await running;
    return runningAt.get(name)! - t0;
  };
  const deletePods = async (names: string[]) => {
    await Promise.all(
      names.map((name) =>
        fetch(`${api}/api/v1/namespaces/default/pods/${name}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gracePeriodSeconds: 0 }) }),
      ),
    );
    await waitFor('pods removed', async () => ((await (await fetch(`${api}/api/v1/namespaces/default/pods`)).json()) as { items: unknown[] }).items.length === 0, 120_000).catch(() => undefined);
  };

  /** The same containers straight through dockerode: pause, then two busybox in its netns. */
  const baselineIds: string[] = [];
  const baselinePod = async (name: string): Promise<number> => {
    const t0 = performance.now();
    const labels = { 'io.tskube.bench': '1' };
    const pause = await dockerode.createContainer({ Image: PAUSE_IMAGE, name: `tskube-bench-pause-${name}-${process.pid}`, Labels: labels });
    baselineIds.push(pause.id);
    await pause.start();
    for (const n of ['a', 'b']) {
      const c = await dockerode.createContainer({
        Image: BUSYBOX_IMAGE,
        Cmd: ['sleep', '3600'],
        name: `tskube-bench-${n}-${name}-${process.pid}`,
        Labels: labels,
        HostConfig: { NetworkMode: `container:${pause.id}` },
      });
      baselineIds.push(c.id);
      await c.start();
      while (!(await c.inspect()).State.Running) await sleep(10);
    }
    return performance.now() - t0;
  };
  const removeBaseline = async () => {
    await Promise.all(baselineIds.splice(0).map((id) => dockerode.getContainer(id).remove({ force: true }).catch(() => undefined)));
  };

  const names = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}-${i}`);
  const sequential = async (op: (name: string) => Promise<number>, prefix: string) => {
    const out: number[] = [];
    for (const name of names(prefix)) out.push(await op(name));
    return out.sort((a, b) => a - b);
  };
  const burst = async (op: (name: string) => Promise<number>, prefix: string) => (await Promise.all(names(prefix).map(op))).sort((a, b) => a - b);

  // Sequential, then the burst; each phase starts from an empty node. On a failure the pods are
  // deleted while the kubelet still runs (it leaves containers behind when stopped).
  let seqKubelet: number[], seqBase: number[], burstKubelet: number[], burstBase: number[];
  let seqRss: number, burstRss: number;
  try {
    seqKubelet = await sequential(kubeletPod, 'seq');
    seqRss = rssMiB(kubelet.pid!);
    await deletePods(names('seq'));
    seqBase = await sequential(baselinePod, 'seq');
    await removeBaseline();
    await sleep(2000);
    burstKubelet = await burst(kubeletPod, 'burst');
    burstRss = rssMiB(kubelet.pid!);
    await deletePods(names('burst'));
    burstBase = await burst(baselinePod, 'burst');
  } finally {
    watchAbort.abort();
    await removeBaseline();
    await deletePods([...names('seq'), ...names('burst')]);
  }

  const f = (n: number) => n.toFixed(0);
  console.log(`# kubelet benchmark — ${machineLine({ pods: String(N) })}`);
  console.log('| mode | measure | p50 ms | p99 ms |');
  console.log('| --- | --- | --- | --- |');
  for (const [mode, k, b] of [
    [`sequential, ${N} pods one at a time`, seqKubelet, seqBase],
    [`burst, ${N} pods at once`, burstKubelet, burstBase],
  ] as const) {
    const [k50, k99, b50, b99] = [percentile(k, 0.5), percentile(k, 0.99), percentile(b, 0.5), percentile(b, 0.99)];
    console.log(`| ${mode} | pod create → Running (watch), 2 containers + pause, through tskubelet | ${f(k50)} | ${f(k99)} |`);
    console.log(`| ${mode} | same containers via dockerode create+start (pause + 2 × busybox), baseline | ${f(b50)} | ${f(b99)} |`);
    console.log(`| ${mode} | ratio kubelet / baseline | ${(k50 / b50).toFixed(2)}× | ${(k99 / b99).toFixed(2)}× |`);
    console.log(`| ${mode} | Δ kubelet − baseline | ${f(k50 - b50)} | ${f(k99 - b99)} |`);
  }
  console.log(`\nkubelet RSS: idle ${idleRss.toFixed(1)} MiB, after ${N} sequential pods ${seqRss.toFixed(1)} MiB, after a burst of ${N} pods ${burstRss.toFixed(1)} MiB`);
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

const docker = await ensureDockerd();
try {
  await main(docker);
} finally {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await docker.stop(); // only a dockerd this run started
}
