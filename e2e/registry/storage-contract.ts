/**
 * The one contract every Storage honours (packages/registry/src/storage/types.ts), run against
 * the in-memory storage and a real etcd by storage.test.ts. Each test gets a fresh storage from
 * `make`; an etcd one is isolated by a unique key namespace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage, StorageError, StorageErrorCode, StorageEvent, StorageWatch } from '@tskube/registry';
import { guard, until } from '../setup/wait.js';

export interface StorageUnderTest {
  storage: Storage;
  /** Releases what `make` set up (the storage itself is closed by the suite). */
  cleanup?: () => Promise<void>;
}

/** Guards awaits on events so a missing event fails the test with a message instead of hanging. */

export function describeStorageContract(name: string, make: () => Promise<StorageUnderTest>): void {
  describe(`Storage contract: ${name}`, () => {
    const opened: StorageUnderTest[] = [];
    const watches: StorageWatch[] = [];

    async function setup(): Promise<Storage> {
      const under = await make();
      opened.push(under);
      return under.storage;
    }

    function watch(storage: Storage, key: string, afterRevision: number, prefix = true): StorageWatch {
      const w = storage.watch(key, { afterRevision, prefix });
      watches.push(w);
      return w;
    }

    afterEach(async () => {
      for (const w of watches.splice(0)) w.close();
      for (const under of opened.splice(0)) {
        await under.storage.close();
        await under.cleanup?.();
      }
    });

    describe('get and create', () => {
      it('get of a missing key is undefined', async () => {
        const s = await setup();
        expect(await s.get('/registry/pods/default/missing')).toBeUndefined();
      });

      it('create stores the value at one revision, which get returns', async () => {
        const s = await setup();
        const value = JSON.stringify({ kind: 'Pod', note: 'ünïcødé ✓ 😀' });
        const created = await s.create('/registry/pods/default/web', value);
        expect(created.key).toBe('/registry/pods/default/web');
        expect(created.value).toBe(value);
        expect(created.createRevision).toBe(created.modRevision);
        expect(await s.get('/registry/pods/default/web')).toEqual(created);
      });

      it('create of an existing key fails with KeyExists and leaves it unchanged', async () => {
        const s = await setup();
        const first = await s.create('/k', 'one');
        await expectStorageError(s.create('/k', 'two'), 'KeyExists');
        expect(await s.get('/k')).toEqual(first);
      });
    });

    describe('update', () => {
      it('with the current revision writes a new revision and keeps createRevision', async () => {
        const s = await setup();
        const created = await s.create('/k', 'v1');
        const updated = await s.update('/k', 'v2', created.modRevision);
        expect(updated.modRevision).toBeGreaterThan(created.modRevision);
        expect(updated.createRevision).toBe(created.createRevision);
        expect(updated.value).toBe('v2');
        expect(await s.get('/k')).toEqual(updated);
      });

      it('with a stale revision fails with Conflict carrying the current item', async () => {
        const s = await setup();
        const created = await s.create('/k', 'v1');
        const updated = await s.update('/k', 'v2', created.modRevision);
        const err = await expectStorageError(s.update('/k', 'v3', created.modRevision), 'Conflict');
        expect(err.current).toEqual(updated);
        expect(await s.get('/k')).toEqual(updated);
      });

      it.each([
        ['update', (s: Storage) => s.update('/missing', 'v', 2)],
        ['delete', (s: Storage) => s.delete('/missing')],
        ['delete with a revision', (s: Storage) => s.delete('/missing', 2)],
      ])('%s of a missing key fails with KeyNotFound', async (_name, op) => {
        const s = await setup();
        await expectStorageError(op(s), 'KeyNotFound');
      });

      it('concurrent updates from the same revision: exactly one wins', async () => {
        const s = await setup();
        const created = await s.create('/k', 'v0');
        const results = await Promise.allSettled(
          [1, 2, 3, 4, 5].map((i) => s.update('/k', `v${i}`, created.modRevision)),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.every((r) => isStorageError(r.reason, 'Conflict'))).toBe(true);
        expect((await s.get('/k'))?.value).toBe(won[0]!.value.value);
      });

      it('concurrent creates of one key: exactly one wins', async () => {
        const s = await setup();
        const results = await Promise.allSettled([1, 2, 3, 4].map((i) => s.create('/k', `v${i}`)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'rejected' && isStorageError(r.reason, 'KeyExists'))).toHaveLength(3);
      });
    });

    describe('delete', () => {
      it('returns the last value with the revision of the delete', async () => {
        const s = await setup();
        const created = await s.create('/k', 'v1');
        const updated = await s.update('/k', 'v2', created.modRevision);
        const deleted = await s.delete('/k', updated.modRevision);
        expect(deleted.key).toBe('/k');
        expect(deleted.value).toBe('v2');
        expect(deleted.createRevision).toBe(created.createRevision);
        expect(deleted.modRevision).toBeGreaterThan(updated.modRevision);
        expect(deleted.modRevision).toBe(await s.currentRevision());
        expect(await s.get('/k')).toBeUndefined();
      });

      it('without a revision deletes whatever is there', async () => {
        const s = await setup();
        await s.create('/k', 'v1');
        expect((await s.delete('/k')).value).toBe('v1');
        expect(await s.get('/k')).toBeUndefined();
      });

      it('with a stale revision fails with Conflict and keeps the key', async () => {
        const s = await setup();
        const created = await s.create('/k', 'v1');
        const updated = await s.update('/k', 'v2', created.modRevision);
        const err = await expectStorageError(s.delete('/k', created.modRevision), 'Conflict');
        expect(err.current).toEqual(updated);
        expect(await s.get('/k')).toEqual(updated);
      });

      it('a key created again after a delete starts a new incarnation', async () => {
        const s = await setup();
        await s.create('/k', 'v1');
        await s.delete('/k');
        const again = await s.create('/k', 'v2');
        expect(again.createRevision).toBe(again.modRevision);
        expect(await s.get('/k')).toEqual(again);
      });
    });

    describe('list', () => {
      it('returns only keys under the prefix, sorted, with the store revision', async () => {
        const s = await setup();
        for (const key of ['/registry/pods/a/2', '/registry/pods/ab/1', '/registry/pods/a/1', '/registry/pods/a', '/registry/pods/b/1']) {
          await s.create(key, key);
        }
        const list = await s.list('/registry/pods/a/');
        expect(list.items.map((kv) => kv.key)).toEqual(['/registry/pods/a/1', '/registry/pods/a/2']);
        expect(list.items.every((kv) => kv.value === kv.key)).toBe(true);
        expect(list.revision).toBe(await s.currentRevision());
        expect(list.more).toBe(false);
      });

      it('orders keys by their UTF-8 bytes, as etcd does', async () => {
        const s = await setup();
        const names = ['b', 'B', 'a~', 'a', '_', 'é', '😀', '\uffee', 'z0', 'z'];
        for (const n of names) await s.create(`/p/${n}`, n);
        const expected = names.map((n) => `/p/${n}`).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect((await s.list('/p/')).items.map((kv) => kv.key)).toEqual(expected);
      });

      it('pages with limit and startAfter reach every key exactly once, at one revision', async () => {
        const s = await setup();
        const keys = ['/p/k0', '/p/k1', '/p/k2', '/p/k3', '/p/k4', '/p/k5', '/p/k6'];
        for (const key of [...keys].reverse()) await s.create(key, key);
        const first = await s.list('/p/', { limit: 3 });
        expect(first.items).toHaveLength(3);
        expect(first.more).toBe(true);
        // Writes after the first page must not show in later pages read at its revision.
        await s.create('/p/k9', 'late');
        await s.delete('/p/k5');
        const seen = first.items.map((kv) => kv.key);
        let page = first;
        while (page.more) {
          page = await s.list('/p/', { limit: 3, startAfter: page.items.at(-1)!.key, revision: first.revision });
          expect(page.revision).toBe(first.revision);
          seen.push(...page.items.map((kv) => kv.key));
        }
        expect(seen).toEqual(keys);
      });

      it('startAfter alone skips keys up to and including it', async () => {
        const s = await setup();
        for (const key of ['/p/a', '/p/b', '/p/c']) await s.create(key, key);
        expect((await s.list('/p/', { startAfter: '/p/a' })).items.map((kv) => kv.key)).toEqual(['/p/b', '/p/c']);
      });

      it('reads a past revision', async () => {
        const s = await setup();
        const a = await s.create('/p/a', 'a1');
        await s.create('/p/b', 'b1');
        const before = await s.currentRevision();
        await s.update('/p/a', 'a2', a.modRevision);
        await s.delete('/p/b');
        await s.create('/p/c', 'c1');
        const past = await s.list('/p/', { revision: before });
        expect(past.revision).toBe(before);
        expect(past.items.map((kv) => [kv.key, kv.value])).toEqual([['/p/a', 'a1'], ['/p/b', 'b1']]);
        expect(past.items[0]).toEqual(a);
        const now = await s.list('/p/');
        expect(now.items.map((kv) => [kv.key, kv.value])).toEqual([['/p/a', 'a2'], ['/p/c', 'c1']]);
      });
    });

    describe('revisions', () => {
      it('currentRevision moves with every write and only with writes', async () => {
        const s = await setup();
        const r0 = await s.currentRevision();
        const created = await s.create('/k', 'v');
        expect(created.modRevision).toBeGreaterThan(r0);
        expect(await s.currentRevision()).toBe(created.modRevision);
        await expectStorageError(s.create('/k', 'again'), 'KeyExists');
        await expectStorageError(s.update('/k', 'x', created.modRevision - 1), 'Conflict');
        await s.get('/k');
        await s.list('/');
        expect(await s.currentRevision()).toBe(created.modRevision);
        const updated = await s.update('/k', 'v2', created.modRevision);
        expect(await s.currentRevision()).toBe(updated.modRevision);
      });
    });

    describe('watch', () => {
      it('delivers every event after the revision in order, once, typed, with previous values', async () => {
        const s = await setup();
        const start = await s.currentRevision();
        // Some events happen before the watch exists, some while it is being set up.
        const a = await s.create('/w/a', 'a1');
        await s.create('/other/x', 'outside the prefix');
        const a2 = await s.update('/w/a', 'a2', a.modRevision);
        const w = watch(s, '/w/', start);
        const writes = (async () => {
          const b = await s.create('/w/b', 'b1');
          const gone = await s.delete('/w/a', a2.modRevision);
          const a3 = await s.create('/w/a', 'a3');
          return { b, gone, a3 };
        })();
        const events = await take(w, 5);
        const { b, gone, a3 } = await writes;
        expect(events).toEqual([
          { type: 'create', key: '/w/a', revision: a.modRevision, value: 'a1' },
          { type: 'update', key: '/w/a', revision: a2.modRevision, value: 'a2', prevValue: 'a1' },
          { type: 'create', key: '/w/b', revision: b.modRevision, value: 'b1' },
          { type: 'delete', key: '/w/a', revision: gone.modRevision, value: 'a2', prevValue: 'a2' },
          { type: 'create', key: '/w/a', revision: a3.modRevision, value: 'a3' },
        ]);
        // Nothing repeated or extra: the next event is the next write.
        const sentinel = await s.create('/w/sentinel', 's');
        expect((await take(w, 1))[0]?.revision).toBe(sentinel.modRevision);
      });

      it('from the current revision sees only later writes', async () => {
        const s = await setup();
        await s.create('/w/old', 'old');
        const w = watch(s, '/w/', await s.currentRevision());
        const fresh = await s.create('/w/new', 'new');
        expect(await take(w, 1)).toEqual([{ type: 'create', key: '/w/new', revision: fresh.modRevision, value: 'new' }]);
      });

      it('of an exact key (prefix: false) sees only that key', async () => {
        const s = await setup();
        const start = await s.currentRevision();
        const w = watch(s, '/w/k', start, false);
        await s.create('/w/k2', 'no');
        await s.create('/w/k/child', 'no');
        const k = await s.create('/w/k', 'yes');
        const k2 = await s.update('/w/k', 'yes2', k.modRevision);
        const events = await take(w, 2);
        expect(events.map((e) => [e.key, e.revision])).toEqual([
          ['/w/k', k.modRevision],
          ['/w/k', k2.modRevision],
        ]);
      });

      it('two watchers from one revision see identical sequences', async () => {
        const s = await setup();
        const start = await s.currentRevision();
        const w1 = watch(s, '/w/', start);
        const w2 = watch(s, '/w/', start);
        let rev = (await s.create('/w/x', '0')).modRevision;
        for (let i = 1; i <= 5; i++) rev = (await s.update('/w/x', String(i), rev)).modRevision;
        await s.delete('/w/x');
        const [e1, e2] = await Promise.all([take(w1, 7), take(w2, 7)]);
        expect(e1).toEqual(e2);
        expect(e1.map((e) => e.type)).toEqual(['create', 'update', 'update', 'update', 'update', 'update', 'delete']);
      });

      it('close() ends the iteration, also while it waits', async () => {
        const s = await setup();
        const w = watch(s, '/w/', await s.currentRevision());
        const it = w[Symbol.asyncIterator]();
        const pending = it.next();
        w.close();
        expect(await guard(pending, 'iteration end after close()')).toEqual({ done: true, value: undefined });
      });

      it('after compact(rev), a watch from before rev is Expired and one from rev works', async () => {
        const s = await setup();
        const first = await s.create('/w/a', '1');
        const second = await s.update('/w/a', '2', first.modRevision);
        const third = await s.update('/w/a', '3', second.modRevision);
        await s.compact(second.modRevision);
        expect(await s.compactedRevision()).toBeGreaterThanOrEqual(second.modRevision);

        const expired = watch(s, '/w/', first.modRevision);
        const err = await guard(take(expired, 1).then(() => undefined, (e: unknown) => e), 'Expired error');
        expect(isStorageError(err, 'Expired')).toBe(true);

        const ok = watch(s, '/w/', second.modRevision);
        expect(await take(ok, 1)).toEqual([{ type: 'update', key: '/w/a', revision: third.modRevision, value: '3', prevValue: '2' }]);

        await expectStorageError(s.list('/w/', { revision: first.modRevision }), 'Expired');
        expect((await s.list('/w/', { revision: second.modRevision })).items.map((kv) => kv.value)).toEqual(['2']);
      });
    });

    // etcd rounds a lease up to its minimum TTL (2 s by default) and revokes expired leases about
    // every 500 ms, so these wait by polling or on watch events, never for a fixed time.
    describe('TTL', () => {
      it('a key written with a TTL is deleted when it passes, with a delete event; one without stays', async () => {
        const s = await setup();
        const start = await s.currentRevision();
        const w = watch(s, '/t/short', start, false);
        const created = await s.create('/t/short', 'v1', { ttlSeconds: 1 });
        await s.create('/t/forever', 'f');
        await until('the key to expire', async () => (await s.get('/t/short')) === undefined);
        const events = await take(w, 2);
        expect(events[0]).toEqual({ type: 'create', key: '/t/short', revision: created.modRevision, value: 'v1' });
        expect(events[1]).toMatchObject({ type: 'delete', key: '/t/short', value: 'v1', prevValue: 'v1' });
        expect(events[1]!.revision).toBeGreaterThan(created.modRevision);
        expect((await s.list('/t/')).items.map((kv) => kv.key)).toEqual(['/t/forever']);
        // The key is free again.
        expect((await s.create('/t/short', 'v2')).value).toBe('v2');
      });

      it('an update with a TTL restarts it: a key written later with a shorter TTL expires first', async () => {
        const s = await setup();
        const w = watch(s, '/t/', await s.currentRevision());
        const kept = await s.create('/t/kept', 'v1', { ttlSeconds: 1 });
        const other = await s.create('/t/other', 'o', { ttlSeconds: 1 });
        const updated = await s.update('/t/kept', 'v2', kept.modRevision, { ttlSeconds: 3 });
        const deletes: StorageEvent[] = [];
        while (deletes.length < 2) deletes.push(...(await take(w, 1)).filter((e) => e.type === 'delete'));
        expect(deletes.map((e) => [e.key, e.value])).toEqual([
          ['/t/other', other.value],
          ['/t/kept', updated.value],
        ]);
      });

      it('an update without a TTL makes the key permanent', async () => {
        const s = await setup();
        const kv = await s.create('/t/k', 'v1', { ttlSeconds: 1 });
        const updated = await s.update('/t/k', 'v2', kv.modRevision);
        const w = watch(s, '/t/', updated.modRevision);
        await s.create('/t/probe', 'p', { ttlSeconds: 2 });
        await until('the probe key to expire', async () => (await s.get('/t/probe')) === undefined);
        const sentinel = await s.create('/t/sentinel', 's');
        // Only the probe's create and delete come before the sentinel: /t/k never went away.
        expect((await take(w, 3)).map((e) => `${e.type} ${e.key}`)).toEqual(['create /t/probe', 'delete /t/probe', 'create /t/sentinel']);
        expect(await s.get('/t/k')).toEqual(updated);
        expect(sentinel.modRevision).toBe(await s.currentRevision());
      });
    });
  });
}

/** The next `n` events of a watch (the iterator stays open for more). */
async function take(w: StorageWatch, n: number): Promise<StorageEvent[]> {
  const state = iterators.get(w) ?? w[Symbol.asyncIterator]();
  iterators.set(w, state);
  const out: StorageEvent[] = [];
  while (out.length < n) {
    const next = await guard(state.next(), `event ${out.length + 1} of ${n} (got ${JSON.stringify(out)})`);
    if (next.done) throw new Error(`watch ended after ${out.length} of ${n} events`);
    out.push(next.value);
  }
  return out;
}
const iterators = new WeakMap<StorageWatch, AsyncIterator<StorageEvent>>();

// Checked by name and code (as isStorageError does) so this file needs only types from the package.
function isStorageError(err: unknown, code: StorageErrorCode): err is StorageError {
  return err instanceof Error && err.name === 'StorageError' && (err as StorageError).code === code;
}


async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode) {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected StorageError ${code}, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  if (!isStorageError(err, code)) throw new Error(`expected StorageError ${code}, got ${String(err)}`, { cause: err });
  return err;
}
