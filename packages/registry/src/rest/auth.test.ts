import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFileAuthenticator, unionAuthenticator } from './auth.js';
import { startTestApi, type TestApi } from './test-helpers.js';

const CSV = 'admin-token,admin,uid-1,"system:masters,devs"\n\nviewer-token,viewer,uid-2\n';
const request = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('tokenFileAuthenticator', () => {
  const auth = tokenFileAuthenticator(CSV);

  it.each([
    ['Bearer admin-token', { name: 'admin', uid: 'uid-1', groups: ['system:masters', 'devs', 'system:authenticated'] }],
    ['Bearer viewer-token', { name: 'viewer', uid: 'uid-2', groups: ['system:authenticated'] }],
    ['bearer admin-token', { name: 'admin' }],
    ['Bearer wrong', 'reject'],
    ['Basic YWRtaW46eA==', undefined],
    [undefined, undefined],
  ])('%s → %j', (header, expected) => {
    const user = auth(request(header));
    if (typeof expected === 'object') expect(user).toMatchObject(expected);
    else expect(user).toBe(expected);
  });

  it.each([
    ['token,user', /line 1: need at least 3 columns/],
    ['a,u,1\na,v,2', /line 2: duplicate token/],
  ])('rejects a malformed file: %j', (csv, message) => {
    expect(() => tokenFileAuthenticator(csv)).toThrow(message);
  });

  it('a union asks each authenticator in turn', () => {
    const union = unionAuthenticator([() => undefined, auth]);
    expect(union(request('Bearer admin-token'))).toMatchObject({ name: 'admin' });
    expect(union(request())).toBeUndefined();
  });
});

describe('an authenticated apiserver', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ authenticator: tokenFileAuthenticator(CSV) });
  });
  afterAll(() => api.close());

  it.each([
    ['/api/v1/namespaces/default/pods', undefined, 401],
    ['/api/v1/namespaces/default/pods', 'Bearer wrong', 401],
    ['/api/v1/namespaces/default/pods', 'Bearer admin-token', 200],
    ['/api', undefined, 401],
    ['/version', undefined, 200],
    ['/healthz', undefined, 200],
    ['/readyz', undefined, 200],
    ['/livez', undefined, 200],
    ['/version', 'Bearer wrong', 401],
  ])('%s with %s → %i', async (path, authorization, code) => {
    const res = await api.call(path, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(code);
    if (code === 401) expect(res.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
  });

  const review = (plural: string, body: unknown, authorization = 'Bearer viewer-token') =>
    api.call(`/apis/${plural}`, { method: 'POST', body, headers: { authorization } });

  it('SelfSubjectReview (kubectl auth whoami) answers with the authenticated user', async () => {
    const res = await review('authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: { userInfo: { username: 'viewer', uid: 'uid-2', groups: ['system:authenticated'] } },
    });
  });

  it.each([
    ['a resource', { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } }],
    ['a non-resource URL', { nonResourceAttributes: { path: '/metrics', verb: 'get' } }],
  ])('SelfSubjectAccessReview (kubectl auth can-i) of %s: allowed, as AlwaysAllow', async (_what, spec) => {
    const res = await review('authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'SelfSubjectAccessReview', spec, status: { allowed: true } });
  });

  it.each([
    ['neither attribute', {}],
    ['both attributes', { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/', verb: 'get' } }],
  ])('SelfSubjectAccessReview with %s is Invalid', async (_what, spec) => {
    const res = await review('authorization.k8s.io/v1/selfsubjectaccessreviews', { spec });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  });

  it('SelfSubjectRulesReview (kubectl auth can-i --list) allows everything', async () => {
    const res = await review('authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'default' } });
    expect(res.status).toBe(201);
    expect(res.body.status).toMatchObject({ resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], incomplete: false });
  });

  it.each([
    ['another kind', 'authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'SelfSubjectReview' }, 400],
    ['no credentials', 'authentication.k8s.io/v1/selfsubjectreviews', {}, 401],
    ['an unknown review', 'authorization.k8s.io/v1/subjectaccessreviews', {}, 404],
  ])('%s → %i', async (_what, plural, body, code) => {
    const res = code === 401 ? await api.call(`/apis/${plural}`, { method: 'POST', body }) : await review(plural, body);
    expect(res.status).toBe(code);
    expect(res.body.kind).toBe('Status');
  });
});
