/**
 * `kubectl top` against our metrics.k8s.io: a real kubelet on our dockerd runs a busy pod (a
 * shell spinning under a CPU limit) and an idle one; the stock kubectl reads node and pod usage
 * that the apiserver computes from the kubelet's /stats/summary.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Container, Pod } from '@tskube/api-types';
import { ensureImages } from '@tskube/tools';
import { useDocker } from '../setup/docker.js';
import { box, deleteAllPods, startCluster, until, type Cluster } from './harness.js';

const NODE = `top-node-${randomUUID().slice(0, 6)}`;
let cluster: Cluster;

const pod = (name: string, app: string, container: Container): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app } },
  spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [container] },
});
beforeAll(async () => {
  const dockerHost = (await useDocker()).host;
  await ensureImages(dockerHost);
  cluster = await startCluster(inject('etcdEndpoint'));
  await cluster.startKubelet(NODE, [`--docker-endpoint=${dockerHost}`]);
  // The limit keeps the spinning shell from taking a whole core of the shared machine.
  await cluster.client.pods.create('default', pod('busy', 'x', box('spin', 'while :; do :; done', { resources: { limits: { cpu: '100m', memory: '32Mi' } } })));
  await cluster.client.pods.create('default', pod('idle', 'y', box('nap', 'exec sleep 3600')));
  for (const name of ['busy', 'idle']) {
    await until(`${name} Running`, async () => {
      const p = await cluster.client.pods.get('default', name);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
    }, 90_000);
  }
}, 180_000);

afterAll(async () => {
  if (!cluster) return;
  await deleteAllPods(cluster);
  await cluster.dispose();
}, 60_000);

/** The rows of kubectl's table output, split on runs of spaces, header first. */
const rows = (stdout: string): string[][] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));

/** `123m` → 123 (kubectl top prints CPU in millicores), `45Mi` → 45. */
const amount = (cell: string | undefined, unit: 'm' | 'Mi'): number => {
  const m = new RegExp(`^(\\d+)${unit}$`).exec(cell ?? '');
  return m ? Number(m[1]) : NaN;
};

/** Runs kubectl until it succeeds and `pick` finds what it waits for in the rows. */
const topUntil = <T>(what: string, args: string[], pick: (rows: string[][]) => T | undefined) =>
  until(
    what,
    async () => {
      const r = await cluster.kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
      return pick(rows(r.stdout));
    },
    60_000,
    500,
  );

describe('kubectl top', () => {
  it('top node: the node with non-zero CPU and memory', async () => {
    const row = await topUntil('the node in kubectl top node', ['top', 'node'], (rs) => rs.find((r) => r[0] === NODE && amount(r[1], 'm') > 0));
    expect(amount(row[1], 'm')).toBeGreaterThan(0);
    expect(amount(row[3], 'Mi')).toBeGreaterThan(0);
  });

  it('top pod: the busy pod uses CPU', async () => {
    const out = await topUntil('busy in kubectl top pod', ['top', 'pod'], (rs) => (rs.some((r) => r[0] === 'busy' && amount(r[1], 'm') > 0) ? rs : undefined));
    expect(out[0]).toEqual(['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    expect(out.map((r) => r[0])).toContain('idle');
  });

  it('top pod --containers: the busy pod’s container', async () => {
    const row = await topUntil('spin in kubectl top pod --containers', ['top', 'pod', 'busy', '--containers'], (rs) =>
      rs.find((r) => r[0] === 'busy' && r[1] === 'spin' && amount(r[2], 'm') > 0),
    );
    expect(row.slice(0, 2)).toEqual(['busy', 'spin']);
  });

  it('top pod -l: only the pods the selector picks', async () => {
    const names = await topUntil('app=x pods', ['top', 'pod', '-l', 'app=x'], (rs) => (rs.length > 1 ? rs.slice(1).map((r) => r[0]) : undefined));
    expect(names).toEqual(['busy']);
  });

  it('get --raw: a NodeMetricsList', async () => {
    const r = await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; apiVersion: string; items: { metadata: { name: string }; window: string; usage: { cpu: string; memory: string } }[] };
    expect(list).toMatchObject({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1' });
    const item = list.items.find((i) => i.metadata.name === NODE);
    expect(item?.usage.cpu).toMatch(/^\d+(n|u|m)?$/);
    expect(item?.usage.memory).toMatch(/^\d+(Ki|Mi|Gi|k|M|G)?$/);
  });
});
