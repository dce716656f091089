// Storage-backed resources of a named group (coordination.k8s.io/v1 leases) over the same REST
// layer as the core ones: routes, every verb, discovery, Table output, selectors, dryRun, fieldValidation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, startTestApi, type TestApi } from './test-helpers.js';
import { routeOfPath } from './route.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const GV = '/apis/coordination.k8s.io/v1';
const NS = `${GV}/namespaces/default/leases`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const lease = (name: string, spec: Record<string, unknown> = { holderIdentity: 'a', leaseDurationSeconds: 15 }, labels: Record<string, string> = {}) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, labels },
  spec,
});

describe('routes', () => {
  it.each([
    ['/apis/coordination.k8s.io/v1/leases', { resource: 'leases', namespace: undefined, name: undefined }],
    ['/apis/coordination.k8s.io/v1/namespaces/ns1/leases', { resource: 'leases', namespace: 'ns1', name: undefined }],
    ['/apis/coordination.k8s.io/v1/namespaces/ns1/leases/x', { resource: 'leases', namespace: 'ns1', name: 'x' }],
  ])('%s', (path, want) => {
    const route = routeOfPath(path);
    expect({ resource: route?.resource.name, namespace: route?.namespace, name: route?.name }).toEqual(want);
  });

  it.each([
    '/api/v1/namespaces/ns1/leases', // not a core resource
    '/apis/coordination.k8s.io/v2/namespaces/ns1/leases', // no such version
    '/apis/coordination.k8s.io/v1/leases/x', // a namespaced resource needs its namespace
    '/apis/coordination.k8s.io/v1/namespaces/ns1/leases/x/status', // no subresources
    '/apis/apps/v1/namespaces/ns1/pods', // core resources are not in other groups
  ])('%s is not served', (path) => {
    expect(routeOfPath(path)).toBeUndefined();
  });
});

describe('leases over REST', () => {
  it('creates, gets, lists, updates with a resourceVersion, patches and deletes', async () => {
    const created = await api.call(NS, { method: 'POST', body: lease('crud') });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'crud', namespace: 'default' } });

    const got = await api.call(`${NS}/crud`);
    expect(got.body.spec).toEqual({ holderIdentity: 'a', leaseDurationSeconds: 15 });

    const list = await api.call(NS);
    expect(list.body).toMatchObject({ apiVersion: 'coordination.k8s.io/v1', kind: 'LeaseList' });
    expect(list.body.items.map((l: { metadata: { name: string } }) => l.metadata.name)).toContain('crud');

    const renewed = await api.call(`${NS}/crud`, { method: 'PUT', body: { ...got.body, spec: { ...got.body.spec, renewTime: '2025-01-01T00:00:00Z' } } });
    expect(renewed.status).toBe(200);
    // Stored as Go's RFC3339Micro.
    expect(renewed.body.spec.renewTime).toBe('2025-01-01T00:00:00.000000Z');

    const stale = await api.call(`${NS}/crud`, { method: 'PUT', body: got.body });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on leases.coordination.k8s.io "crud": the object has been modified; please apply your changes to the latest version and try again',
    );

    const patched = await api.call(`${NS}/crud`, { method: 'PATCH', type: 'application/merge-patch+json', body: { spec: { holderIdentity: 'b' } } });
    expect(patched.body.spec.holderIdentity).toBe('b');
    const strategic = await api.call(`${NS}/crud`, { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: { spec: { leaseTransitions: 1 } } });
    expect(strategic.body.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });

    const deleted = await api.call(`${NS}/crud`, { method: 'DELETE' });
    expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'crud', group: 'coordination.k8s.io', kind: 'leases' } });
    const gone = await api.call(`${NS}/crud`);
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('leases.coordination.k8s.io "crud" not found');
  });

  it('validates as upstream: 422 naming the group-qualified kind', async () => {
    const res = await api.call(NS, { method: 'POST', body: lease('bad', { leaseDurationSeconds: 0, leaseTransitions: -1 }) });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      'Lease.coordination.k8s.io "bad" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]',
    );
    expect(res.body.details).toMatchObject({ name: 'bad', group: 'coordination.k8s.io' });
  });

  it('refuses a body of another apiVersion', async () => {
    const res = await api.call(NS, { method: 'POST', body: { ...lease('v'), apiVersion: 'v1' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('does not match the expected API version (coordination.k8s.io/v1)');
  });

  it('applies fieldValidation (Strict fails, Warn warns) and dryRun', async () => {
    const unknown = { ...lease('fv'), spec: { holderIdentity: 'a', bogus: 1 } };
    const strict = await api.call(`${NS}?fieldValidation=Strict`, { method: 'POST', body: unknown });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.bogus"');
    const dry = await api.call(`${NS}?dryRun=All`, { method: 'POST', body: unknown });
    expect(dry.status).toBe(201);
    expect(dry.headers.get('warning')).toContain('unknown field \\"spec.bogus\\"');
    expect((await api.call(`${NS}/fv`)).status).toBe(404);
  });

  it('lists across namespaces with label and field selectors, as a Table too', async () => {
    await api.call('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'other' } } });
    await api.call(NS, { method: 'POST', body: lease('sel-a', { holderIdentity: 'x' }, { app: 'sel' }) });
    await api.call(`${GV}/namespaces/other/leases`, { method: 'POST', body: lease('sel-b', { holderIdentity: 'y' }, { app: 'sel' }) });
    const all = await api.call(`${GV}/leases?labelSelector=app%3Dsel`);
    expect(all.body.items.map((l: { metadata: { namespace: string } }) => l.metadata.namespace).sort()).toEqual(['default', 'other']);
    const byField = await api.call(`${GV}/leases?fieldSelector=metadata.namespace%3Dother`);
    expect(byField.body.items.map((l: { metadata: { name: string } }) => l.metadata.name)).toEqual(['sel-b']);
    const table = await api.call(`${GV}/leases?labelSelector=app%3Dsel`, { headers: { accept: TABLE } });
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(table.body.rows.map((r: { cells: unknown[] }) => r.cells[1]).sort()).toEqual(['x', 'y']);
  });

  it('deletes a collection by label', async () => {
    await api.call(NS, { method: 'POST', body: lease('dc-1', {}, { batch: 'dc' }) });
    await api.call(NS, { method: 'POST', body: lease('dc-2', {}, { batch: 'dc' }) });
    const res = await api.call(`${NS}?labelSelector=batch%3Ddc`, { method: 'DELETE' });
    expect(res.body).toMatchObject({ apiVersion: 'coordination.k8s.io/v1', kind: 'LeaseList' });
    expect(res.body.items).toHaveLength(2);
    expect((await api.call(`${NS}?labelSelector=batch%3Ddc`)).body.items).toEqual([]);
  });

  it('watches', async () => {
    const rv = (await api.call(NS)).body.metadata.resourceVersion as string;
    const res = await fetch(`${api.url}${NS}?watch=true&resourceVersion=${rv}`);
    await api.call(NS, { method: 'POST', body: lease('w') });
    const { events } = await readEvents(res, 1);
    await res.body?.cancel();
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'w' } } });
  });

  it('refuses content in a namespace that does not exist', async () => {
    const res = await api.call(`${GV}/namespaces/nope/leases`, { method: 'POST', body: lease('x') });
    expect(res.status).toBe(404);
  });
});

describe('discovery', () => {
  it('lists the group in /apis beside the review groups', async () => {
    const res = await api.call('/apis');
    const group = res.body.groups.find((g: { name: string }) => g.name === 'coordination.k8s.io');
    expect(group).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'coordination.k8s.io',
      versions: [{ groupVersion: 'coordination.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'coordination.k8s.io/v1', version: 'v1' },
    });
    expect(res.body.groups.map((g: { name: string }) => g.name)).toContain('authorization.k8s.io');
    expect((await api.call('/apis/coordination.k8s.io')).body).toEqual(group);
  });

  it('serves the APIResourceList of the group-version', async () => {
    const res = await api.call(GV);
    expect(res.body).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'coordination.k8s.io/v1',
      resources: [
        {
          name: 'leases',
          singularName: 'lease',
          namespaced: true,
          kind: 'Lease',
          verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        },
      ],
    });
    expect((await api.call('/api/v1')).body.resources.map((r: { name: string }) => r.name)).not.toContain('leases');
  });

  it('publishes the OpenAPI v3 document, with fieldValidation on the PATCH, and lists it in the root', async () => {
    const root = await api.call('/openapi/v3');
    const url = root.body.paths['apis/coordination.k8s.io/v1'].serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/coordination\.k8s\.io\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await api.call(url);
    const item = doc.body.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}'];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' });
    expect(item.patch.operationId).toBe('patchCoordinationV1NamespacedLease');
    expect(item.patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect(doc.body.components.schemas['io.k8s.api.coordination.v1.Lease']).toBeDefined();
    expect((await api.call('/openapi/v3/apis/coordination.k8s.io/v9')).status).toBe(404);
  });

  it('publishes the paths in OpenAPI v2 too', async () => {
    const v2 = await api.call('/openapi/v2');
    expect(v2.body.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases']).toBeDefined();
    expect(v2.body.definitions['io.k8s.api.coordination.v1.Lease']['x-kubernetes-group-version-kind']).toEqual([
      { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
    ]);
  });

  it('still answers the review groups and 404s unknown group paths', async () => {
    const review = await api.call('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { method: 'POST', body: { spec: { namespace: 'default' } } });
    expect(review.status).toBe(201);
    expect((await api.call('/apis/coordination.k8s.io/v1/namespaces/default/widgets')).status).toBe(404);
    expect((await api.call('/apis/nope.example.com/v1/widgets', { method: 'POST', body: {} })).status).toBe(404);
  });
});
