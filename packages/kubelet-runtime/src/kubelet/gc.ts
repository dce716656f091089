/**
 * Garbage selection (upstream's container GC with MaxPerPodContainer=1): of each pod's
 * containers of one name, the running one and the newest dead one stay (`logs --previous`);
 * older dead ones go. Sandboxes go once not ready, not the pod's newest, and no kept container
 * joined them. Everything of pods the kubelet no longer knows is the sync loop's to remove
 * (with their grace period), not the GC's.
 */
import type { Snapshot } from './runtime-cache.js';

export interface Garbage {
  containers: string[];
  sandboxes: string[];
}

export function selectGarbage(snap: Snapshot, knownUids: ReadonlySet<string>): Garbage {
  const containers: string[] = [];
  const sandboxes: string[] = [];
  for (const [uid, view] of snap.byPod) {
    if (!knownUids.has(uid)) continue;
    const keptSandboxes = new Set<string>();
    const deadSeen = new Set<string>();
    for (const c of view.containers) {
      if (c.state === 'running' || c.state === 'created') {
        keptSandboxes.add(c.sandboxId);
        continue;
      }
      if (deadSeen.has(c.name)) containers.push(c.id);
      else {
        deadSeen.add(c.name);
        keptSandboxes.add(c.sandboxId);
      }
    }
    view.sandboxes.forEach((s, i) => {
      if (i > 0 && s.state !== 'ready' && !keptSandboxes.has(s.id)) sandboxes.push(s.id);
    });
  }
  return { containers, sandboxes };
}
