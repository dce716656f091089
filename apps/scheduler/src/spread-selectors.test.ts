import type { KubernetesObject, ReplicationController, Service } from '@tskube/api-types';
import type { EventHandlers, Informer } from '@tskube/client';
import { describe, expect, it } from 'vitest';
import { spreadSelectorsFrom } from './spread-selectors.js';

/** Just enough of an informer: a store the test edits, and handlers it notifies. */
function fakeInformer<T extends KubernetesObject>(items: T[]) {
  const handlers: EventHandlers<T>[] = [];
  const informer = {
    addEventHandler: (h: EventHandlers<T>) => {
      handlers.push(h);
      return () => {};
    },
    lister: { get: () => undefined, list: () => [...items] },
  } as unknown as Informer<T>;
  const add = (item: T): void => {
    items.push(item);
    for (const h of handlers) h.onAdd?.(item);
  };
  return { informer, add };
}

const service = (namespace: string, name: string, selector?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { ...(selector ? { selector } : {}), ports: [{ port: 80 }] },
});

const rc = (namespace: string, name: string, selector: Record<string, string>): ReplicationController => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { namespace, name },
  spec: { selector },
});

describe('spreadSelectorsFrom', () => {
  it('lists the selectors of services and controllers, skipping those that select nothing', () => {
    const s = fakeInformer([service('default', 'web', { app: 'web' }), service('default', 'headless')]);
    const c = fakeInformer([rc('prod', 'api', { app: 'api' })]);
    const selectors = spreadSelectorsFrom(s.informer, c.informer);
    expect(selectors.services()).toEqual([{ namespace: 'default', selector: { app: 'web' } }]);
    expect(selectors.controllers()).toEqual([{ namespace: 'prod', selector: { app: 'api' } }]);
  });

  it('sees objects added after the first call', () => {
    const s = fakeInformer<Service>([]);
    const c = fakeInformer<ReplicationController>([]);
    const selectors = spreadSelectorsFrom(s.informer, c.informer);
    expect(selectors.controllers()).toEqual([]);
    c.add(rc('default', 'web', { app: 'web' }));
    expect(selectors.controllers()).toEqual([{ namespace: 'default', selector: { app: 'web' } }]);
  });
});
