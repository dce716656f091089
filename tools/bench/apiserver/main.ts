/**
 * apiserver benchmark (not a test: nothing is asserted).
 *  1. Pod creates/s and p50/p99 latency over HTTP (keep-alive) at concurrency 1, 16, 64, beside
 *     the raw etcd3 conditional put of the same stored bytes in the same run (ratio).
 *  2. Watch fan-out: N concurrent pod watches over HTTP, one pod updated R times; latency from
 *     sending each update to its arrival at every watcher (p50/p99), beside one direct etcd watch.
 *  3. apiserver RSS idle (after start) and its high-water mark after the load.
 * The apiserver runs as its own process (the built bin), so its RSS and CPU are its own.
 *
 *   npm run bench:apiserver [-- --ops 2000 --reps 3 --watchers 1000 --updates 20]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { freePort, startEtcd } from '../../src/index.js';
import { benchPod, compareCreates, machineLine, markdownTable, percentile } from '../harness.js';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16,64' },
    watchers: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '20' },
  },
});
const opsPerRun = Number(values.ops);
const reps = Number(values.reps);
const levels = values.concurrency.split(',').map(Number);
const watcherCount = Number(values.watchers);
const updates = Number(values.updates);

const root = fileURLToPath(new URL('../../..', import.meta.url));
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: data ? { 'content-type': contentType } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(port: number, method: string, path: string, body?: unknown, ct?: string): Promise<unknown> {
  const res = await request(port, method, path, body, ct);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

const pod = benchPod;

const rssKiB = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field));
  return Number(line?.match(/(\d+)/)?.[1] ?? NaN);
};

const external = process.env.TSKUBE_BENCH_ETCD;
const etcd = external ? undefined : await startEtcd({});
const endpoint = external ?? etcd!.endpoint;
const raw = new Etcd3({ hosts: endpoint });
const port = await freePort();
const prefix = `/bench-${Date.now()}`;
const apiserver = spawn(
  process.execPath,
  [
    'apps/apiserver/dist/main.js',
    `--etcd-servers=${endpoint}`,
    `--etcd-prefix=${prefix}`,
    '--secure-port=0',
    `--insecure-port=${port}`,
    '--log-level=warn',
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
const stopApiserver = async (): Promise<void> => {
  if (apiserver.exitCode !== null) return;
  apiserver.kill('SIGTERM');
  await new Promise((r) => apiserver.once('exit', r));
};

try {
  for (let i = 0; ; i++) {
    const ready = await request(port, 'GET', '/readyz').catch(() => undefined);
    if (ready?.status === 200) break;
    if (i > 300) throw new Error('the apiserver did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = apiserver.pid!;
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssKiB(pid, 'VmRSS');
  await ok(port, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  await ok(port, 'POST', '/api/v1/namespaces/bench/pods', pod('size-probe'));
  const stored = await raw.get(`${prefix}/registry/pods/bench/size-probe`).string();
  if (!stored) throw new Error('could not read the stored pod back from etcd');
  console.log(`# apiserver bench: ${machineLine({ etcd: endpoint, valueBytes: String(stored.length) })}`);

  // 1. creates
  const createRows = (
    await compareCreates({
      levels,
      reps,
      ops: opsPerRun,
      rawPut: (key) => raw.if(key, 'Create', '==', 0).then(raw.put(key).value(stored)).commit(),
      create: (name) => ok(port, 'POST', '/api/v1/namespaces/bench/pods', pod(name)),
      onLevel: ({ concurrency, raw: r, subject: s }) =>
        console.log(`concurrency ${concurrency}: raw ${r.perSecond.toFixed(0)}/s apiserver ${s.perSecond.toFixed(0)}/s ratio ${(s.perSecond / r.perSecond).toFixed(2)}`),
    })
  ).map(({ concurrency, raw: r, subject: s }) => [
    concurrency,
    r.perSecond.toFixed(0),
    s.perSecond.toFixed(0),
    (s.perSecond / r.perSecond).toFixed(2),
    r.p50Ms.toFixed(2),
    s.p50Ms.toFixed(2),
    s.p99Ms.toFixed(2),
  ]);

  // 2. watch fan-out
  const target = (await ok(port, 'POST', '/api/v1/namespaces/bench/pods', pod('watched'))) as {
    metadata: { resourceVersion: string };
  };
  const sentAt = new Map<string, bigint>();
  const lags: number[] = [];
  const etcdLags: number[] = [];
  let connected = 0;
  const requests: http.ClientRequest[] = [];
  await new Promise<void>((allConnected, fail) => {
    for (let w = 0; w < watcherCount; w++) {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          agent,
          path: `/api/v1/namespaces/bench/pods?watch=1&fieldSelector=metadata.name%3Dwatched&resourceVersion=${target.metadata.resourceVersion}`,
        },
        (res) => {
          if (++connected === watcherCount) allConnected();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              const ev = JSON.parse(line) as { object: { metadata: { labels?: Record<string, string> } } };
              const t0 = sentAt.get(ev.object.metadata.labels?.round ?? '');
              if (t0 !== undefined) lags.push(Number(process.hrtime.bigint() - t0) / 1e6);
            }
          });
        },
      );
      req.on('error', fail);
      requests.push(req);
    }
  });
  const etcdWatch = await raw.watch().key(`${prefix}/registry/pods/bench/watched`).create();
  etcdWatch.on('put', (kv) => {
    const round = (JSON.parse(kv.value.toString()) as { metadata: { labels?: Record<string, string> } }).metadata
      .labels?.round;
    const t0 = sentAt.get(round ?? '');
    if (t0 !== undefined) etcdLags.push(Number(process.hrtime.bigint() - t0) / 1e6);
  });
  for (let u = 0; u < updates; u++) {
    const round = `r${u}`;
    const expected = (u + 1) * watcherCount;
    sentAt.set(round, process.hrtime.bigint());
    await ok(
      port,
      'PATCH',
      '/api/v1/namespaces/bench/pods/watched',
      { metadata: { labels: { round } } },
      'application/merge-patch+json',
    );
    for (let i = 0; lags.length < expected && i < 1000; i++) await new Promise((r) => setTimeout(r, 10));
  }
  await etcdWatch.cancel();
  for (const r of requests) r.destroy();
  lags.sort((a, b) => a - b);
  etcdLags.sort((a, b) => a - b);
  const delivered = lags.length / (watcherCount * updates);

  const loadedRss = rssKiB(pid, 'VmHWM');

  console.log();
  console.log(
    markdownTable(
      ['concurrency', 'raw etcd3 txn-put/s', 'apiserver pod creates/s', 'ratio', 'raw p50 ms', 'apiserver p50 ms', 'apiserver p99 ms'],
      createRows,
    ),
  );
  console.log(`\n(${reps} repetitions of ${opsPerRun} creates per cell, the median run shown)\n`);
  console.log(
    markdownTable(
      ['watchers', 'updates', 'delivered', 'apiserver p50 ms', 'apiserver p99 ms', 'direct etcd watch p50 ms', 'direct etcd watch p99 ms'],
      [
        [
          watcherCount,
          updates,
          `${(delivered * 100).toFixed(1)}%`,
          percentile(lags, 0.5).toFixed(1),
          percentile(lags, 0.99).toFixed(1),
          percentile(etcdLags, 0.5).toFixed(1),
          percentile(etcdLags, 0.99).toFixed(1),
        ],
      ],
    ),
  );
  console.log();
  console.log(
    markdownTable(
      ['apiserver RSS idle', 'apiserver RSS high-water after the load'],
      [[`${(idleRss / 1024).toFixed(0)} MiB`, `${(loadedRss / 1024).toFixed(0)} MiB`]],
    ),
  );
} finally {
  await stopApiserver();
  agent.destroy();
  raw.close();
  await etcd?.stop();
}
