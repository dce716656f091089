/**
 * The runtime's pods as one snapshot (upstream's PLEG relist + runtime cache): concurrent syncs
 * share one list call until something changes (our own mutations, a runtime event, a resync),
 * which makes the next reader list again.
 */
import type { ContainerRuntime, ContainerStatus, SandboxStatus } from '../runtime/types.js';

export interface PodView {
  /** Newest first. */
  sandboxes: SandboxStatus[];
  /** Newest first. */
  containers: ContainerStatus[];
}

export class Snapshot {
  readonly byPod = new Map<string, PodView>();

  constructor(
    readonly sandboxes: SandboxStatus[],
    readonly containers: ContainerStatus[],
  ) {
    const view = (uid: string): PodView => {
      let v = this.byPod.get(uid);
      if (!v) {
        v = { sandboxes: [], containers: [] };
        this.byPod.set(uid, v);
      }
      return v;
    };
    for (const s of sandboxes) if (s.podUid) view(s.podUid).sandboxes.push(s);
    for (const c of containers) if (c.podUid) view(c.podUid).containers.push(c);
    for (const v of this.byPod.values()) {
      v.sandboxes.sort((a, b) => b.createdAt - a.createdAt);
      // Newest first; restartCount breaks ties of containers created in the same ms.
      v.containers.sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
    }
  }

  pod(uid: string): PodView {
    return this.byPod.get(uid) ?? { sandboxes: [], containers: [] };
  }

  podOfContainer(id: string): string | undefined {
    return this.containers.find((c) => c.id === id || c.id.startsWith(id))?.podUid ?? this.sandboxes.find((s) => s.id === id)?.podUid;
  }
}

export class RuntimeCache {
  private generation = 0;
  private last: { gen: number; snap: Snapshot } | undefined;
  private inflight: { gen: number; promise: Promise<Snapshot> } | undefined;

  constructor(private readonly runtime: Pick<ContainerRuntime, 'listPodSandboxes' | 'listContainers'>) {}

  /** Something changed in the runtime: the next get() lists again. */
  invalidate(): void {
    this.generation++;
  }

  /** The latest snapshot, if it is still current. */
  peek(): Snapshot | undefined {
    return this.last?.snap;
  }

  async get(): Promise<Snapshot> {
    const gen = this.generation;
    if (this.last && this.last.gen === gen) return this.last.snap;
    if (this.inflight && this.inflight.gen === gen) return this.inflight.promise;
    const promise = (async () => {
      const [sandboxes, containers] = await Promise.all([this.runtime.listPodSandboxes(), this.runtime.listContainers()]);
      const snap = new Snapshot(sandboxes, containers);
      if (!this.last || this.last.gen <= gen) this.last = { gen, snap };
      return snap;
    })();
    this.inflight = { gen, promise };
    try {
      return await promise;
    } finally {
      if (this.inflight?.promise === promise) this.inflight = undefined;
    }
  }
}
