import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podBody, rcBody, startTestApi, type TestApi } from './test-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const PODS = '/api/v1/namespaces/default/pods';
const twoContainers = (name: string) =>
  podBody(name, {
    spec: {
      containers: [
        { name: 'a', image: 'img-a:1', env: [{ name: 'X', value: '1' }] },
        { name: 'b', image: 'img-b:1' },
      ],
    },
  });
const patch = (path: string, type: string, body: unknown, query = '') =>
  api.call(`${path}${query}`, { method: 'PATCH', body, type });

describe('PATCH', () => {
  it.each([
    ['merge', 'application/merge-patch+json', { metadata: { labels: { tier: 'x' } } }],
    ['json', 'application/json-patch+json', [{ op: 'add', path: '/metadata/labels/tier', value: 'x' }]],
    ['strategic', 'application/strategic-merge-patch+json', { metadata: { labels: { tier: 'x' } } }],
  ])('%s patch sets a label', async (kind, type, body) => {
    const name = `p-${kind}`;
    await api.call(PODS, { method: 'POST', body: podBody(name) });
    const res = await patch(`${PODS}/${name}`, type, body, '?fieldManager=kubectl-label');
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels).toEqual({ app: 'web', tier: 'x' });
  });

  it('strategic merge patches containers by name and honours $setElementOrder', async () => {
    // A controller's template may change freely (a pod's containers may not be reordered).
    const rc = rcBody('smp');
    rc.spec.template.spec.containers = twoContainers('x').spec.containers as never;
    await api.call('/api/v1/namespaces/default/replicationcontrollers', { method: 'POST', body: rc });
    const res = await patch('/api/v1/namespaces/default/replicationcontrollers/smp', 'application/strategic-merge-patch+json', {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
            containers: [{ name: 'b', image: 'img-b:2' }],
          },
        },
      },
    });
    expect(res.status).toBe(200);
    const containers = res.body.spec.template.spec.containers;
    expect(containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['b=img-b:2', 'a=img-a:1']);
    expect(containers[1].env).toEqual([{ name: 'X', value: '1' }]);
  });

  it('a merge patch replaces lists wholesale', async () => {
    await api.call(PODS, { method: 'POST', body: twoContainers('merge-list') });
    // Changing images is allowed on update; dropping a container is not (422): proves the list was replaced.
    const res = await patch(`${PODS}/merge-list`, 'application/merge-patch+json', { spec: { containers: [{ name: 'a', image: 'img-a:2' }] } });
    expect(res.status).toBe(422);
  });

  it('a resourceVersion in the patch is a precondition (409)', async () => {
    const created = await api.call(PODS, { method: 'POST', body: podBody('rv-patch') });
    const rv = created.body.metadata.resourceVersion;
    await patch(`${PODS}/rv-patch`, 'application/merge-patch+json', { metadata: { labels: { a: '1' } } });
    const stale = await patch(`${PODS}/rv-patch`, 'application/merge-patch+json', { metadata: { resourceVersion: rv, labels: { a: '2' } } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
  });

  it('concurrent patches all apply (retried on conflicts)', async () => {
    await api.call(PODS, { method: 'POST', body: podBody('many') });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => patch(`${PODS}/many`, 'application/merge-patch+json', { metadata: { labels: { [`k${i}`]: 'v' } } })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = await api.call(`${PODS}/many`);
    expect(Object.keys(final.body.metadata.labels).filter((k) => k.startsWith('k'))).toHaveLength(8);
  });

  it.each([
    ['an invalid result', 'application/merge-patch+json', { spec: { containers: [{ name: 'c', image: '' }] } }, 422],
    ['a wrong type', 'application/merge-patch+json', { spec: { activeDeadlineSeconds: 'soon' } }, 400],
    ['an unknown field with Strict', 'application/merge-patch+json', { spec: { bogus: 1 } }, 400],
    ['a failed json-patch test', 'application/json-patch+json', [{ op: 'test', path: '/metadata/name', value: 'other' }], 422],
    ['malformed JSON', 'application/merge-patch+json', '{"metadata":', 400],
    ['server-side apply without a fieldManager', 'application/apply-patch+yaml', 'metadata: {}', 422],
    ['an unknown content type', 'application/json', { metadata: {} }, 415],
  ])('%s → %i', async (_what, type, body, code) => {
    await api.call(PODS, { method: 'POST', body: podBody('bad-patch') });
    const res = await patch(`${PODS}/bad-patch`, type, body, '?fieldValidation=Strict');
    expect(res.status).toBe(code);
    expect(res.body.kind).toBe('Status');
  });

  describe('fieldValidation of the patch body', () => {
    // Text bodies: a JS object cannot hold a key twice.
    const merge = '{"metadata":{"labels":{"t":"1","t":"2"}},"spec":{"bogus":1}}';
    const jsonPatch =
      '[{"op":"add","path":"/metadata/labels/t","value":"1","extra":true},' +
      '{"op":"add","path":"/metadata/labels/u","path":"/metadata/labels/v","value":"1"}]';

    it.each([
      [
        'merge',
        'application/merge-patch+json',
        merge,
        'strict decoding error: duplicate field "metadata.labels.t", unknown field "spec.bogus"',
      ],
      [
        'strategic',
        'application/strategic-merge-patch+json',
        merge,
        'strict decoding error: duplicate field "metadata.labels.t", unknown field "spec.bogus"',
      ],
      ['json', 'application/json-patch+json', jsonPatch, 'strict decoding error: json patch unknown field "[0].extra", json patch duplicate field "[1].path"'],
    ])('Strict: a %s patch with repeated keys is a 400 naming them first', async (kind, type, body, message) => {
      const name = `dup-patch-${kind}`;
      await api.call(PODS, { method: 'POST', body: podBody(name) });
      const res = await patch(`${PODS}/${name}`, type, body, '?fieldValidation=Strict');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(`Pod in version "v1" cannot be handled as a Pod: ${message}`);
    });

    it('Warn: the patch applies (last key wins) with a Warning each', async () => {
      await api.call(PODS, { method: 'POST', body: podBody('dup-patch-warn') });
      const res = await patch(`${PODS}/dup-patch-warn`, 'application/merge-patch+json', merge, '?fieldValidation=Warn');
      expect(res.status).toBe(200);
      expect(res.body.metadata.labels.t).toBe('2');
      expect(res.headers.get('warning')).toBe('299 - "duplicate field \\"metadata.labels.t\\"", 299 - "unknown field \\"spec.bogus\\""');
    });
  });

  it('an empty labels/annotations map is not stored (Go omitempty; kubectl diff patches carry `annotations: {}`)', async () => {
    await api.call(PODS, { method: 'POST', body: podBody('empty-maps') });
    const res = await patch(`${PODS}/empty-maps`, 'application/strategic-merge-patch+json', { metadata: { annotations: {} } }, '?dryRun=All');
    expect(res.status).toBe(200);
    expect(res.body.metadata).not.toHaveProperty('annotations');
    expect(res.body.metadata.labels).toEqual({ app: 'web' });
  });

  it('patching a missing object is a 404', async () => {
    const res = await patch(`${PODS}/missing`, 'application/merge-patch+json', { metadata: { labels: { a: 'b' } } });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('pods "missing" not found');
  });

  it('main-resource patches keep status; status patches keep spec', async () => {
    await api.call(PODS, { method: 'POST', body: podBody('split') });
    const main = await patch(`${PODS}/split`, 'application/merge-patch+json', { status: { phase: 'Running' } });
    expect(main.status).toBe(200);
    expect(main.body.status.phase).toBe('Pending');
    const status = await patch(`${PODS}/split/status`, 'application/strategic-merge-patch+json', {
      status: { phase: 'Running' },
      spec: { activeDeadlineSeconds: 5 },
    });
    expect(status.status).toBe(200);
    expect(status.body.status.phase).toBe('Running');
    expect(status.body.spec.activeDeadlineSeconds).toBeUndefined();
  });

  it('patches replicationcontrollers/scale like kubectl scale', async () => {
    await api.call('/api/v1/namespaces/default/replicationcontrollers', { method: 'POST', body: rcBody('scaled', 1) });
    const res = await patch('/api/v1/namespaces/default/replicationcontrollers/scaled/scale', 'application/merge-patch+json', { spec: { replicas: 3 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 } });
    const rc = await api.call('/api/v1/namespaces/default/replicationcontrollers/scaled');
    expect(rc.body.spec.replicas).toBe(3);
  });
});
