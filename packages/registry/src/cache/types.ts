/**
 * The watch fan-out cache: one storage watch per resource feeds every watcher in the process.
 * It holds the current objects of the resource (decoded) and a window of recent events, so a
 * watcher can resume from any resourceVersion inside the window; older ones get 410 Expired.
 */
import type { ObjectMeta } from '@tskube/api-types';

/** Any stored API object: what the cache needs of it is its metadata. */
export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface CacheEvent<T extends StoredObject = StoredObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  /** ADDED/MODIFIED: the new object; DELETED: the last state, resourceVersion = the delete's revision. */
  object: T;
  /** The previous state (MODIFIED, DELETED); lets a filtered watcher turn a change into ADDED/DELETED. */
  prevObject?: T;
  revision: number;
}

export interface CacheWatchOptions<T extends StoredObject = StoredObject> {
  /**
   * undefined or '0': synthetic ADDED for every current object, then changes.
   * 'N': every change after revision N (no synthetic events); 410 Expired if N is before the window.
   */
  resourceVersion?: string;
  /** Only objects in this namespace (undefined = all). */
  namespace?: string;
  /** Only objects matching this (label/field selector). An object leaving the filter is DELETED, entering is ADDED. */
  filter?: (obj: T) => boolean;
  /** Send BOOKMARK events carrying the latest revision now and then. */
  allowBookmarks?: boolean;
}

export interface CacheWatcher<T extends StoredObject = StoredObject> extends AsyncIterable<CacheEvent<T>> {
  /** Ends the iteration. Iteration throws a StatusError (Expired, 410) if the start RV is too old. */
  close(): void;
}

export interface WatchCache<T extends StoredObject = StoredObject> {
  /** Resolves once the cache holds the resource's state (after its initial list). */
  ready(): Promise<void>;
  watch(options: CacheWatchOptions<T>): CacheWatcher<T>;
  /** The current objects (optionally of one namespace) and the revision they are consistent with. */
  list(namespace?: string): { items: T[]; revision: number };
  /** Waits until the cache has seen revision `rev` (for read-your-writes), or rejects after a timeout. */
  waitFor(rev: number, timeoutMs?: number): Promise<void>;
  stop(): void;
}
