import { FakeClock } from '@tskube/component-base';
import { describe, expect, it } from 'vitest';
import { createLeaseManager, type LeaseManagerOptions } from './lease-manager.js';

/**
 * A lease manager over a fake LeaseGrant that records the TTL of every grant; `grant` may
 * replace how a grant answers (it gets the grant's number).
 */
function setup(options: Omit<Partial<LeaseManagerOptions>, 'grant'> = {}, grant = async (n: number) => `lease-${n}`) {
  const clock = new FakeClock(1_000_000);
  const grants: number[] = [];
  const manager = createLeaseManager({
    clock,
    grant: (ttl) => {
      grants.push(ttl);
      return grant(grants.length);
    },
    ...options,
  });
  return { clock, grants, manager };
}

describe('lease manager', () => {
  it('reuses one lease, granted with the reuse window on top, for keys written within the window', async () => {
    const { clock, grants, manager } = setup();
    const ids = [await manager.getLease(3600)];
    for (let i = 0; i < 10; i++) {
      clock.advance(5_000);
      ids.push(await manager.getLease(3600));
    }
    // 5% of an hour is 180 s, capped at 60 s: the lease lives 3660 s and serves the first 55 s.
    expect(grants).toEqual([3660]);
    expect(new Set(ids)).toEqual(new Set(['lease-1']));
  });

  it('grants a new lease once the old one would expire too late for a new key to live its TTL', async () => {
    const { clock, grants, manager } = setup();
    const first = await manager.getLease(3600);
    clock.advance(60_000);
    const second = await manager.getLease(3600);
    expect(grants).toEqual([3660, 3660]);
    expect(second).not.toBe(first);
  });

  it.each([
    ['shorter', 60, 3],
    ['longer', 7200, 60],
  ])('does not hand a lease granted for one TTL to a much %s one', async (_what, ttl, window) => {
    const { grants, manager } = setup();
    await manager.getLease(3600);
    await manager.getLease(ttl);
    expect(grants).toEqual([3660, ttl + window]);
  });

  it('caps the keys attached to one lease', async () => {
    const { grants, manager } = setup({ maxAttachedKeys: 3 });
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await manager.getLease(3600));
    expect(ids).toEqual(['lease-1', 'lease-1', 'lease-1', 'lease-2', 'lease-2', 'lease-2', 'lease-3']);
    expect(grants).toHaveLength(3);
  });

  it('makes a burst that arrives while the first grant is in flight wait for it and share it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { grants, manager } = setup({}, async () => {
      await gate;
      return 'slow-lease';
    });
    const burst = Promise.all(Array.from({ length: 20 }, () => manager.getLease(3600)));
    release();
    expect(new Set(await burst)).toEqual(new Set(['slow-lease']));
    expect(grants).toEqual([3660]);
  });

  it('grants afresh after a failed grant and after reset()', async () => {
    let fail = true;
    const { manager } = setup({}, async (n) => {
      if (fail) throw new Error('etcd unreachable');
      return `lease-${n}`;
    });
    await expect(manager.getLease(100)).rejects.toThrow('etcd unreachable');
    fail = false;
    expect(await manager.getLease(100)).toBe('lease-2');
    expect(await manager.getLease(100)).toBe('lease-2');
    manager.reset();
    expect(await manager.getLease(100)).toBe('lease-3');
  });
});
