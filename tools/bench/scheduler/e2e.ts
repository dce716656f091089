/**
 * Scheduler end to end through the apiserver (not a test: nothing is asserted). performance.md M4.
 *  - baseline: raw `POST pods/{name}/binding` for N pre-created pods at the scheduler's bind
 *    concurrency, through the same apiserver and the same client: the ceiling the scheduler can hit;
 *  - scheduler: tskube-scheduler in-process (leader election off, client rate limit raised) with
 *    M Node objects; N pods created at once; pods bound per second from the first create to the
 *    last binding seen through a watch, and create→bound latency per pod.
 *  - backlog: N more pods created while no scheduler runs, then a fresh scheduler drains them:
 *    its own ceiling, no longer bounded by how fast the generator creates pods.
 * Ratio R_s = scheduler pods/s ÷ binding rps (≥ 0.8: the scheduler is not the bottleneck).
 * etcd is our own; the apiserver is the built bin in its own process, so it has its own core.
 *
 *   npx nx run-many -t build && npx tsx tools/bench/scheduler/e2e.ts [-- --nodes 1000 --pods 3000]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Node, Pod } from '@tskube/api-types';
import { createClient } from '@tskube/client';
import { createLogger, parseFlags, silentLogger } from '@tskube/component-base';
import { BIND_CONCURRENCY, schedulerFlags, startScheduler } from '@tskube/scheduler';
import { freePort, startEtcd } from '../../src/index.js';
import { machineLine, markdownTable, percentile, runAtConcurrency } from '../harness.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '3000' },
    'create-concurrency': { type: 'string', default: '16' },
  },
});
const nodeCount = Number(values.nodes);
const podCount = Number(values.pods);
const createConcurrency = Number(values['create-concurrency']);
const root = fileURLToPath(new URL('../../..', import.meta.url));

const node = (name: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, zone: `zone-${name.length % 3}` } },
  status: {
    capacity: { cpu: '32', memory: '64Gi', pods: '110' },
    allocatable: { cpu: '32', memory: '64Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
  },
});

const pod = (namespace: string, name: string, schedulerName: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { app: 'bench' } },
  spec: {
    schedulerName,
    containers: [{ name: 'c', image: 'tskube/busybox:latest', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
  },
});

const etcd = await startEtcd({});
const port = await freePort();
const apiserver = spawn(
  process.execPath,
  ['apps/apiserver/dist/main.js', `--etcd-servers=${etcd.endpoint}`, '--etcd-prefix=/bench-scheduler', '--secure-port=0', `--insecure-port=${port}`, '--log-level=warn'],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
const server = `http://127.0.0.1:${port}`;
// The bench's own client is not rate limited, so the generator never holds either side back.
const client = createClient({ server, qps: 1e6, burst: 1e6 });

try {
  for (let i = 0; ; i++) {
    const ready = await fetch(`${server}/readyz`).catch(() => undefined);
    if (ready?.status === 200) break;
    if (i > 300) throw new Error('the apiserver did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`# scheduler e2e bench: ${machineLine({ nodes: String(nodeCount), pods: String(podCount), bindConcurrency: String(BIND_CONCURRENCY) })}`);
  for (const ns of ['bench-baseline', 'bench']) await client.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const nodesCreated = await runAtConcurrency(32, nodeCount, (i) => client.nodes.create(undefined, node(`node-${i}`)));
  console.log(`# created ${nodeCount} nodes at ${nodesCreated.perSecond.toFixed(0)}/s`);

  // Baseline: the same number of binds, no scheduling, at the scheduler's bind concurrency.
  await runAtConcurrency(32, podCount, (i) => client.pods.create('bench-baseline', pod('bench-baseline', `base-${i}`, 'nobody')));
  const binding = await runAtConcurrency(BIND_CONCURRENCY, podCount, (i) => client.pods.bind('bench-baseline', `base-${i}`, `node-${i % nodeCount}`));
  await runAtConcurrency(32, podCount, (i) => client.pods.delete('bench-baseline', `base-${i}`, { gracePeriodSeconds: 0 }));

  const config = parseFlags(schedulerFlags, [`--master=${server}`, '--port=0', '--leader-elect=false', '--kube-api-qps=100000', '--kube-api-burst=100000'], {});
  const startSched = async () => {
    const scheduler = await startScheduler(config, { logger: process.env['BENCH_LOG'] ? createLogger({ component: 'scheduler', level: process.env['BENCH_LOG'] }) : silentLogger(), seed: 1 });
    for (let i = 0; ; i++) {
      const ready = await fetch(scheduler.url + '/readyz').catch(() => undefined);
      if (ready?.status === 200) return scheduler;
      if (i > 600) throw new Error('the scheduler did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** When each pod of the namespace was first seen bound, through a watch started now. */
  const watchBinds = async (namespace: string) => {
    const list = await client.pods.list(namespace);
    const bound = new Map<string, number>();
    const stop = new AbortController();
    let allBound!: () => void;
    const done = new Promise<void>((resolve) => (allBound = resolve));
    const watching = (async () => {
      for await (const e of client.pods.watch(namespace, { resourceVersion: list.metadata?.resourceVersion ?? '', signal: stop.signal })) {
        const name = e.object.metadata?.name ?? '';
        if (e.object.spec?.nodeName && !bound.has(name)) {
          bound.set(name, performance.now());
          if (bound.size === podCount) allBound();
        }
      }
    })().catch(() => undefined);
    return { bound, done: done.then(async () => (stop.abort(), await watching)) };
  };
  /** The scheduler's own count, once its last bind response is in. */
  const scheduledAttempts = async (url: string): Promise<string> => {
    let n = '?';
    for (let i = 0; i < 50 && n !== String(podCount); i++) {
      n = (await (await fetch(url)).text()).match(/scheduler_schedule_attempts_total\{result="scheduled"[^}]*\} (\d+)/)?.[1] ?? '?';
      if (n !== String(podCount)) await new Promise((r) => setTimeout(r, 100));
    }
    return n;
  };

  // Run 1 (the brief's measure): pods created at once while the scheduler runs.
  let scheduler = await startSched();
  const created = new Map<string, number>();
  const w1 = await watchBinds('bench');
  const start = performance.now();
  const creates = await runAtConcurrency(createConcurrency, podCount, async (i) => {
    const name = `pod-${i}`;
    await client.pods.create('bench', pod('bench', name, 'default-scheduler'));
    created.set(name, performance.now());
  });
  await w1.done;
  const seconds = (Math.max(...w1.bound.values()) - start) / 1000;
  const attempts = await scheduledAttempts(scheduler.metricsUrl);
  await scheduler.stop();
  const bound = w1.bound;

  // Keep the store at N pods: an unpaginated list of 2N pods exceeds etcd's 4 MiB gRPC message limit
  // in our registry today (RESOURCE_EXHAUSTED), and the informer lists without paging.
  await runAtConcurrency(32, podCount, (i) => client.pods.delete('bench', `pod-${i}`, { gracePeriodSeconds: 0 }));

  // Run 2: a backlog of pods created while no scheduler runs, then one starts: the scheduler's own
  // ceiling, no longer held back by how fast pods are created.
  await client.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-backlog' } });
  await runAtConcurrency(32, podCount, (i) => client.pods.create('bench-backlog', pod('bench-backlog', `pod-${i}`, 'default-scheduler')));
  const w2 = await watchBinds('bench-backlog');
  const start2 = performance.now();
  scheduler = await startSched();
  const ready2 = performance.now();
  await w2.done;
  const backlogFirst = Math.min(...w2.bound.values());
  const backlogLast = Math.max(...w2.bound.values());
  const attempts2 = await scheduledAttempts(scheduler.metricsUrl);
  await scheduler.stop();
  const backlogRate = podCount / ((backlogLast - backlogFirst) / 1000);

  const latencies = [...bound].map(([name, t]) => t - (created.get(name) ?? start)).sort((a, b) => a - b);
  const rate = podCount / seconds;
  console.log('');
  console.log(
    markdownTable(
      ['measure', 'value'],
      [
        [`raw POST pods/{name}/binding, ${podCount} pods, concurrency ${BIND_CONCURRENCY} (baseline)`, `${binding.perSecond.toFixed(0)} binds/s (p50 ${binding.p50Ms.toFixed(1)} ms, p99 ${binding.p99Ms.toFixed(1)} ms)`],
        [`pod creates during the scheduler run, concurrency ${createConcurrency}`, `${creates.perSecond.toFixed(0)} creates/s (${creates.seconds.toFixed(1)} s)`],
        [`scheduler: ${podCount} pods on ${nodeCount} nodes, first create → last bind seen`, `${rate.toFixed(0)} pods/s (${seconds.toFixed(1)} s)`],
        ['scheduler: create → bound per pod', `p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms`],
        ['**R_s = scheduler pods/s ÷ binding rps**', `**${(rate / binding.perSecond).toFixed(2)}**`],
        [`backlog: ${podCount} pods pending when the scheduler starts, first → last bind`, `${backlogRate.toFixed(0)} pods/s (start → ready ${((ready2 - start2) / 1000).toFixed(1)} s, start → last bind ${((backlogLast - start2) / 1000).toFixed(1)} s)`],
        ['**backlog R_s = backlog pods/s ÷ binding rps**', `**${(backlogRate / binding.perSecond).toFixed(2)}**`],
        ['scheduled attempts (scheduler metric, run 1 / backlog)', `${attempts} / ${attempts2}`],
      ],
    ),
  );
} finally {
  client.close();
  if (apiserver.exitCode === null) {
    apiserver.kill('SIGTERM');
    await new Promise((r) => apiserver.once('exit', r));
  }
  await etcd.stop();
}
