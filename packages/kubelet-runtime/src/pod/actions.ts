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
