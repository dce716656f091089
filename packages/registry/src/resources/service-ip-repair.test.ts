import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMemoryStorage } from '../storage/memory.js';
import { createRegistries, type Registries } from './registries.js';
import { repairServiceIps } from './service-ip-repair.js';

let r: Registries;
beforeEach(async () => {
  r = createRegistries({ storage: createMemoryStorage() });
  await r.ready();
});
afterEach(() => r.stop());

it('frees leaked portal IPs and keeps every IP a service holds', async () => {
  const svc = await r.services.create('default', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } });
  const held = svc.spec!.clusterIP!;
  // Leaks: an owner that never got stored, and a stale record under a live service's name.
  const ghost = await r.allocator.allocate('default/ghost');
  const stale = await r.allocator.allocate('default/web');

  expect((await repairServiceIps(r, 0)).sort()).toEqual([ghost, stale].sort());
  expect(await r.allocator.allocated()).toEqual([held]);
});

it('leaves young allocations alone, so a create in flight keeps its IP', async () => {
  const inFlight = await r.allocator.allocate('default/being-created');
  expect(await repairServiceIps(r, 60_000)).toEqual([]);
  expect(await r.allocator.isAllocated(inFlight)).toBe(true);
});
