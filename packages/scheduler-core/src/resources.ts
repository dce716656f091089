/**
 * What a pod asks of a node, computed once per pod object and memoised: resource requests (as
 * upstream's `computePodResourceRequest`: max(sum(containers), max(initContainers)) + overhead),
 * the scoring-only non-zero requests (`GetNonzeroRequests`), host ports and hostPath volumes.
 */
import { parseQuantity } from '@tskube/api-types';
import type { Resources, SchedPod } from './types.js';

/** Upstream `DefaultMilliCPURequest` and `DefaultMemoryRequest`, used for scoring only. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** Pod capacity assumed when a node reports none (a Node object created without a kubelet). */
export const DEFAULT_MAX_PODS = 110;

export interface HostPortUse {
  protocol: string;
  hostIP: string;
  port: number;
  /** `protocol/hostIP/port`, the NodeInfo.usedPorts spelling. */
  key: string;
}

export interface HostPathUse {
  path: string;
  readOnly: boolean;
}

export interface PodRequests {
  /** cpu (milli), memory (bytes); pods is always 1. */
  readonly requested: Resources;
  readonly nonZero: Resources;
  readonly hostPorts: readonly HostPortUse[];
  readonly hostPaths: readonly HostPathUse[];
}

type ResourceList = Readonly<Record<string, string | number>> | undefined;

const milliCache = new Map<string | number, number>();
const valueCache = new Map<string | number, number>();
const CACHE_LIMIT = 4096;

function memo(cache: Map<string | number, number>, q: string | number, milli: boolean): number {
  let v = cache.get(q);
  if (v === undefined) {
    // Quantities that do not parse count as 0: validation rejects them before they reach us.
    try {
      const parsed = parseQuantity(q);
      v = Number(milli ? parsed.milliValue() : parsed.value());
    } catch {
      v = 0;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(q, v);
  }
  return v;
}

/** Milli-units of a quantity (`500m` → 500, `2` → 2000). */
export function milliOf(q: string | number | undefined): number {
  return q === undefined ? 0 : memo(milliCache, q, true);
}

/** Integer value of a quantity, rounded up (`1Gi` → 1073741824). */
export function valueOf(q: string | number | undefined): number {
  return q === undefined ? 0 : memo(valueCache, q, false);
}

const memoByPod = new WeakMap<object, PodRequests>();

/** The pod's requests; memoised per pod object (objects from informers are never mutated). */
export function podRequests(pod: SchedPod): PodRequests {
  let r = memoByPod.get(pod);
  if (!r) {
    r = computePodRequests(pod);
    memoByPod.set(pod, r);
  }
  return r;
}

interface ContainerLike {
  resources?: { requests?: ResourceList };
  ports?: readonly { hostPort?: number; protocol?: string; hostIP?: string }[];
  volumeMounts?: readonly { name: string; readOnly?: boolean }[];
}

/** Records requests for a derived copy of a pod (the cache's assumed copy) so it is not recomputed. */
export function rememberRequests(pod: object, req: PodRequests): void {
  memoByPod.set(pod, req);
}

export function computePodRequests(pod: SchedPod): PodRequests {
  const spec = pod.spec;
  const containers = (spec?.containers ?? []) as readonly ContainerLike[];
  const inits = (spec?.initContainers ?? []) as readonly ContainerLike[];
  let cpu = 0;
  let mem = 0;
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of containers) {
    const req = c.resources?.requests;
    const rc = req?.['cpu'];
    const rm = req?.['memory'];
    const mc = milliOf(rc);
    const mm = valueOf(rm);
    cpu += mc;
    mem += mm;
    // Upstream: a request that is absent (not one that is 0) gets the default.
    nzCpu += rc === undefined ? DEFAULT_MILLI_CPU_REQUEST : mc;
    nzMem += rm === undefined ? DEFAULT_MEMORY_REQUEST : mm;
  }
  for (const c of inits) {
    const req = c.resources?.requests;
    const rc = req?.['cpu'];
    const rm = req?.['memory'];
    const mc = milliOf(rc);
    const mm = valueOf(rm);
    cpu = Math.max(cpu, mc);
    mem = Math.max(mem, mm);
    nzCpu = Math.max(nzCpu, rc === undefined ? DEFAULT_MILLI_CPU_REQUEST : mc);
    nzMem = Math.max(nzMem, rm === undefined ? DEFAULT_MEMORY_REQUEST : mm);
  }
  const overhead = spec?.overhead as ResourceList;
  if (overhead) {
    const oc = milliOf(overhead['cpu']);
    const om = valueOf(overhead['memory']);
    cpu += oc;
    mem += om;
    nzCpu += oc;
    nzMem += om;
  }

  const hostPorts: HostPortUse[] = [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      const protocol = p.protocol || 'TCP';
      const hostIP = p.hostIP || '0.0.0.0';
      hostPorts.push({ protocol, hostIP, port: p.hostPort, key: `${protocol}/${hostIP}/${p.hostPort}` });
    }
  }

  const hostPaths: HostPathUse[] = [];
  for (const v of spec?.volumes ?? []) {
    if (!v.hostPath) continue;
    // Read-only when every mount of the volume is read-only (an unmounted volume conflicts with nothing).
    let mounts = 0;
    let readOnly = true;
    for (const c of [...containers, ...inits]) {
      for (const m of c.volumeMounts ?? []) {
        if (m.name !== v.name) continue;
        mounts++;
        if (!m.readOnly) readOnly = false;
      }
    }
    if (mounts > 0) hostPaths.push({ path: v.hostPath.path, readOnly });
  }

  return {
    requested: { milliCPU: cpu, memory: mem, pods: 1 },
    nonZero: { milliCPU: nzCpu, memory: nzMem, pods: 1 },
    hostPorts,
    hostPaths,
  };
}

/** node.status.allocatable, falling back to capacity per resource. */
export function nodeAllocatable(node: {
  status?: { allocatable?: ResourceList; capacity?: ResourceList };
}): Resources {
  const a = node.status?.allocatable;
  const c = node.status?.capacity;
  const pick = (k: string) => a?.[k] ?? c?.[k];
  const pods = pick('pods');
  return {
    milliCPU: milliOf(pick('cpu')),
    memory: valueOf(pick('memory')),
    pods: pods === undefined ? DEFAULT_MAX_PODS : valueOf(pods),
  };
}
