/**
 * @kubernetes/client-node 1.4.0, unmodified, against the real tskube-apiserver over TLS with a
 * bearer token: typed CoreV1Api CRUD, the generic KubernetesObjectApi, and an informer that
 * sees ADDED/MODIFIED/DELETED and keeps working across an apiserver restart.
 */
import {
  ADD,
  ApiException,
  CoreV1Api,
  DELETE,
  ERROR,
  KubeConfig,
  KubernetesObjectApi,
  UPDATE,
  makeInformer,
  type KubernetesObject,
  type V1Pod,
  type V1ReplicationController,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiServer, type ApiServerProcess } from './harness.js';

const ns = 'e2e-client-node';
let server: ApiServerProcess;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigText);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await server?.dispose();
});

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'cn', ...labels } },
  spec: { containers: [{ name: 'main', image: 'tskube/busybox:latest', command: ['sleep', '3600'] }] },
});

/** The HTTP code of a failed client-node call. */
async function failure(call: Promise<unknown>): Promise<{ code: number; body: { reason?: string } }> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<string>;
    return { code: e.code, body: JSON.parse(e.body) as { reason?: string } };
  }
  throw new Error('expected the call to fail');
}

describe('CoreV1Api', () => {
  it('pods: create, read, list by label, replace, json-patch, conflict, delete', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('cn-web', { tier: 'a' }) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec?.restartPolicy).toBe('Always');

    const read = await core.readNamespacedPod({ name: 'cn-web', namespace: ns });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);

    await core.createNamespacedPod({ namespace: ns, body: pod('cn-other', { tier: 'b' }) });
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'tier=a' });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['cn-web']);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);

    read.metadata!.labels = { ...read.metadata!.labels, replaced: 'yes' };
    const replaced = await core.replaceNamespacedPod({ name: 'cn-web', namespace: ns, body: read });
    expect(replaced.metadata?.labels?.['replaced']).toBe('yes');
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));

    // The generated patch methods send application/json-patch+json.
    const patched = await core.patchNamespacedPod({
      name: 'cn-web',
      namespace: ns,
      body: [{ op: 'add', path: '/metadata/annotations', value: { note: 'patched' } }],
    });
    expect(patched.metadata?.annotations).toEqual({ note: 'patched' });

    // read still carries the resourceVersion from before the replace.
    const stale = await failure(core.replaceNamespacedPod({ name: 'cn-web', namespace: ns, body: read }));
    expect(stale).toMatchObject({ code: 409, body: { reason: 'Conflict' } });

    await core.deleteNamespacedPod({ name: 'cn-web', namespace: ns });
    await core.deleteNamespacedPod({ name: 'cn-other', namespace: ns });
    expect(await failure(core.readNamespacedPod({ name: 'cn-web', namespace: ns }))).toMatchObject({ code: 404, body: { reason: 'NotFound' } });
  });

  it('services: create allocates a cluster IP; read, list, delete', async () => {
    const svc = await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'cn-svc' }, spec: { selector: { app: 'cn' }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    expect(svc.spec?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(svc.spec?.clusterIPs).toEqual([svc.spec?.clusterIP]);
    expect(svc.spec?.type).toBe('ClusterIP');
    expect((await core.readNamespacedService({ name: 'cn-svc', namespace: ns })).spec?.ports?.[0]?.protocol).toBe('TCP');
    expect((await core.listServiceForAllNamespaces()).items.some((s) => s.metadata?.name === 'cn-svc')).toBe(true);
    expect(await failure(core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'cn-svc' }, spec: { ports: [{ port: 81 }] } } })))
      .toMatchObject({ code: 409, body: { reason: 'AlreadyExists' } });
    await core.deleteNamespacedService({ name: 'cn-svc', namespace: ns });
  });

  it('nodes and namespaces (cluster-scoped)', async () => {
    await core.createNode({ body: { metadata: { name: 'cn-node', labels: { zone: 'a' } } } });
    const nodes = await core.listNode({ labelSelector: 'zone=a' });
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['cn-node']);
    await core.deleteNode({ name: 'cn-node' });
    expect((await core.readNamespace({ name: ns })).status?.phase).toBe('Active');
  });
});

describe('KubernetesObjectApi (generic manifests)', () => {
  it('create, read, strategic-merge patch, list, delete a replication controller and endpoints', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const rc: V1ReplicationController = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'cn-rc', namespace: ns },
      spec: {
        replicas: 2,
        selector: { app: 'cn-rc' },
        template: { metadata: { labels: { app: 'cn-rc' } }, spec: { containers: [{ name: 'main', image: 'tskube/busybox:latest' }] } },
      },
    };
    const created = await objects.create(rc);
    expect(created.metadata?.uid).toBeTruthy();
    const read = (await objects.read({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'cn-rc', namespace: ns } })) as V1ReplicationController;
    expect(read.spec?.replicas).toBe(2);

    // Default strategy: strategic merge patch; containers merge by name.
    const patched = (await objects.patch({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'cn-rc', namespace: ns },
      spec: { replicas: 4, template: { spec: { containers: [{ name: 'main', image: 'tskube/busybox:1.36' }] } } },
    } as KubernetesObject)) as V1ReplicationController;
    expect(patched.spec?.replicas).toBe(4);
    expect(patched.spec?.template?.spec?.containers).toHaveLength(1);
    expect(patched.spec?.template?.spec?.containers[0]?.image).toBe('tskube/busybox:1.36');

    await objects.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'cn-ep', namespace: ns },
      subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8080 }] }],
    } as KubernetesObject);
    const list = await objects.list('v1', 'Endpoints', ns);
    expect(list.items.map((e) => e.metadata?.name)).toContain('cn-ep');

    await objects.delete({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'cn-rc', namespace: ns } });
    await objects.delete({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'cn-ep', namespace: ns } });
    expect(await failure(objects.read({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'cn-ep', namespace: ns } }))).toMatchObject({ code: 404 });
  });
});

describe('informer', () => {
  it('sees ADDED, MODIFIED, DELETED, and keeps working across an apiserver restart', async () => {
    const events: string[] = [];
    const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns }));
    const record = (verb: string) => (p: V1Pod) => events.push(`${verb} ${p.metadata?.name} ${p.metadata?.labels?.['v'] ?? ''}`.trim());
    informer.on(ADD, record('ADDED'));
    informer.on(UPDATE, record('MODIFIED'));
    informer.on(DELETE, record('DELETED'));
    // client-node's documented pattern: an informer stops on an error; start it again.
    let stopped = false;
    informer.on(ERROR, () => {
      if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 300);
    });
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: ns, body: pod('inf-a', { v: '1' }) });
      await expect.poll(() => events, { timeout: 10_000 }).toContain('ADDED inf-a 1');
      await core.patchNamespacedPod({ name: 'inf-a', namespace: ns, body: [{ op: 'replace', path: '/metadata/labels/v', value: '2' }] });
      await expect.poll(() => events, { timeout: 10_000 }).toContain('MODIFIED inf-a 2');
      await core.deleteNamespacedPod({ name: 'inf-a', namespace: ns });
      await expect.poll(() => events, { timeout: 10_000 }).toContain('DELETED inf-a 2');

      expect(await server.restart()).toBe(0);

      await core.createNamespacedPod({ namespace: ns, body: pod('inf-b', { v: '1' }) });
      await expect.poll(() => events, { timeout: 20_000 }).toContain('ADDED inf-b 1');
      await core.patchNamespacedPod({ name: 'inf-b', namespace: ns, body: [{ op: 'replace', path: '/metadata/labels/v', value: '3' }] });
      await expect.poll(() => events, { timeout: 10_000 }).toContain('MODIFIED inf-b 3');
      expect(informer.list(ns).map((p) => p.metadata?.name)).toEqual(['inf-b']);
      // Each change was seen once: no duplicates from the reconnect.
      expect(events.filter((e) => e.startsWith('ADDED inf-a'))).toHaveLength(1);
      expect(events.filter((e) => e === 'ADDED inf-b 1')).toHaveLength(1);
    } finally {
      stopped = true;
      await informer.stop();
    }
  });

  it('the apiserver exits 0 on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
  });
});
