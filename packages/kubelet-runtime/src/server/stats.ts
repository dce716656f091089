/**
 * `/stats/summary` (the seed's cAdvisor role): node cpu/memory from /proc, pods and containers
 * from the runtime's stats, pod network from the sandbox's stats. Shape of upstream's
 * stats/v1alpha1 Summary, as far as it is filled.
 */
import { readFile } from 'node:fs/promises';
import type { Pod } from '@tskube/api-types';
import type { ContainerRuntime, ContainerStats } from '../runtime/types.js';
import type { Snapshot } from '../kubelet/runtime-cache.js';

const USER_HZ = 100;

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

const iso = (ms: number) => new Date(ms).toISOString();

function cpuMem(s: ContainerStats | undefined) {
  if (!s) return {};
  const t = iso(s.timestamp);
  return {
    cpu: { time: t, usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds, ...(s.cpuUsageNanoCores !== undefined ? { usageNanoCores: s.cpuUsageNanoCores } : {}) },
    memory: { time: t, usageBytes: s.memoryUsageBytes, workingSetBytes: s.memoryWorkingSetBytes },
  };
}

export async function statsSummary(opts: { nodeName: string; pods: Pod[]; snapshot: Snapshot; runtime: Pick<ContainerRuntime, 'stats'>; now: number }) {
  const { snapshot } = opts;
  const running = snapshot.containers.filter((c) => c.state === 'running');
  const sandboxes = snapshot.sandboxes.filter((s) => s.state === 'ready');
  const ids = [...running.map((c) => c.id), ...sandboxes.map((s) => s.id)];
  const stats = ids.length > 0 ? await opts.runtime.stats(ids).catch(() => [] as ContainerStats[]) : [];
  const byId = new Map(stats.map((s) => [s.id, s]));
  const [cpuNs, mem] = await Promise.all([nodeCpuNanoSeconds(), nodeMemory()]);
  const t = iso(opts.now);
  const pods = opts.pods.map((pod) => {
    const uid = pod.metadata?.uid ?? '';
    const view = snapshot.pod(uid);
    const containers = view.containers
      .filter((c) => c.state === 'running')
      .map((c) => ({ name: c.name, startTime: iso(c.startedAt ?? c.createdAt), ...cpuMem(byId.get(c.id)) }));
    const sum = (f: (s: ContainerStats) => number) => view.containers.reduce((n, c) => n + (byId.has(c.id) ? f(byId.get(c.id)!) : 0), 0);
    const sandbox = view.sandboxes.find((s) => s.state === 'ready');
    const net = sandbox ? byId.get(sandbox.id) : undefined;
    return {
      podRef: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid },
      startTime: pod.status?.startTime ?? t,
      containers,
      cpu: { time: t, usageCoreNanoSeconds: sum((s) => s.cpuUsageCoreNanoSeconds), usageNanoCores: sum((s) => s.cpuUsageNanoCores ?? 0) },
      memory: { time: t, usageBytes: sum((s) => s.memoryUsageBytes), workingSetBytes: sum((s) => s.memoryWorkingSetBytes) },
      ...(net ? { network: { time: t, name: 'eth0', rxBytes: net.rxBytes ?? 0, txBytes: net.txBytes ?? 0 } } : {}),
    };
  });
  return {
    node: {
      nodeName: opts.nodeName,
      startTime: t,
      ...(cpuNs !== undefined ? { cpu: { time: t, usageCoreNanoSeconds: cpuNs } } : {}),
      ...(mem ? { memory: { time: t, ...mem } } : {}),
    },
    pods,
  };
}
