import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rcBody, startTestApi, type TestApi } from '../test-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const RCS = '/api/v1/namespaces/default/replicationcontrollers';
const APPLY = 'application/apply-patch+yaml';
const apply = (name: string, body: unknown, query = '?fieldManager=kubectl') =>
  api.call(`${RCS}/${name}${query}`, { method: 'PATCH', type: APPLY, body });
const managers = (obj: { metadata: { managedFields?: { manager: string; operation: string; subresource?: string }[] } }) =>
  (obj.metadata.managedFields ?? []).map((e) => [e.manager, e.operation, e.subresource ?? ''].join('/'));

describe('server-side apply over HTTP', () => {
  it('creates (201), then updates (200) and prunes a dropped label', async () => {
    const body = rcBody('ssa-1', 2);
    (body.metadata as Record<string, unknown>).labels = { app: 'ssa-1', tier: 'front' };
    const created = await apply('ssa-1', body);
    expect(created.status).toBe(201);
    expect(created.body.metadata.namespace).toBe('default');
    expect(managers(created.body)).toEqual(['kubectl/Apply/']);

    delete (body.metadata as { labels?: Record<string, string> }).labels!.tier;
    body.spec.template.spec.containers[0]!.image = 'busybox:2';
    const updated = await apply('ssa-1', body);
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.labels).toEqual({ app: 'ssa-1' });
    expect(updated.body.spec.template.spec.containers[0].image).toBe('busybox:2');
  });

  it('accepts YAML', async () => {
    const yaml = 'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: ssa-yaml\nspec:\n  replicas: 1\n  selector: {app: y}\n  template:\n    metadata: {labels: {app: y}}\n    spec:\n      containers: [{name: c, image: busybox}]\n';
    const res = await apply('ssa-yaml', yaml);
    expect(res.status).toBe(201);
  });

  it.each([
    { name: 'no fieldManager', query: '', code: 422, message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch' },
    { name: 'a name that is not the URL one', query: '?fieldManager=x', code: 400, message: 'the name of the object (other) does not match the name on the URL (ssa-bad)' },
  ])('refuses $name', async ({ query, code, message }) => {
    const res = await apply('ssa-bad', rcBody('other'), query);
    expect(res.status).toBe(code);
    expect(res.body.message).toBe(message);
  });

  it('refuses force on a non-apply patch', async () => {
    await api.call(RCS, { method: 'POST', body: rcBody('ssa-force') });
    const res = await api.call(`${RCS}/ssa-force?force=true`, { method: 'PATCH', type: 'application/merge-patch+json', body: { spec: { replicas: 2 } } });
    expect(res.status).toBe(422);
  });

  it('dry-run stores nothing', async () => {
    const res = await apply('ssa-dry', rcBody('ssa-dry'), '?fieldManager=kubectl&dryRun=All');
    expect(res.status).toBe(201);
    expect((await api.call(`${RCS}/ssa-dry`)).status).toBe(404);
  });

  it('a scale after an apply owns replicas: the next apply conflicts, force takes them back', async () => {
    await apply('ssa-scale', rcBody('ssa-scale', 2));
    const scaled = await api.call(`${RCS}/ssa-scale/scale`, {
      method: 'PATCH',
      type: 'application/merge-patch+json',
      body: { spec: { replicas: 3 } },
      headers: { 'user-agent': 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc' },
    });
    expect(scaled.status).toBe(200);
    const live = await api.call(`${RCS}/ssa-scale`);
    expect(managers(live.body)).toEqual(['kubectl/Apply/', 'kubectl/Update/scale']);

    const refused = await apply('ssa-scale', rcBody('ssa-scale', 2));
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using v1: .spec.replicas');
    expect(refused.body.details.causes[0].reason).toBe('FieldManagerConflict');

    const forced = await apply('ssa-scale', rcBody('ssa-scale', 2), '?fieldManager=kubectl&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.spec.replicas).toBe(2);
    expect(managers(forced.body)).toEqual(['kubectl/Apply/']);
  });

  it('a create and an update are recorded as Update by their manager', async () => {
    const created = await api.call(RCS, { method: 'POST', body: rcBody('upd'), headers: { 'user-agent': 'kubectl-create/v1.32.0 (linux/amd64)' } });
    expect(managers(created.body)).toEqual(['kubectl-create/Update/']);
    const patched = await api.call(`${RCS}/upd?fieldManager=kubectl-label`, {
      method: 'PATCH',
      type: 'application/merge-patch+json',
      body: { metadata: { labels: { x: 'y' } } },
    });
    expect(patched.body.metadata.managedFields[1]).toMatchObject({ manager: 'kubectl-label', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:x': {} } } } });
    // A PUT without managedFields keeps them.
    const { managedFields: _, ...meta } = patched.body.metadata;
    const put = await api.call(`${RCS}/upd`, { method: 'PUT', body: { ...patched.body, metadata: meta } });
    expect(managers(put.body)).toEqual(['kubectl-create/Update/', 'kubectl-label/Update/']);
  });
});
