import { silentLogger, systemClock, type Clock, type Logger, type TimerHandle } from '@tskube/component-base';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limit.js';

/**
 * client-go's rate-limiting work queue. An item is queued at most once however often it is
 * added, and never handed to two workers at once: added while being processed, it is queued
 * again only when `done` is called for it.
 */
export interface WorkQueue<T> {
  readonly name: string;
  add(item: T): void;
  /** Waits for an item; undefined once the queue is shut down and empty. Call done(item) after. */
  get(): Promise<T | undefined>;
  done(item: T): void;
  /** Clears the item's failure history (after a successful sync). */
  forget(item: T): void;
  /** Re-adds after the rate limiter's delay for the item. */
  addRateLimited(item: T): void;
  addAfter(item: T, ms: number): void;
  numRequeues(item: T): number;
  len(): number;
  shutDown(): void;
  /** Shuts down, then waits until every item being processed is done. */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

export interface WorkQueueOptions<T> {
  name: string;
  rateLimiter?: RateLimiter<T>;
  clock?: Clock;
}

export function createWorkQueue<T = string>(options: WorkQueueOptions<T>): WorkQueue<T> {
  const clock = options.clock ?? systemClock;
  const limiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(clock);
  const queue: T[] = [];
  const dirty = new Set<T>();
  const processing = new Set<T>();
  const waiting = new Map<T, { at: number; timer: TimerHandle }>();
  const getters: Array<(item: T | undefined) => void> = [];
  const drainWaiters: Array<() => void> = [];
  let shutting = false;

  // Hand queued items to waiting getters (also handing them "undefined" once shut down and empty).
  const dispatch = (): void => {
    while (getters.length > 0 && queue.length > 0) {
      const item = queue.shift() as T;
      dirty.delete(item);
      processing.add(item);
      getters.shift()?.(item);
    }
    if (shutting && queue.length === 0) for (const g of getters.splice(0)) g(undefined);
  };

  const checkDrained = (): void => {
    if (shutting && processing.size === 0) for (const w of drainWaiters.splice(0)) w();
  };

  const add = (item: T): void => {
    if (shutting || dirty.has(item)) return;
    dirty.add(item);
    if (processing.has(item)) return;
    queue.push(item);
    dispatch();
  };

  const addAfter = (item: T, ms: number): void => {
    if (shutting) return;
    if (ms <= 0) {
      add(item);
      return;
    }
    const at = clock.now() + ms;
    const pending = waiting.get(item);
    if (pending) {
      if (pending.at <= at) return;
      clock.clearTimeout(pending.timer);
    }
    const timer = clock.setTimeout(() => {
      waiting.delete(item);
      add(item);
    }, ms);
    waiting.set(item, { at, timer });
  };

  const shutDown = (): void => {
    shutting = true;
    for (const { timer } of waiting.values()) clock.clearTimeout(timer);
    waiting.clear();
    dispatch();
    checkDrained();
  };

  return {
    name: options.name,
    add,
    get() {
      return new Promise<T | undefined>((resolve) => {
        getters.push(resolve);
        dispatch();
      });
    },
    done(item) {
      if (!processing.delete(item)) return;
      if (dirty.has(item)) {
        queue.push(item);
        dispatch();
      }
      checkDrained();
    },
    forget: (item) => limiter.forget(item),
    addRateLimited: (item) => addAfter(item, limiter.when(item)),
    addAfter,
    numRequeues: (item) => limiter.numRequeues(item),
    len: () => queue.length,
    shutDown,
    shutDownWithDrain() {
      const drained = new Promise<void>((resolve) => drainWaiters.push(resolve));
      shutDown();
      return drained;
    },
    shuttingDown: () => shutting,
  };
}

export interface RunWorkersOptions {
  signal: AbortSignal;
  logger?: Logger;
}

/**
 * Runs `n` workers until the signal aborts (the queue is then shut down): each takes a key,
 * syncs it, forgets its failures on success and re-adds it rate-limited when sync throws.
 * Resolves when every worker has stopped.
 */
export async function runWorkers<T>(queue: WorkQueue<T>, n: number, sync: (item: T) => Promise<void>, options: RunWorkersOptions): Promise<void> {
  const logger = options.logger ?? silentLogger();
  const { signal } = options;
  const stop = (): void => queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const worker = async (): Promise<void> => {
    for (;;) {
      const item = await queue.get();
      if (item === undefined) return;
      if (signal.aborted) {
        queue.done(item);
        return;
      }
      try {
        await sync(item);
        queue.forget(item);
      } catch (err) {
        logger.warn({ err, key: item, queue: queue.name, requeues: queue.numRequeues(item) }, 'sync failed; requeuing with backoff');
        queue.addRateLimited(item);
      } finally {
        queue.done(item);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
