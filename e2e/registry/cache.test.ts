/** The watch cache on the real etcd of the run: resuming watchers, and 410 once a revision left the window. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createEtcdStorage, createWatchCache, type CacheEvent, type CacheWatcher, type KeyValue, type Storage, type StoredObject, type WatchCache } from '@tskube/registry';

const PREFIX = '/registry/configmaps/';

interface Obj extends StoredObject {
  data?: { n?: string };
}

const decode = (kv: KeyValue): Obj => {
  const obj = JSON.parse(kv.value) as Obj;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
};
const value = (name: string, n: number): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'e2e', name }, data: { n: String(n) } });

async function take(w: CacheWatcher<Obj>, n: number): Promise<CacheEvent<Obj>[]> {
  const it = w[Symbol.asyncIterator]();
  const out: CacheEvent<Obj>[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) throw new Error('the watch ended');
    out.push(r.value);
  }
  return out;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(windowSize?: number): Promise<{ storage: Storage; cache: WatchCache<Obj> }> {
  const storage = createEtcdStorage({ endpoints: [inject('etcdEndpoint')], prefix: `/tskube-test/${randomUUID()}` });
  cleanup.push(() => storage.close());
  const cache = createWatchCache<Obj>({ storage, prefix: PREFIX, decode, ...(windowSize ? { windowSize } : {}) });
  cleanup.push(() => cache.stop());
  await cache.ready();
  return { storage, cache };
}

/** Creates, updates and deletes objects (`current`: key → modRevision, carried across calls); returns what a watcher must see for each write, in order. */
async function churn(storage: Storage, count: number, current = new Map<string, number>()): Promise<[string, string, string][]> {
  const seen: [string, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const name = `cm${i % 4}`;
    const key = `${PREFIX}e2e/${name}`;
    const rev = current.get(key);
    if (rev === undefined) {
      const kv = await storage.create(key, value(name, i));
      current.set(key, kv.modRevision);
      seen.push(['ADDED', name, String(kv.modRevision)]);
    } else if (i % 3 === 0) {
      const kv = await storage.delete(key, rev);
      current.delete(key);
      seen.push(['DELETED', name, String(kv.modRevision)]);
    } else {
      const kv = await storage.update(key, value(name, i), rev);
      current.set(key, kv.modRevision);
      seen.push(['MODIFIED', name, String(kv.modRevision)]);
    }
  }
  return seen;
}

const brief = (e: CacheEvent<Obj>): [string, string, string] => [e.type, e.object.metadata.name ?? '', e.object.metadata.resourceVersion ?? ''];

describe('watch cache on etcd', () => {
  it('resumes a watcher from a resourceVersion with every later event once, in order', async () => {
    const { storage, cache } = await setup();
    const state = new Map<string, number>();
    const first = await churn(storage, 30, state);
    const resumeAt = first[11]![2];
    await cache.waitFor(Number(first.at(-1)![2]));

    const w = cache.watch({ resourceVersion: resumeAt });
    const replayed = await take(w, first.length - 12);
    expect(replayed.map(brief)).toEqual(first.slice(12));

    // Then the live events, with nothing repeated in between.
    const later = await churn(storage, 5, state);
    expect((await take(w, later.length)).map(brief)).toEqual(later);
    w.close();
  });

  it('after etcd is compacted, still resumes inside the cache window and answers 410 before it', async () => {
    const { storage, cache } = await setup(5);
    const events = await churn(storage, 12);
    const head = Number(events.at(-1)![2]);
    await cache.waitFor(head);
    await storage.compact(head);

    const old = cache.watch({ resourceVersion: events[2]![2] });
    await expect(take(old, 1)).rejects.toMatchObject({ name: 'StatusError', reason: 'Expired', code: 410 });

    // The last five events are served from memory though etcd has forgotten them.
    const inWindow = cache.watch({ resourceVersion: events[6]![2] });
    expect((await take(inWindow, 5)).map(brief)).toEqual(events.slice(7));
    inWindow.close();
  });
});
