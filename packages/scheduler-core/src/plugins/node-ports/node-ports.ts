/** NodePorts (filter): the pod's host ports are free on the node (0.0.0.0 conflicts with every IP). */
import { SKIP, constStatus } from '../../framework/status.js';
import { podRequests, type HostPortUse } from '../../resources.js';
import type { FilterPlugin, NodeInfo, SchedPod } from '../../types.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

const UNSCHEDULABLE = constStatus('Unschedulable', ERR_REASON, NAME);

/** Upstream HostPortInfo.CheckConflict over `protocol/hostIP/port` keys. */
export function portsConflict(wanted: readonly HostPortUse[], used: ReadonlySet<string>): boolean {
  if (wanted.length === 0 || used.size === 0) return false;
  for (const w of wanted) {
    if (w.hostIP === '0.0.0.0') {
      // Any IP on the same protocol and port is taken.
      const suffix = `/${w.port}`;
      const prefix = `${w.protocol}/`;
      for (const u of used) if (u.startsWith(prefix) && u.endsWith(suffix)) return true;
    } else if (used.has(w.key) || used.has(`${w.protocol}/0.0.0.0/${w.port}`)) {
      return true;
    }
  }
  return false;
}

export function fits(pod: SchedPod, info: NodeInfo): boolean {
  return !portsConflict(podRequests(pod).hostPorts, info.usedPorts);
}

export function newNodePorts(): FilterPlugin {
  return {
    name: NAME,
    preFilter(state, pod) {
      const ports = podRequests(pod).hostPorts;
      if (ports.length === 0) return SKIP;
      state.set(NAME, ports);
      return null;
    },
    filter(state, pod, info) {
      const ports = (state.get(NAME) as readonly HostPortUse[] | undefined) ?? podRequests(pod).hostPorts;
      return portsConflict(ports, info.usedPorts) ? UNSCHEDULABLE : null;
    },
  } satisfies FilterPlugin;
}
