/**
 * `/stats/summary` (the seed's cAdvisor role): node cpu/memory from /proc, pods and containers
 * from the runtime's stats, pod network from the sandbox's stats. Shape of upstream's
 * stats/v1alpha1 Summary, as far as it is filled.
 *
 * CPU `usageNanoCores` is a rate, so it needs two samples of the cumulative counters: cAdvisor
 * keeps sampling in the background; we keep each summary's samples (CpuRates) and rate against
 * the previous summary's. The first summary that finds a counter it has no earlier sample of
 * samples again after a short wait, so even the first answer has rates (what `kubectl top` reads).
 */
import { readFile } from 'node:fs/promises';
import type { Pod } from '@tskube/api-types';
import type { ContainerRuntime, ContainerStats } from '../runtime/types.js';
import type { Snapshot } from '../kubelet/runtime-cache.js';

const USER_HZ = 100;
/** Two samples closer than this give no rate (the older one stays the base). */
export const MIN_RATE_WINDOW_MS = 500;
/** How long the first summary waits before its second sample. */
export const COLD_START_WAIT_MS = 1000;
const NODE_KEY = '/node';

export async function nodeCpuNanoSeconds(): Promise<number | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system (idle iowait excluded) irq softirq steal
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return (busy / USER_HZ) * 1e9;
  } catch {
    return undefined;
  }
}

export async function nodeMemory(): Promise<{ availableBytes: number; usageBytes: number; workingSetBytes: number } | undefined> {
  try {
    const text = await readFile('/proc/meminfo', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
    const total = kb('MemTotal');
    const available = kb('MemAvailable');
    const free = kb('MemFree');
    return { availableBytes: available, usageBytes: total - free, workingSetBytes: total - available };
  } catch {
    return undefined;
  }
}

interface CpuSample {
  total: number;
  at: number;
  rate?: number;
}

/** Cumulative CPU counters (ns) turned into rates (nanocores) between samples, per key. */
export class CpuRates {
  readonly #samples = new Map<string, CpuSample>();

  /** The rate since the previous sample of `key` (the last rate when that is too recent); undefined at first. */
  observe(key: string, totalNs: number, atMs: number): number | undefined {
    const prev = this.#samples.get(key);
    // A counter that went back belongs to something new under the same key: start over.
    if (!prev || totalNs < prev.total || atMs < prev.at) {
      this.#samples.set(key, { total: totalNs, at: atMs });
      return undefined;
    }
    const dt = atMs - prev.at;
    if (dt < MIN_RATE_WINDOW_MS) return prev.rate;
    // ns of CPU per ms of wall time × 1e3 = ns of CPU per s = nanocores.
    const rate = Math.round(((totalNs - prev.total) / dt) * 1e3);
    this.#samples.set(key, { total: totalNs, at: atMs, rate });
    return rate;
  }

  /** Forgets every key but these (containers that are gone). */
  retain(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const k of this.#samples.keys()) if (!keep.has(k)) this.#samples.delete(k);
  }
}

/** One CpuRates per runtime, so several kubelets in one process keep apart. */
const ratesByRuntime = new WeakMap<object, CpuRates>();

const iso = (ms: number) => new Date(ms).toISOString();

function cpuMem(s: ContainerStats | undefined, rate: number | undefined) {
  if (!s) return {};
  const t = iso(s.timestamp);
  return {
    cpu: { time: t, usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds, ...(rate !== undefined ? { usageNanoCores: rate } : {}) },
    memory: { time: t, usageBytes: s.memoryUsageBytes, workingSetBytes: s.memoryWorkingSetBytes },
  };
}

export interface StatsSummaryOptions {
  nodeName: string;
  pods: Pod[];
  snapshot: Snapshot;
  runtime: Pick<ContainerRuntime, 'stats'>;
  now: number;
  /** Where samples are kept between summaries; by default one per runtime. */
  rates?: CpuRates;
  /** Node counters; by default from /proc (tests pass their own). */
  node?: { cpuNanoSeconds(): Promise<number | undefined>; memory: typeof nodeMemory; now(): number };
  sleep?: (ms: number) => Promise<void>;
}

const procNode = { cpuNanoSeconds: nodeCpuNanoSeconds, memory: nodeMemory, now: () => Date.now() };
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function statsSummary(opts: StatsSummaryOptions) {
  const { snapshot } = opts;
  const node = opts.node ?? procNode;
  let rates = opts.rates ?? ratesByRuntime.get(opts.runtime);
  if (!rates) {
    rates = new CpuRates();
    ratesByRuntime.set(opts.runtime, rates);
  }
  const running = snapshot.containers.filter((c) => c.state === 'running');
  const sandboxes = snapshot.sandboxes.filter((s) => s.state === 'ready');
  const ids = [...running.map((c) => c.id), ...sandboxes.map((s) => s.id)];
  const runningIds = new Set(running.map((c) => c.id));

  const sample = async () => {
    const [stats, cpuNs, mem] = await Promise.all([
      ids.length > 0 ? opts.runtime.stats(ids).catch(() => [] as ContainerStats[]) : ([] as ContainerStats[]),
      node.cpuNanoSeconds(),
      node.memory(),
    ]);
    const at = node.now();
    const rateById = new Map<string, number | undefined>();
    for (const s of stats) rateById.set(s.id, s.cpuUsageNanoCores ?? rates.observe(s.id, s.cpuUsageCoreNanoSeconds, s.timestamp));
    const nodeRate = cpuNs === undefined ? undefined : rates.observe(NODE_KEY, cpuNs, at);
    const complete = (cpuNs === undefined || nodeRate !== undefined) && stats.every((s) => !runningIds.has(s.id) || rateById.get(s.id) !== undefined);
    return { stats, cpuNs, mem, rateById, nodeRate, complete };
  };
  let sampled = await sample();
  if (!sampled.complete) {
    await (opts.sleep ?? delay)(COLD_START_WAIT_MS);
    sampled = await sample();
  }
  rates.retain([NODE_KEY, ...ids]);

  const { stats, cpuNs, mem, rateById, nodeRate } = sampled;
  const byId = new Map(stats.map((s) => [s.id, s]));
  const t = iso(opts.now);
  const pods = opts.pods.map((pod) => {
    const uid = pod.metadata?.uid ?? '';
    const view = snapshot.pod(uid);
    const containers = view.containers
      .filter((c) => c.state === 'running')
      .map((c) => ({ name: c.name, startTime: iso(c.startedAt ?? c.createdAt), ...cpuMem(byId.get(c.id), rateById.get(c.id)) }));
    const measured = view.containers.filter((c) => byId.has(c.id));
    const sum = (f: (s: ContainerStats, id: string) => number) => measured.reduce((n, c) => n + f(byId.get(c.id)!, c.id), 0);
    const sandbox = view.sandboxes.find((s) => s.state === 'ready');
    const net = sandbox ? byId.get(sandbox.id) : undefined;
    return {
      podRef: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid },
      startTime: pod.status?.startTime ?? t,
      containers,
      cpu: { time: t, usageCoreNanoSeconds: sum((s) => s.cpuUsageCoreNanoSeconds), usageNanoCores: sum((_, id) => rateById.get(id) ?? 0) },
      memory: { time: t, usageBytes: sum((s) => s.memoryUsageBytes), workingSetBytes: sum((s) => s.memoryWorkingSetBytes) },
      ...(net ? { network: { time: t, name: 'eth0', rxBytes: net.rxBytes ?? 0, txBytes: net.txBytes ?? 0 } } : {}),
    };
  });
  return {
    node: {
      nodeName: opts.nodeName,
      startTime: t,
      ...(cpuNs !== undefined ? { cpu: { time: t, usageCoreNanoSeconds: cpuNs, ...(nodeRate !== undefined ? { usageNanoCores: nodeRate } : {}) } } : {}),
      ...(mem ? { memory: { time: t, ...mem } } : {}),
    },
    pods,
  };
}
