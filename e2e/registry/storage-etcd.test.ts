/**
 * What only the etcd storage has to get right beyond the shared contract: compactions it did not
 * do itself, an etcd that restarts or goes away, and the etcd process control it rests on.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createEtcdStorage, type Storage, type StorageEvent, type StorageWatch } from '@tskube/registry';
import { etcdAnswers, freePort, startEtcd, type EtcdProcess } from '@tskube/tools';
import { until, guard } from '../setup/wait.js';


describe('etcd storage', () => {
  const open: Storage[] = [];
  const storage = (endpoint: string, extra: { watchResumeTimeoutMs?: number } = {}): Storage => {
    const s = createEtcdStorage({ endpoints: [endpoint], prefix: `/tskube-test/${randomUUID()}`, ...extra });
    open.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of open) await s.close();
  });

  it("lists more than gRPC's default 4 MiB in one response", async () => {
    const s = storage(inject('etcdEndpoint'));
    const value = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 20; i++) await s.create(`/big/${String(i).padStart(2, '0')}`, value);
    const list = await s.list('/big/');
    expect(list.items).toHaveLength(20);
    expect(list.items.reduce((n, kv) => n + kv.value.length, 0)).toBeGreaterThan(4 * 1024 * 1024);
  });

  describe('compaction done by another client', () => {
    it('a watch from before it is Expired, also from revision 0, and the storage learns of it', async () => {
      const endpoint = inject('etcdEndpoint');
      const writer = storage(endpoint);
      let kv = await writer.create('/c/k', '0');
      for (let i = 1; i <= 3; i++) kv = await writer.update('/c/k', String(i), kv.modRevision);
      await writer.compact(kv.modRevision - 1);

      const reader = storage(endpoint);
      expect(await reader.compactedRevision()).toBe(0);
      // From 0 etcd itself cancels the watch; from a later compacted revision we find out first.
      for (const afterRevision of [0, kv.modRevision - 2]) {
        const err = await failureOf(reader.watch('/c/', { afterRevision }));
        expect(err).toMatchObject({ name: 'StorageError', code: 'Expired' });
      }
      expect(await reader.compactedRevision()).toBeGreaterThan(0);
      await expect(reader.list('/c/', { revision: kv.modRevision - 2 })).rejects.toMatchObject({ code: 'Expired' });
    });
  });

  describe('an etcd that restarts, then goes away', () => {
    let etcd: EtcdProcess | undefined;
    let dataDir = '';
    afterAll(async () => {
      await etcd?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('a watch resumes across a restart without losing or repeating events', async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'tskube-etcd-restart-'));
      const ports = { clientPort: await freePort(), peerPort: await freePort() };
      etcd = await startEtcd({ dataDir, ...ports });
      const s = storage(etcd.endpoint, { watchResumeTimeoutMs: 60_000 });
      const w = s.watch('/r/', { afterRevision: await s.currentRevision() });
      const a = await s.create('/r/a', 'a1');
      expect((await take(w, 1))[0]?.revision).toBe(a.modRevision);

      await etcd.stop();
      etcd = await startEtcd({ dataDir, ...ports });
      await until('the storage to reach the restarted etcd', () => s.healthy());
      const b = await s.create('/r/b', 'b1');
      const a2 = await s.update('/r/a', 'a2', a.modRevision);
      expect(await take(w, 2)).toEqual([
        { type: 'create', key: '/r/b', revision: b.modRevision, value: 'b1' },
        { type: 'update', key: '/r/a', revision: a2.modRevision, value: 'a2', prevValue: 'a1' },
      ]);
      w.close();
    });

    it('calls fail with Unreachable and watches end with Unreachable once it is gone', async () => {
      const s = storage(etcd!.endpoint, { watchResumeTimeoutMs: 500 });
      const w = s.watch('/u/', { afterRevision: await s.currentRevision() });
      const first = await s.create('/u/a', 'a');
      expect((await take(w, 1))[0]?.revision).toBe(first.modRevision);

      await etcd!.stop();
      expect(await etcdAnswers(etcd!.endpoint)).toBe(false);
      expect(await s.healthy()).toBe(false);
      await expect(s.get('/u/a')).rejects.toMatchObject({ code: 'Unreachable' });
      await expect(s.create('/u/b', 'b')).rejects.toMatchObject({ code: 'Unreachable' });
      await expect(s.update('/u/a', 'x', first.modRevision)).rejects.toMatchObject({ code: 'Unreachable' });
      expect(await failureOf(w)).toMatchObject({ name: 'StorageError', code: 'Unreachable' });
    });
  });

  describe('startEtcd', () => {
    it('reports an etcd that cannot start, with the tail of its log', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const address = blocker.address();
      const taken = typeof address === 'object' && address ? address.port : 0;
      try {
        const start = startEtcd({ clientPort: taken, peerPort: await freePort() });
        await expect(start).rejects.toThrow(/exited before becoming healthy[\s\S]*log tail[\s\S]*address already in use/);
      } finally {
        blocker.close();
      }
    });

    it('etcdAnswers is false where no etcd listens', async () => {
      expect(await etcdAnswers(`http://127.0.0.1:${await freePort()}`)).toBe(false);
      expect(await etcdAnswers(inject('etcdEndpoint'))).toBe(true);
    });
  });
});

const iterators = new WeakMap<StorageWatch, AsyncIterator<StorageEvent>>();

async function take(w: StorageWatch, n: number): Promise<StorageEvent[]> {
  const it = iterators.get(w) ?? w[Symbol.asyncIterator]();
  iterators.set(w, it);
  const out: StorageEvent[] = [];
  while (out.length < n) {
    const next = await guard(it.next(), `event ${out.length + 1} of ${n}`);
    if (next.done) throw new Error(`watch ended after ${out.length} of ${n} events`);
    out.push(next.value);
  }
  return out;
}

/** Drains a watch and returns the error it ends with. */
async function failureOf(w: StorageWatch): Promise<unknown> {
  const it = iterators.get(w) ?? w[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await guard(it.next(), 'the watch to fail');
      if (next.done) return new Error('watch ended without an error');
    }
  } catch (err) {
    return err;
  }
}


