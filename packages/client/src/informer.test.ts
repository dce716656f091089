import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusError, type List, type Pod } from '@tskube/api-types';
import { FakeClock } from '@tskube/component-base';
import { createInformer, objectKey, splitKey, type Informer } from './informer.js';
import { createClient, type Client } from './rest-client.js';
import type { WatchEvent, WatchOptions } from './watch.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

const pod = (name: string, labels: Record<string, string> = {}, ns = 'default'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

/** Records handler calls as `add a`, `update a`, `delete a`. */
function record(informer: Informer<Pod>): string[] {
  const log: string[] = [];
  informer.addEventHandler({
    onAdd: (p) => log.push(`add ${p.metadata?.name}`),
    onUpdate: (o, n) => log.push(o === n ? `resync ${n.metadata?.name}` : `update ${n.metadata?.name} ${JSON.stringify(o.metadata?.labels)}→${JSON.stringify(n.metadata?.labels)}`),
    onDelete: (p) => log.push(`delete ${p.metadata?.name}`),
  });
  return log;
}

describe('objectKey / splitKey', () => {
  it.each([
    { obj: pod('a', {}, 'ns1'), key: 'ns1/a', split: { namespace: 'ns1', name: 'a' } },
    { obj: { metadata: { name: 'node-1' } }, key: 'node-1', split: { namespace: undefined, name: 'node-1' } },
  ])('$key', ({ obj, key, split }) => {
    expect(objectKey(obj)).toBe(key);
    expect(splitKey(key)).toEqual(split);
  });
});

describe('informer against an HTTP apiserver', () => {
  let server: FakeApiServer;
  let client: Client;
  let ac: AbortController;
  let running: Promise<void>;

  const start = (): { informer: Informer<Pod>; log: string[] } => {
    const informer = createInformer<Pod>({
      list: (o) => client.pods.list('default', o),
      watch: (o) => client.pods.watch('default', o),
      initialBackoffMs: 1,
      maxBackoffMs: 5,
    });
    const log = record(informer);
    running = informer.run(ac.signal);
    return { informer, log };
  };

  beforeEach(async () => {
    server = await new FakeApiServer().start();
    client = createClient({ server: server.url, maxGetRetries: 0 });
    ac = new AbortController();
  });
  afterEach(async () => {
    ac.abort();
    await running;
    client.close();
    await server.stop();
  });

  it('lists, syncs, then follows adds, updates and deletes', async () => {
    server.put('pods', pod('a', { app: 'web' }));
    server.put('pods', pod('b', { app: 'db' }));
    const { informer, log } = start();
    expect(informer.hasSynced()).toBe(false);
    expect(await informer.waitForSync()).toBe(true);
    expect(informer.hasSynced()).toBe(true);
    expect(log).toEqual(['add a', 'add b']);
    await until(() => server.watcherCount === 1);

    server.put('pods', pod('c', { app: 'web' }));
    server.put('pods', pod('a', { app: 'web', v: '2' }));
    server.remove('pods', 'default', 'b');
    await until(() => log.length === 5);
    expect(log.slice(2)).toEqual(['add c', 'update a {"app":"web"}→{"app":"web","v":"2"}', 'delete b']);
    expect(informer.lister.get('default/a')?.metadata?.labels).toEqual({ app: 'web', v: '2' });
    expect(informer.lister.get('default/b')).toBeUndefined();
    expect(informer.lister.list('default', 'app=web').map(objectKey).sort()).toEqual(['default/a', 'default/c']);
    expect(informer.lister.list('other')).toEqual([]);
    expect(informer.lastSyncResourceVersion()).toBe(server.resourceVersion);
  });

  it('hands out frozen objects, so handlers cannot change the store', async () => {
    server.put('pods', pod('a', { app: 'web' }));
    const { informer } = start();
    await informer.waitForSync();
    const a = informer.lister.get('default/a') as Pod;
    expect(() => {
      (a.metadata as { labels: Record<string, string> }).labels['app'] = 'changed';
    }).toThrow(TypeError);
    expect(informer.lister.get('default/a')?.metadata?.labels).toEqual({ app: 'web' });
  });

  it('relists on 410 and delivers the difference as add/update/delete', async () => {
    for (const n of ['a', 'b', 'c']) server.put('pods', pod(n, { v: '1' }));
    const { informer, log } = start();
    await informer.waitForSync();
    await until(() => server.watcherCount === 1);
    // Changes the informer never hears about, then history is compacted away.
    server.putSilently('pods', pod('a', { v: '2' }));
    server.removeSilently('pods', 'default', 'b');
    server.putSilently('pods', pod('d', { v: '1' }));
    server.compact();
    server.endWatches(); // the re-watch from the old resourceVersion gets 410
    await until(() => log.length === 6);
    expect(log.slice(3).sort()).toEqual(['add d', 'delete b', 'update a {"v":"1"}→{"v":"2"}']);
    expect(informer.lister.list().map(objectKey).sort()).toEqual(['default/a', 'default/c', 'default/d']);
    const lists = server.requests.filter((r) => r.method === 'GET' && !r.url.searchParams.get('watch'));
    expect(lists).toHaveLength(2);
  });

  it('survives the apiserver going away and coming back, catching up by relisting', async () => {
    server.put('pods', pod('a'));
    const { informer, log } = start();
    await informer.waitForSync();
    await until(() => server.watcherCount === 1);
    await server.stop();
    server.put('pods', pod('b')); // written while it is down
    server.remove('pods', 'default', 'a');
    await server.start();
    await until(() => log.length === 3);
    expect(log.slice(1).sort()).toEqual(['add b', 'delete a']);
    await until(() => server.watcherCount === 1);
    server.put('pods', pod('c'));
    await until(() => log.length === 4);
    expect(log[3]).toBe('add c');
  });

  it('handlers added after sync are told about every known object', async () => {
    server.put('pods', pod('a'));
    const { informer } = start();
    await informer.waitForSync();
    expect(record(informer)).toEqual(['add a']);
  });

  it('client.pods.informer filters by label selector', async () => {
    server.put('pods', pod('a', { app: 'web' }));
    server.put('pods', pod('b', { app: 'db' }));
    const informer = client.pods.informer('default', { labelSelector: 'app=web' });
    running = informer.run(ac.signal);
    await informer.waitForSync();
    expect(informer.lister.list().map(objectKey)).toEqual(['default/a']);
    expect(server.requests[0]?.url.searchParams.get('labelSelector')).toBe('app=web');
  });
});

describe('informer with fake list/watch and a fake clock', () => {
  /** A watch that stays open (no events) until aborted. */
  const idleWatch = (o: WatchOptions): AsyncIterable<WatchEvent<Pod>> => ({
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<WatchEvent<Pod>>>((resolve) =>
          o.signal?.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true }),
        ),
    }),
  });
  const list = (items: Pod[], rv = '10'): List<Pod> => ({ metadata: { resourceVersion: rv }, items: items.map((p) => ({ ...p, metadata: { ...p.metadata, resourceVersion: rv } })) });

  it('backs off relisting 1 s doubling to 30 s while the apiserver is unreachable', async () => {
    const clock = new FakeClock();
    const attempts: number[] = [];
    const informer = createInformer<Pod>({
      list: async () => {
        attempts.push(clock.now());
        throw new StatusError('ServiceUnavailable', 'connection refused');
      },
      watch: idleWatch,
      clock,
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await clock.advanceAsync(1000 + 2000 + 4000 + 8000 + 16000 + 30000 + 30000);
    ac.abort();
    await running;
    expect(attempts).toEqual([0, 1000, 3000, 7000, 15000, 31000, 61000, 91000]);
    expect(informer.hasSynced()).toBe(false);
  });

  it('resync re-delivers every object as onUpdate(obj, obj) each period', async () => {
    const clock = new FakeClock();
    const informer = createInformer<Pod>({ list: async () => list([pod('a'), pod('b')]), watch: idleWatch, clock, resyncPeriodMs: 60_000 });
    const log = record(informer);
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await informer.waitForSync();
    await clock.advanceAsync(59_999);
    expect(log).toEqual(['add a', 'add b']);
    await clock.advanceAsync(1);
    expect(log.slice(2)).toEqual(['resync a', 'resync b']);
    await clock.advanceAsync(60_000);
    expect(log.slice(4)).toEqual(['resync a', 'resync b']);
    ac.abort();
    await running;
  });

  it('waitForSync resolves false when its signal aborts first; run resolves when aborted', async () => {
    const informer = createInformer<Pod>({ list: () => new Promise(() => {}), watch: idleWatch, clock: new FakeClock() });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    const waiting = informer.waitForSync(ac.signal);
    ac.abort();
    expect(await waiting).toBe(false);
    await expect(running).resolves.toBeUndefined();
  });

  it('a failed watch relists, after backoff, with the current resourceVersion', async () => {
    const clock = new FakeClock();
    let lists = 0;
    const watchedFrom: Array<string | undefined> = [];
    const informer = createInformer<Pod>({
      list: async () => list([pod('a')], String(10 + lists++)),
      watch: (o) => {
        watchedFrom.push(o.resourceVersion);
        return lists === 1
          ? { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new StatusError('InternalError', 'boom')) }) }
          : idleWatch(o);
      },
      clock,
    });
    const log = record(informer);
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await informer.waitForSync();
    await clock.advanceAsync(1000);
    expect(lists).toBe(2);
    expect(watchedFrom).toEqual(['10', '11']);
    // Same object at a new resourceVersion: an update, not a second add.
    expect(log).toEqual(['add a', 'update a {}→{}']);
    ac.abort();
    await running;
  });
});
