/**
 * The storage contract the registries stand on. Two implementations honour it identically
 * (etcd v3 and in memory), checked by one contract suite (e2e/registry/storage-contract.ts).
 *
 * Values are opaque strings (JSON text); decoding belongs to the layer above, so one value that
 * fails to decode spoils only that object. Revisions are etcd revisions: a store-wide counter
 * that every write bumps; an item's `modRevision` is its resourceVersion.
 */

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created the key (its current incarnation). */
  createRevision: number;
  /** Revision of the last write to the key: the object's resourceVersion. */
  modRevision: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list was read at (the list's resourceVersion). */
  revision: number;
  /** More keys follow the last returned one (only when `limit` was given). */
  more: boolean;
}

export interface ListOptions {
  /** At most this many items; 0 or unset means all. */
  limit?: number;
  /** Start strictly after this key (for paging with continue tokens). */
  startAfter?: string;
  /** Read at this past revision (for consistent paging); unset reads the latest. */
  revision?: number;
}

export interface WriteOptions {
  /**
   * Whole seconds after which the key is deleted by the store itself (etcd: a lease), with a
   * `delete` event to watchers as for any delete. Every write sets the expiry afresh: a write
   * with a TTL restarts it, a write without one (or 0) makes the key permanent again.
   */
  ttlSeconds?: number;
}

export type StorageEventType = 'create' | 'update' | 'delete';

export interface StorageEvent {
  type: StorageEventType;
  key: string;
  /** The revision of this event. */
  revision: number;
  /** The new value; for a delete, the last value before the delete. */
  value: string;
  /** The value before this event (unset for a create). */
  prevValue?: string;
}

export interface StorageWatch extends AsyncIterable<StorageEvent> {
  /**
   * Stops the watch; the iterator then ends. Iteration throws a StorageError:
   * `Expired` when the start revision was compacted, `Unreachable` when the store went away.
   */
  close(): void;
}

export interface WatchOptions {
  /** Deliver every event with revision > afterRevision, in order, each once. */
  afterRevision: number;
  /** Watch every key under this prefix (true) or the exact key (false). Default true. */
  prefix?: boolean;
}

export interface Storage {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Writes a new key; StorageError `KeyExists` if it is there. */
  create(key: string, value: string, options?: WriteOptions): Promise<KeyValue>;
  /**
   * Replaces a key's value only if its modRevision is `expectedModRevision`.
   * StorageError `KeyNotFound` if absent, `Conflict` (with the current KeyValue) on a mismatch.
   */
  update(key: string, value: string, expectedModRevision: number, options?: WriteOptions): Promise<KeyValue>;
  /**
   * Deletes a key (only if its modRevision is `expectedModRevision`, when given) and returns the
   * deleted KeyValue with `modRevision` set to the revision of the delete.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  watch(key: string, options: WatchOptions): StorageWatch;
  /** The current store revision. */
  currentRevision(): Promise<number>;
  /** Forgets history up to `revision`; later watches from before it get `Expired`. */
  compact(revision: number): Promise<void>;
  /** The oldest revision a watch may still start after (0 when nothing was compacted). */
  compactedRevision(): Promise<number>;
  /** Answers whether the backend is reachable (for /readyz). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export type StorageErrorCode = 'KeyNotFound' | 'KeyExists' | 'Conflict' | 'Expired' | 'Unreachable' | 'Internal';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    /** For Conflict: the current item, so callers can retry without another read. */
    readonly current?: KeyValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The TTL a write asks for (undefined: none), or a StorageError `Internal` for a nonsensical one. */
export function ttlSecondsOf(key: string, options: WriteOptions | undefined): number | undefined {
  const ttl = options?.ttlSeconds;
  if (ttl === undefined || ttl === 0) return undefined;
  if (!Number.isInteger(ttl) || ttl < 0) {
    throw new StorageError('Internal', key, `a TTL must be a whole number of seconds, not ${ttl}`);
  }
  return ttl;
}

export const isStorageError = (err: unknown, code?: StorageErrorCode): err is StorageError =>
  err instanceof Error && err.name === 'StorageError' && (code === undefined || (err as StorageError).code === code);
