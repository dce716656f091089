/**
 * The generic store (upstream registry/generic/registry/store.go): CRUD over the Storage
 * contract with optimistic concurrency, server-managed metadata, graceful deletion and
 * finalizers, paged lists and watches through a WatchCache. Every per-resource rule comes from
 * the Strategy; storage errors are translated once per verb (errors.ts).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  internalError,
  invalid,
  isStatusError,
  notFound,
  OBJECT_MODIFIED,
  StatusError,
  type FieldError,
  type GroupResource,
} from '@tskube/api-types';
import { silentLogger, type Clock, type Logger } from '@tskube/component-base';
import { createWatchCache } from '../cache/index.js';
import type { CacheWatcher, StoredObject, WatchCache } from '../cache/types.js';
import { isStorageError, type KeyValue, type Storage, type WriteOptions } from '../storage/types.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import {
  interpretCreateError,
  interpretDeleteError,
  interpretGetError,
  interpretListError,
  interpretUpdateError,
} from './errors.js';
import { generateName, rfc3339 } from './names.js';
import { compileSelectors } from './selectors.js';
import type {
  CreateOptions,
  StoreDeleteOptions,
  GuaranteedUpdateOptions,
  StoreListOptions,
  ObjectList,
  Store,
  StoreHooks,
  Strategy,
  UpdateFn,
  UpdateOptions,
  StoreWatchOptions,
} from './types.js';

export interface StoreConfig<T extends StoredObject> {
  storage: Storage;
  strategy: Strategy<T>;
  /** Keep a watch cache (one storage watch for every watcher, RV=0 lists). Default true. */
  cache?: boolean;
  hooks?: StoreHooks<T>;
  logger?: Logger;
  clock?: Pick<Clock, 'now'>;
}

export const EXPIRED_CONTINUE_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
  'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
  'modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** How often a create retries a generated name that collided. */
const GENERATE_NAME_ATTEMPTS = 5;

type Mutable<T extends StoredObject> = T & { spec?: unknown; status?: unknown };

/** Deep equality of two JSON-able values, ignoring key order and undefined members. */
const sameJSON = (a: unknown, b: unknown): boolean =>
  isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));

export function createStore<T extends StoredObject>(config: StoreConfig<T>): Store<T> {
  const { storage, strategy, hooks = {} } = config;
  const clock = config.clock ?? { now: () => Date.now() };
  const log = (config.logger ?? silentLogger()).child({ resource: strategy.resource });
  const group = strategy.group ?? '';
  const gr: GroupResource = { group, resource: strategy.resource };
  const apiVersion = group ? `${group}/${strategy.version ?? 'v1'}` : (strategy.version ?? 'v1');
  /** Invalid names the kind group-qualified, as upstream (`Lease.coordination.k8s.io "x" is invalid`). */
  const invalidObject = (name: string, errs: FieldError[]) => invalid(group ? `${strategy.kind}.${group}` : strategy.kind, name, errs, group);
  const root = `/registry/${strategy.resource}/`;
  const listKind = `${strategy.kind}List`;

  const keyFor = (ns: string | undefined, name: string): string => {
    // A name or namespace with a slash would address another key; no valid object has one.
    if (!name || name.includes('/') || (ns ?? '').includes('/')) throw notFound(gr, name);
    if (!strategy.namespaced) return root + name;
    if (!ns) throw badRequest(`a namespace is required for ${strategy.resource}`);
    return `${root}${ns}/${name}`;
  };
  const prefixFor = (ns: string | undefined): string => (strategy.namespaced && ns ? `${root}${ns}/` : root);

  /** How long the object lives after this write, as the strategy decides. */
  const writeOptions = (obj: T, update: boolean): WriteOptions | undefined => {
    const ttlSeconds = strategy.ttlSeconds?.(obj, update);
    return ttlSeconds ? { ttlSeconds } : undefined;
  };

  /** The stored value is the object without its resourceVersion, which is the key's modRevision. */
  const encode = (obj: T): string => JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });

  const decode = (kv: KeyValue): T => {
    const obj = JSON.parse(kv.value) as unknown;
    const o = obj as Partial<StoredObject> | null;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('the stored value is not an object');
    if (!o.metadata || typeof o.metadata !== 'object' || typeof o.metadata.name !== 'string' || !o.metadata.name) {
      throw new Error('the stored value has no metadata.name');
    }
    if (o.kind !== undefined && o.kind !== strategy.kind) throw new Error(`the stored value is a ${String(o.kind)}, not a ${strategy.kind}`);
    o.metadata.resourceVersion = String(kv.modRevision);
    return obj as T;
  };

  /** Decodes one object, or reports it (by resource and name, never key) as an InternalError. */
  const decodeOrThrow = (kv: KeyValue, name: string): T => {
    try {
      return decode(kv);
    } catch (err) {
      log.error({ err, key: kv.key }, 'stored object cannot be decoded');
      throw internalError(`the stored object ${strategy.resource} "${name}" cannot be decoded: ${(err as Error).message}`, err);
    }
  };

  let cache: WatchCache<T> | undefined;
  /** Lists are served from the cache only once it holds the whole state. */
  let cacheReady = false;
  const watchCache = (): WatchCache<T> => {
    if (!cache) {
      const created = createWatchCache<T>({ storage, prefix: root, decode, logger: log });
      cache = created;
      created.ready().then(
        () => {
          if (cache === created) cacheReady = true;
        },
        () => {},
      );
    }
    return cache;
  };
  if (config.cache !== false) watchCache();

  const read = async (key: string, name: string, interpret = interpretGetError): Promise<KeyValue | undefined> => {
    try {
      return await storage.get(key);
    } catch (err) {
      throw interpret(err, gr, name);
    }
  };

  /** Namespace from the URL; the body may repeat it but not contradict it. */
  const applyNamespace = (obj: T, ns: string | undefined): void => {
    const meta = obj.metadata;
    if (!strategy.namespaced) {
      delete meta.namespace;
      return;
    }
    if (!ns) throw badRequest(`a namespace is required for ${strategy.resource}`);
    if (meta.namespace && meta.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = ns;
  };

  const setTypeMeta = (obj: T): void => {
    obj.apiVersion = apiVersion;
    obj.kind = strategy.kind;
  };

  /** Adds `err` unless the same kind of error on the same field is there (one Invalid lists each problem once). */
  const addUnique = (errs: FieldError[], err: FieldError): void => {
    if (!errs.some((e) => e.field === err.field && e.type === err.type)) errs.push(err);
  };

  /** The object is gone whatever the hook does, so its failure is logged, not reported. */
  const afterDelete = async (obj: T): Promise<void> => {
    try {
      await hooks.afterDelete?.(obj);
    } catch (err) {
      log.error({ err, name: obj.metadata.name, namespace: obj.metadata.namespace }, 'after-delete hook failed');
    }
  };

  // ---------------------------------------------------------------------------------------------
  // create

  async function create(ns: string | undefined, input: T, options: CreateOptions = {}): Promise<T> {
    const obj = structuredClone(input);
    obj.metadata ??= {};
    applyNamespace(obj, ns);
    await hooks.admitCreate?.(strategy.namespaced ? ns : undefined, obj);
    setTypeMeta(obj);
    strategy.default(obj);
    const meta = obj.metadata;
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = generateName(meta.generateName!);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(clock.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (strategy.hasSpec) meta.generation = 1;
    else delete meta.generation;
    strategy.prepareForCreate(obj);

    const errs = strategy.validate(obj);
    if (!meta.name && !errs.some((e) => e.field === 'metadata.name')) {
      errs.push({
        type: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      });
    }
    if (errs.length > 0) throw invalidObject(meta.name ?? '', errs);

    const dryRun = options.dryRun === true;
    const finish = await hooks.beginCreate?.(obj, { dryRun });
    let stored = false;
    try {
      if (dryRun) {
        // As upstream's dry-run storage: nothing is written, but a name that is taken still fails.
        const existing = await storage.get(keyFor(ns, meta.name!)).catch((err: unknown) => {
          throw interpretCreateError(err, gr, meta.name!);
        });
        if (existing) throw alreadyExists(gr, meta.name!);
        return obj;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const kv = await storage.create(keyFor(ns, meta.name!), encode(obj), writeOptions(obj, false));
          stored = true;
          return decode(kv);
        } catch (err) {
          if (generated && isStorageError(err, 'KeyExists') && attempt < GENERATE_NAME_ATTEMPTS) {
            meta.name = generateName(meta.generateName!);
            continue;
          }
          // A write whose outcome is unknown may have been stored: keep what was reserved for it
          // (a leak at worst) rather than hand the same reservation to another object.
          if (isStorageError(err, 'Unreachable')) stored = true;
          throw interpretCreateError(err, gr, meta.name!);
        }
      }
    } finally {
      await finish?.(stored);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // update

  const noStatus = (): StatusError => new StatusError('NotFound', 'the server could not find the requested resource');

  /** Applies the update rules to `next` (built from the client's object or a function) against `old`. */
  function prepareUpdate(ns: string | undefined, name: string, next: T, old: T, mode: GuaranteedUpdateOptions): void {
    next.metadata ??= {};
    const meta = next.metadata;
    const oldMeta = old.metadata;
    applyNamespace(next, ns);
    if (meta.name && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    meta.name = name;
    setTypeMeta(next);
    if (!mode.raw) strategy.default(next);

    // Server-managed fields: an update keeps them (deletion is set only through delete).
    const errs: FieldError[] = [];
    if (meta.uid && meta.uid !== oldMeta.uid) {
      errs.push({ type: 'FieldValueInvalid', field: 'metadata.uid', message: `Invalid value: "${meta.uid}": field is immutable` });
    }
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    // A write that does not send managedFields keeps them (upstream field manager).
    if (meta.managedFields === undefined && oldMeta.managedFields !== undefined) meta.managedFields = oldMeta.managedFields;
    // Internal writers (raw) may mark an object for deletion, e.g. a namespace going Terminating.
    if (!mode.raw) {
      if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
      else delete meta.deletionTimestamp;
      if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
      else delete meta.deletionGracePeriodSeconds;
    }
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    // An unconditional update validates as if it had named the version it replaces.
    meta.resourceVersion = oldMeta.resourceVersion;

    if (oldMeta.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(oldMeta.finalizers ?? []).includes(f));
      if (added.length > 0) {
        errs.push({
          type: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        });
      }
    }

    if (!mode.raw) {
      if (mode.subresource === 'status') {
        if (!strategy.status) throw noStatus();
        strategy.status.prepareForUpdate(next, old);
        for (const e of strategy.status.validateUpdate(next, old)) addUnique(errs, e);
      } else {
        strategy.prepareForUpdate(next, old);
        for (const e of strategy.validateUpdate(next, old)) addUnique(errs, e);
      }
    }
    if (errs.length > 0) throw invalidObject(name, errs);

    if (strategy.hasSpec && !sameJSON((next as Mutable<T>).spec, (old as Mutable<T>).spec)) {
      meta.generation = (oldMeta.generation ?? 0) + 1;
    }
  }

  /**
   * An update that leaves a deleting object with no finalizers and no grace left completes the
   * delete (upstream's DefaultShouldDeleteDuringUpdate; a pod in its grace period waits for the
   * kubelet's final delete instead).
   */
  const deletesOnUpdate = (next: T, old: T): boolean =>
    !!old.metadata.deletionTimestamp &&
    (next.metadata.finalizers?.length ?? 0) === 0 &&
    old.metadata.deletionGracePeriodSeconds === 0;

  /**
   * The read-modify-write loop behind update and guaranteedUpdate. `build` returns the desired
   * object from the current one (undefined: absent), and may throw (e.g. a precondition). Only a
   * compare-and-swap conflict is retried: a write whose outcome is unknown is reported instead.
   */
  async function updateLoop(
    ns: string | undefined,
    name: string,
    build: (current: T | undefined) => Promise<T>,
    mode: GuaranteedUpdateOptions,
  ): Promise<T> {
    const key = keyFor(ns, name);
    let cur = await read(key, name, interpretUpdateError);
    for (;;) {
      if (!cur) {
        if (!strategy.allowCreateOnUpdate || mode.subresource || mode.raw) throw notFound(gr, name);
        const obj = await build(undefined);
        try {
          return await create(ns, obj, { dryRun: mode.dryRun });
        } catch (err) {
          // Another writer created it first: update that one instead.
          if (!isStatusError(err) || err.reason !== 'AlreadyExists') throw err;
          cur = await read(key, name, interpretUpdateError);
          continue;
        }
      }
      const old = decodeOrThrow(cur, name);
      const next = await build(structuredClone(old));
      prepareUpdate(ns, name, next, old, mode);
      if (!mode.raw) mode.trackFields?.(next, old);
      const data = encode(next);
      if (data === cur.value || sameJSON(JSON.parse(data), JSON.parse(cur.value))) return old;
      if (mode.dryRun) return next;
      try {
        if (deletesOnUpdate(next, old)) {
          const kv = await storage.delete(key, cur.modRevision);
          await afterDelete(next);
          next.metadata.resourceVersion = String(kv.modRevision);
          return next;
        }
        return decode(await storage.update(key, data, cur.modRevision, writeOptions(next, true)));
      } catch (err) {
        if (isStorageError(err, 'Conflict')) {
          cur = err.current ?? (await read(key, name, interpretUpdateError));
          continue;
        }
        if (isStorageError(err, 'KeyNotFound')) {
          cur = undefined;
          continue;
        }
        throw interpretUpdateError(err, gr, name);
      }
    }
  }

  function update(ns: string | undefined, name: string, obj: T, options: UpdateOptions = {}): Promise<T> {
    const precondition = obj.metadata?.resourceVersion || undefined;
    return updateLoop(
      ns,
      name,
      async (current) => {
        if (current && precondition !== undefined && precondition !== current.metadata.resourceVersion) {
          throw conflict(gr, name, OBJECT_MODIFIED);
        }
        if (!current && precondition !== undefined) throw notFound(gr, name);
        return structuredClone(obj);
      },
      options,
    );
  }

  function guaranteedUpdate(ns: string | undefined, name: string, fn: UpdateFn<T>, options: GuaranteedUpdateOptions = {}): Promise<T> {
    return updateLoop(
      ns,
      name,
      async (current) => {
        if (!current) throw notFound(gr, name);
        return fn(current);
      },
      { ...options },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // delete

  /**
   * Upstream's BeforeDelete: decides between deleting now, marking for a graceful delete (or
   * shortening one under way), and leaving a pending graceful delete alone. Mutates `obj`.
   */
  function beforeDelete(obj: T, options: StoreDeleteOptions): 'now' | 'graceful' | 'pending' {
    const meta = obj.metadata;
    const requested = options.gracePeriodSeconds;
    if (meta.deletionTimestamp) {
      const current = meta.deletionGracePeriodSeconds;
      // Marked without a grace period (finalizers only, or a delete that failed after marking).
      if (current === undefined || current === 0) return 'now';
      if (requested === undefined || requested >= current) return 'pending';
      // Only a shorter grace period is accepted: move the deadline earlier by the difference.
      const grace = Math.max(0, requested);
      const deadline = Date.parse(meta.deletionTimestamp) - current * 1000 + grace * 1000;
      meta.deletionTimestamp = rfc3339(deadline);
      meta.deletionGracePeriodSeconds = grace;
      return 'graceful';
    }
    const grace = strategy.checkGracefulDelete?.(obj, options);
    if (grace === undefined || grace <= 0) return 'now';
    meta.deletionTimestamp = rfc3339(clock.now() + grace * 1000);
    meta.deletionGracePeriodSeconds = grace;
    if (meta.generation !== undefined) meta.generation += 1;
    return 'graceful';
  }

  function checkPreconditions(obj: T, name: string, preconditions: StoreDeleteOptions['preconditions']): void {
    if (preconditions?.uid !== undefined && preconditions.uid !== obj.metadata.uid) {
      throw conflict(gr, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
    }
    if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(
        gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
      );
    }
  }

  async function del(ns: string | undefined, name: string, options: StoreDeleteOptions = {}): Promise<T> {
    const key = keyFor(ns, name);
    for (;;) {
      const cur = await read(key, name, interpretDeleteError);
      if (!cur) throw notFound(gr, name);
      try {
        let obj: T;
        try {
          obj = decode(cur);
        } catch (err) {
          // A value that no longer decodes can still be removed, so an operator can clean it up.
          log.error({ err, key }, 'deleting a stored object that cannot be decoded');
          const stub = { apiVersion, kind: strategy.kind, metadata: { name, ...(strategy.namespaced ? { namespace: ns } : {}) } } as T;
          if (options.dryRun) return stub;
          const kv = await storage.delete(key, cur.modRevision);
          stub.metadata.resourceVersion = String(kv.modRevision);
          return stub;
        }
        checkPreconditions(obj, name, options.preconditions);
        const old = structuredClone(obj);
        const decision = beforeDelete(obj, options);
        const finalizers = (obj.metadata.finalizers?.length ?? 0) > 0;
        if (decision === 'now' && !finalizers) {
          if (options.dryRun) return obj;
          const kv = await storage.delete(key, cur.modRevision);
          await afterDelete(obj);
          obj.metadata.resourceVersion = String(kv.modRevision);
          return obj;
        }
        if (decision === 'now') {
          // Finalizers keep the object: mark it, with no grace left, for whoever owns them.
          obj.metadata.deletionTimestamp ??= rfc3339(clock.now());
          obj.metadata.deletionGracePeriodSeconds = 0;
        } else if (decision === 'graceful' && obj.metadata.deletionGracePeriodSeconds === 0 && !finalizers) {
          if (options.dryRun) return obj;
          const kv = await storage.delete(key, cur.modRevision);
          await afterDelete(obj);
          obj.metadata.resourceVersion = String(kv.modRevision);
          return obj;
        }
        if (decision === 'pending' || sameJSON(obj, old) || options.dryRun) return obj;
        return decode(await storage.update(key, encode(obj), cur.modRevision, writeOptions(obj, true)));
      } catch (err) {
        // Changed since it was read: decide again on the current state.
        if (isStorageError(err, 'Conflict')) continue;
        throw interpretDeleteError(err, gr, name);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // list and watch

  async function list(ns: string | undefined, options: StoreListOptions = {}): Promise<ObjectList<T>> {
    const match = compileSelectors(strategy, options.labelSelector, options.fieldSelector);
    const limit = options.limit && options.limit > 0 ? Math.floor(options.limit) : 0;
    const rv = options.resourceVersion || undefined;
    if (options.continue && rv !== undefined && rv !== '0') {
      throw badRequest('specifying resource version is not allowed when using continue');
    }
    if (rv !== undefined && !/^\d+$/.test(rv)) {
      throw badRequest(`invalid resource version "${rv}"`);
    }
    const exact = options.resourceVersionMatch === 'Exact';
    if (exact && (rv === undefined || rv === '0')) {
      throw badRequest('resourceVersionMatch "Exact" requires a resourceVersion other than "0"');
    }

    // Any recent state will do: serve it from the cache (upstream ignores limit there too).
    if (cache && cacheReady && !options.continue && rv !== undefined && !exact) {
      let fresh = true;
      if (rv !== '0') {
        try {
          await cache.waitFor(Number(rv));
        } catch {
          fresh = false; // the cache lags: fall through to storage
        }
      }
      if (fresh) {
        const { items, revision } = cache.list(strategy.namespaced ? ns : undefined);
        return {
          apiVersion,
          kind: listKind,
          metadata: { resourceVersion: String(revision) },
          items: items.filter(match).map((o) => structuredClone(o)),
        };
      }
    }

    const prefix = prefixFor(ns);
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (options.continue) {
      const state = decodeContinue(options.continue);
      revision = state.revision;
      startAfter = prefix + state.start;
    } else if (exact) {
      revision = Number(rv);
    }

    const items: T[] = [];
    let lastKey: string | undefined;
    let more = false;
    try {
      // With a selector a page may need several chunks to fill; all are read at one revision.
      for (;;) {
        const res = await storage.list(prefix, { limit: limit || undefined, startAfter, revision });
        revision ??= res.revision;
        let full = false;
        for (const [i, kv] of res.items.entries()) {
          lastKey = kv.key;
          let obj: T;
          try {
            obj = decode(kv);
          } catch (err) {
            log.error({ err, key: kv.key }, 'skipping a stored object that cannot be decoded');
            continue;
          }
          if (match(obj)) items.push(obj);
          if (limit && items.length >= limit) {
            full = true;
            more = res.more || i < res.items.length - 1;
            break;
          }
        }
        if (full || !limit || !res.more) break;
        startAfter = lastKey;
      }
    } catch (err) {
      if (isStorageError(err, 'Expired')) {
        throw options.continue ? expired(EXPIRED_CONTINUE_MESSAGE) : expired(`too old resource version: ${rv ?? ''}`);
      }
      throw interpretListError(err, gr);
    }
    const metadata: ObjectList<T>['metadata'] = { resourceVersion: String(revision) };
    if (more && lastKey !== undefined) metadata.continue = encodeContinue({ revision: revision!, start: lastKey.slice(prefix.length) });
    return { apiVersion, kind: listKind, metadata, items };
  }

  function watch(ns: string | undefined, options: StoreWatchOptions = {}): CacheWatcher<T> {
    const match = compileSelectors(strategy, options.labelSelector, options.fieldSelector);
    return watchCache().watch({
      resourceVersion: options.resourceVersion || undefined,
      namespace: strategy.namespaced ? ns : undefined,
      filter: match,
      allowBookmarks: options.allowBookmarks,
    });
  }

  return {
    strategy,
    ready: async () => {
      await cache?.ready();
    },
    get: async (ns, name) => {
      const kv = await read(keyFor(ns, name), name);
      if (!kv) throw notFound(gr, name);
      return decodeOrThrow(kv, name);
    },
    list,
    create,
    update,
    guaranteedUpdate,
    delete: del,
    watch,
    stop: () => {
      cache?.stop();
      cache = undefined;
      cacheReady = false;
    },
  };
}
