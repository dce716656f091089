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
  if (!shouldRestart(restartPolicyOf(pod), latest.exitCode ?? 1)) return { type: 'done', last: latest };
  const key = backoffKey(latest.podUid || pod.metadata?.uid || '', spec.name);
  const remainingMs = backoff.remaining(key, latest.finishedAt ?? input.now);
  if (remainingMs > 0) return { type: 'backoff', remainingMs, backoffMs: backoff.current(key), last: latest };
  return { type: 'start', reason: 'restart', restartCount: next, last: latest };
}

/**
 * Where the pod's init containers stand in its current sandbox (upstream's
 * computeInitContainerActions / findNextInitContainerToRun for regular init containers):
 * - `done`: all succeeded (or an app container already ran in this sandbox): app containers may run;
 * - `running`: one is running: wait for it;
 * - `next`: the init container to start next (`retry`: it failed or never started, so it runs
 *   again per restartPolicy and the crash-loop backoff; otherwise its first run in this sandbox);
 * - `failed`: one failed under restartPolicy Never: the pod fails.
 * Only instances in `sandboxId` count, so a recreated sandbox runs every init container again.
 * Sidecars (init containers with restartPolicy Always) are treated as regular init containers.
 */
export type InitProgress =
  | { type: 'done' }
  | { type: 'running'; name: string }
  | { type: 'next'; spec: Container; retry: boolean }
  | { type: 'failed'; name: string };

/** `containers`: the pod's runtime containers (init and app), newest first. */
export function initProgress(pod: Pod, sandboxId: string, containers: readonly ContainerStatus[]): InitProgress {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { type: 'done' };
  const inSandbox = containers.filter((c) => c.sandboxId === sandboxId);
  const apps = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  if (inSandbox.some((c) => apps.has(c.name))) return { type: 'done' };
  // Backwards, as upstream: the last init container with an instance here tells how far we got.
  for (let i = inits.length - 1; i >= 0; i--) {
    const spec = inits[i]!;
    const latest = inSandbox.find((c) => c.name === spec.name);
    if (!latest) continue;
    if (latest.state === 'running') return { type: 'running', name: spec.name };
    if (latest.state === 'created') return { type: 'next', spec, retry: true };
    if ((latest.exitCode ?? 1) !== 0) return restartPolicyOf(pod) === 'Never' ? { type: 'failed', name: spec.name } : { type: 'next', spec, retry: true };
    const following = inits[i + 1];
    return following ? { type: 'next', spec: following, retry: false } : { type: 'done' };
  }
  return { type: 'next', spec: inits[0]!, retry: false };
}

export interface InitActionInput {
  pod: Pod;
  sandboxId: string;
  containers: readonly ContainerStatus[];
  backoff: Backoff;
  now: number;
}

/** The init container to act on and what to do with it, or undefined when none is to be started. */
export function computeInitAction(input: InitActionInput): { spec: Container; action: ContainerAction } | undefined {
  const progress = initProgress(input.pod, input.sandboxId, input.containers);
  if (progress.type !== 'next') return undefined;
  const { spec } = progress;
  const history = input.containers.filter((c) => c.name === spec.name);
  const last = history[0];
  if (progress.retry) {
    // A failure restarts under Always and OnFailure alike (Never was `failed`), with the backoff.
    const action = decideContainer({ pod: input.pod, spec, hash: '', sandboxId: input.sandboxId, history, livenessFailed: () => false, backoff: input.backoff, now: input.now });
    return { spec, action };
  }
  // Its first run in this sandbox; the restart count goes on from runs in earlier sandboxes.
  const action: ContainerAction = last ? { type: 'start', reason: 'sandbox-changed', restartCount: last.restartCount + 1, last } : { type: 'start', reason: 'new', restartCount: 0 };
  return { spec, action };
}
