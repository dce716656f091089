import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../storage/memory.js';
import { AllocatorError, createServiceIpAllocator } from './service-ip-allocator.js';

const PREFIX = '/registry/serviceips/';

function setup(cidr?: string) {
  const storage = createMemoryStorage();
  return { storage, alloc: createServiceIpAllocator({ storage, ...(cidr ? { cidr } : {}) }) };
}

const errorOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe('createServiceIpAllocator', () => {
  it.each([
    // cidr, normalised, usable addresses
    ['10.0.0.0/16', '10.0.0.0/16', 65534],
    ['10.0.3.7/16', '10.0.0.0/16', 65534],
    ['192.168.1.0/24', '192.168.1.0/24', 254],
    ['172.16.0.8/29', '172.16.0.8/29', 6],
    ['10.9.9.4/30', '10.9.9.4/30', 2],
    ['10.0.0.0/8', '10.0.0.0/8', 16777214],
  ])('%s is the range %s with %d usable addresses', (cidr, normalised, size) => {
    const { alloc } = setup(cidr);
    expect(alloc.cidr).toBe(normalised);
    expect(alloc.size).toBe(size);
  });

  it('defaults to 10.0.0.0/16', () => {
    expect(setup().alloc.cidr).toBe('10.0.0.0/16');
  });

  it.each([
    ['fd00::/108', /IPv6/],
    ['10.0.0.0/31', /\/8 to \/30/],
    ['10.0.0.0/7', /\/8 to \/30/],
    ['not-a-cidr', /invalid/],
    ['10.0.0.0', /invalid/],
  ])('rejects the range %s', (cidr, message) => {
    expect(() => setup(cidr)).toThrow(expect.objectContaining({ name: 'AllocatorError', code: 'Invalid', message: expect.stringMatching(message) }));
  });

  it.each([
    ['10.0.0.0', false], // network
    ['10.0.255.255', false], // broadcast
    ['10.0.0.1', true],
    ['10.0.255.254', true],
    ['10.0.17.3', true],
    ['10.1.0.1', false],
    ['9.255.255.255', false],
    ['010.0.0.1', false],
    ['::1', false],
    ['garbage', false],
  ])('contains(%s) is %s in 10.0.0.0/16', (ip, expected) => {
    expect(setup().alloc.contains(ip)).toBe(expected);
  });

  it('allocates distinct addresses in range, keeping the first for the kubernetes service, until a /29 is full', async () => {
    const { alloc } = setup('192.168.0.8/29');
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(await alloc.allocate(`ns/svc${i}`));
    // The usable addresses other than the reserved first one (.9).
    expect([...got].sort()).toEqual(['192.168.0.10', '192.168.0.11', '192.168.0.12', '192.168.0.13', '192.168.0.14']);
    const full = await errorOf(alloc.allocate('ns/more'));
    expect(full).toBeInstanceOf(AllocatorError);
    expect(full).toMatchObject({ code: 'Full', message: 'range is full' });

    // The reserved address is still there for an explicit request.
    await alloc.allocateSpecific('192.168.0.9', 'default/kubernetes');
    expect(await alloc.allocated()).toEqual(['192.168.0.9', ...got.sort()]);
  });

  it('persists one key per address with its owner', async () => {
    const { storage, alloc } = setup();
    const ip = await alloc.allocate('default/web');
    const kv = await storage.get(PREFIX + ip);
    expect(JSON.parse(kv!.value)).toMatchObject({ owner: 'default/web', allocatedAt: expect.any(String) });
    expect(await alloc.isAllocated(ip)).toBe(true);
  });

  it.each([
    ['10.1.0.5', 'NotInRange', 'provided IP is not in the valid range. The range of valid IPs is 10.0.0.0/16'],
    ['10.0.0.0', 'NotInRange', 'provided IP is not in the valid range. The range of valid IPs is 10.0.0.0/16'],
    ['10.0.255.255', 'NotInRange', 'provided IP is not in the valid range. The range of valid IPs is 10.0.0.0/16'],
    ['10.0.0.300', 'Invalid', expect.stringContaining('not a valid IPv4 address')],
  ])('allocateSpecific(%s) fails with %s', async (ip, code, message) => {
    const { alloc } = setup();
    expect(await errorOf(alloc.allocateSpecific(ip, 'ns/a'))).toMatchObject({ name: 'AllocatorError', code, message });
  });

  it('allocateSpecific refuses an address that is taken, whoever asks', async () => {
    const { alloc } = setup();
    await alloc.allocateSpecific('10.0.5.5', 'ns/a');
    for (const owner of ['ns/a', 'ns/b']) {
      expect(await errorOf(alloc.allocateSpecific('10.0.5.5', owner))).toMatchObject({
        code: 'Allocated',
        message: 'provided IP is already allocated',
      });
    }
  });

  it('releases idempotently, so the address can be allocated again', async () => {
    const { alloc } = setup();
    await alloc.allocateSpecific('10.0.0.1', 'default/kubernetes');
    await alloc.release('10.0.0.1');
    await alloc.release('10.0.0.1');
    await alloc.release('10.9.0.1');
    expect(await alloc.isAllocated('10.0.0.1')).toBe(false);
    expect(await alloc.allocated()).toEqual([]);
    await expect(alloc.allocateSpecific('10.0.0.1', 'default/kubernetes')).resolves.toBeUndefined();
  });

  it('lists allocations in numeric order', async () => {
    const { alloc } = setup();
    for (const ip of ['10.0.0.10', '10.0.0.9', '10.0.1.2', '10.0.0.100']) await alloc.allocateSpecific(ip, `ns/${ip}`);
    expect(await alloc.allocated()).toEqual(['10.0.0.9', '10.0.0.10', '10.0.0.100', '10.0.1.2']);
  });

  it('repair releases the addresses of owners that are gone and unreadable records, and keeps the rest', async () => {
    const { storage, alloc } = setup();
    await alloc.allocateSpecific('10.0.0.1', 'default/kubernetes');
    await alloc.allocateSpecific('10.0.0.20', 'ns/gone');
    await alloc.allocateSpecific('10.0.0.3', 'ns/live');
    await storage.create(`${PREFIX}10.0.0.4`, 'not json');
    const live = new Set(['default/kubernetes', 'ns/live']);
    const asked: string[] = [];

    const released = await alloc.repair(async (owner) => {
      asked.push(owner);
      return live.has(owner);
    });
    expect(released).toEqual(['10.0.0.4', '10.0.0.20']);
    expect(asked.sort()).toEqual(['default/kubernetes', 'ns/gone', 'ns/live']);
    expect(await alloc.allocated()).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('repair keeps young allocations when asked to, as a service being created has no object yet', async () => {
    const { alloc } = setup();
    await alloc.allocateSpecific('10.0.0.7', 'ns/creating');
    expect(await alloc.repair(async () => false, { minAgeMs: 60_000 })).toEqual([]);
    expect(await alloc.repair(async () => false)).toEqual(['10.0.0.7']);
  });

  it('never gives one address to two concurrent allocations', async () => {
    const { alloc } = setup('10.0.0.0/26');
    // 61 dynamic addresses and 61 callers: each must get its own, the scan fallback included.
    const got = await Promise.all(Array.from({ length: 61 }, (_, i) => alloc.allocate(`ns/s${i}`)));
    expect(new Set(got).size).toBe(61);
    expect(got.every((ip) => alloc.contains(ip) && ip !== '10.0.0.1')).toBe(true);
    expect(await errorOf(alloc.allocate('ns/extra'))).toMatchObject({ code: 'Full' });
  });
});
