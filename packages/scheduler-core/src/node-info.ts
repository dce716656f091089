/**
 * The cache's NodeInfo: mutable inside the cache, frozen once a snapshot holds it (copy-on-write:
 * the cache clones a shared NodeInfo before changing it, so snapshots never see later changes).
 */
import { nodeAllocatable, podRequests, type PodRequests } from './resources.js';
import type { NodeInfo, Resources, SchedNode, SchedPod } from './types.js';

let generationCounter = 0;
/** A process-wide, strictly increasing generation, as upstream's `nextGeneration()`. */
export function nextGeneration(): number {
  return ++generationCounter;
}

/** The key the cache and the queue use for a pod: its uid, else namespace/name. */
export function podKey(pod: SchedPod): string {
  return pod.metadata.uid || `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

const NO_NODE = { metadata: { name: '' } } as SchedNode;

export class MutableNodeInfo implements NodeInfo {
  node: SchedNode;
  name: string;
  pods: SchedPod[] = [];
  allocatable: Resources;
  requested: Resources = { milliCPU: 0, memory: 0, pods: 0 };
  nonZeroRequested: Resources = { milliCPU: 0, memory: 0, pods: 0 };
  /** Port key → number of pods using it; `usedPorts` holds its keys. */
  readonly portCounts = new Map<string, number>();
  readonly usedPorts = new Set<string>();
  generation = nextGeneration();
  /** True once a snapshot holds this object: it must then be cloned before any change. */
  shared = false;
  /** False for a placeholder holding pods of a node the cache has not seen (yet). */
  hasNode: boolean;

  constructor(name: string, node: SchedNode | undefined) {
    this.name = name;
    this.node = node ?? NO_NODE;
    this.hasNode = node !== undefined;
    this.allocatable = node ? nodeAllocatable(node) : { milliCPU: 0, memory: 0, pods: 0 };
  }

  setNode(node: SchedNode | undefined): void {
    this.node = node ?? NO_NODE;
    this.hasNode = node !== undefined;
    this.allocatable = node ? nodeAllocatable(node) : { milliCPU: 0, memory: 0, pods: 0 };
    this.generation = nextGeneration();
  }

  addPod(pod: SchedPod, req: PodRequests = podRequests(pod)): void {
    this.pods.push(pod);
    this.#account(req, 1);
    this.generation = nextGeneration();
  }

  /** Removes the pod with this key; false when it is not here. */
  removePod(key: string, req?: PodRequests): boolean {
    const i = this.pods.findIndex((p) => podKey(p) === key);
    if (i < 0) return false;
    const [pod] = this.pods.splice(i, 1);
    this.#account(req ?? podRequests(pod as SchedPod), -1);
    this.generation = nextGeneration();
    return true;
  }

  #account(req: PodRequests, sign: 1 | -1): void {
    this.requested.milliCPU += sign * req.requested.milliCPU;
    this.requested.memory += sign * req.requested.memory;
    this.requested.pods += sign;
    this.nonZeroRequested.milliCPU += sign * req.nonZero.milliCPU;
    this.nonZeroRequested.memory += sign * req.nonZero.memory;
    this.nonZeroRequested.pods += sign;
    for (const p of req.hostPorts) {
      const n = (this.portCounts.get(p.key) ?? 0) + sign;
      if (n <= 0) {
        this.portCounts.delete(p.key);
        this.usedPorts.delete(p.key);
      } else {
        this.portCounts.set(p.key, n);
        this.usedPorts.add(p.key);
      }
    }
  }

  clone(): MutableNodeInfo {
    const c = new MutableNodeInfo(this.name, this.hasNode ? this.node : undefined);
    c.allocatable = this.allocatable;
    c.pods = this.pods.slice();
    c.requested = { ...this.requested };
    c.nonZeroRequested = { ...this.nonZeroRequested };
    for (const [k, v] of this.portCounts) {
      c.portCounts.set(k, v);
      c.usedPorts.add(k);
    }
    c.generation = this.generation;
    return c;
  }
}

/** A standalone NodeInfo for a node and its pods (tests, tools, the benchmark baseline). */
export function createNodeInfo(node: SchedNode, pods: readonly SchedPod[] = []): NodeInfo {
  const info = new MutableNodeInfo(node.metadata.name ?? '', node);
  for (const p of pods) info.addPod(p);
  return info;
}
