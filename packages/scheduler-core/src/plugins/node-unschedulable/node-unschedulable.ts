/** NodeUnschedulable (filter): a cordoned node takes only pods tolerating its unschedulable taint. */
import { constStatus } from '../../framework/status.js';
import { TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint } from '../../framework/taints.js';
import type { FilterPlugin, NodeInfo, SchedPod } from '../../types.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNRESOLVABLE = constStatus('UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE, NAME);
const UNSCHEDULABLE_TAINT = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' };

export function fits(pod: SchedPod, info: NodeInfo): boolean {
  if (!info.node.spec?.unschedulable) return true;
  return tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT);
}

export function newNodeUnschedulable(): FilterPlugin {
  return {
    name: NAME,
    filter: (_state, pod, info) => (fits(pod, info) ? null : UNRESOLVABLE),
  } satisfies FilterPlugin;
}
