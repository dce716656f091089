/**
 * The scheduling loop and the informer handlers that feed it (upstream pkg/scheduler's
 * scheduleOne and eventhandlers.go, one profile): pop a pod, run the algorithm on a snapshot of
 * the cache, assume the pod on the chosen node and bind it in the background; on failure record
 * FailedScheduling and park the pod until the cluster changes.
 */
import {
  DEFAULT_SCHEDULER_NAME,
  isConflict,
  isNotFound,
  type Event,
  type Node,
  type Pod,
  type PodCondition,
} from '@tskube/api-types';
import { createEventRecorder, type EventHandlers, type PodClient, type ResourceClient } from '@tskube/client';
import type { Clock, Logger } from '@tskube/component-base';
import {
  isPodUpdated,
  type GenericScheduler,
  type QueuedPodInfo,
  type ScheduleResult,
  type SchedulerCache,
  type SchedulingQueue,
} from '@tskube/scheduler-core';
import type { AttemptResult, SchedulerMetrics } from './metrics.js';

/** What the loop needs of scheduler-core's cache, queue and algorithm (fakes in tests implement just these). */
export type SchedulerCacheLike = Pick<
  SchedulerCache,
  | 'addNode'
  | 'updateNode'
  | 'removeNode'
  | 'addPod'
  | 'updatePod'
  | 'removePod'
  | 'assumePod'
  | 'forgetPod'
  | 'finishBinding'
  | 'isAssumed'
  | 'snapshot'
>;
export type SchedulingQueueLike = Pick<
  SchedulingQueue,
  'add' | 'update' | 'delete' | 'pop' | 'addUnschedulable' | 'requeueAfterError' | 'done' | 'moveAllToActiveOrBackoff' | 'pendingCount'
>;
export type AlgorithmLike = GenericScheduler;

/** The API calls the scheduler makes. */
export interface SchedulerClient {
  pods: Pick<PodClient, 'bind' | 'patch'>;
  events: Pick<ResourceClient<Event>, 'create' | 'patch'>;
}

export interface SchedulerDeps {
  client: SchedulerClient;
  cache: SchedulerCacheLike;
  queue: SchedulingQueueLike;
  algorithm: AlgorithmLike;
  clock: Clock;
  logger: Logger;
  metrics?: SchedulerMetrics;
  /** Only pods with this spec.schedulerName are scheduled; also the events' source component. */
  schedulerName?: string;
  /** Events' reportingInstance (the leader-election identity). */
  instance?: string;
  /** Binds in flight at once; the loop waits for a free slot (default BIND_CONCURRENCY). */
  bindConcurrency?: number;
}

export interface Scheduler {
  /** Handlers for the pod and node informers; register them before the informers sync. */
  readonly podHandlers: EventHandlers<Pod>;
  readonly nodeHandlers: EventHandlers<Node>;
  /** Schedules pods until the signal aborts; binds already started keep going (see `drain`). */
  run(signal: AbortSignal): Promise<void>;
  /** One scheduling attempt: resolves once the pod is assumed and its bind started, or parked. */
  scheduleOne(info: QueuedPodInfo): Promise<void>;
  /** Resolves when every bind, event and status write started so far has finished. */
  drain(): Promise<void>;
}

/** Concurrent binds: the apiserver round trip, not the algorithm, bounds throughput. */
export const BIND_CONCURRENCY = 16;

const isAssigned = (pod: Pod): boolean => Boolean(pod.spec?.nodeName);
const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const keyOf = (pod: Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const asSched = <T extends Pod | Node>(obj: T) => obj as T & { metadata: NonNullable<T['metadata']> };

/** Upstream nodeSchedulingPropertiesChange: heartbeats alone do not retry unschedulable pods. */
function nodeSchedulingChanged(oldNode: Node, newNode: Node): boolean {
  const view = (n: Node): string =>
    JSON.stringify([
      n.spec,
      n.metadata?.labels,
      n.status?.allocatable,
      (n.status?.conditions ?? []).map((c) => [c.type, c.status]),
    ]);
  return view(oldNode) !== view(newNode);
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { client, cache, queue, algorithm, clock, metrics } = deps;
  const logger = deps.logger;
  const schedulerName = deps.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const responsible = (pod: Pod): boolean => (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName;

  const background = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    background.add(p);
    void p.finally(() => background.delete(p));
  };

  // A counting semaphore for binds.
  const bindLimit = Math.max(1, deps.bindConcurrency ?? BIND_CONCURRENCY);
  let bindsInFlight = 0;
  const bindWaiters: (() => void)[] = [];
  const acquireBindSlot = async (): Promise<void> => {
    while (bindsInFlight >= bindLimit) await new Promise<void>((resolve) => bindWaiters.push(resolve));
    bindsInFlight++;
  };
  const releaseBindSlot = (): void => {
    bindsInFlight--;
    bindWaiters.shift()?.();
  };

  // Upstream's EventRecorder: repeats of an event (a pod unschedulable for the same reason) patch
  // its count instead of creating another; never throws, writes in the background.
  const recorder = createEventRecorder({
    client,
    component: schedulerName,
    ...(deps.instance ? { instance: deps.instance } : {}),
    clock,
    logger: logger.child({ part: 'events' }),
  });
  const recordEvent = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void => recorder.event(pod, type, reason, message);

  // The last condition message written per pod: the queued copy of a pod may predate our own write.
  const conditionWritten = new Map<string, string>();

  /** Upstream updatePod: PodScheduled=False/Unschedulable, written only when it changes. */
  const markUnschedulable = (pod: Pod, message: string): void => {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
    if (conditionWritten.get(keyOf(pod)) === message) return;
    conditionWritten.set(keyOf(pod), message);
    const now = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : now,
    };
    const { namespace = 'default', name = '' } = pod.metadata ?? {};
    track(
      client.pods.patch(namespace, name, { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' }).catch((err: unknown) => {
        if (!isNotFound(err)) logger.warn({ err, pod: keyOf(pod) }, 'updating the PodScheduled condition failed');
      }),
    );
  };

  const seconds = (sinceMs: number): number => Math.max(0, clock.now() - sinceMs) / 1000;
  const attempt = (result: AttemptResult, startedMs: number): void => metrics?.attempt(result, seconds(startedMs));

  const bind = async (info: QueuedPodInfo, nodeName: string, startedMs: number): Promise<void> => {
    const pod = info.pod;
    const { namespace = 'default', name } = pod.metadata;
    const log = logger.child({ pod: keyOf(pod), node: nodeName });
    try {
      await client.pods.bind(namespace, name ?? '', nodeName, pod.metadata.uid ? { uid: pod.metadata.uid } : {});
    } catch (err) {
      cache.forgetPod(pod);
      attempt('error', startedMs);
      // The resources it held are free again.
      queue.moveAllToActiveOrBackoff('PodDelete');
      if (isConflict(err) || isNotFound(err)) {
        // Already bound (by another scheduler), being deleted, or gone: the informer brings the truth.
        log.info({ err: (err as Error).message }, 'binding rejected; not retrying');
        return;
      }
      log.warn({ err }, 'binding failed; retrying with backoff');
      recordEvent(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(err as Error).message}`);
      queue.requeueAfterError(info);
      return;
    }
    cache.finishBinding(pod);
    attempt('scheduled', startedMs);
    metrics?.podScheduled(info.attempts, seconds(info.initialAttemptTimestamp));
    log.debug('bound');
    recordEvent(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name ?? ''} to ${nodeName}`);
  };

  const scheduleOne = async (info: QueuedPodInfo): Promise<void> => {
    const pod = info.pod;
    if (pod.metadata.deletionTimestamp || isAssigned(pod) || cache.isAssumed(pod)) {
      queue.done(pod);
      return;
    }
    const started = clock.now();
    let result: ScheduleResult;
    try {
      result = algorithm.schedule(pod, cache.snapshot());
    } catch (err) {
      logger.error({ err, pod: keyOf(pod) }, 'scheduling algorithm failed');
      attempt('error', started);
      queue.requeueAfterError(info);
      return;
    }
    if (!result.ok) {
      attempt('unschedulable', started);
      logger.info({ pod: keyOf(pod), reason: result.message }, 'unable to schedule pod; waiting');
      recordEvent(pod, 'Warning', 'FailedScheduling', result.message);
      markUnschedulable(pod, result.message);
      queue.addUnschedulable(info);
      return;
    }
    // From here on the node's resources count as taken, before the binding is even sent.
    try {
      cache.assumePod(pod, result.node);
    } catch (err) {
      logger.error({ err, pod: keyOf(pod) }, 'assuming the pod failed');
      attempt('error', started);
      queue.requeueAfterError(info);
      return;
    }
    // The scheduling cycle is over; a failed bind requeues the pod itself.
    queue.done(pod);
    await acquireBindSlot();
    track(bind(info, result.node, started).finally(releaseBindSlot));
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      let info: QueuedPodInfo | undefined;
      try {
        info = await queue.pop(signal);
      } catch (err) {
        if (signal.aborted) break;
        throw err;
      }
      if (!info) break;
      if (signal.aborted) {
        // Leadership ended between pop and now: hand the pod back for whoever schedules next.
        queue.requeueAfterError(info);
        break;
      }
      await scheduleOne(info);
    }
  };

  /** Events still queued get a few seconds, not the recorder's minutes of retries against a dead apiserver. */
  const EVENT_FLUSH_MS = 5_000;
  const drain = async (): Promise<void> => {
    while (background.size > 0) await Promise.allSettled([...background]);
    await recorder.close(EVENT_FLUSH_MS);
  };

  const podHandlers: EventHandlers<Pod> = {
    onAdd(pod) {
      const p = asSched(pod);
      if (isAssigned(p)) {
        if (!isTerminal(p)) cache.addPod(p);
      } else if (responsible(p) && !isTerminal(p)) {
        queue.add(p);
      }
    },
    onUpdate(oldPod, newPod) {
      const oldP = asSched(oldPod);
      const p = asSched(newPod);
      if (isAssigned(p)) {
        if (!isAssigned(oldP)) {
          queue.delete(oldP);
          conditionWritten.delete(keyOf(p));
        }
        const cached = isAssigned(oldP) && !isTerminal(oldP);
        if (isTerminal(p)) {
          // A finished pod gives its resources back.
          if (cached) {
            cache.removePod(oldP);
            queue.moveAllToActiveOrBackoff('PodDelete');
          }
        } else if (cached) {
          cache.updatePod(oldP, p);
        } else {
          cache.addPod(p);
        }
        return;
      }
      if (!responsible(p) || isTerminal(p)) {
        queue.delete(p);
        return;
      }
      // Our own status write or a bind in flight: nothing that could change where it fits.
      if (cache.isAssumed(p) || !isPodUpdated(oldP, p)) return;
      queue.update(oldP, p);
    },
    onDelete(pod) {
      const p = asSched(pod);
      if (isAssigned(p)) {
        if (!isTerminal(p)) cache.removePod(p);
        queue.moveAllToActiveOrBackoff('PodDelete');
      } else {
        queue.delete(p);
      }
      conditionWritten.delete(keyOf(p));
    },
  };

  const nodeHandlers: EventHandlers<Node> = {
    onAdd(node) {
      cache.addNode(asSched(node));
      queue.moveAllToActiveOrBackoff('NodeAdd');
    },
    onUpdate(oldNode, newNode) {
      cache.updateNode(asSched(oldNode), asSched(newNode));
      if (nodeSchedulingChanged(oldNode, newNode)) queue.moveAllToActiveOrBackoff('NodeUpdate');
    },
    onDelete(node) {
      cache.removeNode(asSched(node));
    },
  };

  return { podHandlers, nodeHandlers, run, scheduleOne, drain };
}
