import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStorage } from '../storage/memory.js';
import { StorageError, type KeyValue, type Storage, type StorageEvent, type StorageWatch } from '../storage/types.js';
import type { CacheEvent, CacheWatcher, StoredObject, WatchCache } from './types.js';
import { createWatchCache, type CacheLogger, type WatchCacheOptions } from './watch-cache.js';

const PREFIX = '/registry/pods/';

interface Pod extends StoredObject {
  spec?: { n?: number };
}

const decode = (kv: KeyValue): Pod => {
  const obj = JSON.parse(kv.value) as Pod;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
};
const key = (ns: string, name: string): string => `${PREFIX}${ns}/${name}`;
const pod = (ns: string, name: string, labels: Record<string, string> = {}, n = 0): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels }, spec: { n } });

/** [type, name, resourceVersion]: what a client tells events apart by. */
const brief = (e: CacheEvent<Pod>): [string, string | undefined, string | undefined] => [
  e.type,
  e.object.metadata.name,
  e.object.metadata.resourceVersion,
];

async function next(w: CacheWatcher<Pod>): Promise<CacheEvent<Pod>> {
  const r = await w[Symbol.asyncIterator]().next();
  if (r.done) throw new Error('the watch ended');
  return r.value;
}

async function take(w: CacheWatcher<Pod>, n: number): Promise<CacheEvent<Pod>[]> {
  const out: CacheEvent<Pod>[] = [];
  for (let i = 0; i < n; i++) out.push(await next(w));
  return out;
}

const caches: WatchCache<Pod>[] = [];
afterEach(() => {
  for (const c of caches.splice(0)) c.stop();
});

async function setup(opts: Partial<WatchCacheOptions<Pod>> = {}): Promise<{ storage: Storage; cache: WatchCache<Pod> }> {
  const storage = opts.storage ?? createMemoryStorage();
  const cache = createWatchCache<Pod>({ storage, prefix: PREFIX, decode, ...opts });
  caches.push(cache);
  await cache.ready();
  return { storage, cache };
}

/**
 * A storage whose watches can be broken (as by an etcd restart) and whose lists can be made to
 * fail a number of times (unreachable), around the memory storage.
 */
function flaky(inner: Storage) {
  const breakers = new Set<(err: Error) => void>();
  let failingLists = 0;
  const storage: Storage = {
    get: (k) => inner.get(k),
    list: async (p, o) => {
      if (failingLists > 0) {
        failingLists--;
        throw new StorageError('Unreachable', p, 'etcd is down');
      }
      return inner.list(p, o);
    },
    create: (k, v) => inner.create(k, v),
    update: (k, v, r) => inner.update(k, v, r),
    delete: (k, r) => inner.delete(k, r),
    currentRevision: () => inner.currentRevision(),
    compact: (r) => inner.compact(r),
    compactedRevision: () => inner.compactedRevision(),
    healthy: () => inner.healthy(),
    close: () => inner.close(),
    watch(k, o): StorageWatch {
      const w = inner.watch(k, o);
      let fail: (err: Error) => void = () => {};
      const broken = new Promise<never>((_, reject) => (fail = reject));
      broken.catch(() => {});
      breakers.add(fail);
      return {
        close: () => {
          breakers.delete(fail);
          w.close();
        },
        [Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
          const it = w[Symbol.asyncIterator]();
          return { next: () => Promise.race([it.next(), broken]) };
        },
      };
    },
  };
  return {
    storage,
    /** Breaks every open watch; the next `lists` lists fail as unreachable. */
    restart(lists = 0) {
      failingLists = lists;
      for (const b of [...breakers]) b(new StorageError('Unreachable', '', 'etcd restarted'));
      breakers.clear();
    },
    get watches() {
      return breakers.size;
    },
  };
}

describe('createWatchCache', () => {
  it.each([undefined, '', '0'])('sends a synthetic ADDED for every object in key order for resourceVersion %j', async (rv) => {
    const { storage, cache } = await setup();
    const c = await storage.create(key('ns', 'c'), pod('ns', 'c'));
    const a = await storage.create(key('ns', 'a'), pod('ns', 'a'));
    const b = await storage.create(key('ns', 'b'), pod('ns', 'b'));
    await storage.create('/registry/services/ns/a', pod('ns', 'svc'));
    await cache.waitFor(b.modRevision);

    const w = cache.watch({ resourceVersion: rv });
    expect((await take(w, 3)).map(brief)).toEqual([
      ['ADDED', 'a', String(a.modRevision)],
      ['ADDED', 'b', String(b.modRevision)],
      ['ADDED', 'c', String(c.modRevision)],
    ]);
    const d = await storage.create(key('ns', 'd'), pod('ns', 'd'));
    expect(brief(await next(w))).toEqual(['ADDED', 'd', String(d.modRevision)]);
    w.close();
  });

  it('applies every event of one revision: etcd deletes all the keys of an expired lease at once', async () => {
    const inner = createMemoryStorage();
    await inner.create(key('ns', 'a'), pod('ns', 'a'));
    const b = await inner.create(key('ns', 'b'), pod('ns', 'b'));
    const rev = b.modRevision + 1;
    const deleteAt = (kv: KeyValue): StorageEvent => ({ type: 'delete', key: kv.key, revision: rev, value: kv.value, prevValue: kv.value });
    const [kvA, kvB] = (await inner.list(PREFIX)).items;
    // The storage watch delivers both deletes of one transaction, as etcd does for a lease.
    const scripted: StorageWatch = {
      close() {},
      async *[Symbol.asyncIterator]() {
        yield deleteAt(kvA!);
        yield deleteAt(kvB!);
        await new Promise(() => {});
      },
    };
    const storage = new Proxy(inner, {
      get: (t, p) => (p === 'watch' ? () => scripted : (Reflect.get(t, p) as unknown)),
    });
    const { cache } = await setup({ storage });
    const w = cache.watch({ resourceVersion: String(b.modRevision) });
    expect((await take(w, 2)).map(brief)).toEqual([
      ['DELETED', 'a', String(rev)],
      ['DELETED', 'b', String(rev)],
    ]);
    w.close();
    expect(cache.list().items).toEqual([]);
  });

  it('resumes from a middle resourceVersion with exactly the later events, once, in order', async () => {
    const { storage, cache } = await setup();
    const a1 = await storage.create(key('ns', 'a'), pod('ns', 'a'));
    const b1 = await storage.create(key('ns', 'b'), pod('ns', 'b'));
    const a2 = await storage.update(key('ns', 'a'), pod('ns', 'a', {}, 1), a1.modRevision);
    const b2 = await storage.delete(key('ns', 'b'));
    const c1 = await storage.create(key('ns', 'c'), pod('ns', 'c'));
    await cache.waitFor(c1.modRevision);

    const w = cache.watch({ resourceVersion: String(b1.modRevision) });
    const replayed = await take(w, 3);
    expect(replayed.map(brief)).toEqual([
      ['MODIFIED', 'a', String(a2.modRevision)],
      ['DELETED', 'b', String(b2.modRevision)],
      ['ADDED', 'c', String(c1.modRevision)],
    ]);
    expect(replayed[0]!.prevObject?.metadata.resourceVersion).toBe(String(a1.modRevision));
    expect(replayed[1]!.prevObject?.metadata.resourceVersion).toBe(String(b1.modRevision));

    const d1 = await storage.create(key('ns', 'd'), pod('ns', 'd'));
    expect(brief(await next(w))).toEqual(['ADDED', 'd', String(d1.modRevision)]);
  });

  it('answers 410 Expired for a resourceVersion older than the window, and serves the oldest one it names', async () => {
    const { storage, cache } = await setup({ windowSize: 3 });
    const revs: number[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) revs.push((await storage.create(key('ns', name), pod('ns', name))).modRevision);
    await cache.waitFor(revs[4]!);

    const it1 = cache.watch({ resourceVersion: String(revs[0]) })[Symbol.asyncIterator]();
    const err = await it1.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'StatusError', reason: 'Expired', code: 410 });
    const m = /^too old resource version: (\d+) \((\d+)\)$/.exec((err as Error).message);
    expect(m?.[1]).toBe(String(revs[0]));

    // The revision the error names is the oldest a client can resume from: it gets the whole window.
    const w = cache.watch({ resourceVersion: m?.[2] });
    expect((await take(w, 3)).map((e) => e.object.metadata.name)).toEqual(['c', 'd', 'e']);
  });

  it('rejects a resourceVersion that is not a number with BadRequest', async () => {
    const { cache } = await setup();
    expect(() => cache.watch({ resourceVersion: 'abc' })).toThrow(expect.objectContaining({ reason: 'BadRequest', code: 400 }));
  });

  it('waits for a resourceVersion newer than the cache and sends only later events', async () => {
    const { storage, cache } = await setup();
    const now = await storage.currentRevision();
    const w = cache.watch({ resourceVersion: String(now + 2) });
    await storage.create(key('ns', 'a'), pod('ns', 'a'));
    await storage.create(key('ns', 'b'), pod('ns', 'b'));
    const c = await storage.create(key('ns', 'c'), pod('ns', 'c'));
    expect(brief(await next(w))).toEqual(['ADDED', 'c', String(c.modRevision)]);
  });

  it('turns changes across the filter into ADDED, MODIFIED and DELETED as the watcher sees them', async () => {
    const { storage, cache } = await setup();
    const w = cache.watch({ resourceVersion: '0', filter: (p) => p.metadata.labels?.['app'] === 'web' });
    const k = key('ns', 'p');
    const r1 = await storage.create(k, pod('ns', 'p', { app: 'db' }));
    const r2 = await storage.update(k, pod('ns', 'p', { app: 'web' }), r1.modRevision);
    const r3 = await storage.update(k, pod('ns', 'p', { app: 'web' }, 1), r2.modRevision);
    const r4 = await storage.update(k, pod('ns', 'p', { app: 'db' }, 2), r3.modRevision);
    await storage.delete(k);
    const r6 = await storage.create(key('ns', 'q'), pod('ns', 'q', { app: 'web' }));

    const events = await take(w, 4);
    expect(events.map(brief)).toEqual([
      ['ADDED', 'p', String(r2.modRevision)],
      ['MODIFIED', 'p', String(r3.modRevision)],
      ['DELETED', 'p', String(r4.modRevision)],
      ['ADDED', 'q', String(r6.modRevision)],
    ]);
    // Leaving the filter: the last state the watcher matched, at the revision of the change (upstream).
    expect(events[2]!.object.metadata.labels).toEqual({ app: 'web' });
    expect(events[2]!.object.spec?.n).toBe(1);
  });

  it('filters by namespace, for the initial state and for later changes', async () => {
    const { storage, cache } = await setup();
    await storage.create(key('a', 'x'), pod('a', 'x'));
    await storage.create(key('b', 'y'), pod('b', 'y'));
    const last = await storage.create(key('a', 'z'), pod('a', 'z'));
    await cache.waitFor(last.modRevision);

    const w = cache.watch({ namespace: 'a' });
    expect((await take(w, 2)).map((e) => e.object.metadata.name)).toEqual(['x', 'z']);
    await storage.create(key('b', 'later'), pod('b', 'later'));
    await storage.create(key('a', 'later'), pod('a', 'later'));
    expect(await next(w)).toMatchObject({ type: 'ADDED', object: { metadata: { namespace: 'a', name: 'later' } } });
    expect(cache.list('a').items.map((p) => p.metadata.name)).toEqual(['later', 'x', 'z']);
  });

  it('lists the current objects in key order with the revision they are consistent with', async () => {
    const { storage, cache } = await setup();
    await storage.create(key('ns', 'b'), pod('ns', 'b'));
    const a = await storage.create(key('ns', 'a'), pod('ns', 'a'));
    await storage.delete(key('ns', 'b'));
    const last = await storage.create('/registry/other/x', pod('ns', 'x'));
    const head = await storage.create(key('ns', 'c'), pod('ns', 'c'));
    await cache.waitFor(head.modRevision);
    const { items, revision } = cache.list();
    expect(items.map((p) => [p.metadata.name, p.metadata.resourceVersion])).toEqual([
      ['a', String(a.modRevision)],
      ['c', String(head.modRevision)],
    ]);
    expect(revision).toBe(head.modRevision);
    expect(revision).toBeGreaterThan(last.modRevision);
  });

  it('sends bookmarks with the latest revision to watchers that allow them, and only to them', async () => {
    const { storage, cache } = await setup({ bookmarkIntervalMs: 5 });
    const plain = cache.watch({ resourceVersion: String(await storage.currentRevision()) });
    const w = cache.watch({ resourceVersion: '0', allowBookmarks: true });
    const a = await storage.create(key('ns', 'a'), pod('ns', 'a'));
    expect(brief(await next(w))).toEqual(['ADDED', 'a', String(a.modRevision)]);
    const bookmark = await next(w);
    expect(bookmark).toMatchObject({
      type: 'BOOKMARK',
      object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(a.modRevision) } },
    });

    const b = await storage.create(key('ns', 'b'), pod('ns', 'b'));
    expect((await take(plain, 2)).map(brief)).toEqual([
      ['ADDED', 'a', String(a.modRevision)],
      ['ADDED', 'b', String(b.modRevision)],
    ]);
  });

  it('fans one update out to 1000 watchers', async () => {
    const { storage, cache } = await setup();
    const rv = String(await storage.currentRevision());
    const watchers = Array.from({ length: 1000 }, () => cache.watch({ resourceVersion: rv }));
    const a = await storage.create(key('ns', 'a'), pod('ns', 'a'));
    const got = await Promise.all(watchers.map(next));
    expect(new Set(got.map((e) => JSON.stringify(brief(e))))).toEqual(new Set([JSON.stringify(['ADDED', 'a', String(a.modRevision)])]));
    for (const w of watchers) w.close();
  });

  it('skips a stored value that does not decode, logs it, and keeps the other objects flowing', async () => {
    const storage = createMemoryStorage();
    await storage.create(key('ns', 'bad'), '{not json');
    await storage.create(key('ns', 'good'), pod('ns', 'good'));
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const { cache } = await setup({ storage, logger: logger as unknown as CacheLogger });
    expect(cache.list().items.map((p) => p.metadata.name)).toEqual(['good']);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ key: key('ns', 'bad') }), expect.any(String));

    const w = cache.watch({ resourceVersion: '0' });
    expect((await next(w)).object.metadata.name).toBe('good');

    // A good object that turns bad leaves (DELETED); the bad one turning good arrives (ADDED).
    const good = await storage.get(key('ns', 'good'));
    await storage.update(key('ns', 'good'), 'garbage', good!.modRevision);
    const bad = await storage.get(key('ns', 'bad'));
    await storage.update(key('ns', 'bad'), pod('ns', 'bad'), bad!.modRevision);
    await storage.create(key('ns', 'more'), pod('ns', 'more'));
    expect((await take(w, 3)).map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['DELETED', 'good'],
      ['ADDED', 'bad'],
      ['ADDED', 'more'],
    ]);
    expect(cache.list().items.map((p) => p.metadata.name)).toEqual(['bad', 'more']);
  });

  it('after a compaction past its storage watch, ends watchers with Expired, relists and serves again', async () => {
    const { storage, cache } = await setup();
    const old = await storage.create(key('ns', 'a'), pod('ns', 'a'));
    const w = cache.watch({ resourceVersion: '0' });
    expect((await next(w)).object.metadata.name).toBe('a');

    // Written and compacted in one synchronous turn, before the cache's storage watch reads them.
    const rev = await storage.currentRevision();
    void storage.create(key('ns', 'b'), pod('ns', 'b'));
    void storage.create(key('ns', 'c'), pod('ns', 'c'));
    await storage.compact(rev + 2);

    await expect(next(w)).rejects.toMatchObject({ reason: 'Expired', code: 410 });
    await cache.waitFor(rev + 2);
    await cache.ready();
    expect(cache.list().items.map((p) => p.metadata.name)).toEqual(['a', 'b', 'c']);

    // The window restarted at the relist: the old resourceVersion is gone, a fresh watch works.
    await expect(next(cache.watch({ resourceVersion: String(old.modRevision) }))).rejects.toMatchObject({ reason: 'Expired' });
    const fresh = cache.watch({ resourceVersion: String(cache.list().revision) });
    const d = await storage.create(key('ns', 'd'), pod('ns', 'd'));
    expect(brief(await next(fresh))).toEqual(['ADDED', 'd', String(d.modRevision)]);
  });

  it('after a storage restart, ends watchers with Expired and recovers once storage answers again', async () => {
    const f = flaky(createMemoryStorage());
    const { cache } = await setup({ storage: f.storage });
    const w = cache.watch({ resourceVersion: '0' });
    await f.storage.create(key('ns', 'a'), pod('ns', 'a'));
    expect((await next(w)).object.metadata.name).toBe('a');

    f.restart(2);
    await expect(next(w)).rejects.toMatchObject({ reason: 'Expired', code: 410 });
    // A watch asked for (and read) while the cache relists waits for it, then starts from the new state.
    const during = cache.watch({ resourceVersion: '0' });
    const first = next(during);
    const b = await f.storage.create(key('ns', 'b'), pod('ns', 'b'));
    expect((await first).object.metadata.name).toBe('a');
    expect((await next(during)).object.metadata.name).toBe('b');
    await cache.waitFor(b.modRevision);
    expect(cache.list().items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(f.watches).toBe(1);

    const c = await f.storage.create(key('ns', 'c'), pod('ns', 'c'));
    expect(brief(await next(during))).toEqual(['ADDED', 'c', String(c.modRevision)]);
  });

  it('terminates a watcher that does not keep up with TooManyRequests and drops its buffer; others go on', async () => {
    const { storage, cache } = await setup({ maxWatcherBuffer: 5 });
    const rv = String(await storage.currentRevision());
    const slow = cache.watch({ resourceVersion: rv });
    const fast = cache.watch({ resourceVersion: rv });
    for (let i = 0; i < 6; i++) {
      await storage.create(key('ns', `p${i}`), pod('ns', `p${i}`));
      expect((await next(fast)).object.metadata.name).toBe(`p${i}`);
    }
    await expect(next(slow)).rejects.toMatchObject({ reason: 'TooManyRequests', code: 429 });
    const it2 = slow[Symbol.asyncIterator]();
    expect(await it2.next()).toEqual({ done: true, value: undefined });
  });

  it('does not count the initial state against the buffer limit', async () => {
    const storage = createMemoryStorage();
    for (let i = 0; i < 20; i++) await storage.create(key('ns', `p${String(i).padStart(2, '0')}`), pod('ns', `p${i}`));
    const { cache } = await setup({ storage, maxWatcherBuffer: 5 });
    const w = cache.watch({});
    expect((await take(w, 20)).every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('ends a watcher on close(), on break out of for-await, and all of them on stop()', async () => {
    const { storage, cache } = await setup();
    const closed = cache.watch({});
    closed.close();
    expect(await closed[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });

    const broken = cache.watch({});
    void storage.create(key('ns', 'a'), pod('ns', 'a'));
    for await (const ev of broken) {
      expect(ev.type).toBe('ADDED');
      break;
    }
    expect(await broken[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });

    const live = cache.watch({ resourceVersion: String(await storage.currentRevision()) });
    const pending = live[Symbol.asyncIterator]().next();
    cache.stop();
    expect(await pending).toEqual({ done: true, value: undefined });
    await expect(cache.ready()).rejects.toMatchObject({ reason: 'ServiceUnavailable' });
  });

  it('waitFor resolves once the revision is processed and times out with Timeout otherwise', async () => {
    const { storage, cache } = await setup();
    const later = cache.waitFor((await storage.currentRevision()) + 1);
    await storage.create(key('ns', 'a'), pod('ns', 'a'));
    await expect(later).resolves.toBeUndefined();
    await expect(cache.waitFor((await storage.currentRevision()) + 100, 5)).rejects.toMatchObject({
      reason: 'Timeout',
      code: 504,
    });
  });
});
