import { describe, expect, it } from 'vitest';
import { createSchedulerCache } from '../cache/scheduler-cache.js';
import { newSelectorSpread, staticSpreadSelectors } from '../plugins/selector-spread/selector-spread.js';
import { makeNode, makePod, type NodeOpts } from '../testing/builders.js';
import type { SchedPod } from '../types.js';
import { ERR_NO_NODES_AVAILABLE, createGenericScheduler, numFeasibleNodesToFind } from './generic-scheduler.js';
import { createRandom } from './random.js';

function cacheWith(nodes: Record<string, NodeOpts>) {
  const cache = createSchedulerCache();
  for (const [name, o] of Object.entries(nodes)) cache.addNode(makeNode(name, o));
  return cache;
}

function uniformCache(n: number) {
  const cache = createSchedulerCache();
  for (let i = 0; i < n; i++) cache.addNode(makeNode(`n${i}`));
  return cache;
}

describe('numFeasibleNodesToFind', () => {
  it.each([
    { nodes: 50, pct: 0, want: 50 }, // below 100 nodes every node
    { nodes: 100, pct: 0, want: 100 }, // 49% of 100 is below the 100-node floor
    { nodes: 500, pct: 0, want: 230 }, // 50 − 500/125 = 46%
    { nodes: 1000, pct: 0, want: 420 }, // 42%
    { nodes: 5000, pct: 0, want: 500 }, // 10%
    { nodes: 6000, pct: 0, want: 300 }, // 50 − 48 = 2% → 5% floor
    { nodes: 1000, pct: 5, want: 100 }, // explicit 5% = 50 → 100-node floor
    { nodes: 5000, pct: 100, want: 5000 },
  ])('$nodes nodes at $pct% → $want', ({ nodes, pct, want }) => {
    expect(numFeasibleNodesToFind(nodes, pct)).toBe(want);
  });
});

describe('createGenericScheduler', () => {
  it.each([
    { nodes: 50, evaluated: 50 },
    { nodes: 500, evaluated: 230 },
    { nodes: 5000, evaluated: 500 },
  ])('samples $evaluated of $nodes nodes and starts the next cycle after them', ({ nodes, evaluated }) => {
    const sched = createGenericScheduler({ random: createRandom(1) });
    const snap = uniformCache(nodes).snapshot();
    const r = sched.schedule(makePod('p', { cpu: '100m' }), snap);
    expect(r).toMatchObject({ ok: true, evaluatedNodes: evaluated, feasibleNodes: evaluated });
    expect(sched.nextStartNodeIndex).toBe(evaluated % nodes);
    const r2 = sched.schedule(makePod('q', { cpu: '100m' }), snap);
    expect(r2).toMatchObject({ ok: true, evaluatedNodes: evaluated });
    expect(sched.nextStartNodeIndex).toBe((2 * evaluated) % nodes);
  });

  it('keeps filtering past infeasible nodes until enough feasible ones are found', () => {
    const cache = createSchedulerCache();
    for (let i = 0; i < 500; i++) cache.addNode(makeNode(`n${i}`, i % 2 === 0 ? { labels: { disk: 'ssd' } } : {}));
    const sched = createGenericScheduler({ random: createRandom(1) });
    const r = sched.schedule(makePod('p', { nodeSelector: { disk: 'ssd' } }), cache.snapshot());
    expect(r).toMatchObject({ ok: true, feasibleNodes: 230, evaluatedNodes: 459 });
    if (r.ok) expect(Number(r.node.slice(1)) % 2).toBe(0);
  });

  it('formats the FitError as upstream: reasons counted and sorted', () => {
    const cache = cacheWith({
      small: { cpu: '4', memory: '1Gi' },
      weak1: { cpu: '1', memory: '8Gi' },
      weak2: { cpu: '1', memory: '8Gi' },
    });
    const r = createGenericScheduler().schedule(makePod('p', { cpu: '2', memory: '2Gi' }), cache.snapshot());
    expect(r).toEqual({
      ok: false,
      message: '0/3 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.',
      diagnosis: new Map([
        ['small', ['Insufficient memory']],
        ['weak1', ['Insufficient cpu']],
        ['weak2', ['Insufficient cpu']],
      ]),
      retryable: true,
    });
  });

  it('mixes resolvable and unresolvable reasons; only unresolvable ones are not retryable', () => {
    const cache = cacheWith({
      a: { cpu: '1', memory: '1Gi' },
      b: { labels: { disk: 'hdd' } },
      c: { spec: { unschedulable: true } },
      d: { cpu: '1', memory: '8Gi', labels: { disk: 'ssd' } },
    });
    const pod = makePod('p', { cpu: '2', memory: '2Gi', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['hdd'] }] }] } } } } });
    const r = createGenericScheduler().schedule(pod, cache.snapshot());
    expect(r).toMatchObject({
      ok: false,
      message:
        "0/4 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable, 2 Insufficient cpu.",
      retryable: true,
    });
    const onlyUnresolvable = createGenericScheduler().schedule(makePod('q', { nodeSelector: { disk: 'nvme' } }), cache.snapshot());
    expect(onlyUnresolvable).toMatchObject({ ok: false, retryable: false });
  });

  it('reports no nodes at all as upstream', () => {
    expect(createGenericScheduler().schedule(makePod('p'), createSchedulerCache().snapshot())).toMatchObject({
      ok: false,
      message: ERR_NO_NODES_AVAILABLE,
    });
  });

  it('prefers the emptier node', () => {
    const cache = cacheWith({ busy: {}, idle: {} });
    cache.addPod(makePod('x', { cpu: '3', memory: '6Gi', nodeName: 'busy' }));
    const r = createGenericScheduler({ random: createRandom(7) }).schedule(makePod('p', { cpu: '100m' }), cache.snapshot());
    expect(r).toMatchObject({ ok: true, node: 'idle' });
  });

  it('breaks ties with the seeded RNG, deterministically', () => {
    const snap = uniformCache(20).snapshot();
    const picks = (seed: number) => {
      const sched = createGenericScheduler({ random: createRandom(seed) });
      return Array.from({ length: 30 }, (_, i) => {
        const r = sched.schedule(makePod(`p${i}`), snap);
        return r.ok ? r.node : '';
      });
    };
    const a = picks(1);
    expect(picks(1)).toEqual(a);
    expect(picks(2)).not.toEqual(a);
    // Every node scores the same, so the choice is spread over many nodes, not always the first.
    expect(new Set(a).size).toBeGreaterThan(5);
  });

  it.each([
    { name: 'SelectorSpread alone', scoresOnly: true },
    { name: 'the default profile', scoresOnly: false },
  ])("spreads an RC's pods across nodes ($name)", ({ scoresOnly }) => {
    const cache = uniformCache(3);
    const spreadSelectors = staticSpreadSelectors({ controllers: [{ namespace: 'default', selector: { app: 'web' } }] });
    const sched = createGenericScheduler({
      random: createRandom(3),
      spreadSelectors,
      ...(scoresOnly ? { scores: [newSelectorSpread({ spreadSelectors })] } : {}),
    });
    const perNode: Record<string, number> = {};
    for (let i = 0; i < 9; i++) {
      const pod: SchedPod = makePod(`web-${i}`, { labels: { app: 'web' } });
      const r = sched.schedule(pod, cache.snapshot());
      if (!r.ok) throw new Error(r.message);
      cache.assumePod(pod, r.node);
      perNode[r.node] = (perNode[r.node] ?? 0) + 1;
    }
    expect(perNode).toEqual({ n0: 3, n1: 3, n2: 3 });
  });

  it('never over-commits a node when each placement is assumed', () => {
    const cache = cacheWith({ a: { cpu: '2', memory: '2Gi' }, b: { cpu: '1', memory: '4Gi' }, c: { cpu: '4', memory: '1Gi' } });
    const sched = createGenericScheduler({ random: createRandom(5) });
    let bound = 0;
    for (let i = 0; i < 40; i++) {
      const pod = makePod(`p${i}`, { cpu: '300m', memory: '256Mi' });
      const r = sched.schedule(pod, cache.snapshot());
      if (!r.ok) continue;
      cache.assumePod(pod, r.node);
      bound++;
    }
    const snap = cache.snapshot();
    for (const n of snap.nodes) {
      expect(n.requested.milliCPU).toBeLessThanOrEqual(n.allocatable.milliCPU);
      expect(n.requested.memory).toBeLessThanOrEqual(n.allocatable.memory);
    }
    // 6 + 3 + 4 (memory-bound: 1Gi / 256Mi) pods fit.
    expect(bound).toBe(13);
  });
});
