import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory.js';
import { isStorageError, type StorageEvent, type StorageWatch } from './types.js';

// The behaviour shared with etcd is covered by the contract suite (e2e/registry/storage.test.ts);
// these cover what only the memory storage has: its bounded history window.

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
