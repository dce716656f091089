/**
 * The generic store and the strategy that carries every per-resource rule, as upstream's
 * registry/generic/registry/store.go and pkg/registry/core/<resource>/strategy.go.
 */
import type { FieldError } from '@tskube/api-types';
import type { CacheWatcher, StoredObject } from '../cache/types.js';

/** Options the strategy's graceful-delete hook sees. */
export interface StoreDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  dryRun?: boolean;
}

/** What one resource may do, and how its objects are defaulted and validated. */
export interface Strategy<T extends StoredObject> {
  /** The Kind, e.g. `Pod`; lists are `<Kind>List`. */
  kind: string;
  /** The plural resource name, e.g. `pods` (keys, error messages). */
  resource: string;
  /** The API group; absent or '' for the core group. */
  group?: string;
  /** The served version; default `v1`. */
  version?: string;
  namespaced: boolean;
  /** The resource has a `spec`: generation starts at 1 and is bumped on every spec change. */
  hasSpec: boolean;
  /** PUT of a missing object creates it (upstream: endpoints, events). */
  allowCreateOnUpdate: boolean;
  /** Applies defaults in place and returns the object. */
  default(obj: T): T;
  /** Clears what a client may not set on create (usually `status`). */
  prepareForCreate(obj: T): void;
  /** On a main-resource update: keeps what the main resource may not change (usually `status`). */
  prepareForUpdate(obj: T, old: T): void;
  validate(obj: T): FieldError[];
  validateUpdate(obj: T, old: T): FieldError[];
  /**
   * The grace period to delete with; > 0 deletes gracefully (deletionTimestamp), 0 or undefined
   * deletes now. Absent: the resource is always deleted immediately.
   */
  checkGracefulDelete?(obj: T, options: StoreDeleteOptions): number | undefined;
  /** The `status` subresource: may change only status (it copies spec back from `old`). */
  status?: {
    prepareForUpdate(obj: T, old: T): void;
    validateUpdate(obj: T, old: T): FieldError[];
  };
  /** Selectable fields for field selectors (`metadata.name`, `spec.nodeName`, ...). */
  fields(obj: T): Record<string, string>;
  /**
   * Whole seconds the object lives after this write (upstream: the store's TTLFunc); storage
   * deletes it then, and watchers see it DELETED. Asked on every write (`update`: not a create),
   * so each write restarts the TTL. Absent, undefined or 0: the object lives until deleted.
   */
  ttlSeconds?(obj: T, update: boolean): number | undefined;
}

/** Side effects around writes that a strategy, being pure, cannot do (upstream: BeginCreate, AfterDelete, admission). */
export interface StoreHooks<T extends StoredObject> {
  /** Runs first on create (admission, e.g. namespace lifecycle); throwing refuses the create. */
  admitCreate?(namespace: string | undefined, obj: T): Promise<void>;
  /**
   * Runs after validation and before the write; may reserve resources (portal IPs). The returned
   * function learns whether the create was stored, so it can release them if not.
   */
  beginCreate?(obj: T, options: { dryRun: boolean }): Promise<(stored: boolean) => Promise<void>>;
  /** Runs after an object was removed from storage, with its last state. */
  afterDelete?(obj: T): Promise<void>;
}

export interface StoreListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** At most this many items per page; 0 or unset = all. */
  limit?: number;
  /** The opaque token from a previous page's `metadata.continue`. */
  continue?: string;
  /** '' or unset: a consistent (quorum) read; '0': any recent state (the cache); 'N': see resourceVersionMatch. */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ObjectList<T> {
  /** `v1` for the core group, `<group>/<version>` otherwise. */
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface CreateOptions {
  dryRun?: boolean;
}

/**
 * Field-ownership bookkeeping of a client's write (rest/apply): called with the prepared object
 * and the one it replaces, just before the write; may change `next.metadata.managedFields` only.
 */
export type TrackFields = (next: StoredObject, old: StoredObject | undefined) => void;

export interface UpdateOptions {
  subresource?: 'status';
  dryRun?: boolean;
  trackFields?: TrackFields;
}

export interface GuaranteedUpdateOptions {
  subresource?: 'status';
  /**
   * Skip the strategy's prepare/validate hooks (the store still keeps server-managed metadata).
   * For internal writers that change fields no client may, e.g. a binding setting spec.nodeName.
   */
  raw?: boolean;
  dryRun?: boolean;
  trackFields?: TrackFields;
}

export interface StoreWatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowBookmarks?: boolean;
}

/**
 * Returning (or resolving to) this from a guaranteedUpdate function leaves the object as it is,
 * without a write.
 */
export type UpdateFn<T> = (current: T) => T | Promise<T>;

export interface Store<T extends StoredObject> {
  readonly strategy: Strategy<T>;
  /** Resolves once the watch cache (if on) has its initial state. */
  ready(): Promise<void>;
  get(namespace: string | undefined, name: string): Promise<T>;
  list(namespace: string | undefined, options?: StoreListOptions): Promise<ObjectList<T>>;
  create(namespace: string | undefined, obj: T, options?: CreateOptions): Promise<T>;
  /** PUT: `metadata.resourceVersion`, if set, is a precondition; unset = unconditional. */
  update(namespace: string | undefined, name: string, obj: T, options?: UpdateOptions): Promise<T>;
  /** Read-modify-write, retried on a compare-and-swap conflict only. */
  guaranteedUpdate(namespace: string | undefined, name: string, fn: UpdateFn<T>, options?: GuaranteedUpdateOptions): Promise<T>;
  /**
   * Deletes now, or marks for deletion (graceful period, finalizers) and returns the marked object.
   * Returns the object's last state (for a value that no longer decodes: a stub with its name).
   */
  delete(namespace: string | undefined, name: string, options?: StoreDeleteOptions): Promise<T>;
  watch(namespace: string | undefined, options?: StoreWatchOptions): CacheWatcher<T>;
  stop(): void;
}
