/**
 * tskube-scheduler against the real apiserver on the shared etcd (each test its own key prefix,
 * so its own cluster). Nodes are API objects with allocatable and a Ready condition; no kubelet.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Event, Node, Pod } from '@tskube/api-types';
import { apiServerFlags, startApiServer, type RunningApiServer } from '@tskube/apiserver';
import { createClient, type Client, type WatchEvent } from '@tskube/client';
import { parseFlags, silentLogger } from '@tskube/component-base';
import { schedulerFlags, startScheduler, type RunningScheduler } from '@tskube/scheduler';
import { freePort } from '@tskube/tools';
import { until } from '../setup/wait.js';

const logger = silentLogger();
const NS = 'default';
const GI = 1024;

interface Req {
  cpu: number; // milli-CPU
  mem: number; // MiB
}

interface Cluster {
  url: string;
  client: Client;
  /** Allocatable per node, as created. */
  nodes: Map<string, Req & { pods: number }>;
  /** Requests per pod name, as created. */
  requests: Map<string, Req>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startCluster(): Promise<Cluster> {
  const port = await freePort();
  const prefix = `/e2e-scheduler-${randomBytes(4).toString('hex')}`;
  const config = parseFlags(
    apiServerFlags,
    ['--storage=etcd', `--etcd-servers=${inject('etcdEndpoint')}`, `--etcd-prefix=${prefix}`, `--insecure-port=${port}`, '--secure-port=0'],
    {},
  );
  const server: RunningApiServer = await startApiServer(config, { logger });
  cleanups.push(() => server.stop());
  const client = createClient({ server: server.insecureUrl ?? '', qps: 5000, burst: 5000 });
  cleanups.push(() => client.close());
  return { url: server.insecureUrl ?? '', client, nodes: new Map(), requests: new Map() };
}

async function startSched(cluster: Cluster, extra: string[] = []): Promise<RunningScheduler> {
  const config = parseFlags(
    schedulerFlags,
    [
      `--master=${cluster.url}`,
      '--port=0',
      '--leader-elect-lease-duration=2s',
      '--leader-elect-renew-deadline=1500ms',
      '--leader-elect-retry-period=200ms',
      '--pod-initial-backoff=100ms',
      '--pod-max-backoff=1s',
      '--kube-api-qps=2000',
      '--kube-api-burst=2000',
      ...extra,
    ],
    {},
  );
  const sched = await startScheduler(config, { logger, seed: 42 });
  cleanups.push(() => sched.stop());
  return sched;
}

async function addNode(cluster: Cluster, name: string, cpu: number, memMi: number, labels: Record<string, string> = {}, pods = 110): Promise<void> {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: {
      capacity: { cpu: `${cpu}m`, memory: `${memMi}Mi`, pods: String(pods) },
      allocatable: { cpu: `${cpu}m`, memory: `${memMi}Mi`, pods: String(pods) },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'no kubelet: created by the test' }],
    },
  };
  await cluster.client.nodes.create(undefined, node);
  cluster.nodes.set(name, { cpu, mem: memMi, pods });
}

function podObject(name: string, req: Req, extra: { labels?: Record<string, string>; nodeSelector?: Record<string, string>; ownerReferences?: NonNullable<Pod['metadata']>['ownerReferences'] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: extra.labels ?? {}, ...(extra.ownerReferences ? { ownerReferences: extra.ownerReferences } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'tskube/busybox:latest', resources: { requests: { cpu: `${req.cpu}m`, memory: `${req.mem}Mi` } } }],
      ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
    },
  };
}

async function addPods(cluster: Cluster, pods: { name: string; req: Req; pod?: Pod }[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < pods.length; i = next++) {
      const p = pods[i]!;
      cluster.requests.set(p.name, p.req);
      await cluster.client.pods.create(NS, p.pod ?? podObject(p.name, p.req));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}


/** Every pod of the namespace, once all of `names` are bound. */
async function allBound(cluster: Cluster, names: readonly string[], timeoutMs?: number): Promise<Map<string, string>> {
  return until(
    `${names.length} pods bound`,
    async () => {
      const list = await cluster.client.pods.list(NS);
      const byName = new Map(list.items.map((p) => [p.metadata?.name ?? '', p.spec?.nodeName ?? '']));
      return names.every((n) => byName.get(n)) ? byName : undefined;
    },
    timeoutMs,
  );
}

/** Sum of the requests of the pods bound to each node, checked against its allocatable. */
function expectNoOvercommit(cluster: Cluster, placement: Iterable<[string, string]>, when = 'at the end'): void {
  const used = new Map<string, Req & { pods: number }>();
  for (const [pod, node] of placement) {
    if (!node) continue;
    const req = cluster.requests.get(pod);
    if (!req) continue;
    const u = used.get(node) ?? { cpu: 0, mem: 0, pods: 0 };
    used.set(node, { cpu: u.cpu + req.cpu, mem: u.mem + req.mem, pods: u.pods + 1 });
  }
  for (const [node, u] of used) {
    const alloc = cluster.nodes.get(node);
    expect(alloc, `pods bound to unknown node ${node}`).toBeDefined();
    const ok = u.cpu <= alloc!.cpu && u.mem <= alloc!.mem && u.pods <= alloc!.pods;
    expect(ok, `${node} over-committed ${when}: ${JSON.stringify(u)} > ${JSON.stringify(alloc)}`).toBe(true);
  }
}

/** Records every pod watch event from now on, in order. */
async function recordPodEvents(cluster: Cluster): Promise<{ events: WatchEvent<Pod>[]; stop(): void }> {
  const list = await cluster.client.pods.list(NS);
  const ctl = new AbortController();
  const events: WatchEvent<Pod>[] = [];
  const done = (async () => {
    for await (const e of cluster.client.pods.watch(NS, { resourceVersion: list.metadata?.resourceVersion ?? '', signal: ctl.signal })) events.push(e);
  })().catch(() => undefined);
  cleanups.push(async () => {
    ctl.abort();
    await done;
  });
  return { events, stop: () => ctl.abort() };
}

async function eventsFor(cluster: Cluster, reason: string): Promise<Event[]> {
  return (await cluster.client.events.list(NS, { fieldSelector: `reason=${reason}` })).items;
}

const mixed = (i: number): Req => ({ cpu: [100, 200, 300, 500][i % 4]!, mem: [128, 256, 512, GI][(i >> 2) % 4]! });

describe('tskube-scheduler', () => {
  it('binds 30 pods with mixed requests onto 3 nodes of different sizes without over-committing any', async () => {
    const cluster = await startCluster();
    await addNode(cluster, 'node-1', 2000, 4 * GI);
    await addNode(cluster, 'node-2', 4000, 8 * GI);
    await addNode(cluster, 'node-3', 8000, 16 * GI);
    const sched = await startSched(cluster);
    const readyz = await until('/readyz ok', async () => {
      const res = await fetch(`${sched.url}/readyz?verbose`);
      return res.status === 200 ? res.text() : undefined;
    });
    expect(readyz).toContain('[+]informer-sync ok');
    expect(await (await fetch(`${sched.url}/healthz?verbose`)).text()).toContain('[+]leaderElection ok');
    const pods = Array.from({ length: 30 }, (_, i) => ({ name: `web-${i}`, req: mixed(i) }));
    await addPods(cluster, pods);
    const placement = await allBound(cluster, pods.map((p) => p.name));
    expectNoOvercommit(cluster, placement);
    // More than one node was used: the big node alone would also have fit everything.
    expect(new Set(placement.values()).size).toBeGreaterThan(1);
  });

  it('spreads the pods of one replication controller across the nodes', async () => {
    const cluster = await startCluster();
    await addNode(cluster, 'node-1', 2000, 4 * GI);
    await addNode(cluster, 'node-2', 4000, 8 * GI);
    await addNode(cluster, 'node-3', 8000, 16 * GI);
    const labels = { app: 'web', tier: 'frontend' };
    const n = 9;
    const rc = await cluster.client.replicationControllers.create(NS, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'web', namespace: NS },
      spec: { replicas: n, selector: labels, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'tskube/busybox:latest' }] } } },
    });
    await startSched(cluster);
    const owner = [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata?.uid ?? '', controller: true }];
    const req = { cpu: 100, mem: 64 };
    const pods = Array.from({ length: n }, (_, i) => ({ name: `web-${i}`, req, pod: podObject(`web-${i}`, req, { labels, ownerReferences: owner }) }));
    await addPods(cluster, pods, 3);
    const placement = await allBound(cluster, pods.map((p) => p.name));
    const perNode = new Map<string, number>();
    for (const node of placement.values()) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    expect(perNode.size).toBe(3);
    for (const [node, count] of perNode) expect(count, `${node} got ${count} of ${n}`).toBeLessThanOrEqual(Math.ceil(n / 3) + 1);
  });

  it('reports FailedScheduling for a pod that fits nowhere and binds it once a fitting node appears', async () => {
    const cluster = await startCluster();
    await addNode(cluster, 'small-1', 1000, 2 * GI, { disk: 'ssd' });
    await addNode(cluster, 'small-2', 1000, 2 * GI, { disk: 'ssd' });
    await addNode(cluster, 'big-hdd', 8000, 16 * GI, { disk: 'hdd' });
    await startSched(cluster);
    const req = { cpu: 2000, mem: 512 };
    await addPods(cluster, [{ name: 'needs-ssd', req, pod: podObject('needs-ssd', req, { nodeSelector: { disk: 'ssd' } }) }]);

    const [failed] = await until('a FailedScheduling event', async () => {
      const evs = await eventsFor(cluster, 'FailedScheduling');
      return evs.length > 0 ? evs : undefined;
    });
    expect(failed).toMatchObject({
      type: 'Warning',
      source: { component: 'default-scheduler' },
      involvedObject: { kind: 'Pod', namespace: NS, name: 'needs-ssd' },
    });
    expect(failed?.involvedObject.uid).toBeTruthy();
    const message = failed?.message ?? '';
    expect(message).toMatch(/^0\/3 nodes are available: .*\.$/);
    expect(message).toContain('2 Insufficient cpu');
    expect(message).toContain("1 node(s) didn't match Pod's node affinity/selector");
    const condition = await until('the PodScheduled condition', async () => {
      const pod = await cluster.client.pods.get(NS, 'needs-ssd');
      return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(condition).toMatchObject({ reason: 'Unschedulable', message });
    expect((await cluster.client.pods.get(NS, 'needs-ssd')).spec?.nodeName).toBeFalsy();

    await addNode(cluster, 'big-ssd', 8000, 16 * GI, { disk: 'ssd' });
    const placement = await allBound(cluster, ['needs-ssd'], 10_000);
    expect(placement.get('needs-ssd')).toBe('big-ssd');
    const [scheduled] = await until('a Scheduled event', async () => {
      const evs = await eventsFor(cluster, 'Scheduled');
      return evs.length > 0 ? evs : undefined;
    });
    expect(scheduled).toMatchObject({ type: 'Normal', message: `Successfully assigned ${NS}/needs-ssd to big-ssd` });
  });

  /** Per pod: how many watch events set spec.nodeName, and whether it ever changed once set. */
  function bindTransitions(events: readonly WatchEvent<Pod>[]): Map<string, { binds: number; moved: boolean }> {
    const last = new Map<string, string>();
    const out = new Map<string, { binds: number; moved: boolean }>();
    for (const e of events) {
      const name = e.object.metadata?.name ?? '';
      const node = e.object.spec?.nodeName ?? '';
      const before = last.get(name) ?? '';
      const entry = out.get(name) ?? { binds: 0, moved: false };
      if (!before && node) entry.binds++;
      if (before && node !== before && e.type !== 'DELETED') entry.moved = true;
      out.set(name, entry);
      last.set(name, node);
    }
    return out;
  }

  async function expectBoundOnce(cluster: Cluster, names: readonly string[], events: readonly WatchEvent<Pod>[]): Promise<void> {
    await until('every bind observed by the watch', () => (names.every((n) => bindTransitions(events).get(n)?.binds) ? true : undefined));
    const transitions = bindTransitions(events);
    for (const name of names) expect(transitions.get(name), name).toEqual({ binds: 1, moved: false });
    const scheduled = await until(`${names.length} Scheduled events`, async () => {
      const evs = await eventsFor(cluster, 'Scheduled');
      return evs.length >= names.length ? evs : undefined;
    });
    // Give a stray second bind's event time to show up, then count exactly.
    await new Promise((r) => setTimeout(r, 300));
    const final = await eventsFor(cluster, 'Scheduled');
    expect(final.length).toBe(scheduled.length);
    const perPod = new Map<string, number>();
    for (const e of final) perPod.set(e.involvedObject.name ?? '', (perPod.get(e.involvedObject.name ?? '') ?? 0) + 1);
    expect([...perPod.keys()].sort()).toEqual([...names].sort());
    expect([...perPod.values()].every((c) => c === 1)).toBe(true);
  }

  /** scheduler_schedule_attempts_total over all results. */
  async function attempts(sched: RunningScheduler): Promise<number> {
    const text = await (await fetch(sched.metricsUrl)).text();
    return [...text.matchAll(/^scheduler_schedule_attempts_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  }

  it('with two schedulers each pod is bound exactly once, also across a leader change', async () => {
    const cluster = await startCluster();
    for (let i = 1; i <= 3; i++) await addNode(cluster, `node-${i}`, 8000, 16 * GI);
    const a = await startSched(cluster);
    const b = await startSched(cluster);
    const leader = await until('a leader', () => (a.isLeader() ? a : b.isLeader() ? b : undefined));
    expect(a.isLeader() && b.isLeader()).toBe(false);
    // The lock is upstream's: the Lease kube-system/kube-scheduler, held by the leader.
    const lease = await cluster.client.leases.get('kube-system', 'kube-scheduler');
    expect(lease.spec).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: 2, leaseTransitions: 0 });
    const watch = await recordPodEvents(cluster);

    const first = Array.from({ length: 20 }, (_, i) => ({ name: `first-${i}`, req: mixed(i) }));
    await addPods(cluster, first);
    await allBound(cluster, first.map((p) => p.name));
    // Only the leader tried: the standby has not made a single scheduling attempt.
    const standby = leader === a ? b : a;
    expect(await attempts(standby)).toBe(0);
    expect(await attempts(leader)).toBeGreaterThanOrEqual(first.length);
    // The leader steps down (releasing the lease); the standby takes over.
    await leader.stop();
    const second = Array.from({ length: 20 }, (_, i) => ({ name: `second-${i}`, req: mixed(i) }));
    await addPods(cluster, second);
    await allBound(cluster, second.map((p) => p.name));
    expect(standby.isLeader()).toBe(true);
    expect((await cluster.client.leases.get('kube-system', 'kube-scheduler')).spec).toMatchObject({ holderIdentity: standby.identity, leaseTransitions: 1 });
    await expectBoundOnce(cluster, [...first, ...second].map((p) => p.name), watch.events);
  });

  it('without leader election two schedulers still bind each pod once: the binding conflict is the backstop', async () => {
    const cluster = await startCluster();
    for (let i = 1; i <= 3; i++) await addNode(cluster, `node-${i}`, 16000, 32 * GI);
    await startSched(cluster, ['--leader-elect=false']);
    await startSched(cluster, ['--leader-elect=false']);
    const watch = await recordPodEvents(cluster);
    const pods = Array.from({ length: 40 }, (_, i) => ({ name: `race-${i}`, req: mixed(i) }));
    await addPods(cluster, pods);
    await allBound(cluster, pods.map((p) => p.name));
    await expectBoundOnce(cluster, pods.map((p) => p.name), watch.events);
  });

  it('never over-commits a node under a burst of 200 pods; the pods that do not fit get FailedScheduling', async () => {
    const cluster = await startCluster();
    await addNode(cluster, 'node-1', 2000, 4 * GI);
    await addNode(cluster, 'node-2', 4000, 8 * GI);
    await addNode(cluster, 'node-3', 4000, 4 * GI, {}, 20);
    const sched = await startSched(cluster);
    const watch = await recordPodEvents(cluster);
    const burst = Array.from({ length: 200 }, (_, i) => ({ name: `burst-${i}`, req: { cpu: [100, 250, 400][i % 3]!, mem: [128, 256][i % 2]! } }));
    // Created all at once: as many requests in flight as pods.
    await addPods(cluster, burst, burst.length);

    // Settled: every pod is either bound or has been reported unschedulable.
    const { bound, failed } = await until(
      'every pod bound or reported',
      async () => {
        const pods = (await cluster.client.pods.list(NS)).items;
        const reported = new Set((await eventsFor(cluster, 'FailedScheduling')).map((e) => e.involvedObject.name));
        const b = pods.filter((p) => p.spec?.nodeName);
        const f = pods.filter((p) => !p.spec?.nodeName && reported.has(p.metadata?.name));
        return b.length + f.length === burst.length ? { bound: b, failed: f } : undefined;
      },
      40_000,
    );
    expect(bound.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expectNoOvercommit(cluster, bound.map((p) => [p.metadata?.name ?? '', p.spec?.nodeName ?? '']));

    // And at no point in between: replay the watch in order.
    const placement = new Map<string, string>();
    for (const e of watch.events) {
      const name = e.object.metadata?.name ?? '';
      if (e.type === 'DELETED') placement.delete(name);
      else placement.set(name, e.object.spec?.nodeName ?? '');
      expectNoOvercommit(cluster, placement, `after ${e.type} of ${name} (rv ${e.object.metadata?.resourceVersion ?? ''})`);
    }
    const metrics = await (await fetch(sched.metricsUrl)).text();
    expect(metrics).toMatch(new RegExp(`scheduler_schedule_attempts_total\\{result="scheduled",profile="default-scheduler"\\} ${bound.length}\\b`));
    expect(metrics).toMatch(/scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} [1-9]/);
    expect(metrics).toContain('scheduler_pending_pods{queue="unschedulable"}');
  });
});
