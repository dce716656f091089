/**
 * client-go's tools/record EventRecorder with its EventCorrelator: events are queued (bounded,
 * fire and forget), then aggregated, de-duplicated and rate limited before they reach the
 * apiserver. A repeat of an event PATCHes the existing one's count and lastTimestamp instead of
 * creating another, so a pod stuck in a loop costs one Event object, not one per occurrence.
 */
import { isAlreadyExists, isNotFound, isStatusError, type Event, type ObjectReference } from '@tskube/api-types';
import { silentLogger, systemClock, type Clock, type Logger } from '@tskube/component-base';
import type { PatchType } from './rest-client.js';
import { isConnectionError } from './transport.js';

export type EventType = 'Normal' | 'Warning';

/** Anything with type and object metadata: the object an event is about. */
export interface EventObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** The two writes the recorder makes; a `ResourceClient<Event>` is one. Results need only carry metadata. */
export interface EventSink {
  create(namespace: string, event: Event): Promise<unknown>;
  patch(namespace: string, name: string, patch: unknown, type: PatchType): Promise<unknown>;
}

export interface EventRecorderOptions {
  client: { events: EventSink };
  /** source.component and reportingComponent, e.g. `default-scheduler`, `kubelet`. */
  component: string;
  /** source.host (the node name for the kubelet). */
  host?: string;
  /** reportingInstance (default: host). */
  instance?: string;
  clock?: Pick<Clock, 'now' | 'sleep'>;
  logger?: Logger;
  /** Events waiting to be written; more are dropped (upstream's broadcaster queue: 1000). */
  maxQueued?: number;
  /** Objects whose events are written at once; one object's events are always written in order. */
  concurrency?: number;
  /** Attempts per event when the apiserver cannot be reached (upstream 12, 10 s apart). */
  maxTries?: number;
  retryDelayMs?: number;
}

export interface EventRecorder {
  /** Queues an event about `object`; never throws, never waits. */
  event(object: EventObject, type: EventType, reason: string, message: string, opts?: { fieldPath?: string }): void;
  /** Resolves once every event queued so far was written or given up on. */
  flush(): Promise<void>;
  /** Drops what is queued, abandons retries and ignores further events. */
  stop(): void;
  /** For shutdown: gives queued events up to `timeoutMs` to be written (not minutes of retries against a dead apiserver), then stops. */
  close(timeoutMs: number): Promise<void>;
}

// Upstream's events_cache.go constants.
export const EVENT_CACHE_SIZE = 4096;
/** A repeat within this window updates the existing event; the brief's de-duplication window. */
export const EVENT_DEDUP_WINDOW_MS = 10 * 60_000;
export const EVENT_AGGREGATE_MAX = 10;
export const EVENT_AGGREGATE_WINDOW_MS = 10 * 60_000;
export const EVENT_SPAM_BURST = 25;
/** One token every 5 minutes. */
export const EVENT_SPAM_REFILL_MS = 5 * 60_000;
export const EVENT_QUEUE_SIZE = 1000;
export const COMBINED_PREFIX = '(combined from similar events): ';

/** A Map used as an LRU: reads move the entry to the back, writes evict from the front. */
class Lru<V> {
  readonly #max: number;
  readonly #map = new Map<string, V>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.#map.delete(key);
    this.#map.set(key, v);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

interface Observation {
  name: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

interface Item {
  event: Event;
  at: number;
  objectKey: string;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
// A separator that cannot occur in names or kinds, so different fields never run together.
const join = (...parts: (string | undefined)[]): string => parts.map((p) => p ?? '').join('\u0000');

const objectKeyOf = (e: Event): string => {
  const o = e.involvedObject;
  return join(e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion);
};
/** Upstream getEventKey: source, object (with fieldPath), type, reason, message. */
const eventKeyOf = (e: Event): string => join(objectKeyOf(e), e.involvedObject.fieldPath, e.type, e.reason, e.message);
/** Upstream EventAggregatorByReasonFunc: the event key without the message. */
const aggregateKeyOf = (e: Event): string => join(objectKeyOf(e), e.type, e.reason, e.reportingComponent, e.reportingInstance);

export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger();
  const sink = opts.client.events;
  const maxQueued = opts.maxQueued ?? EVENT_QUEUE_SIZE;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const maxTries = Math.max(1, opts.maxTries ?? 12);
  const retryDelayMs = opts.retryDelayMs ?? 10_000;
  const instance = opts.instance ?? opts.host;
  const stopper = new AbortController();

  const observations = new Lru<Observation>(EVENT_CACHE_SIZE);
  const aggregates = new Lru<{ messages: Set<string>; lastMs: number }>(EVENT_CACHE_SIZE);
  const spam = new Lru<{ tokens: number; lastMs: number }>(EVENT_CACHE_SIZE);

  // Per-object FIFOs: one object's events are correlated and written in order, different objects in parallel.
  const pending = new Map<string, Item[]>();
  const active = new Set<string>();
  let queued = 0;
  let dropping = false;
  let idleWaiters: (() => void)[] = [];
  let seq = 0;

  /** Upstream names events `<name>.<unix nanos in hex>`; a counter fills the nanos a ms clock lacks. */
  const eventName = (name: string, ms: number): string => `${name}.${(BigInt(ms) * 1_000_000n + BigInt(seq++ % 1_000_000)).toString(16)}`;

  /** EventAggregator: many messages for one (object, reason) become one combined event. */
  const aggregate = (event: Event, at: number): { event: Event; key: string } => {
    const aggKey = aggregateKeyOf(event);
    let record = aggregates.get(aggKey);
    if (!record || at - record.lastMs > EVENT_AGGREGATE_WINDOW_MS) record = { messages: new Set(), lastMs: at };
    record.messages.add(event.message ?? '');
    record.lastMs = at;
    aggregates.set(aggKey, record);
    if (record.messages.size < EVENT_AGGREGATE_MAX) return { event, key: eventKeyOf(event) };
    // Keep the set at the threshold (upstream PopAny), so every later message is combined too.
    record.messages.delete(record.messages.values().next().value as string);
    const stamp = rfc3339(at);
    const combined: Event = {
      ...event,
      metadata: { name: eventName(event.involvedObject.name ?? '', at), namespace: event.metadata?.namespace ?? 'default' },
      message: COMBINED_PREFIX + (event.message ?? ''),
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    return { event: combined, key: aggKey };
  };

  /** eventLogger.eventObserve: a recent identical event turns this one into a patch of it. */
  const observe = (event: Event, key: string, at: number): { event: Event; patch?: Record<string, unknown> } => {
    const last = observations.get(key);
    if (!last || at - last.lastMs > EVENT_DEDUP_WINDOW_MS) {
      observations.set(key, { name: event.metadata?.name ?? '', count: 1, firstTimestamp: event.firstTimestamp ?? rfc3339(at), lastMs: at });
      return { event };
    }
    const count = last.count + 1;
    const updated: Event = { ...event, metadata: { ...event.metadata, name: last.name }, firstTimestamp: last.firstTimestamp, count };
    observations.set(key, { ...last, count, lastMs: at });
    // What upstream's two-way strategic merge patch boils down to for a repeat.
    return { event: updated, patch: { count, lastTimestamp: updated.lastTimestamp, message: updated.message } };
  };

  /** EventSourceObjectSpamFilter: a passive token bucket per (source, object); true = drop. */
  const spamFiltered = (event: Event, at: number): boolean => {
    const key = objectKeyOf(event);
    const bucket = spam.get(key) ?? { tokens: EVENT_SPAM_BURST, lastMs: at };
    bucket.tokens = Math.min(EVENT_SPAM_BURST, bucket.tokens + Math.max(0, at - bucket.lastMs) / EVENT_SPAM_REFILL_MS);
    bucket.lastMs = at;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    spam.set(key, bucket);
    return !allowed;
  };

  /** One write: PATCH a repeat (CREATE if it expired meanwhile) or CREATE. True when done with it. */
  const write = async (event: Event, patch: Record<string, unknown> | undefined, key: string, at: number): Promise<boolean> => {
    const ns = event.metadata?.namespace ?? 'default';
    const name = event.metadata?.name ?? '';
    try {
      let result: unknown;
      let patched = false;
      if (patch) {
        try {
          result = await sink.patch(ns, name, patch, 'strategic');
          patched = true;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      if (!patched) {
        const { resourceVersion: _rv, ...metadata } = event.metadata ?? {};
        result = await sink.create(ns, { ...event, metadata });
      }
      // Remember what the server holds, so the next repeat patches the right object.
      const stored = (result ?? {}) as Partial<Event>;
      const last = observations.get(key);
      if (last && stored.metadata?.name) {
        observations.set(key, { ...last, name: stored.metadata.name, count: Math.max(last.count, stored.count ?? 0), firstTimestamp: stored.firstTimestamp ?? last.firstTimestamp });
      }
      return true;
    } catch (err) {
      const log = logger.child({ event: `${ns}/${name}`, reason: event.reason });
      if (isAlreadyExists(err)) {
        log.debug({ err }, 'event already exists; not retrying');
        return true;
      }
      // Upstream retries transport failures only; an apiserver that answered will answer the same again.
      if (isStatusError(err) && !isConnectionError(err)) {
        log.warn({ err }, 'server rejected event; not retrying');
        return true;
      }
      log.warn({ err, at: rfc3339(at) }, 'unable to write event; may retry');
      return false;
    }
  };

  const handle = async (item: Item): Promise<void> => {
    const { event: aggregated, key } = aggregate(item.event, item.at);
    const { event, patch } = observe(aggregated, key, item.at);
    if (spamFiltered(event, item.at)) {
      logger.debug({ event: `${event.metadata?.namespace}/${event.metadata?.name}`, reason: event.reason }, 'event dropped by the spam filter');
      return;
    }
    for (let tries = 1; !stopper.signal.aborted; tries++) {
      if (await write(event, patch, key, item.at)) return;
      if (tries >= maxTries) {
        logger.error({ event: `${event.metadata?.namespace}/${event.metadata?.name}`, reason: event.reason }, 'unable to write event; retry limit exceeded');
        return;
      }
      // The first wait is random so that many clients do not retry in step after an outage.
      const delay = tries === 1 ? Math.random() * retryDelayMs : retryDelayMs;
      try {
        await clock.sleep(delay, stopper.signal);
      } catch {
        return;
      }
    }
  };

  const pump = (): void => {
    for (const [objectKey, items] of pending) {
      if (active.size >= concurrency) break;
      if (active.has(objectKey)) continue;
      const item = items.shift();
      if (items.length === 0) pending.delete(objectKey);
      if (!item) continue;
      queued--;
      active.add(objectKey);
      void handle(item)
        .catch((err: unknown) => logger.error({ err }, 'event recorder failed'))
        .finally(() => {
          active.delete(objectKey);
          pump();
        });
    }
    if (queued < maxQueued) dropping = false;
    if (active.size === 0 && queued === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const recorder: EventRecorder = {
    event(object, type, reason, message, eventOpts = {}) {
      try {
        if (stopper.signal.aborted) return;
        if (queued >= maxQueued) {
          if (!dropping) logger.warn({ maxQueued }, 'event queue full; dropping events until it drains');
          dropping = true;
          return;
        }
        const at = clock.now();
        const meta = object.metadata ?? {};
        const involvedObject: ObjectReference = {};
        const ref: [keyof ObjectReference, string | undefined][] = [
          ['kind', object.kind],
          ['namespace', meta.namespace],
          ['name', meta.name],
          ['uid', meta.uid],
          ['apiVersion', object.apiVersion],
          ['resourceVersion', meta.resourceVersion],
          ['fieldPath', eventOpts.fieldPath],
        ];
        for (const [k, v] of ref) if (v) involvedObject[k] = v;
        const stamp = rfc3339(at);
        const event: Event = {
          apiVersion: 'v1',
          kind: 'Event',
          // Events about cluster-scoped objects (nodes) live in `default`, as upstream.
          metadata: { name: eventName(meta.name ?? '', at), namespace: meta.namespace || 'default' },
          involvedObject,
          reason,
          message,
          type,
          source: { component: opts.component, ...(opts.host ? { host: opts.host } : {}) },
          firstTimestamp: stamp,
          lastTimestamp: stamp,
          count: 1,
          reportingComponent: opts.component,
          ...(instance ? { reportingInstance: instance } : {}),
        };
        const objectKey = objectKeyOf(event);
        const list = pending.get(objectKey);
        if (list) list.push({ event, at, objectKey });
        else pending.set(objectKey, [{ event, at, objectKey }]);
        queued++;
        pump();
      } catch (err) {
        logger.error({ err, reason }, 'event not recorded');
      }
    },
    flush() {
      if (active.size === 0 && queued === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    stop() {
      stopper.abort(new Error('event recorder stopped'));
      queued = 0;
      pending.clear();
      pump();
    },
    async close(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([recorder.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      recorder.stop();
    },
  };
  return recorder;
}
