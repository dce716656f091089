/** NodeResourcesFit (filter): the pod's requests fit in what the node has left, and a pod slot is free. */

import { podRequests } from '../../resources.js';
import type { CycleState, FilterPlugin, NodeInfo, PluginStatus, Resources, SchedPod } from '../../types.js';

export const NAME = 'NodeResourcesFit';
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';
export const ERR_REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const ERR_REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';

const TOO_MANY_PODS = 1;
const CPU = 2;
const MEMORY = 4;

/** Bitmask of what does not fit (0 = fits), in upstream's order of checks. */
export function insufficientMask(req: Resources, info: NodeInfo): number {
  let mask = 0;
  if (info.pods.length + 1 > info.allocatable.pods) mask |= TOO_MANY_PODS;
  if (req.milliCPU > 0 && req.milliCPU > info.allocatable.milliCPU - info.requested.milliCPU) mask |= CPU;
  if (req.memory > 0 && req.memory > info.allocatable.memory - info.requested.memory) mask |= MEMORY;
  return mask;
}

/** Upstream `Fits`: the reasons the pod does not fit on the node; empty when it does. */
export function fits(pod: SchedPod, info: NodeInfo): string[] {
  return reasonsOf(insufficientMask(podRequests(pod).requested, info));
}

function reasonsOf(mask: number): string[] {
  const reasons: string[] = [];
  if (mask & TOO_MANY_PODS) reasons.push(ERR_REASON_TOO_MANY_PODS);
  if (mask & CPU) reasons.push(ERR_REASON_INSUFFICIENT_CPU);
  if (mask & MEMORY) reasons.push(ERR_REASON_INSUFFICIENT_MEMORY);
  return reasons;
}

// One frozen status per combination, so a failing node costs no allocation.
const STATUSES: readonly PluginStatus[] = Array.from({ length: 8 }, (_, mask) =>
  Object.freeze({ code: 'Unschedulable' as const, reasons: Object.freeze(reasonsOf(mask)) as string[], plugin: NAME }),
);

export function newNodeResourcesFit(): FilterPlugin {
  return {
    name: NAME,
    preFilter(state: CycleState, pod: SchedPod) {
      state.set(NAME, podRequests(pod).requested);
      return null;
    },
    filter(state: CycleState, pod: SchedPod, info: NodeInfo) {
      const req = (state.get(NAME) as Resources | undefined) ?? podRequests(pod).requested;
      const mask = insufficientMask(req, info);
      return mask === 0 ? null : (STATUSES[mask] ?? null);
    },
  } satisfies FilterPlugin;
}
