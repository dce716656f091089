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
});
