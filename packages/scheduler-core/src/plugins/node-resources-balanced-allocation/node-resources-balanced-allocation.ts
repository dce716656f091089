/**
 * NodeResourcesBalancedAllocation (score), upstream's balancedResourceScorer: for the cpu and
 * memory fractions requested on the node including the incoming pod (each capped at 1),
 * score = (1 − stddev) × 100, i.e. (1 − |cpu − mem| / 2) × 100 for two resources. As current
 * upstream (`useRequested: true`) it uses the actual requests, not the non-zero defaults.
 * Resources the node has none of are left out.
 */
import { MAX_NODE_SCORE } from '../../framework/status.js';
import { podRequests } from '../../resources.js';
import type { NodeInfo, Resources, SchedPod, ScorePlugin } from '../../types.js';

export const NAME = 'NodeResourcesBalancedAllocation';
export const DEFAULT_WEIGHT = 1;

export function balancedAllocationScore(podRequested: Resources, info: NodeInfo): number {
  const a = info.allocatable;
  const cpuOk = a.milliCPU > 0;
  const memOk = a.memory > 0;
  const cpu = cpuOk ? Math.min(1, (info.requested.milliCPU + podRequested.milliCPU) / a.milliCPU) : 0;
  const mem = memOk ? Math.min(1, (info.requested.memory + podRequested.memory) / a.memory) : 0;
  const std = cpuOk && memOk ? Math.abs((cpu - mem) / 2) : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export function newNodeResourcesBalancedAllocation(args: { weight?: number } = {}): ScorePlugin {
  return {
    name: NAME,
    weight: args.weight ?? DEFAULT_WEIGHT,
    score: (_state, pod: SchedPod, info) => balancedAllocationScore(podRequests(pod).requested, info),
  } satisfies ScorePlugin;
}
