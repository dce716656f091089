import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isNotFound, isStatusError, type Pod, type ReplicationController } from '@tskube/api-types';
import { FakeClock } from '@tskube/component-base';
import { createClient, type Client } from './rest-client.js';
import { isConnectionError } from './transport.js';
import { FakeApiServer, json, status } from './testing/fake-apiserver.js';

const pod = (name: string, ns = 'default', labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

let server: FakeApiServer;
let client: Client;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  client = createClient({ server: server.url, token: 's3cr3t', userAgent: 'client-test' });
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const last = () => {
  const r = server.requests.at(-1);
  if (!r) throw new Error('no request recorded');
  return r;
};

describe('REST verbs', () => {
  it.each([
    { verb: 'get', call: (c: Client) => c.pods.get('ns1', 'web'), method: 'GET', path: '/api/v1/namespaces/ns1/pods/web' },
    { verb: 'get (cluster-scoped)', call: (c: Client) => c.nodes.get(undefined, 'n1'), method: 'GET', path: '/api/v1/nodes/n1' },
    { verb: 'list (one namespace)', call: (c: Client) => c.services.list('ns1'), method: 'GET', path: '/api/v1/namespaces/ns1/services' },
    { verb: 'list (all namespaces)', call: (c: Client) => c.pods.list(), method: 'GET', path: '/api/v1/pods' },
    { verb: 'create', call: (c: Client) => c.pods.create('ns1', pod('a', 'ns1')), method: 'POST', path: '/api/v1/namespaces/ns1/pods' },
    { verb: 'create (namespace from object)', call: (c: Client) => c.pods.create(undefined, pod('a', 'ns2')), method: 'POST', path: '/api/v1/namespaces/ns2/pods' },
    { verb: 'update', call: (c: Client) => c.pods.update('ns1', pod('a', 'ns1')), method: 'PUT', path: '/api/v1/namespaces/ns1/pods/a' },
    { verb: 'updateStatus', call: (c: Client) => c.pods.updateStatus('ns1', pod('a', 'ns1')), method: 'PUT', path: '/api/v1/namespaces/ns1/pods/a/status' },
    { verb: 'delete', call: (c: Client) => c.endpoints.delete('ns1', 'svc'), method: 'DELETE', path: '/api/v1/namespaces/ns1/endpoints/svc' },
    { verb: 'getScale', call: (c: Client) => c.replicationControllers.getScale('ns1', 'rc'), method: 'GET', path: '/api/v1/namespaces/ns1/replicationcontrollers/rc/scale' },
    { verb: 'bind', call: (c: Client) => c.pods.bind('ns1', 'p', 'node-1'), method: 'POST', path: '/api/v1/namespaces/ns1/pods/p/binding' },
    { verb: 'events list', call: (c: Client) => c.events.list('ns1'), method: 'GET', path: '/api/v1/namespaces/ns1/events' },
    { verb: 'namespaces get', call: (c: Client) => c.namespaces.get(undefined, 'kube-system'), method: 'GET', path: '/api/v1/namespaces/kube-system' },
    { verb: 'leases get', call: (c: Client) => c.leases.get('kube-node-lease', 'n1'), method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1' },
    { verb: 'leases list (all namespaces)', call: (c: Client) => c.leases.list(), method: 'GET', path: '/apis/coordination.k8s.io/v1/leases' },
    {
      verb: 'leases update',
      call: (c: Client) => c.leases.update(undefined, { metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec: {} }),
      method: 'PUT',
      path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler',
    },
  ])('$verb → $method $path', async ({ call, method, path }) => {
    server.interceptor = (_req, res) => (json(res, 200, { kind: 'X', items: [] }), true);
    await call(client);
    expect(last().method).toBe(method);
    expect(last().url.pathname).toBe(path);
    // The fake apiserver is plain http: the configured token is withheld, as client-go does.
    expect(last().headers['authorization']).toBeUndefined();
    expect(last().headers['user-agent']).toBe('client-test');
  });

  it('sends list options as query parameters', async () => {
    await client.pods.list('default', { labelSelector: 'app=web,tier!=db', fieldSelector: 'spec.nodeName=', limit: 500, continue: 'tok', resourceVersion: '0' });
    const q = Object.fromEntries(last().url.searchParams);
    expect(q).toEqual({ labelSelector: 'app=web,tier!=db', fieldSelector: 'spec.nodeName=', limit: '500', continue: 'tok', resourceVersion: '0' });
  });

  it('round-trips create, get, list with a selector, update and delete', async () => {
    const created = await client.pods.create('default', pod('web-0', 'default', { app: 'web' }));
    await client.pods.create('default', pod('db-0', 'default', { app: 'db' }));
    expect(created.metadata?.resourceVersion).toBeTruthy();
    expect((await client.pods.get('default', 'web-0')).metadata?.labels).toEqual({ app: 'web' });
    const list = await client.pods.list('default', { labelSelector: 'app=web' });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['web-0']);
    const updated = await client.pods.update('default', { ...created, metadata: { ...created.metadata, labels: { app: 'web', v: '2' } } });
    expect(updated.metadata?.labels?.['v']).toBe('2');
    await client.pods.delete('default', 'web-0', { gracePeriodSeconds: 0 });
    expect(JSON.parse(last().body)).toMatchObject({ kind: 'DeleteOptions', gracePeriodSeconds: 0 });
    await expect(client.pods.get('default', 'web-0')).rejects.toSatisfy(isNotFound);
  });

  it.each([
    { type: 'merge' as const, contentType: 'application/merge-patch+json' },
    { type: 'strategic' as const, contentType: 'application/strategic-merge-patch+json' },
    { type: 'json' as const, contentType: 'application/json-patch+json' },
  ])('patch $type sends $contentType', async ({ type, contentType }) => {
    server.interceptor = (_req, res) => (json(res, 200, pod('p')), true);
    const patch = type === 'json' ? [{ op: 'replace', path: '/spec/replicas', value: 3 }] : { spec: { replicas: 3 } };
    await client.replicationControllers.patch('ns1', 'rc', patch, type, { subresource: 'scale' });
    expect(last().method).toBe('PATCH');
    expect(last().url.pathname).toBe('/api/v1/namespaces/ns1/replicationcontrollers/rc/scale');
    expect(last().headers['content-type']).toBe(contentType);
    expect(JSON.parse(last().body)).toEqual(patch);
  });

  it('bind posts a Binding to the node', async () => {
    server.interceptor = (_req, res) => (json(res, 201, { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 }), true);
    const result = await client.pods.bind('ns1', 'p', 'node-1', { annotations: { a: 'b' } });
    expect(result.status).toBe('Success');
    expect(JSON.parse(last().body)).toEqual({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p', namespace: 'ns1', annotations: { a: 'b' } },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
    });
  });

  it('updateScale PUTs the Scale and returns the server one', async () => {
    const rc: ReplicationController = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'ns1' }, spec: { replicas: 1 } };
    server.put('replicationcontrollers', rc);
    const scale = await client.replicationControllers.getScale('ns1', 'rc');
    expect(scale.spec?.replicas).toBe(1);
    server.interceptor = (req, res) => (json(res, 200, JSON.parse(req.body)), true);
    const updated = await client.replicationControllers.updateScale('ns1', 'rc', { ...scale, spec: { replicas: 3 } });
    expect(last().method).toBe('PUT');
    expect(updated.spec?.replicas).toBe(3);
  });

  it('logs returns text with the log options as query; followLogs streams chunks', async () => {
    server.interceptor = async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (req.url.searchParams.get('follow') !== 'true') return (res.end('line 1\nline 2\n'), true);
      res.write('a\n');
      await new Promise((r) => setImmediate(r));
      res.end('b\n');
      return true;
    };
    expect(await client.pods.logs('ns1', 'p', { container: 'c', tailLines: 10, timestamps: true })).toBe('line 1\nline 2\n');
    expect(Object.fromEntries(last().url.searchParams)).toEqual({ container: 'c', tailLines: '10', timestamps: 'true' });
    let text = '';
    for await (const chunk of client.pods.followLogs('ns1', 'p')) text += chunk;
    expect(text).toBe('a\nb\n');
    expect(last().url.searchParams.get('follow')).toBe('true');
  });

  it('a namespaced verb without a namespace is a BadRequest before any request', async () => {
    await expect(client.pods.get(undefined, 'x')).rejects.toMatchObject({ reason: 'BadRequest' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('errors', () => {
  it.each([
    { code: 404, reason: 'NotFound', check: isNotFound },
    { code: 409, reason: 'AlreadyExists', check: isAlreadyExists },
    { code: 409, reason: 'Conflict', check: isConflict },
  ])('a $code $reason Status becomes a matching StatusError', async ({ code, reason, check }) => {
    server.interceptor = (_req, res) => (status(res, code, reason, `pods "x" ${reason}`, { name: 'x', kind: 'pods' }), true);
    const err: unknown = await client.pods.get('default', 'x').catch((e: unknown) => e);
    expect(check(err)).toBe(true);
    expect(err).toMatchObject({ reason, code, message: `pods "x" ${reason}`, details: { name: 'x', kind: 'pods' } });
  });

  it.each([
    { method: 'POST', code: 409, reason: 'AlreadyExists' },
    { method: 'PUT', code: 409, reason: 'Conflict' },
    { method: 'GET', code: 404, reason: 'NotFound' },
    { method: 'GET', code: 503, reason: 'ServiceUnavailable' },
    { method: 'GET', code: 502, reason: 'InternalError' },
  ])('a non-Status $code body on $method is synthesised as $reason', async ({ method, code, reason }) => {
    server.interceptor = (_req, res) => (res.writeHead(code, { 'content-type': 'text/plain' }), res.end('oops'), true);
    await expect(client.request(method, '/api/v1/namespaces/default/pods/x', method === 'GET' ? {} : { body: {} })).rejects.toMatchObject({ reason, code: expect.any(Number) });
  });

  it('an optimistic-concurrency conflict from a stale resourceVersion is a Conflict', async () => {
    const created = await client.pods.create('default', pod('p'));
    await client.pods.update('default', created);
    await expect(client.pods.update('default', created)).rejects.toSatisfy(isConflict);
  });

  it('connection refused is a ServiceUnavailable StatusError that keeps its cause', async () => {
    await server.stop();
    const down = createClient({ server: server.url, maxGetRetries: 0 });
    const err: unknown = await down.pods.create('default', pod('p')).catch((e: unknown) => e);
    expect(isStatusError(err) && err.reason).toBe('ServiceUnavailable');
    expect(isConnectionError(err)).toBe(true);
    expect((err as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    down.close();
  });

  it('GETs retry connection failures with backoff; the retry made once the server is back succeeds', async () => {
    const port = new URL(server.url).port;
    await server.stop();
    const clock = new FakeClock();
    const retrying = createClient({ server: `http://127.0.0.1:${port}`, maxGetRetries: 5, clock });
    server.put('pods', pod('p'));
    const pending = retrying.pods.get('default', 'p');
    // The first attempt was refused once the client sleeps its backoff.
    while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 5));
    await server.start();
    await clock.advanceAsync(100);
    await expect(pending).resolves.toMatchObject({ metadata: { name: 'p' } });
    expect(server.requests).toHaveLength(1);
    retrying.close();
  });

  it('never retries a POST that failed to connect', async () => {
    await server.stop();
    const down = createClient({ server: server.url, maxGetRetries: 5 });
    await expect(down.pods.create('default', pod('p'))).rejects.toSatisfy(isConnectionError);
    down.close();
  });
});

describe('generic request', () => {
  it('sends query, body and content type; parses JSON and returns text otherwise', async () => {
    server.interceptor = (req, res) => {
      if (req.url.pathname === '/version') return (json(res, 200, { gitVersion: 'v1.32.0' }), true);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.headers['content-type']} ${req.body}`);
      return true;
    };
    expect(await client.request('GET', '/version')).toEqual({ gitVersion: 'v1.32.0' });
    const text = await client.request('POST', '/raw', { query: { a: '1', b: ['x', 'y'] }, body: 'hello', contentType: 'text/plain' });
    expect(text).toBe('text/plain hello');
    expect(last().url.search).toBe('?a=1&b=x&b=y');
  });
});
