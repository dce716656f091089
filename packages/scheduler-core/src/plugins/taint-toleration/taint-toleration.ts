/**
 * TaintToleration: filter — NoSchedule and NoExecute taints must be tolerated; score — fewer
 * untolerated PreferNoSchedule taints is better (normalized, reversed), as upstream.
 */
import type { Taint, Toleration } from '@tskube/api-types';
import { MAX_NODE_SCORE, SKIP, defaultNormalizeScore } from '../../framework/status.js';
import { findUntoleratedTaint, tolerationsTolerateTaint, untoleratedTaintReason } from '../../framework/taints.js';
import type { FilterPlugin, NodeInfo, PluginStatus, SchedPod, ScorePlugin } from '../../types.js';

export const NAME = 'TaintToleration';
/** Upstream default profile weight. */
export const DEFAULT_WEIGHT = 3;

const isHard = (t: Taint) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

/** The reason the pod may not land on the node, or undefined when every hard taint is tolerated. */
export function untoleratedReason(pod: SchedPod, info: NodeInfo): string | undefined {
  const taint = findUntoleratedTaint(info.node.spec?.taints, pod.spec?.tolerations, isHard);
  return taint ? untoleratedTaintReason(taint) : undefined;
}

/** Upstream countIntolerableTaintsPreferNoSchedule, with the tolerations already narrowed. */
export function countIntolerablePreferNoSchedule(
  taints: readonly Taint[] | undefined,
  preferTolerations: readonly Toleration[],
): number {
  if (!taints) return 0;
  let n = 0;
  for (const t of taints) {
    if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(preferTolerations, t)) n++;
  }
  return n;
}

function preferTolerations(pod: SchedPod): Toleration[] {
  return (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
}

const STATE_KEY = `PreScore${NAME}`;

export function newTaintToleration(args: { weight?: number } = {}): FilterPlugin & ScorePlugin {
  return {
    name: NAME,
    weight: args.weight ?? DEFAULT_WEIGHT,
    filter(_state, pod, info): PluginStatus | null {
      const reason = untoleratedReason(pod, info);
      return reason === undefined ? null : { code: 'UnschedulableAndUnresolvable', reasons: [reason], plugin: NAME };
    },
    preScore(state, pod, nodes) {
      // With no PreferNoSchedule taint anywhere every node scores the same: skip the work.
      const any = nodes.some((n) => n.node.spec?.taints?.some((t) => t.effect === 'PreferNoSchedule'));
      if (!any) return SKIP;
      state.set(STATE_KEY, preferTolerations(pod));
      return null;
    },
    score(state, pod, info) {
      const tolerations = (state.get(STATE_KEY) as Toleration[] | undefined) ?? preferTolerations(pod);
      return countIntolerablePreferNoSchedule(info.node.spec?.taints, tolerations);
    },
    normalize(_state, _pod, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    },
  } satisfies FilterPlugin & ScorePlugin;
}
