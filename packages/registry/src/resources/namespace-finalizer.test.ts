import { afterEach, beforeEach, expect, it } from 'vitest';
import { isNotFound } from '@tskube/api-types';
import { createMemoryStorage } from '../storage/memory.js';
import { startNamespaceFinalizer } from './namespace-finalizer.js';
import { createRegistries, type Registries } from './registries.js';
import type { StoredPod } from './types.js';

let r: Registries;
let finalizer: { stop(): Promise<void> } | undefined;

beforeEach(async () => {
  r = createRegistries({ storage: createMemoryStorage() });
  await r.ready();
});

afterEach(async () => {
  await finalizer?.stop();
  r.stop();
});

const pod = (name: string, nodeName?: string): StoredPod => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
});

const gone = async (p: Promise<unknown>): Promise<boolean> => p.then(() => false, (err) => isNotFound(err));

it('empties a terminating namespace, waits for pods still stopping, removes it, and leaves others alone', async () => {
  await r.namespaces.create(undefined, { metadata: { name: 'team' } });
  await r.namespaces.create(undefined, { metadata: { name: 'kept' } });
  await r.pods.create('kept', pod('bystander'));
  await r.pods.create('team', pod('unbound'));
  await r.pods.create('team', pod('running', 'node-1'));
  const svc = await r.services.create('team', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } });
  const ip = svc.spec!.clusterIP!;

  const marked = await r.namespaces.delete(undefined, 'team', {});
  expect(marked.status?.phase).toBe('Terminating');
  finalizer = startNamespaceFinalizer(r, { intervalMs: 10 });

  // The unbound pod and the service go at once; the bound pod is only marked, for its kubelet.
  await expect.poll(() => gone(r.services.get('team', 'web'))).toBe(true);
  await expect.poll(() => gone(r.pods.get('team', 'unbound'))).toBe(true);
  expect((await r.pods.get('team', 'running')).metadata.deletionTimestamp).toBeDefined();
  expect(await r.allocator.isAllocated(ip)).toBe(false);
  expect((await r.namespaces.get(undefined, 'team')).status?.phase).toBe('Terminating');

  // The kubelet finishes the pod; then the namespace is finalized and removed.
  await r.pods.delete('team', 'running', { gracePeriodSeconds: 0 });
  await expect.poll(() => gone(r.namespaces.get(undefined, 'team'))).toBe(true);

  // A namespace that is not being deleted is left alone.
  expect((await r.pods.get('kept', 'bystander')).metadata.deletionTimestamp).toBeUndefined();
  expect((await r.namespaces.get(undefined, 'kept')).status?.phase).toBe('Active');
});
