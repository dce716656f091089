/**
 * The scheduling queue (upstream PriorityQueue): an active heap (higher spec.priority first,
 * then earlier enqueue time), a backoff heap (per-pod backoff, initial doubling to max by
 * attempts) and an unschedulable set that cluster events (or a timeout) move back. Keyed by
 * pod uid: a pod is in at most one sub-queue, and re-adding it updates it in place. Time comes
 * only from the injected clock; the queue arms one clock timer for the next backoff expiry or
 * unschedulable timeout.
 *
 * A popped pod is "in flight" until the caller reports the outcome with `addUnschedulable` or
 * `requeueAfterError` (or drops it on success). If a cluster event arrives while it is in
 * flight, a failure sends it to backoff/active instead of unschedulable (upstream
 * moveRequestCycle), so no wake-up is lost. If it is deleted while in flight, the report is
 * ignored.
 */
import { podKey } from '../node-info.js';
import type { ClockLike, ClusterEvent, QueuedPodInfo, SchedPod } from '../types.js';
import { IndexedHeap, type HeapItem } from './heap.js';

export interface SchedulingQueueOptions {
  clock: ClockLike;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Pods unschedulable for this long move back even without a cluster event. */
  unschedulableTimeoutMs?: number;
}

export type QueueLocation = 'active' | 'backoff' | 'unschedulable' | 'inFlight';

export interface SchedulingQueue {
  /** A new pending pod (or an update of a queued one, in place). */
  add(pod: SchedPod): void;
  /** An unschedulable pod whose spec or metadata changed moves to backoff/active. */
  update(oldPod: SchedPod, newPod: SchedPod): void;
  delete(pod: SchedPod): void;
  /**
   * The next pod to schedule, waiting until one is active. Resolves `undefined` (never rejects)
   * once the queue is closed or `signal` aborts.
   */
  pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined>;
  /** After a failed attempt: to the unschedulable set (or backoff if the cluster changed meanwhile). */
  addUnschedulable(info: QueuedPodInfo): void;
  /** After an error (not a fit failure), e.g. a failed bind: straight to backoff. */
  requeueAfterError(info: QueuedPodInfo): void;
  /** The attempt ended without going back to the queue (placed, or dropped): forget it (upstream Done). */
  done(pod: SchedPod): void;
  moveAllToActiveOrBackoff(event: ClusterEvent): void;
  /** Moves pods whose backoff expired to active (the clock timer calls it too). */
  flushBackoffCompleted(): void;
  /** Moves pods unschedulable for longer than the timeout (the clock timer calls it too). */
  flushUnschedulableLeftover(): void;
  pendingCount(): { active: number; backoff: number; unschedulable: number };
  /** Where the pod is, if anywhere. */
  location(pod: SchedPod): QueueLocation | undefined;
  /** Pending pops resolve `undefined`; the timer is cleared. */
  close(): void;
}

/** Upstream calculateBackoffDuration: initial × 2^(attempts−1), capped at max. */
export function backoffDuration(attempts: number, initialMs = 1000, maxMs = 10_000): number {
  let d = initialMs;
  for (let i = 1; i < attempts; i++) {
    if (d > maxMs - d) return maxMs;
    d += d;
  }
  return Math.min(d, maxMs);
}

interface Entry extends HeapItem {
  key: string;
  info: QueuedPodInfo;
  where: 'active' | 'backoff' | 'unschedulable';
  /** When it was last enqueued or last failed (clock ms). */
  timestamp: number;
  seq: number;
  backoffExpiry: number;
}

const priorityOf = (e: Entry): number => e.info.pod.spec?.priority ?? 0;

export function createSchedulingQueue(opts: SchedulingQueueOptions): SchedulingQueue {
  const clock = opts.clock;
  const initialBackoffMs = opts.initialBackoffMs ?? 1000;
  const maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  const unschedulableTimeoutMs = opts.unschedulableTimeoutMs ?? 5 * 60_000;

  const entries = new Map<string, Entry>();
  const activeQ = new IndexedHeap<Entry>((a, b) => {
    const pa = priorityOf(a);
    const pb = priorityOf(b);
    if (pa !== pb) return pa > pb;
    return a.timestamp !== b.timestamp ? a.timestamp < b.timestamp : a.seq < b.seq;
  });
  const backoffQ = new IndexedHeap<Entry>((a, b) =>
    a.backoffExpiry !== b.backoffExpiry ? a.backoffExpiry < b.backoffExpiry : a.seq < b.seq,
  );
  /** Insertion order is failure-time order, which the timeout flush relies on. */
  const unschedulable = new Map<string, Entry>();
  const inFlight = new Map<string, { cycle: number; deleted: boolean }>();
  const waiters: ((info: QueuedPodInfo | undefined) => void)[] = [];
  let seq = 0;
  let schedulingCycle = 0;
  let moveRequestCycle = -1;
  let closed = false;
  let timer: unknown;
  let timerAt = Infinity;

  const now = () => clock.now();

  function detach(e: Entry): void {
    if (e.where === 'active') activeQ.remove(e);
    else if (e.where === 'backoff') backoffQ.remove(e);
    else unschedulable.delete(e.key);
  }

  function toActive(e: Entry): void {
    e.where = 'active';
    e.seq = seq++;
    activeQ.push(e);
    wake();
  }

  function toBackoff(e: Entry): void {
    e.where = 'backoff';
    e.seq = seq++;
    backoffQ.push(e);
  }

  /** Backoff if its backoff has not expired yet, else active (upstream movePodsToActiveOrBackoffQueue). */
  function toActiveOrBackoff(e: Entry): void {
    e.backoffExpiry = e.timestamp + backoffDuration(e.info.attempts, initialBackoffMs, maxBackoffMs);
    if (e.backoffExpiry > now()) toBackoff(e);
    else toActive(e);
  }

  function take(e: Entry): QueuedPodInfo {
    entries.delete(e.key);
    e.info.attempts++;
    schedulingCycle++;
    inFlight.set(e.key, { cycle: schedulingCycle, deleted: false });
    return e.info;
  }

  function wake(): void {
    while (waiters.length > 0 && activeQ.size > 0) {
      const resolve = waiters.shift() as (info: QueuedPodInfo | undefined) => void;
      resolve(take(activeQ.pop() as Entry));
    }
  }

  function arm(): void {
    if (closed) return;
    let next = backoffQ.peek()?.backoffExpiry ?? Infinity;
    for (const e of unschedulable.values()) {
      next = Math.min(next, e.timestamp + unschedulableTimeoutMs);
      break;
    }
    if (next === Infinity) return;
    if (timer !== undefined && timerAt <= next) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timerAt = next;
    timer = clock.setTimeout(onTimer, Math.max(0, next - now()));
  }

  function onTimer(): void {
    timer = undefined;
    timerAt = Infinity;
    queue.flushBackoffCompleted();
    queue.flushUnschedulableLeftover();
    arm();
  }

  /** The outcome of an in-flight attempt; undefined when it should be dropped. */
  function settle(info: QueuedPodInfo): { entry: Entry; movedMeanwhile: boolean } | undefined {
    const key = podKey(info.pod);
    const flight = inFlight.get(key);
    inFlight.delete(key);
    if (flight?.deleted || entries.has(key)) return undefined; // deleted, or re-added meanwhile
    const entry: Entry = { key, info, where: 'unschedulable', timestamp: now(), seq: 0, backoffExpiry: 0, heapIndex: -1 };
    entries.set(key, entry);
    return { entry, movedMeanwhile: moveRequestCycle >= (flight?.cycle ?? schedulingCycle) };
  }

  const queue: SchedulingQueue = {
    add(pod) {
      const key = podKey(pod);
      const e = entries.get(key);
      if (e) {
        e.info.pod = pod;
        if (e.where === 'active') activeQ.fix(e);
        return;
      }
      const t = now();
      const entry: Entry = {
        key,
        info: { pod, attempts: 0, initialAttemptTimestamp: t },
        where: 'active',
        timestamp: t,
        seq: 0,
        backoffExpiry: 0,
        heapIndex: -1,
      };
      entries.set(key, entry);
      toActive(entry);
    },
    update(oldPod, newPod) {
      const e = entries.get(podKey(newPod));
      if (!e) return queue.add(newPod);
      e.info.pod = newPod;
      if (e.where === 'active') activeQ.fix(e);
      else if (e.where === 'unschedulable' && isPodUpdated(oldPod, newPod)) {
        unschedulable.delete(e.key);
        toActiveOrBackoff(e);
        arm();
      }
    },
    delete(pod) {
      const key = podKey(pod);
      const e = entries.get(key);
      if (e) {
        detach(e);
        entries.delete(key);
      }
      const flight = inFlight.get(key);
      if (flight) flight.deleted = true;
    },
    pop(signal) {
      if (closed || signal?.aborted) return Promise.resolve(undefined);
      const e = activeQ.pop();
      if (e) return Promise.resolve(take(e));
      return new Promise((resolve) => {
        const waiter = (info: QueuedPodInfo | undefined) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(info);
        };
        const onAbort = () => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          resolve(undefined);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    addUnschedulable(info) {
      const s = settle(info);
      if (!s) return;
      if (s.movedMeanwhile) toActiveOrBackoff(s.entry);
      else unschedulable.set(s.entry.key, s.entry);
      arm();
    },
    requeueAfterError(info) {
      const s = settle(info);
      if (!s) return;
      toActiveOrBackoff(s.entry);
      arm();
    },
    done(pod) {
      inFlight.delete(podKey(pod));
    },
    moveAllToActiveOrBackoff(_event) {
      // Every event moves every unschedulable pod (no per-plugin queueing hints).
      const moving = [...unschedulable.values()];
      unschedulable.clear();
      for (const e of moving) toActiveOrBackoff(e);
      moveRequestCycle = schedulingCycle;
      arm();
    },
    flushBackoffCompleted() {
      const t = now();
      for (let e = backoffQ.peek(); e && e.backoffExpiry <= t; e = backoffQ.peek()) {
        backoffQ.pop();
        toActive(e);
      }
    },
    flushUnschedulableLeftover() {
      const t = now();
      for (const e of unschedulable.values()) {
        if (t - e.timestamp < unschedulableTimeoutMs) break;
        unschedulable.delete(e.key);
        toActiveOrBackoff(e);
      }
    },
    pendingCount() {
      return { active: activeQ.size, backoff: backoffQ.size, unschedulable: unschedulable.size };
    },
    location(pod) {
      const key = podKey(pod);
      return entries.get(key)?.where ?? (inFlight.has(key) ? 'inFlight' : undefined);
    },
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      for (const w of waiters.splice(0)) w(undefined);
    },
  };
  return queue;
}

/** Upstream isPodUpdated: a change other than status, resourceVersion, generation or managedFields. */
export function isPodUpdated(oldPod: SchedPod, newPod: SchedPod): boolean {
  const strip = (p: SchedPod) => ({
    metadata: { ...p.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined },
    spec: p.spec,
  });
  return !deepEqual(strip(oldPod), strip(newPod));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
