/**
 * scheduler-core alone: schedule 10 000 pods onto 500 and 5000 nodes with the default plugins
 * (mixed requests, some pods with a nodeSelector, a few RCs for spreading), assuming each
 * placement in the cache as the real scheduler does (snapshot → schedule → assume per pod).
 * Beside it, in the same run, a trivial baseline over the same cache and pods: the first node
 * with enough free cpu. Prints pods/s, p50/p99 per pod and the ratio ours/baseline. Nothing is
 * asserted; the targets (≥ 3000 pods/s at 500 nodes, ≥ 500 at 5000) are read off.
 *
 *   npx tsx tools/bench/scheduler/core.ts [--pods 10000] [--nodes 500,5000] [--reps 3]
 */
import { parseArgs } from 'node:util';
import {
  createGenericScheduler,
  createRandom,
  createSchedulerCache,
  podRequests,
  staticSpreadSelectors,
  type SchedNode,
  type SchedPod,
  type SpreadSelector,
} from '@tskube/scheduler-core';
import { machineLine, markdownTable, median, percentile } from '../harness.js';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '500,5000' },
    reps: { type: 'string', default: '3' },
  },
});
const POD_COUNT = Number(values.pods);
const NODE_COUNTS = values.nodes.split(',').map(Number);
const REPS = Number(values.reps);
const RC_COUNT = 5;

function makeNodes(n: number): SchedNode[] {
  return Array.from({ length: n }, (_, i) => {
    const allocatable = { cpu: '32', memory: '128Gi', pods: '110' };
    return {
      metadata: {
        name: `node-${i}`,
        labels: {
          'kubernetes.io/hostname': `node-${i}`,
          ...(i % 3 === 0 ? { disk: 'ssd' } : {}),
        },
      },
      status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
    } as SchedNode;
  });
}

const CPUS = ['100m', '250m', '500m', '1'];
const MEMS = ['128Mi', '256Mi', '512Mi', '1Gi'];

/** The same pods every call (seeded), as fresh objects so each run pays for parsing requests. */
function makePods(count: number): SchedPod[] {
  const rnd = createRandom(42);
  return Array.from({ length: count }, (_, i) => {
    const kind = rnd.next();
    const rc = i % 10 < 3 ? `rc-${i % RC_COUNT}` : undefined; // 30% belong to an RC
    const noRequests = kind < 0.1;
    const requests = { cpu: CPUS[rnd.intn(CPUS.length)] as string, memory: MEMS[rnd.intn(MEMS.length)] as string };
    return {
      metadata: { name: `pod-${i}`, namespace: 'default', uid: `uid-${i}`, labels: rc ? { app: rc } : { app: `solo-${i}` } },
      spec: {
        containers: [{ name: 'c', image: 'busybox', ...(noRequests ? {} : { resources: { requests } }) }],
        ...(kind > 0.9 ? { nodeSelector: { disk: 'ssd' } } : {}),
      },
    } as SchedPod;
  });
}

const controllers: SpreadSelector[] = Array.from({ length: RC_COUNT }, (_, i) => ({
  namespace: 'default',
  selector: { app: `rc-${i}` },
}));

interface Run {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  unscheduled: number;
  /** Mean nodes filtered per pod (the sampling window). */
  evaluated: number;
  /** Nodes whose requests exceed allocatable at the end (must be 0). */
  overcommitted: number;
}

let evaluatedSum = 0;

function measure(nodeCount: number, place: (pod: SchedPod, cache: ReturnType<typeof createSchedulerCache>) => string | undefined): Run {
  evaluatedSum = 0;
  const cache = createSchedulerCache();
  for (const n of makeNodes(nodeCount)) cache.addNode(n);
  const pods = makePods(POD_COUNT);
  const latencies = new Float64Array(pods.length);
  let unscheduled = 0;
  const start = performance.now();
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i] as SchedPod;
    const t0 = performance.now();
    const node = place(pod, cache);
    if (node) cache.assumePod(pod, node);
    else unscheduled++;
    latencies[i] = performance.now() - t0;
  }
  const seconds = (performance.now() - start) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const overcommitted = cache
    .snapshot()
    .nodes.filter((n) => n.requested.milliCPU > n.allocatable.milliCPU || n.requested.memory > n.allocatable.memory || n.pods.length > n.allocatable.pods).length;
  return {
    perSecond: pods.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    unscheduled,
    evaluated: evaluatedSum / pods.length,
    overcommitted,
  };
}

function ours(nodeCount: number): Run {
  const sched = createGenericScheduler({
    random: createRandom(1),
    spreadSelectors: staticSpreadSelectors({ controllers }),
  });
  return measure(nodeCount, (pod, cache) => {
    const r = sched.schedule(pod, cache.snapshot());
    if (r.ok) evaluatedSum += r.evaluatedNodes;
    return r.ok ? r.node : undefined;
  });
}

function baseline(nodeCount: number): Run {
  return measure(nodeCount, (pod, cache) => {
    const cpu = podRequests(pod).requested.milliCPU;
    for (const n of cache.snapshot().nodes) {
      if (n.allocatable.milliCPU - n.requested.milliCPU >= cpu) return n.name;
    }
    return undefined;
  });
}

const fmt = (x: number, d = 0) => x.toFixed(d);
const rows: (string | number)[][] = [];
for (const nodeCount of NODE_COUNTS) {
  const o: Run[] = [];
  const b: Run[] = [];
  ours(nodeCount); // warm-up (JIT)
  baseline(nodeCount);
  for (let r = 0; r < REPS; r++) {
    b.push(baseline(nodeCount));
    o.push(ours(nodeCount));
  }
  const oRate = median(o.map((x) => x.perSecond));
  const bRate = median(b.map((x) => x.perSecond));
  rows.push([
    nodeCount,
    POD_COUNT,
    fmt(oRate),
    fmt(median(o.map((x) => x.p50Ms)), 3),
    fmt(median(o.map((x) => x.p99Ms)), 3),
    fmt(bRate),
    fmt(median(b.map((x) => x.p99Ms)), 3),
    fmt(oRate / bRate, 3),
    fmt(o[0]?.evaluated ?? 0),
    o[0]?.unscheduled ?? 0,
    o[0]?.overcommitted ?? 0,
  ]);
}

console.log(`scheduler-core: default plugins, snapshot → schedule → assume per pod; median of ${REPS} runs`);
console.log(machineLine());
console.log();
console.log(
  markdownTable(
    ['nodes', 'pods', 'pods/s', 'p50 ms', 'p99 ms', 'baseline pods/s', 'baseline p99 ms', 'ratio ours/baseline', 'nodes filtered/pod', 'unscheduled', 'over-committed nodes'],
    rows,
  ),
);
