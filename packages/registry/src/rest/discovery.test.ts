import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../storage/memory.js';
import type { Storage } from '../storage/types.js';
import { podBody, startTestApi, type TestApi } from './test-helpers.js';

let api: TestApi;
let healthy = true;
beforeAll(async () => {
  // A storage whose health the test controls, to see /readyz follow etcd.
  const memory = createMemoryStorage();
  const storage = new Proxy(memory, {
    get(target, prop) {
      if (prop === 'healthy') return async () => healthy;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Storage;
  api = await startTestApi({ storage });
});
afterAll(() => api.close());

describe('discovery', () => {
  it('serves /version with a semver gitVersion kubectl accepts', async () => {
    const { status, body, headers } = await api.call('/version');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body).toMatchObject({ major: '1', minor: '32' });
    expect(body.gitVersion).toMatch(/^v1\.32\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(body.platform).toMatch(/^[a-z0-9]+\/[a-z0-9]+$/);
  });

  it('serves /api and /apis', async () => {
    const apiRes = await api.call('/api');
    expect(apiRes.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = await api.call('/apis');
    expect(apis.status).toBe(200);
    expect(apis.body).toMatchObject({ kind: 'APIGroupList', apiVersion: 'v1' });
    // What is served: storage-backed groups (leases) and the self reviews of `kubectl auth whoami` / `auth can-i`.
    const names = (apis.body.groups as { name: string }[]).map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['coordination.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io']));
    for (const group of apis.body.groups as { name: string; preferredVersion: { groupVersion: string } }[]) {
      const list = await api.call(`/apis/${group.preferredVersion.groupVersion}`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ kind: 'APIResourceList', groupVersion: group.preferredVersion.groupVersion });
      // The reviews are create-only and cluster-scoped.
      const reviews = group.name === 'authentication.k8s.io' || group.name === 'authorization.k8s.io';
      if (reviews) for (const r of list.body.resources as { verbs: string[]; namespaced: boolean }[]) expect(r).toMatchObject({ verbs: ['create'], namespaced: false });
      expect((await api.call(`/apis/${group.name}`)).body).toMatchObject({ kind: 'APIGroup', name: group.name });
    }
  });

  it('lists resources alphabetically with kubectl short names and categories', async () => {
    const { body } = await api.call('/api/v1');
    expect(body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    const names: string[] = body.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual([...names].sort());
    expect(names.indexOf('bindings')).toBeLessThan(names.indexOf('pods/binding'));
    const byName = new Map(body.resources.map((r: { name: string }) => [r.name, r]));
    const short = Object.fromEntries(body.resources.filter((r: { shortNames?: string[] }) => r.shortNames).map((r: { name: string; shortNames: string[] }) => [r.name, r.shortNames]));
    expect(short).toEqual({ pods: ['po'], nodes: ['no'], services: ['svc'], endpoints: ['ep'], replicationcontrollers: ['rc'], namespaces: ['ns'], events: ['ev'] });
    const all = body.resources.filter((r: { categories?: string[] }) => r.categories?.includes('all')).map((r: { name: string }) => r.name);
    expect(all.sort()).toEqual(['pods', 'replicationcontrollers', 'services']);
    expect(byName.get('pods')).toMatchObject({ singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] });
    expect(byName.get('nodes')).toMatchObject({ namespaced: false });
    expect(byName.get('replicationcontrollers/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    expect(byName.get('bindings')).toMatchObject({ kind: 'Binding', verbs: ['create'] });
    for (const sub of ['pods/status', 'pods/log', 'pods/exec', 'pods/attach', 'pods/portforward', 'nodes/status', 'services/status', 'replicationcontrollers/status', 'namespaces/status', 'namespaces/finalize']) {
      expect(byName.has(sub), sub).toBe(true);
    }
  });

  it('serves the OpenAPI v3 documents kubectl validates with', async () => {
    const root = await api.call('/openapi/v3');
    expect(root.status).toBe(200);
    expect(root.body.paths['api/v1']).toBeDefined();
    const v1 = await api.call('/openapi/v3/api/v1');
    expect(v1.status).toBe(200);
    expect(v1.headers.get('content-type')).toBe('application/json');
  });

  it('serves OpenAPI v2 as protobuf to client-go (kubectl validates a List with it) and as JSON otherwise', async () => {
    const proto = await fetch(`${api.url}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    expect(proto.status).toBe(200);
    // Go's mime parser refuses the `@` form: the answer must be labelled with the dotted one.
    expect(proto.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect((await proto.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const json = await api.call('/openapi/v2');
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.body).toMatchObject({ swagger: '2.0' });
  });
});

describe('errors for unknown routes', () => {
  it.each([
    ['/nope'],
    ['/api/v1/namespaces/default/resourcequotas'],
    ['/api/v1/pods/x'],
    ['/api/v1/namespaces/default/pods/x/proxy'],
    ['/apis/apps/v1'],
    ['/apis/apps'],
    ['/apis/authorization.k8s.io/v2'],
  ])('%s is a 404 Status', async (path) => {
    const { status, body, headers } = await api.call(path);
    expect(status).toBe(404);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });

  it.each([
    ['POST', '/api/v1/pods'],
    ['PUT', '/api/v1/namespaces/default/pods'],
    ['GET', '/api/v1/namespaces/default/bindings'],
    ['POST', '/api/v1/namespaces/default/pods/x/status'],
  ])('%s %s is a 405 Status', async (method, path) => {
    const { status, body } = await api.call(path, { method, body: method === 'GET' ? undefined : podBody('x') });
    expect(status).toBe(405);
    expect(body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
  });
});

describe('health and metrics', () => {
  it.each(['/healthz', '/livez', '/readyz'])('%s is ok', async (path) => {
    const { status, text } = await api.call(path);
    expect(status).toBe(200);
    expect(text).toBe('ok');
  });

  it('readyz fails while etcd is unreachable', async () => {
    healthy = false;
    try {
      const { status, text } = await api.call('/readyz?verbose');
      expect(status).toBe(500);
      expect(text).toContain('[-]etcd failed');
      expect((await api.call('/livez')).status).toBe(200);
    } finally {
      healthy = true;
    }
  });

  it('counts requests by verb, resource and code', async () => {
    await api.call('/api/v1/namespaces/default/pods');
    await api.call('/api/v1/namespaces/default/pods/missing');
    const { text, status } = await api.call('/metrics');
    expect(status).toBe(200);
    expect(text).toMatch(/apiserver_request_total\{verb="LIST",resource="pods",subresource="",code="200"\} [1-9]/);
    expect(text).toMatch(/apiserver_request_total\{verb="GET",resource="pods",subresource="",code="404"\} [1-9]/);
    expect(text).toContain('apiserver_request_duration_seconds_bucket');
    expect(text).toContain('apiserver_current_inflight_requests');
  });
});
