/**
 * Namespaces (upstream pkg/registry/core/namespace/{strategy.go,storage/storage.go}) and the
 * NamespaceLifecycle admission rules every namespaced create goes through.
 */
import {
  conflict,
  defaultNamespace,
  defaultNamespaceOnCreate,
  forbidden,
  invalid,
  isAlreadyExists,
  isNotFound,
  notFound,
  OBJECT_MODIFIED,
  objectFields,
  validateNamespace,
  validateNamespaceFinalizeUpdate,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
} from '@tskube/api-types';
import { rfc3339 } from '../store/names.js';
import type { StoreDeleteOptions, Store, Strategy } from '../store/types.js';
import type { StoredNamespace } from './types.js';

/** Namespaces that exist from startup and may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-node-lease'] as const;

export const namespaceStrategy: Strategy<StoredNamespace> = {
  kind: 'Namespace',
  resource: 'namespaces',
  namespaced: false,
  hasSpec: false,
  allowCreateOnUpdate: false,
  default: (ns) => defaultNamespace(ns) as StoredNamespace,
  // Active, with the `kubernetes` finalizer the namespace controller removes once it is empty.
  prepareForCreate: (ns) => {
    defaultNamespaceOnCreate(ns);
  },
  // spec.finalizers change only through /finalize, status only through /status.
  prepareForUpdate: (ns, old) => {
    ns.spec = { ...ns.spec, finalizers: old.spec?.finalizers };
    if (ns.spec.finalizers === undefined) delete ns.spec.finalizers;
    ns.status = old.status;
  },
  validate: (ns) => validateNamespace(ns),
  validateUpdate: (ns, old) => validateNamespaceUpdate(ns, old),
  status: {
    prepareForUpdate: (ns, old) => {
      ns.spec = old.spec;
    },
    validateUpdate: (ns, old) => validateNamespaceStatusUpdate(ns, old),
  },
  fields: (ns) => objectFields('Namespace', ns),
};

export interface NamespaceRegistry extends Store<StoredNamespace> {
  /** The `namespaces/{name}/finalize` subresource: replaces spec.finalizers only. */
  finalize(name: string, ns: StoredNamespace): Promise<StoredNamespace>;
}

const gr = { group: '', resource: 'namespaces' };

/**
 * Deleting a namespace first marks it Terminating (deletionTimestamp); it is removed only when
 * spec.finalizers is empty, which the namespace controller does after deleting its content.
 */
export function createNamespaceRegistry(store: Store<StoredNamespace>, now: () => number = Date.now): NamespaceRegistry {
  async function del(_ns: string | undefined, name: string, options: StoreDeleteOptions = {}): Promise<StoredNamespace> {
    if ((SYSTEM_NAMESPACES as readonly string[]).includes(name)) {
      throw forbidden(gr, name, 'this namespace may not be deleted');
    }
    const current = await store.get(undefined, name);
    if (!current.metadata.deletionTimestamp) {
      const marked = await store.guaranteedUpdate(
        undefined,
        name,
        (ns) => {
          const pre = options.preconditions;
          if (pre?.uid !== undefined && pre.uid !== ns.metadata.uid) {
            throw conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${ns.metadata.uid ?? ''}`);
          }
          // No deletionGracePeriodSeconds, as upstream: the namespace controller, not an update, removes it.
          ns.metadata.deletionTimestamp = rfc3339(now());
          ns.status = { ...ns.status, phase: 'Terminating' };
          return ns;
        },
        { raw: true, dryRun: options.dryRun },
      );
      if ((marked.spec?.finalizers?.length ?? 0) > 0 || options.dryRun) return marked;
    } else if ((current.spec?.finalizers?.length ?? 0) > 0) {
      return current;
    }
    return store.delete(undefined, name, options);
  }

  function finalize(name: string, body: StoredNamespace): Promise<StoredNamespace> {
    return store.guaranteedUpdate(
      undefined,
      name,
      (ns) => {
        const rv = body.metadata?.resourceVersion;
        if (rv && rv !== ns.metadata.resourceVersion) throw conflict(gr, name, OBJECT_MODIFIED);
        const old = structuredClone(ns);
        ns.spec = { ...ns.spec, finalizers: body.spec?.finalizers ?? [] };
        const errs = validateNamespaceFinalizeUpdate(ns, old);
        if (errs.length > 0) throw invalid('Namespace', name, errs);
        return ns;
      },
      { raw: true },
    );
  }

  return { ...store, delete: del, finalize };
}

/** Creates the system namespaces if they are missing (idempotent, safe with several apiservers). */
export async function ensureDefaultNamespace(
  namespaces: Pick<Store<StoredNamespace>, 'create'>,
  names: readonly string[] = SYSTEM_NAMESPACES,
): Promise<void> {
  for (const name of names) {
    try {
      await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

/**
 * NamespaceLifecycle admission: a namespaced object may be created only in a namespace that
 * exists and is not terminating. Reads the namespace from storage, so a namespace created a
 * moment ago is seen.
 */
export function namespaceLifecycle(namespaces: Pick<Store<StoredNamespace>, 'get'>, resource: string, group = '') {
  return async (namespace: string | undefined, obj: { metadata?: { name?: string } }): Promise<void> => {
    if (!namespace) return;
    let ns: StoredNamespace;
    try {
      ns = await namespaces.get(undefined, namespace);
    } catch (err) {
      if (isNotFound(err)) throw notFound(gr, namespace);
      throw err;
    }
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw forbidden(
        { group, resource },
        obj.metadata?.name ?? '',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  };
}
