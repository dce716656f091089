import { FakeClock } from '@tskube/component-base';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory.js';
import { isStorageError, type StorageEvent, type StorageWatch } from './types.js';

// The behaviour shared with etcd is covered by the contract suite (e2e/registry/storage.test.ts);
// these cover what only the memory storage has: its bounded history window, and TTL expiry
// driven by an injected clock.

async function next(w: StorageWatch, it = w[Symbol.asyncIterator]()): Promise<IteratorResult<StorageEvent>> {
  return it.next();
}

describe('memory storage history window', () => {
  it('starts at revision 1 with nothing compacted', async () => {
    const s = createMemoryStorage();
    expect(await s.currentRevision()).toBe(1);
    expect(await s.compactedRevision()).toBe(0);
    expect((await s.create('/k', 'v')).modRevision).toBe(2);
  });

  it('compacts old events by itself once the window is full', async () => {
    const s = createMemoryStorage({ historySize: 8 });
    let kv = await s.create('/k', '0');
    for (let i = 1; i < 40; i++) kv = await s.update('/k', String(i), kv.modRevision);
    const compacted = await s.compactedRevision();
    expect(compacted).toBeGreaterThan(1);
    // At least the last historySize events stay watchable.
    expect(compacted).toBeLessThanOrEqual(kv.modRevision - 8);

    const tooOld = s.watch('/', { afterRevision: compacted - 1 });
    await expect(next(tooOld)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Expired'));
    await expect(s.list('/', { revision: compacted - 1 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Expired'));

    const inWindow = s.watch('/', { afterRevision: compacted });
    expect((await next(inWindow)).value).toMatchObject({ type: 'update', revision: compacted + 1 });
    inWindow.close();
  });

  it('a watcher that falls behind the window gets Expired', async () => {
    const s = createMemoryStorage({ historySize: 4 });
    let kv = await s.create('/k', '0');
    const w = s.watch('/', { afterRevision: kv.modRevision });
    const it = w[Symbol.asyncIterator]();
    for (let i = 1; i <= 20; i++) kv = await s.update('/k', String(i), kv.modRevision);
    await expect(it.next()).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Expired'));
  });

  it('compact to a future revision is refused; to an old one is a no-op', async () => {
    const s = createMemoryStorage();
    const kv = await s.create('/k', 'v');
    await expect(s.compact(kv.modRevision + 5)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Internal'));
    await s.compact(kv.modRevision);
    await s.compact(1);
    expect(await s.compactedRevision()).toBe(kv.modRevision);
  });

  it('after close, writes fail with Unreachable and watches end', async () => {
    const s = createMemoryStorage();
    const w = s.watch('/', { afterRevision: 1 });
    const pending = next(w);
    await s.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    await expect(s.create('/k', 'v')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Unreachable'));
    expect(await s.healthy()).toBe(false);
  });
});

describe('memory storage TTL on a fake clock', () => {
  it('deletes a key when its TTL passes, as a delete event at a new revision', async () => {
    const clock = new FakeClock();
    const s = createMemoryStorage({ clock });
    const kv = await s.create('/e/a', 'a', { ttlSeconds: 10 });
    await s.create('/e/forever', 'f');
    const w = s.watch('/e/', { afterRevision: await s.currentRevision() });
    clock.advance(9_999);
    expect(await s.get('/e/a')).toEqual(kv);
    clock.advance(1);
    expect(await s.get('/e/a')).toBeUndefined();
    expect(await s.get('/e/forever')).toBeDefined();
    const gone = await s.currentRevision();
    expect((await next(w)).value).toEqual({ type: 'delete', key: '/e/a', revision: gone, value: 'a', prevValue: 'a' });
    // History still answers for the time before the expiry.
    expect((await s.list('/e/', { revision: gone - 1 })).items.map((i) => i.key)).toEqual(['/e/a', '/e/forever']);
    w.close();
  });

  it.each([
    ['with a TTL restarts it', { ttlSeconds: 10 }, []],
    ['without a TTL makes the key permanent', undefined, ['/k']],
  ])('an update %s', async (_what, options, finally_) => {
    const clock = new FakeClock();
    const s = createMemoryStorage({ clock });
    const kv = await s.create('/k', 'v1', { ttlSeconds: 10 });
    clock.advance(8_000);
    await s.update('/k', 'v2', kv.modRevision, options);
    // Past the first TTL, within the one the update may have restarted.
    clock.advance(8_000);
    expect((await s.list('/')).items.map((i) => i.key)).toEqual(['/k']);
    clock.advance(100_000);
    expect((await s.list('/')).items.map((i) => i.key)).toEqual(finally_);
  });

  it('a delete, a re-create without TTL, or close() cancel a pending expiry', async () => {
    const clock = new FakeClock();
    const s = createMemoryStorage({ clock });
    await s.create('/gone', 'x', { ttlSeconds: 5 });
    await s.create('/closed', 'x', { ttlSeconds: 5 });
    await s.delete('/gone');
    const again = await s.create('/gone', 'y');
    expect(clock.pendingTimers).toBe(1);
    await s.close();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10_000);
    expect(await s.get('/gone')).toEqual(again);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a TTL of %s', async (ttlSeconds) => {
    const s = createMemoryStorage({ clock: new FakeClock() });
    await expect(s.create('/k', 'v', { ttlSeconds })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Internal'));
    expect(await s.get('/k')).toBeUndefined();
  });
});
