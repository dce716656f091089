/**
 * NodeResourcesLeastAllocated (score), upstream's LeastAllocated strategy: for cpu and memory,
 * (allocatable − requested) × 100 / allocatable with the pod's non-zero requests added, in
 * integer arithmetic, averaged with weight 1 each. Emptier nodes score higher.
 */
import { MAX_NODE_SCORE } from '../../framework/status.js';
import { podRequests } from '../../resources.js';
import type { NodeInfo, Resources, SchedPod, ScorePlugin } from '../../types.js';

export const NAME = 'NodeResourcesLeastAllocated';
export const DEFAULT_WEIGHT = 1;

/** Upstream leastRequestedScore. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** The node's score for a pod with these non-zero requests. */
export function leastAllocatedScore(podNonZero: Resources, info: NodeInfo): number {
  const cpu = leastRequestedScore(info.nonZeroRequested.milliCPU + podNonZero.milliCPU, info.allocatable.milliCPU);
  const mem = leastRequestedScore(info.nonZeroRequested.memory + podNonZero.memory, info.allocatable.memory);
  return Math.trunc((cpu + mem) / 2);
}

export function newNodeResourcesLeastAllocated(args: { weight?: number } = {}): ScorePlugin {
  return {
    name: NAME,
    weight: args.weight ?? DEFAULT_WEIGHT,
    score: (_state, pod: SchedPod, info) => leastAllocatedScore(podRequests(pod).nonZero, info),
  } satisfies ScorePlugin;
}
