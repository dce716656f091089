import { describe, expect, it } from 'vitest';
import type { Pod } from '@tskube/api-types';
import { Snapshot } from '../kubelet/runtime-cache.js';
import type { ContainerStats, ContainerStatus, SandboxStatus } from '../runtime/types.js';
import { COLD_START_WAIT_MS, CpuRates, MIN_RATE_WINDOW_MS, statsSummary } from './stats.js';

describe('CpuRates', () => {
  it('has no rate for a first sample, then nanocores between samples', () => {
    const r = new CpuRates();
    expect(r.observe('c', 1_000_000_000, 10_000)).toBeUndefined();
    // 0.5 s of CPU over 2 s of wall time = 250m = 250_000_000n.
    expect(r.observe('c', 1_500_000_000, 12_000)).toBe(250_000_000);
  });

  it('keeps the older base (and answers the last rate) for a sample too close to it', () => {
    const r = new CpuRates();
    r.observe('c', 0, 0);
    expect(r.observe('c', 1e9, 1000)).toBe(1e9);
    expect(r.observe('c', 1e9 + 1, 1000 + MIN_RATE_WINDOW_MS - 1)).toBe(1e9);
    // Rated against the sample at 1000, not the close one.
    expect(r.observe('c', 1e9 + 2e9, 3000)).toBe(1e9);
  });

  it('starts over when a counter goes back, and forgets keys not retained', () => {
    const r = new CpuRates();
    r.observe('a', 5e9, 0);
    expect(r.observe('a', 1e9, 2000)).toBeUndefined();
    r.observe('b', 0, 0);
    r.retain(['a']);
    expect(r.observe('b', 1e9, 2000)).toBeUndefined();
    expect(r.observe('a', 3e9, 4000)).toBe(1e9);
  });
});

const UID = 'uid-1';
const sandbox: SandboxStatus = { id: 'sb', podUid: UID, podName: 'p', podNamespace: 'ns', state: 'ready', ip: '10.1.0.2', createdAt: 0, labels: {} };
const container = (id: string, name: string): ContainerStatus => ({
  id,
  sandboxId: 'sb',
  podUid: UID,
  name,
  image: 'busybox',
  imageId: 'sha256:x',
  state: 'running',
  createdAt: 1,
  startedAt: 2,
  restartCount: 0,
  specHash: 'h',
  labels: {},
});
const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: UID }, spec: { containers: [] } };
const snapshot = new Snapshot([sandbox], [container('c1', 'a'), container('c2', 'b')]);

/** A runtime and node whose counters advance by `perMs` ns of CPU per ms of a fake clock. */
function fakeHost(perMs: number, withRuntimeRate = false) {
  let clock = 100_000;
  const calls: number[] = [];
  const stat = (id: string): ContainerStats => ({
    id,
    timestamp: clock,
    cpuUsageCoreNanoSeconds: clock * perMs,
    memoryWorkingSetBytes: 4096,
    memoryUsageBytes: 8192,
    ...(withRuntimeRate ? { cpuUsageNanoCores: 7 } : {}),
  });
  return {
    runtime: { stats: async (ids?: string[]) => (calls.push(clock), (ids ?? []).map(stat)) },
    node: { cpuNanoSeconds: async () => clock * perMs * 2, memory: async () => ({ availableBytes: 1, usageBytes: 2, workingSetBytes: 3 }), now: () => clock },
    sleep: async (ms: number) => void (clock += ms),
    advance: (ms: number) => void (clock += ms),
    calls,
  };
}

describe('statsSummary', () => {
  it('samples twice on a cold start so node, pod and container CPU carry rates', async () => {
    const host = fakeHost(100); // 100 ns per ms = 100_000 nanocores per container
    const s = await statsSummary({ nodeName: 'n', pods: [pod], snapshot, runtime: host.runtime, now: 0, rates: new CpuRates(), node: host.node, sleep: host.sleep });
    expect(host.calls).toHaveLength(2);
    expect(host.calls[1]! - host.calls[0]!).toBe(COLD_START_WAIT_MS);
    expect(s.node.cpu?.usageNanoCores).toBe(200_000);
    expect(s.node.memory?.workingSetBytes).toBe(3);
    const p = s.pods[0]!;
    expect(p.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.memory?.workingSetBytes])).toEqual([
      ['a', 100_000, 4096],
      ['b', 100_000, 4096],
    ]);
    expect(p.cpu.usageNanoCores).toBe(200_000);
    expect(p.memory.workingSetBytes).toBe(8192);
  });

  it('rates a warm summary against the previous one without waiting', async () => {
    const host = fakeHost(300);
    const rates = new CpuRates();
    const opts = { nodeName: 'n', pods: [pod], snapshot, runtime: host.runtime, now: 0, rates, node: host.node, sleep: host.sleep };
    await statsSummary(opts);
    host.advance(5000);
    const s = await statsSummary(opts);
    expect(host.calls).toHaveLength(3);
    expect(s.pods[0]!.containers[0]!.cpu?.usageNanoCores).toBe(300_000);
  });

  it('uses a rate the runtime already measured', async () => {
    const host = fakeHost(1, true);
    const s = await statsSummary({ nodeName: 'n', pods: [pod], snapshot, runtime: host.runtime, now: 0, rates: new CpuRates(), node: { ...host.node, cpuNanoSeconds: async () => undefined }, sleep: host.sleep });
    expect(host.calls).toHaveLength(1);
    expect(s.pods[0]!.containers.map((c) => c.cpu?.usageNanoCores)).toEqual([7, 7]);
    expect(s.node.cpu).toBeUndefined();
  });
});
