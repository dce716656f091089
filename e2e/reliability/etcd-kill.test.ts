/**
 * reliability.md §8.1 A4 and A5 against the real parts: a private etcd (never the shared test
 * one) under the `tskube-apiserver` bin, with 8 writers and a resuming watcher running.
 * A4: `kill -9` etcd, keep writing, start it again on the same data dir. A5: etcd down 10 s.
 * Verdicts are about correctness only: what was acknowledged, what was answered while etcd was
 * gone, what the watcher saw — never how long anything took.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startEtcd, type EtcdProcess } from '@tskube/tools';
import { startApiServer, type ApiServerProcess } from '../apiserver/harness.js';
import { until } from '../setup/wait.js';
import {
  cacheDiff,
  ensureNamespace,
  etcdRevision,
  finalStateProblems,
  is2xx,
  listPods,
  missingAcknowledged,
  podKeyPrefix,
  startPoller,
  startRawWatcher,
  startWriters,
  undeliveredAcknowledged,
  watchStreamProblems,
  writeMarker,
  type RawWatcher,
  type WriteRecord,
} from './load.js';

/** Writes acknowledged before the fault: proof that load was flowing. */
const MIN_ACKED_BEFORE = 100;
/** The client-side deadline of every request; no request may reach it. */
const DEADLINE_MS = 40_000;

let dataDir: string;
let ports: { dataDir: string; clientPort: number; peerPort: number };
let etcd: EtcdProcess | undefined;
let api: ApiServerProcess | undefined;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tskube-etcd-kill-'));
  ports = { dataDir, clientPort: await freePort(), peerPort: await freePort() };
  etcd = await startEtcd(ports);
  api = await startApiServer({ etcdEndpoint: etcd.endpoint });
});

afterAll(async () => {
  await api?.dispose();
  await etcd?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** SIGKILL etcd and wait until it is gone; returns when that was. */
async function killEtcd(): Promise<number> {
  const victim = etcd!;
  etcd = undefined;
  process.kill(victim.pid, 'SIGKILL');
  await victim.stop(); // only waits for the exit now; the data dir is ours, so it stays
  return Date.now();
}

/** Starts etcd again on the same ports and data dir; returns when it was spawned. */
async function restartEtcd(): Promise<number> {
  const at = Date.now();
  etcd = await startEtcd(ports);
  return at;
}

/** etcd's revision every 100 ms while it answers. */
function startRevisionSampler(endpoint: string): { revisions: number[]; stop(): Promise<void> } {
  const revisions: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        revisions.push(await etcdRevision(endpoint));
      } catch {
        // down
      }
      await sleep(100);
    }
  })();
  return {
    revisions,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Stops the load, then checks the watcher against a fresh list once it has seen a marker write. */
async function settleWatcher(watcher: RawWatcher, ns: string): Promise<{ markerAt: number }> {
  const server = api!.insecureUrl;
  const markerRv = await writeMarker(server, ns, 'zz-marker');
  await until('the watcher to see the marker', () => watcher.cache.get('zz-marker') === String(markerRv), 20_000);
  const markerAt = watcher.events.find((e) => e.name === 'zz-marker')?.at ?? Date.now();
  // The watcher has everything up to the marker; a list taken now must equal its cache.
  const diff = cacheDiff(watcher.cache, await listPods(server, ns));
  expect(diff, 'the watcher’s cache vs a fresh list').toEqual([]);
  return { markerAt };
}

const within = (r: { invokedAt: number; completedAt: number }, from: number, to: number): boolean => r.invokedAt >= from && r.completedAt <= to;
const summary = (records: WriteRecord[]): string => {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(String(r.outcome), (counts.get(String(r.outcome)) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k}×${v}`).join(' ');
};

it('A4: kill -9 etcd under write load loses no acknowledged write and acknowledges nothing while it is down', async () => {
  const ns = 'rel-a4';
  const server = api!.insecureUrl;
  await ensureNamespace(server, ns);
  const endpoint = etcd!.endpoint;
  const watcher = startRawWatcher(() => server, ns);
  const readyz = startPoller(`${server}/readyz`);
  const revisions = startRevisionSampler(endpoint);
  const writers = startWriters({ server: () => server, namespace: ns, writers: 8, podsPerWriter: 2, deadlineMs: DEADLINE_MS });
  let downAt = 0;
  let upAt = 0;
  let keyPrefix = '';
  try {
    await until('writes acknowledged before the fault', () => writers.acknowledged() >= MIN_ACKED_BEFORE, 30_000);
    keyPrefix = await podKeyPrefix(endpoint, ns, 'w0-p0');
    const revBefore = await etcdRevision(endpoint);

    downAt = await killEtcd();
    await sleep(3_000);
    upAt = await restartEtcd();
    expect(await etcdRevision(endpoint), 'etcd’s revision after the restart').toBeGreaterThanOrEqual(revBefore);
    const ackedAtRestart = writers.acknowledged();
    await until('writes acknowledged again after the restart', () => writers.acknowledged() >= ackedAtRestart + MIN_ACKED_BEFORE, 30_000);
    await sleep(3_000);
    await until('/readyz 200 again', async () => (await fetch(`${server}/readyz`)).status === 200, 30_000);
  } finally {
    await writers.stop();
    await readyz.stop();
    await revisions.stop();
  }
  const records = writers.records;
  const log = `writes: ${summary(records)}`;
  expect(records.filter((r) => is2xx(r.outcome) && r.completedAt < downAt).length, log).toBeGreaterThanOrEqual(MIN_ACKED_BEFORE);

  // Nothing answered wholly within the outage was a success; those answers were errors with a Status.
  const inOutage = records.filter((r) => within(r, downAt, upAt));
  expect(inOutage.length, `requests answered while etcd was down (${log})`).toBeGreaterThan(0);
  expect(inOutage.filter((r) => is2xx(r.outcome)), 'writes acknowledged while etcd was down').toEqual([]);
  expect(inOutage.filter((r) => !(r.outcome === 429 || (typeof r.outcome === 'number' && r.outcome >= 500))), log).toEqual([]);
  expect(records.filter((r) => r.outcome === 'timeout'), 'requests that hit the client deadline').toEqual([]);

  // Every acknowledged write — straddling the kill or not — is in etcd with its value.
  expect(await missingAcknowledged(endpoint, keyPrefix, records), 'acknowledged writes missing from etcd').toEqual([]);
  expect(await finalStateProblems(endpoint, keyPrefix, server, ns, records)).toEqual([]);

  // etcd's revision never went back.
  const rev = revisions.revisions;
  expect(rev.filter((r, i) => i > 0 && r < rev[i - 1]!), `revisions sampled: ${rev.length}`).toEqual([]);

  // /readyz was never 200 while etcd was gone (samples wholly inside the outage), and is again.
  const readyInOutage = readyz.samples.filter((s) => within(s, downAt, upAt));
  expect(readyInOutage.length).toBeGreaterThan(0);
  expect(readyInOutage.filter((s) => s.outcome === 200), '/readyz 200 while etcd was down').toEqual([]);

  await settleWatcher(watcher, ns);
  await watcher.stop();
  expect(watchStreamProblems(watcher.events)).toEqual([]);
  expect(undeliveredAcknowledged(records, watcher.events, watcher.listRvs), 'acknowledged writes the watcher missed').toEqual([]);
  console.info(`A4: ${log}; watcher: ${watcher.events.length} events, ${watcher.resumes()} resumes, ${watcher.relists()} relists`);
}, 90_000);

it('A5: with etcd down 10 s every request is answered with an error Status before its deadline, and watchers deliver again', async () => {
  const ns = 'rel-a5';
  const server = api!.insecureUrl;
  await ensureNamespace(server, ns);
  const endpoint = etcd!.endpoint;
  const watcher = startRawWatcher(() => server, ns);
  const writers = startWriters({ server: () => server, namespace: ns, writers: 8, podsPerWriter: 2, deadlineMs: DEADLINE_MS });
  let downAt = 0;
  let upAt = 0;
  let keyPrefix = '';
  try {
    await until('writes acknowledged before the fault', () => writers.acknowledged() >= MIN_ACKED_BEFORE, 30_000);
    keyPrefix = await podKeyPrefix(endpoint, ns, 'w0-p0');
    downAt = await killEtcd();
    await sleep(10_000);
    upAt = await restartEtcd();
    const ackedAtRestart = writers.acknowledged();
    await until('writes acknowledged again after the restart', () => writers.acknowledged() >= ackedAtRestart + 20, 30_000);
  } finally {
    await writers.stop();
  }
  const records = writers.records;
  const log = `writes: ${summary(records)}`;
  expect(records.filter((r) => is2xx(r.outcome) && r.completedAt < downAt).length, log).toBeGreaterThanOrEqual(MIN_ACKED_BEFORE);

  // Every request got an answer before its deadline (none hung); those sent during the outage
  // were answered with an error Status, none with a success.
  expect(records.filter((r) => r.outcome === 'timeout' || r.outcome === 'network'), 'requests without an answer').toEqual([]);
  const sentInOutage = records.filter((r) => r.invokedAt >= downAt && r.invokedAt < upAt);
  expect(sentInOutage.length, log).toBeGreaterThan(0);
  const answeredInOutage = sentInOutage.filter((r) => r.completedAt <= upAt);
  expect(answeredInOutage.length, `requests answered while etcd was down (${log})`).toBeGreaterThan(0);
  expect(
    answeredInOutage.filter((r) => !(r.outcome === 429 || (typeof r.outcome === 'number' && r.outcome >= 500)) || r.errorKind !== 'Status'),
    'answers during the outage that are not an error Status',
  ).toEqual([]);
  expect(await missingAcknowledged(endpoint, keyPrefix, records), 'acknowledged writes missing from etcd').toEqual([]);
  expect(await finalStateProblems(endpoint, keyPrefix, server, ns, records)).toEqual([]);

  // The watcher delivers again after etcd is back, and nothing it missed is missing from its cache.
  const { markerAt } = await settleWatcher(watcher, ns);
  expect(markerAt).toBeGreaterThan(upAt);
  await watcher.stop();
  expect(watchStreamProblems(watcher.events)).toEqual([]);
  expect(undeliveredAcknowledged(records, watcher.events, watcher.listRvs), 'acknowledged writes the watcher missed').toEqual([]);
  console.info(`A5: ${log}; watcher: ${watcher.events.length} events, ${watcher.resumes()} resumes, ${watcher.relists()} relists`);
}, 90_000);
