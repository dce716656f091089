/**
 * The pod status the kubelet reports, computed from the runtime's view (upstream's
 * generateAPIPodStatus and getPhase): container and init container states, phase, conditions, IPs.
 */
import type { Container, ContainerState, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from '@tskube/api-types';
import type { ContainerStatus, SandboxStatus } from '../runtime/types.js';
import { initProgress, isSidecar, restartPolicyOf } from './actions.js';

/** RFC 3339 with seconds, as the API's `Time`. */
export const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInput {
  pod: Pod;
  /** The pod's current sandbox (ready one, else the newest), if any. */
  sandbox: SandboxStatus | undefined;
  /** The pod's runtime containers, newest first. */
  containers: ContainerStatus[];
  /** Why a container is not running (image pull errors, CrashLoopBackOff, ...), by name. */
  waiting: ReadonlyMap<string, Waiting>;
  ready: (containerId: string) => boolean;
  started: (containerId: string) => boolean;
  hostIP: string;
  now: number;
  /** `docker` or `fake`: the prefix of containerID and imageID. */
  runtimeType: string;
}

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/**
 * Upstream getPhase: the pod phase from its init containers' and containers' states. Sidecars
 * count as running containers while they run (a pod with one running is Running), keep the pod
 * Pending until they started, and are ignored once terminated (stopped with the pod).
 */
export function getPhase(pod: Pod, statuses: readonly ApiContainerStatus[], initStatuses: readonly ApiContainerStatus[] = []): Phase {
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (isSidecar(c)) {
      if (!s) unknown++;
      else if (s.state?.running) {
        if (!s.started) pendingSidecars++;
        running++;
      } else if (s.state?.terminated || s.lastState?.terminated) {
        // terminated sidecars are ignored
      } else if (s.state?.waiting) {
        pendingSidecars++;
        waiting++;
      } else {
        pendingSidecars++;
        unknown++;
      }
    } else if (s?.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s?.state?.waiting && s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  for (const c of pod.spec?.containers ?? []) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && restartPolicyOf(pod) === 'Never') return 'Failed';
  if (waiting > 0 || ((pendingInit > 0 || pendingSidecars > 0) && !anyStarted(statuses))) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    const policy = restartPolicyOf(pod);
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Upstream HasAnyRegularContainerStarted: an app container runs or ran. */
const anyStarted = (statuses: readonly ApiContainerStatus[]): boolean =>
  statuses.some((s) => s.state?.running || s.state?.terminated || (s.state?.waiting && s.lastState?.terminated));

export const isTerminalPhase = (phase: string | undefined): boolean => phase === 'Succeeded' || phase === 'Failed';

function terminated(c: ContainerStatus, runtimeType: string): ContainerState {
  const exitCode = c.exitCode ?? 0;
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode,
    reason: c.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
    containerID: `${runtimeType}://${c.id}`,
  };
  if (c.message) t.message = c.message;
  if (c.startedAt) t.startedAt = rfc3339(c.startedAt);
  if (c.finishedAt) t.finishedAt = rfc3339(c.finishedAt);
  return { terminated: t };
}

export function imageRef(runtimeType: string, imageId: string): string {
  if (!imageId || imageId.includes('://')) return imageId;
  return `${runtimeType}://${imageId}`;
}

export interface StatusOptions {
  /** The waiting reason of a container not created yet (`PodInitializing` in pods with init containers). */
  defaultReason?: string;
  /** Waiting to run (again), whatever the runtime says of a container that is not running (a dead one is the last state). */
  pending?: Waiting;
}

export function containerStatus(spec: Container, history: ContainerStatus[], input: StatusInput, opts: StatusOptions = {}): ApiContainerStatus {
  const { runtimeType } = input;
  const [latest, previous] = history;
  const w = opts.pending ?? input.waiting.get(spec.name);
  const creating: Waiting = { reason: opts.defaultReason ?? 'ContainerCreating' };
  const status: ApiContainerStatus = {
    name: spec.name,
    image: spec.image ?? '',
    imageID: latest ? imageRef(runtimeType, latest.imageId) : '',
    ready: false,
    restartCount: latest?.restartCount ?? 0,
    started: false,
    state: {},
    lastState: {},
  };
  if (latest) status.containerID = `${runtimeType}://${latest.id}`;
  if (!latest) {
    status.state = { waiting: w ?? creating };
  } else if (latest.state === 'running') {
    status.state = { running: latest.startedAt ? { startedAt: rfc3339(latest.startedAt) } : {} };
    if (previous) status.lastState = terminated(previous, runtimeType);
    status.started = input.started(latest.id);
    status.ready = status.started && input.ready(latest.id);
  } else if (latest.state === 'created') {
    status.state = { waiting: w ?? creating };
    if (previous) status.lastState = terminated(previous, runtimeType);
  } else if (w) {
    // Dead and waiting to be started again (backoff, image errors): upstream shows the last run.
    status.state = { waiting: w };
    status.lastState = terminated(latest, runtimeType);
  } else {
    status.state = terminated(latest, runtimeType);
    if (previous) status.lastState = terminated(previous, runtimeType);
  }
  return status;
}

function condition(old: PodCondition[] | undefined, type: string, ok: boolean, now: number, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
  };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** The full status to report; times that did not change are kept from the pod's current status. */
export function buildPodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const old = pod.status ?? {};
  const byName = new Map<string, ContainerStatus[]>();
  for (const c of input.containers) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  const inits = pod.spec?.initContainers ?? [];
  const defaultReason = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const sandboxId = input.sandbox?.id ?? '';
  const initialized = initProgress(pod, sandboxId, input.containers, (_spec, id) => input.started(id)).type === 'done';
  const initStatuses = inits.map((spec) => {
    const history = byName.get(spec.name) ?? [];
    // One that ran in an earlier sandbox runs again in this one: not Completed (yet).
    const stale = !initialized && !!history[0] && history[0].sandboxId !== sandboxId && history[0].state !== 'running';
    const pending = stale ? (input.waiting.get(spec.name) ?? { reason: 'PodInitializing' }) : undefined;
    const s = containerStatus(spec, history, input, pending ? { defaultReason, pending } : { defaultReason });
    // A sidecar is started and ready per its probes, as an app container; a regular init
    // container is ready once it succeeded, and probes do not apply.
    if (!isSidecar(spec)) {
      s.ready = s.state?.terminated?.exitCode === 0;
      s.started = !!s.state?.running;
    }
    return s;
  });
  const specs = pod.spec?.containers ?? [];
  const appPending = initialized ? {} : { pending: { reason: 'PodInitializing' } };
  const containerStatuses = specs.map((spec) => containerStatus(spec, byName.get(spec.name) ?? [], input, { defaultReason, ...appPending }));
  let phase: Phase = isTerminalPhase(old.phase) ? (old.phase as Phase) : getPhase(pod, containerStatuses, initStatuses);
  if (phase === 'Pending' && old.phase === 'Running' && containerStatuses.every((s) => s.state?.waiting?.reason === 'ContainerCreating')) {
    phase = 'Running'; // a restarting sandbox does not send a running pod back to Pending
  }
  // Sidecars count toward readiness (listed first, as upstream); regular init containers do not.
  const sidecarStatuses = initStatuses.filter((_s, i) => isSidecar(inits[i]!));
  const unready = [...sidecarStatuses, ...containerStatuses].filter((s) => !s.ready).map((s) => s.name);
  const terminal = isTerminalPhase(phase);
  const allReady = unready.length === 0 && !terminal;
  const why = terminal ? 'PodCompleted' : allReady ? undefined : 'ContainersNotReady';
  const message = !allReady && !terminal ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const incomplete = initStatuses.filter((s, i) => !(isSidecar(inits[i]!) ? s.started : s.ready)).map((s) => s.name);
  const initCondition =
    phase === 'Succeeded'
      ? condition(old.conditions, 'Initialized', true, now, 'PodCompleted')
      : initialized
        ? condition(old.conditions, 'Initialized', true, now)
        : condition(old.conditions, 'Initialized', false, now, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`);
  const conditions: PodCondition[] = [
    condition(old.conditions, 'PodReadyToStartContainers', input.sandbox?.state === 'ready' || terminal, now),
    initCondition,
    condition(old.conditions, 'Ready', allReady, now, why, message),
    condition(old.conditions, 'ContainersReady', allReady, now, why, message),
    condition(old.conditions, 'PodScheduled', true, now),
  ];
  if (terminal) conditions[0] = condition(old.conditions, 'PodReadyToStartContainers', false, now);
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? rfc3339(now),
    containerStatuses,
  };
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  const podIP = pod.spec?.hostNetwork ? input.hostIP : input.sandbox?.ip || old.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (old.qosClass) status.qosClass = old.qosClass;
  return status;
}
