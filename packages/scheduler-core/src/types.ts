/**
 * The contract of scheduler-core, agreed before it is built: apps/scheduler codes against these
 * names. Pure: no I/O and no clock of its own (time comes in as a Clock-like value).
 */
import type { Node, Pod } from '@tskube/api-types';

/** Pod and Node as the scheduler sees them (metadata always present). */
export type SchedPod = Pod & { metadata: NonNullable<Pod['metadata']> };
export type SchedNode = Node & { metadata: NonNullable<Node['metadata']> };

/** Resource amounts in integer units: milli-CPU, bytes, pod count. */
export interface Resources {
  milliCPU: number;
  memory: number;
  pods: number;
}

/** A node plus what its pods (bound and assumed) request; read-only in plugins. */
export interface NodeInfo {
  readonly node: SchedNode;
  readonly name: string;
  readonly pods: readonly SchedPod[];
  readonly allocatable: Resources;
  readonly requested: Resources;
  /**
   * Like `requested`, but containers without a cpu/memory request count as 100m / 200Mi
   * (upstream NonZeroRequested); used for scoring only. (Added by scheduler-core.)
   */
  readonly nonZeroRequested: Resources;
  /** Host ports in use, as `protocol/hostIP/port` (hostIP 0.0.0.0 when unset). */
  readonly usedPorts: ReadonlySet<string>;
  /** Bumped on every change, so snapshots can be reused cheaply. */
  readonly generation: number;
}

export interface Snapshot {
  readonly nodes: readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
}

/** Upstream framework codes; a null status means Success. */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip';

export interface PluginStatus {
  code: Code;
  /** Kubernetes-style reasons, e.g. `Insufficient cpu`, `node(s) didn't match Pod's node affinity/selector`. */
  reasons: string[];
  plugin?: string;
}

/** Per-cycle scratch space plugins share (upstream CycleState). */
export type CycleState = Map<string, unknown>;

export interface FilterPlugin {
  readonly name: string;
  preFilter?(state: CycleState, pod: SchedPod, snapshot: Snapshot): PluginStatus | null;
  filter(state: CycleState, pod: SchedPod, node: NodeInfo): PluginStatus | null;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /**
   * Returning a status with code `Skip` (added by scheduler-core, as upstream PreScore) means the
   * plugin contributes nothing this cycle: score and normalize are not called.
   */
  preScore?(state: CycleState, pod: SchedPod, nodes: readonly NodeInfo[], snapshot: Snapshot): PluginStatus | null | void;
  /** 0..100 (MaxNodeScore) after normalize. */
  score(state: CycleState, pod: SchedPod, node: NodeInfo): number;
  normalize?(state: CycleState, pod: SchedPod, scores: Map<string, number>): void;
}

export type ScheduleResult =
  | { ok: true; node: string; evaluatedNodes: number; feasibleNodes: number }
  | {
      ok: false;
      /** Upstream FitError message: `0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.` */
      message: string;
      /** node name → reasons it was filtered out */
      diagnosis: Map<string, string[]>;
      /** true when some node failed only with resolvable reasons (worth retrying after cluster changes) */
      retryable: boolean;
    };

export interface GenericScheduler {
  schedule(pod: SchedPod, snapshot: Snapshot): ScheduleResult;
}

/** Why the cluster changed, for moving unschedulable pods back to the active queue. */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'PodDelete' | 'AssignedPodUpdate' | 'AssignedPodAdd';

export interface QueuedPodInfo {
  pod: SchedPod;
  attempts: number;
  /** When the pod first entered the queue (clock ms), for latency metrics. */
  initialAttemptTimestamp: number;
}

export interface ClockLike {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
