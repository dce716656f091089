/**
 * The watch cache across an etcd restart (its own etcd, so the shared one is left alone): watchers
 * are ended with 410 so clients relist, and the cache relists by itself once etcd is back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEtcdStorage, createWatchCache, type CacheWatcher, type KeyValue, type StoredObject } from '@tskube/registry';
import { freePort, startEtcd, type EtcdProcess } from '@tskube/tools';

const PREFIX = '/registry/configmaps/';
const decode = (kv: KeyValue): StoredObject => {
  const obj = JSON.parse(kv.value) as StoredObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
};
const value = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'e2e', name } });

async function next(w: CacheWatcher) {
  const r = await w[Symbol.asyncIterator]().next();
  if (r.done) throw new Error('the watch ended');
  return r.value;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('watch cache across an etcd restart', () => {
  it('ends watchers with Expired while etcd is gone and serves again once it is back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tskube-cache-restart-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const ports = { dataDir, clientPort: await freePort(), peerPort: await freePort() };
    let etcd: EtcdProcess | undefined = await startEtcd(ports);
    cleanup.push(() => etcd?.stop());

    const storage = createEtcdStorage({ endpoints: [etcd.endpoint], watchResumeTimeoutMs: 500, requestTimeoutMs: 1000 });
    cleanup.push(() => storage.close());
    const cache = createWatchCache({ storage, prefix: PREFIX, decode });
    cleanup.push(() => cache.stop());
    await cache.ready();

    await storage.create(`${PREFIX}e2e/before`, value('before'));
    const w = cache.watch({});
    expect((await next(w)).object.metadata.name).toBe('before');

    await etcd.stop();
    etcd = undefined;
    await expect(next(w)).rejects.toMatchObject({ name: 'StatusError', reason: 'Expired', code: 410 });

    etcd = await startEtcd(ports);
    // A watch asked for while the cache is still relisting starts once it has the state again.
    const after = cache.watch({ resourceVersion: '0' });
    expect((await next(after)).object.metadata.name).toBe('before');
    const kv = await storage.create(`${PREFIX}e2e/after`, value('after'));
    expect(await next(after)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'after', resourceVersion: String(kv.modRevision) } } });
    await cache.waitFor(kv.modRevision);
    expect(cache.list().items.map((o) => o.metadata.name)).toEqual(['after', 'before']);
  });
});
