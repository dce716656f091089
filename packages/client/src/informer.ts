import { isExpired, parseLabelSelector, type KubernetesObject, type LabelSelector, type List } from '@tskube/api-types';
import { silentLogger, systemClock, type Clock, type Logger, type TimerHandle } from '@tskube/component-base';
import type { ListOptions } from './rest-client.js';
import type { WatchEvent, WatchOptions } from './watch.js';

/** `namespace/name`, or `name` for cluster-scoped objects (client-go MetaNamespaceKeyFunc). */
export function objectKey(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** The inverse of objectKey. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface Lister<T> {
  /** By `namespace/name` (or `name` when cluster-scoped). */
  get(key: string): T | undefined;
  list(namespace?: string, selector?: LabelSelector | string): T[];
}

export interface Informer<T> {
  /** Handlers registered after the initial sync get onAdd for every object already known. Returns an unsubscribe. */
  addEventHandler(handlers: EventHandlers<T>): () => void;
  hasSynced(): boolean;
  /** True once synced; false if the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  /** Read-only view of the store. Objects are deep-frozen: clone before changing them. */
  readonly lister: Lister<T>;
  /** The resourceVersion the store is at. */
  lastSyncResourceVersion(): string;
  /** List, then watch, relisting when needed; resolves when the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export interface InformerConfig<T> {
  list: (opts: ListOptions) => Promise<List<T>>;
  watch: (opts: WatchOptions) => AsyncIterable<WatchEvent<T>>;
  /** Re-deliver every object as onUpdate(obj, obj) this often (0/undefined: never). */
  resyncPeriodMs?: number;
  logger?: Logger;
  clock?: Clock;
  /** For logs. */
  name?: string;
  /** Relist backoff: initial, doubling to max (defaults 1 s → 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Server-side watch timeout in seconds; defaults to a random 300–600 s as client-go's reflector. */
  watchTimeoutSeconds?: () => number;
}

/**
 * A client-go style shared informer: list into a store keyed `namespace/name`, then watch from
 * the list's resourceVersion (with bookmarks). A watch that ends normally is resumed from the
 * last resourceVersion; an expired one (410) or a failed one triggers a relist whose diff
 * against the store is delivered as add/update/delete, so handlers always see a consistent view.
 */
export function createInformer<T extends KubernetesObject>(config: InformerConfig<T>): Informer<T> {
  const clock = config.clock ?? systemClock;
  const logger = (config.logger ?? silentLogger()).child({ informer: config.name ?? 'informer' });
  const initialBackoff = config.initialBackoffMs ?? 1000;
  const maxBackoff = config.maxBackoffMs ?? 30_000;
  const watchTimeout = config.watchTimeoutSeconds ?? (() => Math.floor(300 + Math.random() * 300));
  const store = new Map<string, T>();
  const handlers = new Set<EventHandlers<T>>();
  const syncWaiters = new Set<() => void>();
  let synced = false;
  let resourceVersion = '';

  const notify = (fn: (h: EventHandlers<T>) => void): void => {
    for (const h of handlers) {
      try {
        fn(h);
      } catch (err) {
        logger.error({ err }, 'event handler failed');
      }
    }
  };

  const upsert = (obj: T): void => {
    const frozen = deepFreeze(obj);
    const key = objectKey(frozen);
    const old = store.get(key);
    store.set(key, frozen);
    if (old) notify((h) => h.onUpdate?.(old, frozen));
    else notify((h) => h.onAdd?.(frozen));
  };

  const remove = (obj: T): void => {
    const key = objectKey(obj);
    if (!store.has(key)) return;
    store.delete(key);
    const frozen = deepFreeze(obj);
    notify((h) => h.onDelete?.(frozen));
  };

  /** Replaces the store with a fresh list, telling handlers only what changed. */
  const replace = (items: T[]): void => {
    const fresh = new Map<string, T>();
    for (const item of items) fresh.set(objectKey(item), item);
    for (const [key, old] of [...store]) if (!fresh.has(key)) remove(old);
    for (const [key, item] of fresh) {
      const old = store.get(key);
      if (old && old.metadata?.resourceVersion === item.metadata?.resourceVersion) continue;
      upsert(item);
    }
  };

  const markSynced = (): void => {
    if (synced) return;
    synced = true;
    for (const wake of syncWaiters) wake();
    syncWaiters.clear();
  };

  const watchOnce = async (signal: AbortSignal): Promise<'ended' | 'expired'> => {
    let events = 0;
    for await (const event of config.watch({ resourceVersion, allowWatchBookmarks: true, timeoutSeconds: watchTimeout(), signal })) {
      events++;
      const rv = event.object?.metadata?.resourceVersion;
      switch (event.type) {
        case 'ADDED':
        case 'MODIFIED':
          upsert(event.object);
          break;
        case 'DELETED':
          remove(event.object);
          break;
        case 'BOOKMARK':
          break;
      }
      if (rv) resourceVersion = rv;
    }
    logger.debug({ events, resourceVersion }, 'watch ended');
    return 'ended';
  };

  let running = false;
  const run = async (signal: AbortSignal): Promise<void> => {
    if (running) throw new Error(`informer ${config.name ?? ''} is already running`);
    running = true;
    let resyncTimer: TimerHandle | undefined;
    const resync = (): void => {
      for (const obj of store.values()) notify((h) => h.onUpdate?.(obj, obj));
      resyncTimer = clock.setTimeout(resync, config.resyncPeriodMs ?? 0);
    };
    if (config.resyncPeriodMs && config.resyncPeriodMs > 0) resyncTimer = clock.setTimeout(resync, config.resyncPeriodMs);

    let backoff = initialBackoff;
    const sleepBackoff = async (): Promise<boolean> => {
      try {
        await clock.sleep(backoff, signal);
      } catch {
        return false;
      }
      backoff = Math.min(backoff * 2, maxBackoff);
      return true;
    };
    try {
      while (!signal.aborted) {
        try {
          const list = await abortable(config.list({ signal }), signal);
          replace(list.items ?? []);
          resourceVersion = list.metadata?.resourceVersion ?? '';
          markSynced();
          backoff = initialBackoff;
        } catch (err) {
          if (signal.aborted) break;
          logger.warn({ err, backoffMs: backoff }, 'list failed; retrying');
          if (!(await sleepBackoff())) break;
          continue;
        }
        // Watch until the stream fails; normal ends (timeouts) just re-watch from where we are.
        for (;;) {
          try {
            const startRv = resourceVersion;
            const started = clock.now();
            await watchOnce(signal);
            if (signal.aborted) break;
            // A stream that closes at once without progress, again and again, must not spin.
            if (resourceVersion !== startRv || clock.now() - started >= 1000) backoff = initialBackoff;
            else if (!(await sleepBackoff())) break;
          } catch (err) {
            if (signal.aborted) break;
            if (isExpired(err)) {
              logger.info({ resourceVersion }, 'watch expired; relisting');
            } else {
              logger.warn({ err, backoffMs: backoff }, 'watch failed; relisting');
              if (!(await sleepBackoff())) break;
            }
            break;
          }
        }
      }
    } finally {
      if (resyncTimer) clock.clearTimeout(resyncTimer);
      running = false;
    }
  };

  return {
    addEventHandler(h) {
      handlers.add(h);
      if (synced) {
        for (const obj of store.values()) {
          try {
            h.onAdd?.(obj);
          } catch (err) {
            logger.error({ err }, 'event handler failed');
          }
        }
      }
      return () => void handlers.delete(h);
    },
    hasSynced: () => synced,
    waitForSync(signal) {
      if (synced) return Promise.resolve(true);
      if (signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const onAbort = (): void => {
          syncWaiters.delete(wake);
          resolve(false);
        };
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        };
        syncWaiters.add(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    lister: {
      get: (key) => store.get(key),
      list(namespace, selector) {
        const sel = typeof selector === 'string' ? parseLabelSelector(selector) : selector;
        const out: T[] = [];
        for (const obj of store.values()) {
          if (namespace && obj.metadata?.namespace !== namespace) continue;
          if (sel && !sel.matches(obj.metadata?.labels)) continue;
          out.push(obj);
        }
        return out;
      },
    },
    lastSyncResourceVersion: () => resourceVersion,
    run,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Stops waiting when the signal aborts, even if the promise itself ignores it. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
