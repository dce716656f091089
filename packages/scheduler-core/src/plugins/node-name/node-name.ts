/** NodeName (filter): a pod that names its node fits only there. */
import { SKIP, constStatus } from '../../framework/status.js';
import type { FilterPlugin, NodeInfo, SchedPod } from '../../types.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

const UNRESOLVABLE = constStatus('UnschedulableAndUnresolvable', ERR_REASON, NAME);

/** Upstream `Fits`. */
export function fits(pod: SchedPod, info: NodeInfo): boolean {
  const want = pod.spec?.nodeName;
  return !want || want === info.name;
}

export function newNodeName(): FilterPlugin {
  return {
    name: NAME,
    preFilter: (_state, pod) => (pod.spec?.nodeName ? null : SKIP),
    filter: (_state, pod, info) => (fits(pod, info) ? null : UNRESOLVABLE),
  } satisfies FilterPlugin;
}
