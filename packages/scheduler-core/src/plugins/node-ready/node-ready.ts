/**
 * NodeReady (filter): a node whose Ready condition is present and not `True` is treated as
 * carrying upstream's `node.kubernetes.io/not-ready:NoSchedule` taint (which the node lifecycle
 * controller would add), and takes only pods tolerating it. A node reporting no Ready condition
 * at all (a Node object created through the API without a kubelet) counts as ready.
 */
import { constStatus } from '../../framework/status.js';
import { TAINT_NODE_NOT_READY, tolerationsTolerateTaint, untoleratedTaintReason } from '../../framework/taints.js';
import type { FilterPlugin, NodeInfo, SchedPod } from '../../types.js';

export const NAME = 'NodeReady';
export const NOT_READY_TAINT = { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' } as const;
export const ERR_REASON_NOT_READY = untoleratedTaintReason(NOT_READY_TAINT);

const UNRESOLVABLE = constStatus('UnschedulableAndUnresolvable', ERR_REASON_NOT_READY, NAME);

export function nodeIsReady(info: NodeInfo): boolean {
  const conditions = info.node.status?.conditions;
  if (!conditions) return true;
  for (const c of conditions) if (c.type === 'Ready') return c.status === 'True';
  return true;
}

export function fits(pod: SchedPod, info: NodeInfo): boolean {
  return nodeIsReady(info) || tolerationsTolerateTaint(pod.spec?.tolerations, NOT_READY_TAINT);
}

export function newNodeReady(): FilterPlugin {
  return {
    name: NAME,
    filter: (_state, pod, info) => (fits(pod, info) ? null : UNRESOLVABLE),
  } satisfies FilterPlugin;
}
