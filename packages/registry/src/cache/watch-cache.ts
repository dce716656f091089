/**
 * The watch fan-out cache (upstream apiserver/pkg/storage/cacher: Cacher + watchCache +
 * cacheWatcher). One storage list+watch per resource keeps the decoded objects and a window of
 * recent events; every API watch is served from memory.
 *
 * Objects and events are shared by every watcher and every list: treat them as read-only.
 */
import { badRequest, expired, StatusError, tooManyRequests } from '@tskube/api-types';
import type { Logger } from '@tskube/component-base';
import { compareKeys } from '../storage/keys.js';
import { isStorageError, type KeyValue, type Storage, type StorageEvent, type StorageWatch } from '../storage/types.js';
import type { CacheEvent, CacheWatcher, CacheWatchOptions, StoredObject, WatchCache } from './types.js';

/** The part of component-base's Logger the cache uses (a test may pass a plain fake). */
export type CacheLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface WatchCacheOptions<T extends StoredObject> {
  storage: Storage;
  /** The key prefix of the resource, e.g. `/registry/pods/`. */
  prefix: string;
  /** Decodes one stored value and sets `metadata.resourceVersion`; throws on a bad value. */
  decode: (kv: KeyValue) => T;
  logger?: CacheLogger;
  /** Events kept for resuming watchers. Default 1000. */
  windowSize?: number;
  /** How often bookmark-enabled watchers get a BOOKMARK. Default 5000 ms. */
  bookmarkIntervalMs?: number;
  /** Undelivered events one watcher may hold before it is terminated. Default 10 000. */
  maxWatcherBuffer?: number;
}

const noop = (): void => {};
const noopLogger = { debug: noop, info: noop, warn: noop, error: noop } as unknown as CacheLogger;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5000;

type Change = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One event of the window, with the per-filter variants computed at most once. */
interface WindowEvent<T extends StoredObject> {
  event: CacheEvent<T> & { type: Change };
  /** As seen by a watcher whose filter the object just entered. */
  entered?: CacheEvent<T>;
  /** As seen by a watcher whose filter the object just left (the previous state, this revision). */
  left?: CacheEvent<T>;
}

interface Entry<T> {
  createRevision: number;
  modRevision: number;
  /** Undefined when the stored value does not decode: the object is invisible. */
  object: T | undefined;
}

function withRevision<T extends StoredObject>(obj: T, revision: number): T {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/**
 * How one watcher sees an event, the upstream way: an object that enters the filter is ADDED,
 * one that leaves it is DELETED (its previous state at the event's revision).
 */
function convert<T extends StoredObject>(we: WindowEvent<T>, matches: ((o: T) => boolean) | undefined): CacheEvent<T> | undefined {
  const ev = we.event;
  if (!matches) return ev;
  const cur = ev.type !== 'DELETED' && matches(ev.object);
  const old = ev.prevObject !== undefined && matches(ev.prevObject);
  if (cur) {
    if (old || ev.type === 'ADDED') return ev;
    return (we.entered ??= { type: 'ADDED', object: ev.object, revision: ev.revision });
  }
  if (!old) return undefined;
  if (ev.type === 'DELETED') return ev;
  const prev = ev.prevObject!;
  return (we.left ??= { type: 'DELETED', object: withRevision(prev, ev.revision), prevObject: prev, revision: ev.revision });
}

/** A fixed-size ring of the latest events, oldest first. */
class EventWindow<T extends StoredObject> {
  private buf: (WindowEvent<T> | undefined)[];
  private head = 0;
  private len = 0;
  constructor(private readonly capacity: number) {
    this.buf = new Array<WindowEvent<T> | undefined>(capacity);
  }
  /** Appends; returns the event pushed out, if the window was full. */
  push(e: WindowEvent<T>): WindowEvent<T> | undefined {
    if (this.len < this.capacity) {
      this.buf[(this.head + this.len++) % this.capacity] = e;
      return undefined;
    }
    const evicted = this.buf[this.head];
    this.buf[this.head] = e;
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }
  private at(i: number): WindowEvent<T> {
    return this.buf[(this.head + i) % this.capacity]!;
  }
  /** The events with a revision greater than `rev`, oldest first. */
  since(rev: number): WindowEvent<T>[] {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).event.revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    const out: WindowEvent<T>[] = [];
    for (let i = lo; i < this.len; i++) out.push(this.at(i));
    return out;
  }
  clear(): void {
    this.buf = new Array<WindowEvent<T> | undefined>(this.capacity);
    this.head = 0;
    this.len = 0;
  }
}

type Start = { kind: 'snapshot' } | { kind: 'resume'; rv: number };

function parseStart(rv: string | undefined): Start {
  if (rv === undefined || rv === '' || rv === '0') return { kind: 'snapshot' };
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(Number(rv))) {
    throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  }
  return { kind: 'resume', rv: Number(rv) };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class Watcher<T extends StoredObject> implements CacheWatcher<T> {
  /** Live events at or below this revision are covered by the initial events (or were asked to be skipped). */
  minRevision = 0;
  private snapshot: readonly T[] = [];
  private replay: readonly WindowEvent<T>[] = [];
  private initialIndex = 0;
  private live: CacheEvent<T>[] = [];
  private liveHead = 0;
  private error: unknown;
  private ended = false;
  private finished = false;
  private wakers: (() => void)[] = [];

  constructor(
    readonly start: Start,
    readonly matches: ((o: T) => boolean) | undefined,
    readonly bookmarks: boolean,
    private readonly maxBuffer: number,
    private readonly detach: (w: Watcher<T>) => void,
  ) {}

  begin(minRevision: number, snapshot: readonly T[], replay: readonly WindowEvent<T>[]): void {
    this.minRevision = minRevision;
    this.snapshot = snapshot;
    this.replay = replay;
    this.wake();
  }

  offer(we: WindowEvent<T>): void {
    if (we.event.revision <= this.minRevision) return;
    const ev = convert(we, this.matches);
    if (ev) this.push(ev);
  }

  bookmark(ev: CacheEvent<T>): void {
    if (!this.bookmarks || ev.revision < this.minRevision) return;
    // Only the newest unsent bookmark matters.
    if (this.live.length > this.liveHead && this.live[this.live.length - 1]!.type === 'BOOKMARK') {
      this.live[this.live.length - 1] = ev;
    } else {
      this.push(ev);
    }
  }

  private push(ev: CacheEvent<T>): void {
    if (this.live.length - this.liveHead >= this.maxBuffer) {
      // Upstream closes a watcher that cannot keep up. 429 lets the client re-watch from the last
      // revision it saw (still in the window, most likely) instead of relisting.
      this.fail(tooManyRequests('watch closed: the client is too slow to receive events', 1), true);
      return;
    }
    this.live.push(ev);
    this.wake();
  }

  /** Ends the watcher with an error; `drop` discards what was not delivered yet. */
  fail(err: unknown, drop: boolean): void {
    if (this.ended || this.error !== undefined) return;
    this.error = err;
    if (drop) this.release();
    this.detach(this);
    this.wake();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    this.detach(this);
    this.wake();
  }

  private release(): void {
    this.snapshot = [];
    this.replay = [];
    this.initialIndex = 0;
    this.live = [];
    this.liveHead = 0;
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  private take(): CacheEvent<T> | undefined {
    while (this.initialIndex < this.snapshot.length) {
      const obj = this.snapshot[this.initialIndex++]!;
      if (!this.matches || this.matches(obj)) {
        return { type: 'ADDED', object: obj, revision: Number(obj.metadata.resourceVersion) || 0 };
      }
    }
    while (this.initialIndex < this.replay.length) {
      const ev = convert(this.replay[this.initialIndex++]!, this.matches);
      if (ev) return ev;
    }
    if (this.liveHead < this.live.length) {
      const ev = this.live[this.liveHead]!;
      this.live[this.liveHead++] = undefined as never;
      if (this.liveHead > 1024 && this.liveHead * 2 > this.live.length) {
        this.live = this.live.slice(this.liveHead);
        this.liveHead = 0;
      }
      return ev;
    }
    return undefined;
  }

  async next(): Promise<IteratorResult<CacheEvent<T>, undefined>> {
    for (;;) {
      if (this.finished) return DONE;
      const ev = this.take();
      if (ev) return { done: false, value: ev };
      if (this.error !== undefined) {
        this.finished = true;
        throw this.error;
      }
      if (this.ended) {
        this.finished = true;
        return DONE;
      }
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<CacheEvent<T>, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        this.finished = true;
        return DONE;
      },
    };
  }
}

export function createWatchCache<T extends StoredObject>(opts: WatchCacheOptions<T>): WatchCache<T> {
  const { storage, prefix, decode } = opts;
  const log = opts.logger ?? noopLogger;
  const windowSize = Math.max(1, opts.windowSize ?? 1000);
  const maxBuffer = Math.max(1, opts.maxWatcherBuffer ?? 10_000);

  let entries = new Map<string, Entry<T>>();
  /** The visible objects in key order; rebuilt on demand after a change. */
  let sorted: T[] | undefined;
  /** The latest revision the cache has processed (the list's, then each event's). */
  let revision = 0;
  /** The oldest revision a watch may resume from: every later event is in the window. */
  let floor = 0;
  const window = new EventWindow<T>(windowSize);
  const typeMeta: { kind?: string; apiVersion?: string } = {};

  let isReady = false;
  let stopped = false;
  const watchers = new Set<Watcher<T>>();
  let pending: Watcher<T>[] = [];
  let readyWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let revWaiters: { rev: number; resolve: () => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }[] = [];
  let currentWatch: StorageWatch | undefined;
  let cancelSleep: (() => void) | undefined;

  function tryDecode(kv: KeyValue): T | undefined {
    try {
      const obj = decode(kv);
      if (obj.kind) typeMeta.kind = obj.kind;
      if (obj.apiVersion) typeMeta.apiVersion = obj.apiVersion;
      return obj;
    } catch (err) {
      log.warn({ err, key: kv.key, revision: kv.modRevision }, 'skipping a stored object that does not decode');
      return undefined;
    }
  }

  function sortedObjects(): T[] {
    if (!sorted) {
      sorted = [...entries.entries()]
        .filter((e): e is [string, Entry<T> & { object: T }] => e[1].object !== undefined)
        .sort((a, b) => compareKeys(a[0], b[0]))
        .map((e) => e[1].object);
    }
    return sorted;
  }

  function advance(rev: number): void {
    revision = rev;
    if (revWaiters.length === 0) return;
    revWaiters = revWaiters.filter((w) => {
      if (w.rev > revision) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }

  function register(w: Watcher<T>): void {
    if (w.start.kind === 'snapshot') {
      w.begin(revision, sortedObjects(), []);
    } else if (w.start.rv < floor) {
      w.fail(expired(`too old resource version: ${w.start.rv} (${floor})`), true);
      return;
    } else {
      w.begin(Math.max(w.start.rv, revision), [], window.since(w.start.rv));
    }
    watchers.add(w);
  }

  function replace(kvs: KeyValue[], listRevision: number): void {
    entries = new Map();
    for (const kv of kvs) {
      entries.set(kv.key, { createRevision: kv.createRevision, modRevision: kv.modRevision, object: tryDecode(kv) });
    }
    sorted = undefined;
    window.clear();
    floor = listRevision;
    advance(listRevision);
    isReady = true;
    for (const r of readyWaiters) r.resolve();
    readyWaiters = [];
    const waiting = pending;
    pending = [];
    for (const w of waiting) register(w);
  }

  function apply(ev: StorageEvent): void {
    // One transaction can change several keys at one revision (etcd deletes every key of an
    // expired lease at once), so only events older than the latest applied one are stale.
    if (ev.revision < revision) return;
    const prev = entries.get(ev.key);
    const prevObject = prev?.object;
    let event: WindowEvent<T>['event'] | undefined;
    const deleted = (p: T): WindowEvent<T>['event'] => ({
      type: 'DELETED',
      object: withRevision(p, ev.revision),
      prevObject: p,
      revision: ev.revision,
    });
    if (ev.type === 'delete') {
      entries.delete(ev.key);
      if (prevObject) event = deleted(prevObject);
    } else {
      const createRevision = ev.type === 'create' ? ev.revision : (prev?.createRevision ?? ev.revision);
      const object = tryDecode({ key: ev.key, value: ev.value, createRevision, modRevision: ev.revision });
      entries.set(ev.key, { createRevision, modRevision: ev.revision, object });
      if (object) {
        event = prevObject
          ? { type: 'MODIFIED', object, prevObject, revision: ev.revision }
          : { type: 'ADDED', object, revision: ev.revision };
      } else if (prevObject) {
        // The object became undecodable: it is no longer visible, so watchers see it go.
        event = deleted(prevObject);
      }
    }
    if (prevObject || event) sorted = undefined;
    if (event) {
      const we: WindowEvent<T> = { event };
      const evicted = window.push(we);
      if (evicted) floor = evicted.event.revision;
      advance(ev.revision);
      for (const w of watchers) w.offer(we);
    } else {
      advance(ev.revision);
    }
  }

  function terminateAll(err: StatusError): void {
    for (const w of [...watchers]) w.fail(err, false);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        cancelSleep = undefined;
        resolve();
      }
      cancelSleep = done;
    });
  }

  async function run(): Promise<void> {
    let backoff = BACKOFF_START_MS;
    while (!stopped) {
      let healthySince: number | undefined;
      let delivered = false;
      try {
        const list = await storage.list(prefix);
        if (stopped) break;
        replace(list.items, list.revision);
        healthySince = Date.now();
        log.debug({ prefix, revision: list.revision, items: list.items.length }, 'watch cache listed');
        currentWatch = storage.watch(prefix, { afterRevision: list.revision, prefix: true });
        for await (const ev of currentWatch) {
          if (stopped) break;
          apply(ev);
          delivered = true;
        }
        if (stopped) break;
        throw new Error('the storage watch ended');
      } catch (err) {
        if (stopped) break;
        // A session that worked for a while starts the backoff afresh.
        if (delivered || (healthySince !== undefined && Date.now() - healthySince >= BACKOFF_MAX_MS)) {
          backoff = BACKOFF_START_MS;
        }
        const compacted = isStorageError(err, 'Expired');
        log.warn({ err, prefix, retryInMs: compacted ? 0 : backoff }, 'watch cache lost its storage watch; relisting');
        isReady = false;
        terminateAll(expired('the watch cache is reinitializing from storage; relist and watch again'));
        // Expired means the store answers (history was compacted past us): relist at once.
        if (!compacted) {
          await sleep(backoff);
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        }
      } finally {
        currentWatch?.close();
        currentWatch = undefined;
      }
    }
  }

  const bookmarkTimer = setInterval(() => {
    if (!isReady || watchers.size === 0) return;
    const object = { ...typeMeta, metadata: { resourceVersion: String(revision) } } as T;
    const ev: CacheEvent<T> = { type: 'BOOKMARK', object, revision };
    for (const w of watchers) w.bookmark(ev);
  }, opts.bookmarkIntervalMs ?? 5000);
  bookmarkTimer.unref();

  void run().catch((err: unknown) => log.error({ err, prefix }, 'watch cache loop crashed'));

  return {
    ready() {
      if (isReady) return Promise.resolve();
      if (stopped) return Promise.reject(new StatusError('ServiceUnavailable', 'the watch cache is stopped'));
      return new Promise((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },

    watch(options: CacheWatchOptions<T>): CacheWatcher<T> {
      const start = parseStart(options.resourceVersion);
      const { namespace, filter } = options;
      const matches =
        namespace === undefined && !filter
          ? undefined
          : (o: T) => (namespace === undefined || o.metadata.namespace === namespace) && (!filter || filter(o));
      const w = new Watcher<T>(start, matches, options.allowBookmarks ?? false, maxBuffer, (x) => {
        watchers.delete(x);
        const i = pending.indexOf(x);
        if (i >= 0) pending.splice(i, 1);
      });
      if (stopped) w.close();
      else if (isReady) register(w);
      else pending.push(w);
      return w;
    },

    list(namespace?: string) {
      const all = sortedObjects();
      const items = namespace === undefined ? all.slice() : all.filter((o) => o.metadata.namespace === namespace);
      return { items, revision };
    },

    waitFor(rev: number, timeoutMs = 3000) {
      if (revision >= rev) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          revWaiters = revWaiters.filter((w) => w.timer !== timer);
          reject(
            new StatusError('Timeout', `Too large resource version: ${rev}, current: ${revision}`, {
              causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
              retryAfterSeconds: 1,
            }),
          );
        }, timeoutMs);
        revWaiters.push({ rev, resolve, reject, timer });
      });
    },

    stop() {
      if (stopped) return;
      stopped = true;
      isReady = false;
      clearInterval(bookmarkTimer);
      currentWatch?.close();
      cancelSleep?.();
      for (const w of [...watchers, ...pending]) w.close();
      const err = new StatusError('ServiceUnavailable', 'the watch cache is stopped');
      for (const r of readyWaiters) r.reject(err);
      readyWaiters = [];
      for (const w of revWaiters) {
        clearTimeout(w.timer);
        w.reject(err);
      }
      revWaiters = [];
    },
  };
}
