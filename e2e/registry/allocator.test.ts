/** The portal-IP allocator on the real etcd of the run: concurrent allocations never collide. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createEtcdStorage, createServiceIpAllocator, type Storage } from '@tskube/registry';

const storages: Storage[] = [];
afterEach(async () => {
  for (const s of storages.splice(0)) await s.close();
});

/** One etcd client per call, all in the same test namespace: as several apiservers would be. */
function clients(n: number): Storage[] {
  const prefix = `/tskube-test/${randomUUID()}`;
  const made = Array.from({ length: n }, () => createEtcdStorage({ endpoints: [inject('etcdEndpoint')], prefix }));
  storages.push(...made);
  return made;
}

describe('service IP allocator on etcd', () => {
  it('gives 200 concurrent allocations 200 distinct addresses in range, and releases them all', async () => {
    const [storage] = clients(1);
    const alloc = createServiceIpAllocator({ storage: storage! });
    const ips = await Promise.all(Array.from({ length: 200 }, (_, i) => alloc.allocate(`ns/svc-${i}`)));
    expect(new Set(ips).size).toBe(200);
    expect(ips.every((ip) => alloc.contains(ip))).toBe(true);
    expect(await alloc.allocated()).toHaveLength(200);

    await Promise.all(ips.map((ip) => alloc.release(ip)));
    expect(await alloc.allocated()).toEqual([]);
  });

  it('never hands one address to two allocators sharing etcd, even when the range runs out', async () => {
    const [s1, s2] = clients(2);
    // A /25 has 125 addresses to hand out: 2 x 70 callers crowd it until it is full.
    const a = createServiceIpAllocator({ storage: s1!, cidr: '10.96.0.0/25' });
    const b = createServiceIpAllocator({ storage: s2!, cidr: '10.96.0.0/25' });
    const calls = Array.from({ length: 140 }, (_, i) =>
      (i % 2 ? a : b).allocate(`ns/svc-${i}`).then(
        (ip) => ({ ip }),
        (err: unknown) => ({ err }),
      ),
    );
    const results = await Promise.all(calls);
    const ips = results.flatMap((r) => ('ip' in r ? [r.ip] : []));
    const errors = results.flatMap((r) => ('err' in r ? [r.err] : []));

    expect(new Set(ips).size).toBe(ips.length);
    expect(ips).toHaveLength(125);
    expect(errors).toHaveLength(15);
    expect(errors.every((e) => (e as { code?: string }).code === 'Full')).toBe(true);
    expect((await b.allocated()).sort()).toEqual([...ips].sort());
  });
});
