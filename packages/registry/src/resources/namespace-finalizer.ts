/**
 * Empties terminating namespaces and then removes them: what upstream's namespace controller
 * does from the controller manager. tskube has no controller manager yet, so the apiserver runs
 * this loop in-process over its registries; it moves to the controller manager when that exists.
 *
 * A terminating namespace's objects are deleted (pods gracefully when bound, so the kubelet still
 * stops them); once nothing is left, the `kubernetes` finalizer is removed and the namespace
 * deleted, which is when `kubectl delete namespace` returns.
 */
import { isConflict, isNotFound } from '@tskube/api-types';
import { silentLogger, type Logger } from '@tskube/component-base';
import type { StoredObject } from '../cache/types.js';
import type { Store } from '../store/types.js';
import type { Registries } from './registries.js';
import type { StoredNamespace } from './types.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceFinalizerOptions {
  logger?: Logger;
  /** How often terminating namespaces are looked at again. Default 1 s. */
  intervalMs?: number;
}

/** Starts the loop; `stop()` ends it after the pass in progress. */
export function startNamespaceFinalizer(
  registries: Registries,
  options: NamespaceFinalizerOptions = {},
): { stop(): Promise<void> } {
  const log = (options.logger ?? silentLogger()).child({ controller: 'namespace-finalizer' });
  const intervalMs = options.intervalMs ?? 1000;
  const content: Store<StoredObject>[] = [
    registries.pods,
    registries.replicationControllers,
    registries.services,
    registries.endpoints,
    registries.events,
    registries.leases,
  ] as unknown as Store<StoredObject>[];
  let stopped = false;
  let wake: (() => void) | undefined;

  /** Returns true once the namespace is gone. */
  async function finalizeOne(ns: StoredNamespace): Promise<boolean> {
    const name = ns.metadata.name!;
    let remaining = 0;
    for (const store of content) {
      const { items } = await store.list(name, {});
      remaining += items.length;
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue; // already going, e.g. a pod its kubelet is stopping
        try {
          await store.delete(name, item.metadata.name!, {});
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    if (remaining > 0) return false;
    const finalizers = ns.spec?.finalizers ?? [];
    if (finalizers.includes(NAMESPACE_FINALIZER)) {
      const rest = finalizers.filter((f) => f !== NAMESPACE_FINALIZER);
      await registries.namespaces.finalize(name, { ...ns, spec: { ...ns.spec, finalizers: rest } });
      if (rest.length > 0) return false; // someone else's finalizer still holds it
    }
    await registries.namespaces.delete(undefined, name, {});
    log.info({ namespace: name }, 'namespace emptied and removed');
    return true;
  }

  async function pass(): Promise<void> {
    const { items } = await registries.namespaces.list(undefined, { resourceVersion: '0' });
    for (const ns of items) {
      if (stopped) return;
      if (!ns.metadata.deletionTimestamp) continue;
      try {
        await finalizeOne(ns);
      } catch (err) {
        // Level-triggered: whatever failed is looked at again on the next pass.
        if (!isNotFound(err) && !isConflict(err)) log.warn({ err, namespace: ns.metadata.name }, 'namespace cleanup failed');
      }
    }
  }

  const done = (async () => {
    while (!stopped) {
      try {
        await pass();
      } catch (err) {
        log.warn({ err }, 'namespace cleanup pass failed');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
