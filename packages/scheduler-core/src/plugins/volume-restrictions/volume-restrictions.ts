/**
 * VolumeRestrictions (filter), the seed's "no disk conflict": two pods on one node may not both
 * use the same hostPath path unless both use it read-only (upstream's rule for GCE PD / EBS /
 * RBD / iSCSI volumes, applied to hostPath, the volume kind tskube runs). A volume is read-only
 * when every mount of it is. Other volume kinds never conflict.
 */
import { SKIP, constStatus } from '../../framework/status.js';
import { podRequests, type HostPathUse } from '../../resources.js';
import type { FilterPlugin, NodeInfo, SchedPod } from '../../types.js';

export const NAME = 'VolumeRestrictions';
export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';

const UNSCHEDULABLE = constStatus('Unschedulable', ERR_REASON_DISK_CONFLICT, NAME);

export function hostPathsConflict(wanted: readonly HostPathUse[], info: NodeInfo): boolean {
  for (const existing of info.pods) {
    const used = podRequests(existing).hostPaths;
    for (const u of used) {
      for (const w of wanted) if (u.path === w.path && !(u.readOnly && w.readOnly)) return true;
    }
  }
  return false;
}

export function fits(pod: SchedPod, info: NodeInfo): boolean {
  return !hostPathsConflict(podRequests(pod).hostPaths, info);
}

export function newVolumeRestrictions(): FilterPlugin {
  return {
    name: NAME,
    preFilter(state, pod) {
      const paths = podRequests(pod).hostPaths;
      if (paths.length === 0) return SKIP;
      state.set(NAME, paths);
      return null;
    },
    filter(state, pod, info) {
      const paths = (state.get(NAME) as readonly HostPathUse[] | undefined) ?? podRequests(pod).hostPaths;
      return hostPathsConflict(paths, info) ? UNSCHEDULABLE : null;
    },
  } satisfies FilterPlugin;
}
