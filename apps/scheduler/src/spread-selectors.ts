import type { ReplicationController, Service } from '@tskube/api-types';
import type { Informer } from '@tskube/client';
import type { SpreadSelector, SpreadSelectors } from '@tskube/scheduler-core';

/**
 * SelectorSpread's view of Services and RCs, from their informers. The algorithm asks on every
 * scheduling cycle, so the lists are rebuilt only after an informer reported a change.
 */
export function spreadSelectorsFrom(services: Informer<Service>, controllers: Informer<ReplicationController>): SpreadSelectors {
  const memo = <T extends Service | ReplicationController>(informer: Informer<T>): (() => readonly SpreadSelector[]) => {
    let cached: readonly SpreadSelector[] | undefined;
    const invalidate = (): void => void (cached = undefined);
    informer.addEventHandler({ onAdd: invalidate, onUpdate: invalidate, onDelete: invalidate });
    return () =>
      (cached ??= informer.lister
        .list()
        .filter((o) => o.spec?.selector && Object.keys(o.spec.selector).length > 0)
        .map((o) => ({ namespace: o.metadata?.namespace ?? 'default', selector: o.spec?.selector ?? {} })));
  };
  return { services: memo(services), controllers: memo(controllers) };
}
