import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredNode, StoredPod } from '../resources/types.js';
import { createKubeletClient } from './kubelet.js';
import { cpuQuantity, kubeletSummaryFetcher, memoryQuantity, nodeMetrics, podMetrics, type StatsSummary } from './metrics-api.js';
import { namespaceBody, nodeBody, podBody, startTestApi, type TestApi } from './test-helpers.js';

const T = '2026-03-01T10:00:00.123Z';
const NOW = Date.parse('2026-03-01T10:00:05.900Z');

describe('quantities as metrics-server writes them', () => {
  it.each([
    [0, '0'],
    [123_456, '123456n'],
    [12_000_000, '12m'],
    [1_500_000_000, '1500m'],
    [2_000_000_000, '2'],
    [12_345.6, '12346n'],
  ])('cpu %d nanocores → %s', (n, q) => expect(cpuQuantity(n)).toBe(q));

  it.each([
    [0, '0'],
    // Under 1024 upstream's canonical form switches to decimal SI.
    [1000, '1k'],
    [1500, '1500'],
    [1024, '1Ki'],
    [1_264_640, '1235Ki'],
    [256 * 1024 * 1024, '256Mi'],
  ])('memory %d bytes → %s', (n, q) => expect(memoryQuantity(n)).toBe(q));
});

const node = (name: string, labels?: Record<string, string>) => ({ metadata: { name, labels } }) as StoredNode;
const pod = (name: string, namespace = 'default', uid = `uid-${name}`) => ({ metadata: { name, namespace, uid, labels: { app: 'x' } } }) as StoredPod;

describe('objects from a summary', () => {
  const summary: StatsSummary = {
    node: { nodeName: 'n1', cpu: { time: T, usageNanoCores: 250_000_000 }, memory: { time: T, workingSetBytes: 512 * 1024 * 1024 } },
    pods: [
      {
        podRef: { name: 'p', namespace: 'default', uid: 'uid-p' },
        containers: [
          { name: 'main', cpu: { time: T, usageNanoCores: 5_000_000 }, memory: { time: T, workingSetBytes: 4096 } },
          // No rate yet: left out, as metrics-server drops incomplete points.
          { name: 'side', cpu: { time: T }, memory: { time: T, workingSetBytes: 4096 } },
        ],
      },
    ],
  };

  it('builds a NodeMetrics in metrics-server’s shape', () => {
    expect(nodeMetrics(node('n1', { zone: 'a' }), summary, NOW)).toEqual({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', labels: { zone: 'a' }, creationTimestamp: '2026-03-01T10:00:05Z' },
      timestamp: '2026-03-01T10:00:00Z',
      window: '10s',
      usage: { cpu: '250m', memory: '512Mi' },
    });
  });

  it('has no NodeMetrics without a CPU rate or a working set', () => {
    expect(nodeMetrics(node('n1'), { node: { cpu: { usageNanoCores: 1 } } }, NOW)).toBeUndefined();
    expect(nodeMetrics(node('n1'), { node: { memory: { workingSetBytes: 1 } } }, NOW)).toBeUndefined();
  });

  it('builds a PodMetrics with the containers that have usage', () => {
    expect(podMetrics(pod('p'), summary, NOW)).toEqual({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'p', namespace: 'default', labels: { app: 'x' }, creationTimestamp: '2026-03-01T10:00:05Z' },
      timestamp: '2026-03-01T10:00:00Z',
      window: '10s',
      containers: [{ name: 'main', usage: { cpu: '5m', memory: '4Ki' } }],
    });
  });

  it.each([
    ['another namespace', pod('p', 'other', 'uid-p')],
    ['a pod of the same name that replaced it', pod('p', 'default', 'uid-new')],
    ['a pod the summary does not have', pod('q')],
  ])('has no PodMetrics for %s', (_what, p) => expect(podMetrics(p, summary, NOW)).toBeUndefined());
});

// --- through the API, with fake kubelets -----------------------------------------------------------

interface FakeKubelet {
  port: number;
  summary: StatsSummary;
  close(): Promise<void>;
}

/** A kubelet that answers /stats/summary with `summary` (changeable), or never answers when `hang`. */
async function fakeKubelet(summary: StatsSummary, hang = false): Promise<FakeKubelet> {
  const k: FakeKubelet = { port: 0, summary, close: async () => undefined };
  const server = http.createServer((req, res) => {
    if (hang) return;
    if (req.url !== '/stats/summary') {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(k.summary));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  k.port = (server.address() as AddressInfo).port;
  k.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return k;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const usage = (cores: number, mib: number) => ({ cpu: { time: T, usageNanoCores: cores * 1e9 }, memory: { time: T, workingSetBytes: mib * 1024 * 1024 } });
const podStats = (namespace: string, name: string, containers: Record<string, [number, number]>) => ({
  podRef: { name, namespace },
  containers: Object.entries(containers).map(([c, [cores, mib]]) => ({ name: c, ...usage(cores, mib) })),
});

let api: TestApi;
let kubelets: FakeKubelet[];
const M = '/apis/metrics.k8s.io/v1beta1';

beforeAll(async () => {
  const a = await fakeKubelet({
    node: { nodeName: 'node-a', ...usage(0.5, 1024) },
    pods: [
      podStats('default', 'web-1', { main: [0.1, 10], side: [0.02, 2] }),
      podStats('other', 'db-1', { db: [0.3, 100] }),
      podStats('default', 'pending', { main: [0.1, 1] }),
    ],
  });
  const b = await fakeKubelet({ node: { nodeName: 'node-b', ...usage(1.25, 2048) }, pods: [podStats('default', 'web-2', { main: [0.2, 20] })] });
  kubelets = [a, b];
  api = await startTestApi({ kubeletClient: { scheme: 'http' } });
  const addNode = async (name: string, port: number, labels: Record<string, string>) => {
    await api.call('/api/v1/nodes', { method: 'POST', body: nodeBody(name, { metadata: { name, labels } }) });
    await api.registries.nodes.guaranteedUpdate(
      undefined,
      name,
      (n) => ({ ...n, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } }),
      { subresource: 'status' },
    );
  };
  await addNode('node-a', a.port, { pool: 'x' });
  await addNode('node-b', b.port, { pool: 'y' });
  await addNode('node-down', await closedPort(), { pool: 'x' });
  await api.call('/api/v1/namespaces', { method: 'POST', body: namespaceBody('other') });
  const addPod = async (namespace: string, name: string, nodeName: string, app: string, phase = 'Running') => {
    const body = podBody(name, { metadata: { name, labels: { app } }, spec: { nodeName, containers: [{ name: 'main', image: 'busybox' }] } });
    const res = await api.call(`/api/v1/namespaces/${namespace}/pods`, { method: 'POST', body });
    expect(res.status).toBe(201);
    await api.registries.pods.guaranteedUpdate(namespace, name, (p) => ({ ...p, status: { ...p.status, phase } }), { subresource: 'status' });
  };
  await addPod('default', 'web-1', 'node-a', 'web');
  await addPod('default', 'web-2', 'node-b', 'web');
  await addPod('other', 'db-1', 'node-a', 'db');
  await addPod('default', 'pending', 'node-a', 'web', 'Pending');
  await addPod('default', 'on-down', 'node-down', 'web');
  await addPod('default', 'no-stats', 'node-a', 'web');
});

afterAll(async () => {
  await api?.close();
  for (const k of kubelets ?? []) await k.close();
});

const names = (body: { items: { metadata: { namespace?: string; name: string } }[] }) =>
  body.items.map((i) => (i.metadata.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : i.metadata.name));

describe('discovery', () => {
  it('lists metrics.k8s.io among the groups, with nodes and pods', async () => {
    const groups = (await api.call('/apis')).body.groups as { name: string; preferredVersion: { groupVersion: string } }[];
    expect(groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion).toBe('metrics.k8s.io/v1beta1');
    expect((await api.call('/apis/metrics.k8s.io')).body).toMatchObject({ kind: 'APIGroup', name: 'metrics.k8s.io' });
    const list = await api.call(M);
    expect(list.status).toBe(200);
    expect(list.body.resources).toEqual([
      expect.objectContaining({ name: 'nodes', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] }),
      expect.objectContaining({ name: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] }),
    ]);
    expect((await api.call('/apis/metrics.k8s.io/v1')).status).toBe(404);
  });
});

describe('nodes', () => {
  it('lists the nodes whose kubelet answers, by name, with their usage', async () => {
    const res = await api.call(`${M}/nodes`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toMatchObject({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {} });
    expect(names(res.body)).toEqual(['node-a', 'node-b']);
    expect(res.body.items.map((i: { usage: unknown }) => i.usage)).toEqual([
      { cpu: '500m', memory: '1Gi' },
      { cpu: '1250m', memory: '2Gi' },
    ]);
  });

  it.each([
    ['labelSelector=pool%3Dx', ['node-a']],
    ['labelSelector=pool%3Dy', ['node-b']],
    ['labelSelector=pool%3Dnone', []],
    ['fieldSelector=metadata.name%3Dnode-b', ['node-b']],
    ['fieldSelector=metadata.name!%3Dnode-b', ['node-a']],
  ])('?%s → %j', async (qs, want) => {
    expect(names((await api.call(`${M}/nodes?${qs}`)).body)).toEqual(want);
  });

  it('gets one node', async () => {
    const res = await api.call(`${M}/nodes/node-b`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'NodeMetrics', metadata: { name: 'node-b', labels: { pool: 'y' } }, usage: { cpu: '1250m' } });
  });

  it.each([
    ['node-down', 'nodes.metrics.k8s.io "node-down" not found'],
    ['ghost', 'nodes.metrics.k8s.io "ghost" not found'],
  ])('%s → 404 NotFound Status', async (name, message) => {
    const res = await api.call(`${M}/nodes/${name}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message });
  });
});

describe('pods', () => {
  it('lists the Running pods with usage, in one namespace or all, by namespace and name', async () => {
    expect(names((await api.call(`${M}/namespaces/default/pods`)).body)).toEqual(['default/web-1', 'default/web-2']);
    const all = await api.call(`${M}/pods`);
    expect(all.body.kind).toBe('PodMetricsList');
    expect(names(all.body)).toEqual(['default/web-1', 'default/web-2', 'other/db-1']);
  });

  it('gives each container’s usage', async () => {
    const res = await api.call(`${M}/namespaces/default/pods/web-1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } }, window: '10s' });
    expect(res.body.containers).toEqual([
      { name: 'main', usage: { cpu: '100m', memory: '10Mi' } },
      { name: 'side', usage: { cpu: '20m', memory: '2Mi' } },
    ]);
  });

  it.each([
    ['namespaces/default/pods?labelSelector=app%3Dweb', ['default/web-1', 'default/web-2']],
    ['pods?labelSelector=app%3Ddb', ['other/db-1']],
    ['pods?labelSelector=app+notin+(web)', ['other/db-1']],
    ['pods?fieldSelector=metadata.namespace%3Dother', ['other/db-1']],
    ['namespaces/default/pods?fieldSelector=metadata.name%3Dweb-2', ['default/web-2']],
  ])('%s → %j', async (path, want) => {
    expect(names((await api.call(`${M}/${path}`)).body)).toEqual(want);
  });

  it.each([
    ['pending', 'not Running'],
    ['on-down', 'its kubelet does not answer'],
    ['no-stats', 'its kubelet has no usage of it'],
    ['ghost', 'it does not exist'],
  ])('%s → 404 NotFound Status (%s)', async (name) => {
    const res = await api.call(`${M}/namespaces/default/pods/${name}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: `pods.metrics.k8s.io "${name}" not found` });
  });
});

describe('requests it refuses', () => {
  it.each([
    ['GET', `${M}/pods?fieldSelector=spec.nodeName%3Dnode-a`, 400, 'field label not supported: spec.nodeName'],
    ['GET', `${M}/nodes?labelSelector=%3D%3Dx`, 400, undefined],
    ['POST', `${M}/nodes`, 405, undefined],
    ['DELETE', `${M}/namespaces/default/pods/web-1`, 405, undefined],
    ['GET', `${M}/nodes?watch=true`, 405, undefined],
    ['GET', `${M}/pods/web-1`, 404, 'the server could not find the requested resource'],
    ['GET', `${M}/widgets`, 404, 'the server could not find the requested resource'],
  ])('%s %s → %i', async (method, path, code, message) => {
    const res = await api.call(path, { method, ...(method === 'POST' ? { body: {} } : {}) });
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: 'Status', code, ...(message ? { message } : {}) });
  });
});

describe('kubeletSummaryFetcher', () => {
  const target = (port: number) =>
    ({ metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } } as StoredNode);

  it('reads the summary of the node’s kubelet', async () => {
    const fetch = kubeletSummaryFetcher(createKubeletClient({ scheme: 'http' }));
    expect((await fetch(target(kubelets[1]!.port))).node?.nodeName).toBe('node-b');
  });

  it('gives up on a kubelet that does not answer', async () => {
    const silent = await fakeKubelet({}, true);
    try {
      await expect(kubeletSummaryFetcher(createKubeletClient({ scheme: 'http' }), 50)(target(silent.port))).rejects.toThrow(/no answer/);
    } finally {
      await silent.close();
    }
  });

  it('rejects an answer that is not a summary', async () => {
    const other = http.createServer((_req, res) => res.writeHead(500).end('boom'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const fetch = kubeletSummaryFetcher(createKubeletClient({ scheme: 'http' }));
      await expect(fetch(target((other.address() as AddressInfo).port))).rejects.toThrow(/answered 500/);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
