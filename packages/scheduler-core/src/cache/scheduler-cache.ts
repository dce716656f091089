/**
 * The scheduler cache (upstream `internal/cache`): nodes and the pods assigned or assumed to
 * them, keyed by pod uid. An assumed pod counts on its node at once, before its binding is
 * observed; `addPod` confirms it (moving it if it landed elsewhere) and `forgetPod` undoes it.
 *
 * Snapshots are copy-on-write: a snapshot shares the NodeInfo objects of the previous one
 * except those changed since, and a NodeInfo held by a snapshot is cloned before it changes.
 * Taking a snapshot when nothing changed returns the previous one.
 */
import { MutableNodeInfo, podKey } from '../node-info.js';
import { podRequests, rememberRequests, type PodRequests } from '../resources.js';
import type { NodeInfo, SchedNode, SchedPod, Snapshot } from '../types.js';

export interface SchedulerCache {
  addNode(node: SchedNode): void;
  updateNode(oldNode: SchedNode, newNode: SchedNode): void;
  /** Pods still on the node are kept (detached) until they are removed themselves. */
  removeNode(node: SchedNode): void;
  /** An assigned pod was observed; confirms it when it was assumed. Pods without nodeName are ignored. */
  addPod(pod: SchedPod): void;
  updatePod(oldPod: SchedPod, newPod: SchedPod): void;
  removePod(pod: SchedPod): void;
  /** Counts the pod on `nodeName` now; re-assuming the same uid moves it. */
  assumePod(pod: SchedPod, nodeName: string): void;
  /** Undoes an assume (the bind failed); a confirmed pod is left alone. */
  forgetPod(pod: SchedPod): void;
  /** The bind request returned; the pod stays assumed until its add is observed. */
  finishBinding(pod: SchedPod): void;
  isAssumed(pod: SchedPod): boolean;
  snapshot(): Snapshot;
  nodeNames(): string[];
  /** Number of pods in the cache (assigned and assumed). */
  podCount(): number;
}

interface PodState {
  pod: SchedPod;
  node: string;
  req: PodRequests;
  assumed: boolean;
  bindingFinished: boolean;
}

class CacheSnapshot implements Snapshot {
  constructor(
    readonly nodes: readonly NodeInfo[],
    private readonly index: ReadonlyMap<string, number>,
  ) {}

  get(nodeName: string): NodeInfo | undefined {
    const i = this.index.get(nodeName);
    return i === undefined ? undefined : this.nodes[i];
  }
}

export function createSchedulerCache(): SchedulerCache {
  /** Every NodeInfo, including placeholders for pods of nodes not seen yet. */
  const infos = new Map<string, MutableNodeInfo>();
  const pods = new Map<string, PodState>();
  const dirty = new Set<string>();
  let membershipChanged = true;
  let last: CacheSnapshot | undefined;
  let lastIndex = new Map<string, number>();

  /** The node's NodeInfo, ready to change: created when missing, cloned when a snapshot holds it. */
  function writable(name: string): MutableNodeInfo {
    let info = infos.get(name);
    if (!info) {
      info = new MutableNodeInfo(name, undefined);
      infos.set(name, info);
    } else if (info.shared) {
      info = info.clone();
      infos.set(name, info);
    }
    dirty.add(name);
    return info;
  }

  function dropIfEmptyPlaceholder(info: MutableNodeInfo): void {
    if (!info.hasNode && info.pods.length === 0) infos.delete(info.name);
  }

  function place(key: string, pod: SchedPod, node: string, req: PodRequests, assumed: boolean): void {
    writable(node).addPod(pod, req);
    pods.set(key, { pod, node, req, assumed, bindingFinished: false });
  }

  function unplace(key: string, st: PodState): void {
    const info = writable(st.node);
    info.removePod(key, st.req);
    dropIfEmptyPlaceholder(info);
    pods.delete(key);
  }

  const cache: SchedulerCache = {
    addNode(node) {
      const name = node.metadata.name ?? '';
      const info = writable(name);
      if (!info.hasNode) membershipChanged = true;
      info.setNode(node);
    },
    updateNode(_old, node) {
      cache.addNode(node);
    },
    removeNode(node) {
      const name = node.metadata.name ?? '';
      if (!infos.has(name)) return;
      const info = writable(name);
      info.setNode(undefined);
      dropIfEmptyPlaceholder(info);
      membershipChanged = true;
    },
    addPod(pod) {
      const node = pod.spec?.nodeName;
      if (!node) return;
      const key = podKey(pod);
      const st = pods.get(key);
      if (st) unplace(key, st);
      place(key, pod, node, podRequests(pod), false);
    },
    updatePod(_old, pod) {
      // Also how a binding may be observed: the update confirms an assumed pod.
      const key = podKey(pod);
      const st = pods.get(key);
      const node = pod.spec?.nodeName || st?.node;
      if (!node) return;
      if (st) unplace(key, st);
      place(key, pod, node, podRequests(pod), false);
    },
    removePod(pod) {
      const key = podKey(pod);
      const st = pods.get(key);
      if (st) unplace(key, st);
    },
    assumePod(pod, nodeName) {
      const key = podKey(pod);
      const st = pods.get(key);
      if (st) unplace(key, st);
      // Requests are memoised on the original object; the copy only carries the node name.
      const assumed = { ...pod, spec: { ...pod.spec, nodeName } } as SchedPod;
      const req = podRequests(pod);
      rememberRequests(assumed, req);
      place(key, assumed, nodeName, req, true);
    },
    forgetPod(pod) {
      const key = podKey(pod);
      const st = pods.get(key);
      if (st?.assumed) unplace(key, st);
    },
    finishBinding(pod) {
      const st = pods.get(podKey(pod));
      if (st?.assumed) st.bindingFinished = true;
    },
    isAssumed(pod) {
      return pods.get(podKey(pod))?.assumed === true;
    },
    snapshot() {
      if (last && dirty.size === 0 && !membershipChanged) return last;
      let nodes: MutableNodeInfo[];
      if (!last || membershipChanged) {
        nodes = [];
        lastIndex = new Map();
        for (const info of infos.values()) {
          if (!info.hasNode) continue;
          lastIndex.set(info.name, nodes.length);
          nodes.push(info);
          info.shared = true;
        }
        membershipChanged = false;
      } else {
        nodes = (last.nodes as MutableNodeInfo[]).slice();
        for (const name of dirty) {
          const i = lastIndex.get(name);
          const info = infos.get(name);
          if (i === undefined || !info) continue;
          nodes[i] = info;
          info.shared = true;
        }
      }
      dirty.clear();
      last = new CacheSnapshot(nodes, lastIndex);
      return last;
    },
    nodeNames() {
      const names: string[] = [];
      for (const info of infos.values()) if (info.hasNode) names.push(info.name);
      return names;
    },
    podCount() {
      return pods.size;
    },
  };
  return cache;
}
