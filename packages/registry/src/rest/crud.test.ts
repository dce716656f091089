import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endpointsBody,
  eventBody,
  namespaceBody,
  nodeBody,
  podBody,
  rcBody,
  serviceBody,
  startTestApi,
  type TestApi,
} from './test-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const NS = '/api/v1/namespaces/default';

// resource, collection path, body factory, field to change on update, whether DELETE returns the object
const table = [
  ['pods', `${NS}/pods`, podBody, 'Pod', true],
  ['services', `${NS}/services`, serviceBody, 'Service', true],
  ['replicationcontrollers', `${NS}/replicationcontrollers`, (n: string) => rcBody(n), 'ReplicationController', false],
  ['endpoints', `${NS}/endpoints`, endpointsBody, 'Endpoints', false],
  ['events', `${NS}/events`, eventBody, 'Event', false],
  ['nodes', '/api/v1/nodes', (n: string) => nodeBody(n), 'Node', false],
  ['namespaces', '/api/v1/namespaces', namespaceBody, 'Namespace', true],
] as const;

describe.each(table)('%s', (resource, base, make, kind, returnsObject) => {
  const name = `crud-${resource}`;

  it('creates (201), gets, lists, updates, deletes', async () => {
    const created = await api.call(base, { method: 'POST', body: make(name) });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    expect(created.body).toMatchObject({ kind, apiVersion: 'v1', metadata: { name } });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const got = await api.call(`${base}/${name}`);
    expect(got.status).toBe(200);
    expect(got.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);

    const list = await api.call(base);
    expect(list.body).toMatchObject({ kind: `${kind}List`, apiVersion: 'v1' });
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.body.metadata.resourceVersion));
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain(name);

    const changed = { ...got.body, metadata: { ...got.body.metadata, labels: { touched: 'yes' } } };
    const updated = await api.call(`${base}/${name}`, { method: 'PUT', body: changed });
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.labels).toMatchObject({ touched: 'yes' });
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(got.body.metadata.resourceVersion));

    const deleted = await api.call(`${base}/${name}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    if (returnsObject) {
      expect(deleted.body).toMatchObject({ kind, metadata: { name } });
    } else {
      expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name, kind: resource } });
    }
    if (resource !== 'namespaces') {
      const gone = await api.call(`${base}/${name}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: `${resource} "${name}" not found`, details: { name, kind: resource } });
    }
  });

  it('answers 409 AlreadyExists on a duplicate create', async () => {
    const dup = `dup-${resource}`;
    expect((await api.call(base, { method: 'POST', body: make(dup) })).status).toBe(201);
    const again = await api.call(base, { method: 'POST', body: make(dup) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: `${resource} "${dup}" already exists` });
  });
});

describe('optimistic concurrency', () => {
  it('two PUTs with the same resourceVersion: one 200, one 409', async () => {
    const created = await api.call(`${NS}/pods`, { method: 'POST', body: podBody('race') });
    const put = (label: string) =>
      api.call(`${NS}/pods/race`, {
        method: 'PUT',
        body: { ...created.body, metadata: { ...created.body.metadata, labels: { who: label } } },
      });
    const results = await Promise.all([put('a'), put('b')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(loser.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "race": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('a DELETE with a stale uid precondition is a 409', async () => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('precond') });
    const res = await api.call(`${NS}/pods/precond`, {
      method: 'DELETE',
      body: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', preconditions: { uid: 'not-the-uid' } },
    });
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('Conflict');
  });
});

describe('validation and admission', () => {
  it.each([
    ['a bad name', podBody('Bad_Name'), 'metadata.name'],
    ['a bad label', podBody('ok', { metadata: { name: 'ok', labels: { 'bad key!': 'x' } } }), 'metadata.labels'],
    ['a bad quantity', podBody('q', { spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 'lots' } } }] } }), 'spec.containers[0].resources.limits[cpu]'],
    ['no image', podBody('noimg', { spec: { containers: [{ name: 'c' }] } }), 'spec.containers[0].image'],
    ['no name', { ...podBody('x'), metadata: {} }, 'metadata.name'],
  ])('%s is a 422 Invalid with causes', async (_what, body, field) => {
    const res = await api.call(`${NS}/pods`, { method: 'POST', body });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { kind: 'Pod' } });
    expect(res.body.message).toMatch(/^Pod ".*" is invalid: /);
    expect(res.body.details.causes.map((c: { field: string }) => c.field).join(' ')).toContain(field.split('[')[0]);
  });

  it('rejects a create in a namespace that does not exist (404)', async () => {
    const res = await api.call('/api/v1/namespaces/nowhere/pods', { method: 'POST', body: podBody('p') });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('namespaces "nowhere" not found');
  });

  it('rejects a body namespace that contradicts the URL (400)', async () => {
    const res = await api.call(`${NS}/pods`, { method: 'POST', body: podBody('p', { metadata: { name: 'p', namespace: 'kube-system' } }) });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  it('generates a name from generateName', async () => {
    const res = await api.call(`${NS}/pods`, { method: 'POST', body: { ...podBody('x'), metadata: { generateName: 'gen-' } } });
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('dryRun=All validates without storing', async () => {
    const res = await api.call(`${NS}/pods?dryRun=All`, { method: 'POST', body: podBody('dry') });
    expect(res.status).toBe(201);
    expect((await api.call(`${NS}/pods/dry`)).status).toBe(404);
    expect((await api.call(`${NS}/pods?dryRun=Some`, { method: 'POST', body: podBody('dry') })).status).toBe(422);
  });
});

describe('list options', () => {
  beforeAll(async () => {
    await api.call('/api/v1/namespaces', { method: 'POST', body: namespaceBody('lists') });
    for (const [name, tier] of [['l1', 'front'], ['l2', 'back'], ['l3', 'front'], ['l4', 'db']]) {
      await api.call('/api/v1/namespaces/lists/pods', { method: 'POST', body: podBody(name!, { metadata: { name, labels: { tier } } }) });
    }
  });
  const names = (body: { items: { metadata: { name: string } }[] }) => body.items.map((i) => i.metadata.name).sort();

  it.each([
    ['labelSelector=tier%3Dfront', ['l1', 'l3']],
    ['labelSelector=tier%20in%20(front%2Cdb)', ['l1', 'l3', 'l4']],
    ['labelSelector=tier!%3Dfront', ['l2', 'l4']],
    ['labelSelector=!tier', []],
    ['fieldSelector=metadata.name%3Dl2', ['l2']],
    ['fieldSelector=spec.nodeName%3D', ['l1', 'l2', 'l3', 'l4']],
    ['fieldSelector=status.phase!%3DRunning,metadata.name!%3Dl1', ['l2', 'l3', 'l4']],
  ])('?%s', async (qs, expected) => {
    const res = await api.call(`/api/v1/namespaces/lists/pods?${qs}`);
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(expected);
  });

  it.each([
    ['fieldSelector=spec.foo%3Dx', 'field label not supported: spec.foo'],
    ['labelSelector=a%20in%20(', ''],
    ['limit=abc', ''],
  ])('?%s is a 400', async (qs, message) => {
    const res = await api.call(`/api/v1/namespaces/lists/pods?${qs}`);
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe('BadRequest');
    if (message) expect(res.body.message).toContain(message);
  });

  it('selects events the way kubectl describe asks for them', async () => {
    await api.call('/api/v1/namespaces/lists/events', { method: 'POST', body: { ...eventBody('ev1'), involvedObject: { kind: 'Pod', name: 'l1', namespace: 'lists', uid: 'u1' } } });
    const qs = encodeURIComponent('involvedObject.name=l1,involvedObject.namespace=lists,involvedObject.uid=u1');
    const res = await api.call(`/api/v1/namespaces/lists/events?fieldSelector=${qs}&limit=500`);
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['ev1']);
  });

  it('pages with limit and continue', async () => {
    const seen: string[] = [];
    let cont = '';
    for (let page = 0; page < 10; page++) {
      const res = await api.call(`/api/v1/namespaces/lists/pods?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      cont = res.body.metadata.continue ?? '';
      if (!cont) break;
    }
    expect(seen.sort()).toEqual(['l1', 'l2', 'l3', 'l4']);
  });

  it('lists across namespaces with /api/v1/pods and always has items', async () => {
    const all = await api.call('/api/v1/pods?labelSelector=tier%3Dfront');
    expect(names(all.body)).toEqual(['l1', 'l3']);
    const none = await api.call('/api/v1/namespaces/lists/services');
    expect(none.body.items).toEqual([]);
  });

  it('deletecollection deletes what the selector matches', async () => {
    const res = await api.call('/api/v1/namespaces/lists/pods?labelSelector=tier%3Dfront', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['l1', 'l3']);
    expect(names((await api.call('/api/v1/namespaces/lists/pods')).body)).toEqual(['l2', 'l4']);
  });
});

describe('graceful pod deletion', () => {
  it('a bound pod gets a deletionTimestamp; grace 0 removes it', async () => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('graceful', { spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } }) });
    const first = await api.call(`${NS}/pods/graceful`, { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
    expect(first.status).toBe(200);
    expect(first.body.metadata.deletionTimestamp).toBeDefined();
    expect(first.body.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await api.call(`${NS}/pods/graceful`)).status).toBe(200);
    const now = await api.call(`${NS}/pods/graceful?gracePeriodSeconds=0`, { method: 'DELETE' });
    expect(now.status).toBe(200);
    expect((await api.call(`${NS}/pods/graceful`)).status).toBe(404);
  });

  it('an unbound pod is removed at once', async () => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('unbound') });
    expect((await api.call(`${NS}/pods/unbound`, { method: 'DELETE' })).status).toBe(200);
    expect((await api.call(`${NS}/pods/unbound`)).status).toBe(404);
  });

  it.each([
    [{ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Sideways' }, 422],
    [{ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan', orphanDependents: true }, 422],
    [{ kind: 'Pod', apiVersion: 'v1' }, 400],
    ['{not json', 400],
  ])('bad DeleteOptions %j → %i', async (body, code) => {
    await api.call(`${NS}/pods`, { method: 'POST', body: podBody('delopts') });
    const res = await api.call(`${NS}/pods/delopts`, { method: 'DELETE', body });
    expect(res.status).toBe(code);
    expect(res.body.kind).toBe('Status');
  });
});
