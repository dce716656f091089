/**
 * What syncPod does with each container of a pod, decided from the runtime's view of it (as
 * upstream's computePodActions): keep it, start it (first time, restart, or replace one whose
 * spec or sandbox changed), kill it (liveness failed), wait out its crash-loop backoff, or leave
 * it dead because the restart policy says so.
 */
import type { Container, Pod } from '@tskube/api-types';
import type { ContainerStatus } from '../runtime/types.js';
import type { Backoff } from './backoff.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export type StartReason = 'new' | 'restart' | 'spec-changed' | 'sandbox-changed' | 'not-started';

export type ContainerAction =
  | { type: 'keep'; current: ContainerStatus }
  /** `kill`: a container to stop first (its replacement starts in the same sync). */
  | { type: 'start'; reason: StartReason; restartCount: number; kill?: string; last?: ContainerStatus }
  | { type: 'kill'; reason: 'unhealthy'; current: ContainerStatus }
  | { type: 'backoff'; remainingMs: number; backoffMs: number; last: ContainerStatus }
  | { type: 'done'; last: ContainerStatus };

export function restartPolicyOf(pod: Pod): RestartPolicy {
  const p = pod.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** Whether a container that exited with `exitCode` is started again. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

export const backoffKey = (podUid: string, name: string): string => `${podUid}/${name}`;

/** A sidecar: an init container with restartPolicy Always, which keeps running beside the app containers. */
export const isSidecar = (c: Container): boolean => c.restartPolicy === 'Always';

export interface DecideInput {
  pod: Pod;
  spec: Container;
  hash: string;
  /** The sandbox the containers must run in. */
  sandboxId: string;
  /** This container's runtime instances, newest first. */
  history: ContainerStatus[];
  livenessFailed: (containerId: string) => boolean;
  backoff: Backoff;
  now: number;
  /** Overrides the pod's restartPolicy (sidecars always restart). */
  restartPolicy?: RestartPolicy;
}

export function decideContainer(input: DecideInput): ContainerAction {
  const { pod, spec, history, backoff } = input;
  const latest = history[0];
  if (!latest) return { type: 'start', reason: 'new', restartCount: 0 };
  const next = latest.restartCount + 1;
  if (latest.state === 'running') {
    if (latest.sandboxId !== input.sandboxId) return { type: 'start', reason: 'sandbox-changed', restartCount: next, kill: latest.id, last: latest };
    if (latest.specHash !== input.hash) return { type: 'start', reason: 'spec-changed', restartCount: next, kill: latest.id, last: latest };
    if (input.livenessFailed(latest.id)) return { type: 'kill', reason: 'unhealthy', current: latest };
    return { type: 'keep', current: latest };
  }
  // Created but never started (a kubelet that died between create and start): replace it.
  if (latest.state === 'created') return { type: 'start', reason: 'not-started', restartCount: next, kill: latest.id, last: latest };
  if (!shouldRestart(input.restartPolicy ?? restartPolicyOf(pod), latest.exitCode ?? 1)) return { type: 'done', last: latest };
  const key = backoffKey(latest.podUid || pod.metadata?.uid || '', spec.name);
  const remainingMs = backoff.remaining(key, latest.finishedAt ?? input.now);
  if (remainingMs > 0) return { type: 'backoff', remainingMs, backoffMs: backoff.current(key), last: latest };
  return { type: 'start', reason: 'restart', restartCount: next, last: latest };
}

/**
 * Where the pod's init containers stand in its current sandbox (upstream's
 * computeInitContainerActions):
 * - `done`: all succeeded or, for sidecars, started (or an app container already ran in this
 *   sandbox): app containers may run;
 * - `running`: one is running: wait for it to exit (regular) or to start (sidecar: running and
 *   its startup probe, if any, succeeded);
 * - `next`: the init container to start next (`retry`: it failed, exited (a sidecar) or never
 *   started, so it runs again per restartPolicy and the crash-loop backoff; otherwise its first
 *   run in this sandbox);
 * - `failed`: a regular one failed under restartPolicy Never: the pod fails.
 * `index` is that init container's place in the spec (their count when `done`). Only instances
 * in `sandboxId` count, so a recreated sandbox runs every init container again.
 */
export type InitProgress =
  | { type: 'done'; index: number }
  | { type: 'running'; name: string; index: number }
  | { type: 'next'; spec: Container; retry: boolean; index: number }
  | { type: 'failed'; name: string; index: number };

/** Whether a running container has started: no startup probe, or it succeeded. */
export type StartedFn = (spec: Container, containerId: string) => boolean;

/** `containers`: the pod's runtime containers (init and app), newest first. */
export function initProgress(pod: Pod, sandboxId: string, containers: readonly ContainerStatus[], started: StartedFn = () => true): InitProgress {
  const inits = pod.spec?.initContainers ?? [];
  const done = { type: 'done', index: inits.length } as const;
  if (inits.length === 0) return done;
  const inSandbox = containers.filter((c) => c.sandboxId === sandboxId);
  const apps = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  if (inSandbox.some((c) => apps.has(c.name))) return done;
  // Backwards, as upstream: the last init container with an instance here tells how far we got.
  for (let index = inits.length - 1; index >= 0; index--) {
    const spec = inits[index]!;
    const latest = inSandbox.find((c) => c.name === spec.name);
    if (!latest) continue;
    const following = inits[index + 1];
    const passed: InitProgress = following ? { type: 'next', spec: following, retry: false, index: index + 1 } : done;
    if (latest.state === 'created') return { type: 'next', spec, retry: true, index };
    if (isSidecar(spec)) {
      // A sidecar lets the next one start once it has started; one that exited starts again.
      if (latest.state === 'running') return started(spec, latest.id) ? passed : { type: 'running', name: spec.name, index };
      return { type: 'next', spec, retry: true, index };
    }
    if (latest.state === 'running') return { type: 'running', name: spec.name, index };
    if ((latest.exitCode ?? 1) !== 0) return restartPolicyOf(pod) === 'Never' ? { type: 'failed', name: spec.name, index } : { type: 'next', spec, retry: true, index };
    return passed;
  }
  return { type: 'next', spec: inits[0]!, retry: false, index: 0 };
}

export interface InitActionInput {
  pod: Pod;
  sandboxId: string;
  containers: readonly ContainerStatus[];
  backoff: Backoff;
  now: number;
  /** Defaults: every running container has started, no liveness failure. */
  started?: StartedFn;
  livenessFailed?: (containerId: string) => boolean;
  /** The spec hash of a sidecar, so a changed one is restarted (default: never changed). */
  hash?: (spec: Container) => string;
}

/** What to do with a sidecar that should be running in `sandboxId`: keep, (re)start, back off, or kill. */
function decideSidecar(input: InitActionInput, spec: Container): ContainerAction {
  const history = input.containers.filter((c) => c.name === spec.name);
  const latest = history[0];
  // Its first run in this sandbox (one still running in an old sandbox is replaced).
  if (latest && latest.sandboxId !== input.sandboxId && latest.state !== 'running') {
    return { type: 'start', reason: 'sandbox-changed', restartCount: latest.restartCount + 1, last: latest };
  }
  return decideContainer({
    pod: input.pod,
    spec,
    hash: latest ? (input.hash?.(spec) ?? latest.specHash) : '',
    sandboxId: input.sandboxId,
    history,
    livenessFailed: input.livenessFailed ?? (() => false),
    backoff: input.backoff,
    now: input.now,
    restartPolicy: 'Always',
  });
}

/**
 * The init containers to act on, in spec order: every sidecar before the progress point (they
 * keep running, and are restarted when they exit, with the backoff, whatever the pod's
 * restartPolicy), then the init container at the progress point (to start, retry, or, for a
 * sidecar still starting, keep or kill). Nothing once an init container failed for good.
 */
export function computeInitActions(input: InitActionInput): { spec: Container; action: ContainerAction }[] {
  const inits = input.pod.spec?.initContainers ?? [];
  const progress = initProgress(input.pod, input.sandboxId, input.containers, input.started);
  if (progress.type === 'failed') return [];
  const out: { spec: Container; action: ContainerAction }[] = [];
  for (const spec of inits.slice(0, progress.index)) if (isSidecar(spec)) out.push({ spec, action: decideSidecar(input, spec) });
  if (progress.type === 'done') return out;
  const spec = inits[progress.index]!;
  if (isSidecar(spec)) out.push({ spec, action: decideSidecar(input, spec) });
  else if (progress.type === 'next') out.push({ spec, action: regularInitAction(input, spec, progress.retry) });
  return out;
}

function regularInitAction(input: InitActionInput, spec: Container, retry: boolean): ContainerAction {
  const history = input.containers.filter((c) => c.name === spec.name);
  const last = history[0];
  if (retry) {
    // A failure restarts under Always and OnFailure alike (Never was `failed`), with the backoff.
    return decideContainer({ pod: input.pod, spec, hash: '', sandboxId: input.sandboxId, history, livenessFailed: () => false, backoff: input.backoff, now: input.now });
  }
  // Its first run in this sandbox; the restart count goes on from runs in earlier sandboxes.
  return last ? { type: 'start', reason: 'sandbox-changed', restartCount: last.restartCount + 1, last } : { type: 'start', reason: 'new', restartCount: 0 };
}

/**
 * Whether a pod whose app containers are all done (exited, not to be restarted) is finished:
 * its sidecars are then stopped rather than restarted (upstream computePodActions: KillPod when
 * no container is kept or started), and the pod ends Succeeded or Failed.
 */
export function appContainersFinished(actions: Iterable<ContainerAction>): boolean {
  let any = false;
  for (const a of actions) {
    if (a.type !== 'done') return false;
    any = true;
  }
  return any;
}
