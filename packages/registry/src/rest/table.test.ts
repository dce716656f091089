import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiateTable } from './negotiate.js';
import { nodeBody, podBody, startTestApi, type TestApi } from './test-helpers.js';

const KUBECTL_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('negotiateTable', () => {
  it.each([
    [KUBECTL_ACCEPT, 'v1'],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json', 'v1beta1'],
    ['application/json; g=meta.k8s.io; as=Table; v=v1', 'v1'],
    ['application/json', undefined],
    ['application/json, application/json;as=Table;v=v1;g=meta.k8s.io', undefined],
    ['application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5, application/json', undefined],
    ['application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io', 'v1'],
    ['application/xml', undefined],
    [undefined, undefined],
  ])('%s → %s', (accept, version) => {
    expect(negotiateTable(accept, undefined)?.version).toBe(version);
  });

  it('checks includeObject only for Tables', () => {
    expect(negotiateTable(KUBECTL_ACCEPT, 'Object')?.includeObject).toBe('Object');
    expect(negotiateTable(KUBECTL_ACCEPT, undefined)?.includeObject).toBe('Metadata');
    expect(() => negotiateTable(KUBECTL_ACCEPT, 'All')).toThrow(/includeObject/);
    expect(negotiateTable('application/json', 'All')).toBeUndefined();
  });
});

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  await api.call('/api/v1/namespaces/default/pods', { method: 'POST', body: podBody('t1') });
  await api.call('/api/v1/namespaces/default/pods', { method: 'POST', body: podBody('t2') });
  await api.call('/api/v1/nodes', { method: 'POST', body: nodeBody('node-1') });
});
afterAll(() => api.close());

describe('server-side Table', () => {
  const accept = { accept: KUBECTL_ACCEPT };

  it('lists pods as a Table with kubectl columns and the list resourceVersion', async () => {
    const res = await api.call('/api/v1/namespaces/default/pods?limit=500', { headers: accept });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(res.body.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(res.body.rows).toHaveLength(2);
    for (const row of res.body.rows) {
      expect(row.cells).toHaveLength(res.body.columnDefinitions.length);
      expect(row.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { namespace: 'default' } });
    }
  });

  it('gets one object as a one-row Table', async () => {
    const res = await api.call('/api/v1/nodes/node-1', { headers: accept });
    expect(res.body.kind).toBe('Table');
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0].cells[0]).toBe('node-1');
    expect(res.body.metadata.resourceVersion).toBeDefined();
  });

  it.each([
    ['None', (row: Record<string, unknown>) => expect(row.object).toBeUndefined()],
    ['Object', (row: Record<string, unknown>) => expect(row.object).toMatchObject({ kind: 'Pod', spec: {} })],
    ['Metadata', (row: Record<string, unknown>) => expect(row.object).toMatchObject({ kind: 'PartialObjectMetadata' })],
  ])('includeObject=%s', async (value, check) => {
    const res = await api.call(`/api/v1/namespaces/default/pods?includeObject=${value}`, { headers: accept });
    expect(res.status).toBe(200);
    check(res.body.rows[0]);
  });

  it('rejects another includeObject with 400', async () => {
    const res = await api.call('/api/v1/namespaces/default/pods?includeObject=Everything', { headers: accept });
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe('BadRequest');
  });

  it('gives an empty Table (rows: []) for an empty list', async () => {
    const res = await api.call('/api/v1/namespaces/kube-system/pods', { headers: accept });
    expect(res.body.rows).toEqual([]);
  });

  it('answers plain JSON to anything it cannot produce (never 406)', async () => {
    const res = await api.call('/api/v1/namespaces/default/pods', { headers: { accept: 'application/xml' } });
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('PodList');
  });
});
