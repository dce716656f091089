/**
 * reliability.md §8.1 A3 against the real parts: two `tskube-apiserver` bins on one private etcd
 * (same key prefix), 8 writers alternating between them, and a client-side watcher built on
 * @tskube/client's watchWithResume that also alternates. One apiserver at a time is killed with
 * SIGKILL and started again, three times. Verdicts: no acknowledged write missing from etcd, the
 * watcher's cache equals a fresh list, no event delivered twice; resumes and relists are reported.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isExpired, type KubernetesObject } from '@tskube/api-types';
import { Transport, configFromMaster, watchPath, watchWithResume } from '@tskube/client';
import { startEtcd, type EtcdProcess } from '@tskube/tools';
import { startApiServer, type ApiServerProcess } from '../apiserver/harness.js';
import { until } from '../setup/wait.js';
import {
  cacheDiff,
  ensureNamespace,
  finalStateProblems,
  is2xx,
  listPods,
  missingAcknowledged,
  podKeyPrefix,
  podsPath,
  startWriters,
  undeliveredAcknowledged,
  watchStreamProblems,
  writeMarker,
  type WatcherEvent,
} from './load.js';

const NS = 'rel-a3';
const MIN_ACKED_BEFORE = 100;
const KILLS = 3;

let etcd: EtcdProcess | undefined;
const servers: ApiServerProcess[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  etcd = await startEtcd();
  // Both share one key prefix, so they serve the same objects (the harness would give each its own).
  for (let i = 0; i < 2; i++) servers.push(await startApiServer({ etcdEndpoint: etcd.endpoint, args: ['--etcd-prefix=/rel-a3'] }));
  await ensureNamespace(servers[0]!.insecureUrl, NS);
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.dispose();
  await etcd?.stop();
});

/** Round robin over both apiservers, whichever state they are in. */
function roundRobin(): () => string {
  let next = 0;
  return () => servers[next++ % servers.length]!.insecureUrl;
}

/**
 * An informer's reflector, client side: list from either apiserver, then watchWithResume whose
 * every (re)connection goes to the next apiserver; an expired resourceVersion (410) relists.
 */
function startClientWatcher() {
  const transports = servers.map((s) => new Transport({ ...configFromMaster(s.insecureUrl), maxGetRetries: 0 }));
  const abort = new AbortController();
  const cache = new Map<string, string>();
  const events: WatcherEvent[] = [];
  const listRvs: number[] = [];
  const pick = roundRobin();
  let relists = -1;
  let resumes = 0;
  let expired = 0;
  let next = 0;

  const list = async (): Promise<string> => {
    for (;;) {
      try {
        const res = await fetch(`${pick()}${podsPath(NS)}`, { signal: AbortSignal.any([abort.signal, AbortSignal.timeout(10_000)]) });
        if (res.status === 200) {
          const body = (await res.json()) as { metadata: { resourceVersion: string }; items: KubernetesObject[] };
          cache.clear();
          for (const p of body.items) cache.set(p.metadata!.name!, p.metadata!.resourceVersion!);
          relists++;
          listRvs.push(Number(body.metadata.resourceVersion));
          return body.metadata.resourceVersion;
        }
        await res.body?.cancel();
      } catch {
        if (abort.signal.aborted) return '';
      }
      await sleep(100);
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      const resourceVersion = await list();
      let opened = 0;
      const watch = (o: Parameters<typeof watchPath>[2]) => {
        if (opened++ > 0) resumes++;
        return watchPath<KubernetesObject>(transports[next++ % transports.length]!, podsPath(NS), o);
      };
      try {
        for await (const ev of watchWithResume(watch, {
          resourceVersion,
          allowWatchBookmarks: true,
          signal: abort.signal,
          initialBackoffMs: 100,
          maxBackoffMs: 500,
        })) {
          if (ev.type === 'BOOKMARK') continue;
          const name = ev.object.metadata!.name!;
          const rv = ev.object.metadata!.resourceVersion!;
          events.push({ type: ev.type, name, rv: Number(rv), segment: relists, at: Date.now() });
          if (ev.type === 'DELETED') cache.delete(name);
          else cache.set(name, rv);
        }
      } catch (err) {
        if (isExpired(err)) expired++;
        await sleep(100);
      }
    }
  })();

  return {
    cache,
    events,
    listRvs,
    relists: () => Math.max(0, relists),
    resumes: () => resumes,
    expired: () => expired,
    async stop() {
      abort.abort();
      await loop;
      for (const t of transports) t.close();
    },
  };
}

it('A3: SIGKILL of an apiserver under load loses no acknowledged write and the watcher converges to a fresh list', async () => {
  const watcher = startClientWatcher();
  const writers = startWriters({ server: roundRobin(), namespace: NS, writers: 8, podsPerWriter: 2, deadlineMs: 40_000 });
  let firstKillAt = 0;
  try {
    await until('writes acknowledged before the first kill', () => writers.acknowledged() >= MIN_ACKED_BEFORE, 30_000);
    for (let k = 0; k < KILLS; k++) {
      const victim = servers[k % servers.length]!;
      const pid = victim.pid()!;
      if (k === 0) firstKillAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await sleep(1_000); // writers and the watcher go on against the other one meanwhile
      expect(await victim.restart(), 'the killed apiserver’s exit code').toBeNull();
      const acked = writers.acknowledged();
      await until(`writes acknowledged after restart ${k + 1}`, () => writers.acknowledged() >= acked + 50, 30_000);
      await sleep(500);
    }
  } finally {
    await writers.stop();
  }
  const records = writers.records;
  const ackedBefore = records.filter((r) => is2xx(r.outcome) && r.completedAt < firstKillAt).length;
  expect(ackedBefore, 'writes acknowledged before the first kill').toBeGreaterThanOrEqual(MIN_ACKED_BEFORE);
  expect(records.filter((r) => r.outcome === 'timeout'), 'requests that hit the client deadline').toEqual([]);

  const server = servers[0]!.insecureUrl;
  const endpoint = etcd!.endpoint;
  const keyPrefix = await podKeyPrefix(endpoint, NS, 'w0-p0');
  expect(await missingAcknowledged(endpoint, keyPrefix, records), 'acknowledged writes missing from etcd').toEqual([]);
  expect(await finalStateProblems(endpoint, keyPrefix, server, NS, records)).toEqual([]);

  // Once the watcher has seen a write made after everything else, its cache must equal a list.
  const markerRv = await writeMarker(server, NS, 'zz-marker');
  await until('the watcher to see the marker', () => watcher.cache.get('zz-marker') === String(markerRv), 20_000);
  expect(cacheDiff(watcher.cache, await listPods(server, NS)), 'the watcher’s cache vs a fresh list').toEqual([]);
  await watcher.stop();
  expect(watchStreamProblems(watcher.events), 'events delivered twice or out of order').toEqual([]);
  expect(undeliveredAcknowledged(records, watcher.events, watcher.listRvs), 'acknowledged writes the watcher missed').toEqual([]);

  const count = (pred: (o: (typeof records)[number]) => boolean) => records.filter(pred).length;
  console.info(
    `A3: ${KILLS} kills; writes ${records.length} (2xx ${count((r) => is2xx(r.outcome))}, refused/dropped ${count((r) => r.outcome === 'network')}, ` +
      `5xx ${count((r) => typeof r.outcome === 'number' && r.outcome >= 500)}); watcher ${watcher.events.length} events, ` +
      `${watcher.resumes()} resumes, ${watcher.relists()} relists (${watcher.expired()} after 410)`,
  );
}, 90_000);
