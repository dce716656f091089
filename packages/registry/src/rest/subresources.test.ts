import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceBody, nodeBody, podBody, rcBody, serviceBody, startTestApi, type TestApi } from './test-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const NS = '/api/v1/namespaces/default';
const binding = (name: string, node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } });

describe('status subresources', () => {
  it.each([
    ['pods', `${NS}/pods`, podBody('st'), { phase: 'Running' }],
    ['nodes', '/api/v1/nodes', nodeBody('st'), { phase: 'Running' }],
    ['services', `${NS}/services`, serviceBody('st'), { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }],
    ['replicationcontrollers', `${NS}/replicationcontrollers`, rcBody('st'), { replicas: 2 }],
  ])('%s: PUT /status changes only status, PUT changes only the rest', async (_r, base, body, status) => {
    const created = await api.call(base, { method: 'POST', body });
    expect(created.status).toBe(201);
    const got = await api.call(`${base}/st/status`);
    expect(got.status).toBe(200);
    const withStatus = { ...got.body, status, metadata: { ...got.body.metadata, labels: { changed: 'by-status' } } };
    const put = await api.call(`${base}/st/status`, { method: 'PUT', body: withStatus });
    expect(put.status).toBe(200);
    expect(put.body.status).toMatchObject(status);
    const main = await api.call(`${base}/st`, { method: 'PUT', body: { ...put.body, status: {} } });
    expect(main.status).toBe(200);
    expect(main.body.status).toMatchObject(status);
  });

  it('a stale resourceVersion on /status is a 409', async () => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('stale') });
    const got = await api.call(`${NS}/pods/stale/status`);
    await api.call(`${NS}/pods/stale/status`, { method: 'PUT', body: { ...got.body, status: { phase: 'Running' } } });
    const again = await api.call(`${NS}/pods/stale/status`, { method: 'PUT', body: { ...got.body, status: { phase: 'Failed' } } });
    expect(again.status).toBe(409);
  });
});

describe('bindings', () => {
  it('POST pods/{name}/binding sets the node (201 Success Status), a second is a 409', async () => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('bind-me') });
    const res = await api.call(`${NS}/pods/bind-me/binding`, { method: 'POST', body: binding('bind-me', 'node-1') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 });
    expect((await api.call(`${NS}/pods/bind-me`)).body.spec.nodeName).toBe('node-1');
    const again = await api.call(`${NS}/pods/bind-me/binding`, { method: 'POST', body: binding('bind-me', 'node-2') });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('is already assigned to node "node-1"');
  });

  it('POST /bindings (the seed’s resource) takes the name from the body', async () => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('bind-legacy') });
    const res = await api.call(`${NS}/bindings`, { method: 'POST', body: binding('bind-legacy', 'node-1') });
    expect(res.status).toBe(201);
  });

  it.each([
    ['a missing pod', 'ghost', binding('ghost', 'n'), 404],
    ['a name that differs from the URL', 'bind-x', binding('other', 'n'), 400],
    ['no target', 'bind-x', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-x' }, target: {} }, 422],
  ])('%s → %i', async (_what, name, body, code) => {
    const res = await api.call(`${NS}/pods/${name}/binding`, { method: 'POST', body });
    expect(res.status).toBe(code);
  });
});

describe('replicationcontrollers/scale', () => {
  it('GET gives an autoscaling/v1 Scale with the selector as a string', async () => {
    await api.call(`${NS}/replicationcontrollers`, { method: 'POST', body: rcBody('web', 2) });
    const res = await api.call(`${NS}/replicationcontrollers/web/scale`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2 },
      status: { replicas: 0, selector: 'app=web' },
    });
  });

  it('PUT sets replicas; a stale resourceVersion is a 409; negative is a 422', async () => {
    const scale = (await api.call(`${NS}/replicationcontrollers/web/scale`)).body;
    const put = await api.call(`${NS}/replicationcontrollers/web/scale`, { method: 'PUT', body: { ...scale, spec: { replicas: 5 } } });
    expect(put.status).toBe(200);
    expect(put.body.spec.replicas).toBe(5);
    const stale = await api.call(`${NS}/replicationcontrollers/web/scale`, { method: 'PUT', body: { ...scale, spec: { replicas: 6 } } });
    expect(stale.status).toBe(409);
    const negative = await api.call(`${NS}/replicationcontrollers/web/scale`, {
      method: 'PUT',
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: -1 } },
    });
    expect(negative.status).toBe(422);
    expect(negative.body.message).toContain('spec.replicas');
  });

  it('a missing controller is a 404', async () => {
    const res = await api.call(`${NS}/replicationcontrollers/nope/scale`);
    expect(res.status).toBe(404);
  });
});

describe('namespaces', () => {
  it('DELETE marks Terminating; PUT /finalize with no finalizers removes it', async () => {
    await api.call('/api/v1/namespaces', { method: 'POST', body: namespaceBody('doomed') });
    const del = await api.call('/api/v1/namespaces/doomed', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body.status.phase).toBe('Terminating');
    const ns = (await api.call('/api/v1/namespaces/doomed')).body;
    const fin = await api.call('/api/v1/namespaces/doomed/finalize', { method: 'PUT', body: { ...ns, spec: { finalizers: [] } } });
    expect(fin.status).toBe(200);
    await api.call('/api/v1/namespaces/doomed', { method: 'DELETE' });
    expect((await api.call('/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('the default namespace may not be deleted (403)', async () => {
    const res = await api.call('/api/v1/namespaces/default', { method: 'DELETE' });
    expect(res.status).toBe(403);
  });
});
