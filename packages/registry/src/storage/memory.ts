/**
 * The in-memory Storage: the same semantics as the etcd one (checked by the shared contract
 * suite), for unit tests, `--storage=memory` and benchmarks. Like etcd it keeps one store-wide
 * revision (1 when empty; every write bumps it) and a window of past events, so watches and
 * lists can start from a past revision until it is compacted.
 */
import { systemClock, type Clock, type TimerHandle } from '@tskube/component-base';
import { compareKeys, lowerBound } from './keys.js';
import {
  StorageError,
  ttlSecondsOf,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageEventType,
  type StorageWatch,
  type WatchOptions,
  type WriteOptions,
} from './types.js';

export interface MemoryStorageOptions {
  /** Events kept for watches and past-revision lists; older ones are compacted. Default 10 000. */
  historySize?: number;
  /** Times TTL expiry (tests drive it with FakeClock). Default: the system clock. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

interface HistoryEvent {
  type: StorageEventType;
  key: string;
  revision: number;
  /** The new item; for a delete, unset. */
  kv?: KeyValue;
  /** The item before this event; unset for a create. */
  prev?: KeyValue;
}

export function createMemoryStorage(options: MemoryStorageOptions = {}): Storage {
  return new MemoryStorage(options.historySize ?? 10_000, options.clock ?? systemClock);
}

class MemoryStorage implements Storage {
  private readonly items = new Map<string, KeyValue>();
  /** All current keys, in etcd's (byte) order. */
  private readonly sortedKeys: string[] = [];
  private revision = 1;
  private compacted = 0;
  /** Events of revisions base+1 … revision, one per revision (every write is one event). */
  private history: HistoryEvent[] = [];
  private base = 1;
  private readonly wakers = new Set<() => void>();
  /** The expiry timer of each key written with a TTL. */
  private readonly expiries = new Map<string, TimerHandle>();
  private closed = false;

  constructor(
    private readonly historySize: number,
    private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  ) {}

  async get(key: string): Promise<KeyValue | undefined> {
    const kv = this.items.get(key);
    return kv && { ...kv };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const atRevision = options.revision && options.revision > 0 ? options.revision : this.revision;
    const inRange = (key: string): boolean =>
      key.startsWith(prefix) && (options.startAfter === undefined || compareKeys(key, options.startAfter) > 0);

    let keys: string[];
    let lookup: (key: string) => KeyValue | undefined;
    if (atRevision === this.revision) {
      keys = [];
      const from = options.startAfter !== undefined && compareKeys(options.startAfter, prefix) > 0 ? options.startAfter : prefix;
      for (let i = lowerBound(this.sortedKeys, from); i < this.sortedKeys.length; i++) {
        const key = this.sortedKeys[i]!;
        if (!key.startsWith(prefix)) break;
        if (inRange(key)) keys.push(key);
        if (keys.length > limit) break;
      }
      lookup = (key) => this.items.get(key);
    } else {
      const past = this.stateAt(prefix, atRevision);
      keys = [...past.keys()].filter(inRange).sort(compareKeys);
      lookup = (key) => past.get(key);
    }
    const more = keys.length > limit;
    const items = (more ? keys.slice(0, limit) : keys).map((key) => ({ ...lookup(key)! }));
    return { items, revision: atRevision, more };
  }

  async create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    this.assertOpen(key);
    const ttl = ttlSecondsOf(key, options);
    if (this.items.has(key)) throw new StorageError('KeyExists', key, `key ${key} already exists`);
    const revision = this.revision + 1;
    const kv: KeyValue = { key, value, createRevision: revision, modRevision: revision };
    this.items.set(key, kv);
    this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 0, key);
    this.setExpiry(key, ttl);
    this.record({ type: 'create', key, revision, kv });
    return { ...kv };
  }

  async update(key: string, value: string, expectedModRevision: number, options?: WriteOptions): Promise<KeyValue> {
    this.assertOpen(key);
    const ttl = ttlSecondsOf(key, options);
    const prev = this.expect(key, expectedModRevision);
    const revision = this.revision + 1;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: revision };
    this.items.set(key, kv);
    this.setExpiry(key, ttl);
    this.record({ type: 'update', key, revision, kv, prev });
    return { ...kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.assertOpen(key);
    return this.remove(this.expect(key, expectedModRevision));
  }

  watch(key: string, options: WatchOptions): StorageWatch {
    const matches =
      options.prefix === false ? (k: string) => k === key : (k: string) => k.startsWith(key);
    return new MemoryWatch(this, matches, options.afterRevision);
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compact(revision: number): Promise<void> {
    if (revision > this.revision) {
      throw new StorageError('Internal', '', `cannot compact to future revision ${revision} (current ${this.revision})`);
    }
    if (revision <= this.compacted) return;
    this.dropHistoryThrough(revision);
    this.wakeAll();
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async healthy(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.expiries.values()) this.clock.clearTimeout(timer);
    this.expiries.clear();
    this.wakeAll();
  }

  // --- used by MemoryWatch ---

  get isClosed(): boolean {
    return this.closed;
  }

  get compactedThrough(): number {
    return this.compacted;
  }

  /** Events with revision >= `from` that are still in the window (caller checks compaction). */
  eventsFrom(from: number): HistoryEvent[] {
    return this.history.slice(Math.max(0, from - this.base - 1));
  }

  subscribe(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  // --- internals ---

  private assertOpen(key: string): void {
    if (this.closed) throw new StorageError('Unreachable', key, 'storage is closed');
  }

  /** The current item, checked against the expected modRevision (when given). */
  private expect(key: string, expectedModRevision: number | undefined): KeyValue {
    const current = this.items.get(key);
    if (!current) throw new StorageError('KeyNotFound', key, `key ${key} not found`);
    if (expectedModRevision !== undefined && current.modRevision !== expectedModRevision) {
      throw new StorageError(
        'Conflict',
        key,
        `key ${key} is at revision ${current.modRevision}, not ${expectedModRevision}`,
        { ...current },
      );
    }
    return current;
  }

  private remove(prev: KeyValue): KeyValue {
    const { key } = prev;
    const revision = this.revision + 1;
    this.items.delete(key);
    this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 1);
    this.setExpiry(key, undefined);
    this.record({ type: 'delete', key, revision, prev });
    return { ...prev, modRevision: revision };
  }

  /**
   * (Re)starts or clears a key's expiry. An expired key is deleted like any other, so watchers
   * see the delete etcd's lease expiry would give them (here one revision per key, keeping the
   * history's one-event-per-revision shape).
   */
  private setExpiry(key: string, ttlSeconds: number | undefined): void {
    const old = this.expiries.get(key);
    if (old !== undefined) this.clock.clearTimeout(old);
    this.expiries.delete(key);
    if (ttlSeconds === undefined) return;
    const timer = this.clock.setTimeout(() => {
      this.expiries.delete(key);
      const current = this.items.get(key);
      if (current && !this.closed) this.remove(current);
    }, ttlSeconds * 1000);
    // A pending expiry must not keep a process alive on its own (real timers only).
    (timer as { unref?: () => void }).unref?.();
    this.expiries.set(key, timer);
  }

  private record(event: HistoryEvent): void {
    this.revision = event.revision;
    this.history.push(event);
    // Trim in chunks so a full window does not cost a shift per write.
    const slack = Math.max(1, this.historySize >> 3);
    if (this.history.length >= this.historySize + slack) {
      this.dropHistoryThrough(this.revision - this.historySize);
    }
    this.wakeAll();
  }

  private dropHistoryThrough(revision: number): void {
    const drop = revision - this.base;
    if (drop > 0) {
      this.history = this.history.slice(drop);
      this.base = revision;
    }
    this.compacted = Math.max(this.compacted, revision);
  }

  /** The items under `prefix` as they were at `revision`, undoing later events. */
  private stateAt(prefix: string, revision: number): Map<string, KeyValue> {
    if (revision < this.compacted) {
      throw new StorageError('Expired', prefix, `revision ${revision} has been compacted (compacted through ${this.compacted})`);
    }
    if (revision > this.revision) {
      throw new StorageError('Internal', prefix, `revision ${revision} is in the future (current ${this.revision})`);
    }
    const state = new Map<string, KeyValue>();
    for (const key of this.sortedKeys.slice(lowerBound(this.sortedKeys, prefix))) {
      if (!key.startsWith(prefix)) break;
      state.set(key, this.items.get(key)!);
    }
    for (let i = this.history.length - 1; i >= 0; i--) {
      const event = this.history[i]!;
      if (event.revision <= revision) break;
      if (!event.key.startsWith(prefix)) continue;
      if (event.prev) state.set(event.key, event.prev);
      else state.delete(event.key);
    }
    return state;
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}

/**
 * A watch reads the shared history at its own pace, so a slow consumer holds no buffer; if it
 * falls out of the window (compaction) it gets Expired, as a slow etcd watcher would.
 */
class MemoryWatch implements StorageWatch {
  private closed = false;
  private started = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: MemoryStorage,
    private readonly matches: (key: string) => boolean,
    private afterRevision: number,
  ) {}

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
    if (this.started) throw new Error('a storage watch can be iterated only once');
    this.started = true;
    return this.events();
  }

  private async *events(): AsyncGenerator<StorageEvent> {
    let pending = true;
    const unsubscribe = this.store.subscribe(() => {
      pending = true;
      this.wake?.();
    });
    try {
      while (!this.closed && !this.store.isClosed) {
        if (this.afterRevision < this.store.compactedThrough) {
          throw new StorageError(
            'Expired',
            '',
            `watch from revision ${this.afterRevision}: history compacted through ${this.store.compactedThrough}`,
          );
        }
        if (!pending) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        pending = false;
        for (const event of this.store.eventsFrom(this.afterRevision + 1)) {
          if (this.closed) return;
          this.afterRevision = event.revision;
          // The slice is a contiguous snapshot, so finishing it stays exact even if a
          // compaction happens while we are suspended in yield.
          if (this.matches(event.key)) yield toStorageEvent(event);
        }
      }
    } finally {
      unsubscribe();
    }
  }
}

function toStorageEvent(event: HistoryEvent): StorageEvent {
  const value = event.kv?.value ?? event.prev?.value ?? '';
  const out: StorageEvent = { type: event.type, key: event.key, revision: event.revision, value };
  if (event.prev) out.prevValue = event.prev.value;
  return out;
}
