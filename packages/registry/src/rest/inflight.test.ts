import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from './auth.js';
import { createInflightLimiter, needsSeat, requestKind } from './inflight.js';
import { podBody, startTestApi, type TestApi } from './test-helpers.js';

describe('createInflightLimiter', () => {
  it('hands out seats per kind up to the limit, and takes them back once each', () => {
    const limiter = createInflightLimiter({ maxReadOnly: 2, maxMutating: 1 });
    const r1 = limiter.acquire('readOnly');
    const r2 = limiter.acquire('readOnly');
    expect(r1 && r2).toBeTruthy();
    expect(limiter.acquire('readOnly')).toBeUndefined();
    const m1 = limiter.acquire('mutating');
    expect(m1).toBeTruthy();
    expect(limiter.acquire('mutating')).toBeUndefined();
    r1!();
    r1!();
    expect(limiter.inUse('readOnly')).toBe(1);
    expect(limiter.acquire('readOnly')).toBeTruthy();
    expect(limiter.acquire('readOnly')).toBeUndefined();
  });

  it('0 means no limit', () => {
    const limiter = createInflightLimiter({ maxReadOnly: 0, maxMutating: 0 });
    for (let i = 0; i < 1000; i++) expect(limiter.acquire(i % 2 ? 'readOnly' : 'mutating')).toBeTruthy();
    expect(limiter.inUse('mutating')).toBe(500);
  });
});

describe('requestKind and needsSeat', () => {
  it.each([
    ['GET', 'readOnly'],
    ['LIST', 'readOnly'],
    ['WATCH', 'readOnly'],
    ['HEAD', 'readOnly'],
    ['POST', 'mutating'],
    ['PUT', 'mutating'],
    ['PATCH', 'mutating'],
    ['DELETE', 'mutating'],
    ['DELETECOLLECTION', 'mutating'],
  ])('%s is %s', (verb, kind) => {
    expect(requestKind(verb)).toBe(kind);
  });

  const dev = { name: 'dev', groups: ['system:authenticated'] };
  const master = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
  const info = (verb: string, longRunning = false) => ({ verb, resource: 'pods', subresource: '', longRunning });
  it.each([
    ['/api/v1/pods', info('LIST'), dev, true],
    ['/api/v1/pods', info('LIST'), undefined, true],
    ['/version', info('GET'), undefined, true],
    ['/api/v1/pods', info('LIST'), master, false],
    ['/api/v1/pods', info('WATCH', true), dev, false],
    ['/api/v1/namespaces/a/pods/b/exec', info('CONNECT', true), dev, false],
    ['/healthz', info('GET'), dev, false],
    ['/livez/ping', info('GET'), undefined, false],
    ['/readyz', info('GET'), dev, false],
    ['/metrics', info('GET'), dev, false],
    ['/metricsx', info('GET'), dev, true],
  ])('%s %j as %j needs a seat: %s', (path, i, user, seat) => {
    expect(needsSeat(path, i, user)).toBe(seat);
  });
});

/** A kubelet whose log requests hang until released: a read that stays in flight as long as a test wants. */
interface HoldingKubelet {
  port: number;
  held: http.ServerResponse[];
  releaseAll(): void;
  close(): Promise<void>;
}

async function startHoldingKubelet(): Promise<HoldingKubelet> {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').searchParams.get('follow') === 'true') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('following\n');
    }
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const releaseAll = () => {
    for (const res of held.splice(0)) res.end(res.headersSent ? '' : 'done\n');
  };
  return {
    port: (server.address() as AddressInfo).port,
    held,
    releaseAll,
    close: () =>
      new Promise<void>((resolve) => {
        releaseAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const users: Record<string, { name: string; groups: string[] }> = {
  dev: { name: 'dev', groups: ['system:authenticated'] },
  admin: { name: 'admin', groups: ['system:masters', 'system:authenticated'] },
};
const authenticator: Authenticator = (req) => {
  const m = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  return users[m[1]!] ?? 'reject';
};
const as = (who: string) => ({ authorization: `Bearer ${who}` });

/** A POST whose body is only half sent: it holds a mutating seat until `finish()`. */
function heldPost(api: TestApi, path: string, who: string, body: object): { finish(): Promise<number> } {
  const text = JSON.stringify(body);
  const url = new URL(api.url + path);
  const req = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: { ...as(who), 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(text.slice(0, 10));
  return {
    finish() {
      req.end(text.slice(10));
      return status;
    },
  };
}

/** The apiserver_current_inflight_requests gauge of one kind, from /metrics. */
async function inflightGauge(api: TestApi, kind: 'readOnly' | 'mutating'): Promise<number> {
  const text = (await api.call('/metrics', { headers: as('admin') })).text;
  const m = new RegExp(`^apiserver_current_inflight_requests\\{request_kind="${kind}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('max in-flight over HTTP (limits of 1)', () => {
  let api: TestApi;
  let kubelet: HoldingKubelet;
  const PODS = '/api/v1/namespaces/default/pods';

  beforeAll(async () => {
    kubelet = await startHoldingKubelet();
    api = await startTestApi({
      authenticator,
      kubeletClient: { scheme: 'http' },
      inflight: createInflightLimiter({ maxReadOnly: 1, maxMutating: 1 }),
    });
    const admin = as('admin');
    await api.call('/api/v1/nodes', { method: 'POST', headers: admin, body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } });
    const node = (await api.call('/api/v1/nodes/n1', { headers: admin })).body;
    await api.call('/api/v1/nodes/n1/status', {
      method: 'PUT',
      headers: admin,
      body: { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } },
    });
    const pod = await api.call(PODS, { method: 'POST', headers: admin, body: podBody('p', { spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } }) });
    expect(pod.status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
    await kubelet?.close();
  });

  it('a second write while one is in flight: 429 TooManyRequests with Retry-After: 1; reads, health and system:masters still served', async () => {
    const held = heldPost(api, '/api/v1/namespaces', 'dev', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } });
    await expect.poll(() => inflightGauge(api, 'mutating')).toBe(1);

    const refused = await api.call('/api/v1/namespaces', { method: 'POST', headers: as('dev'), body: { metadata: { name: 'second' } } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'TooManyRequests',
      code: 429,
      message: 'Too many requests, please try again later.',
    });
    // Other writes are refused too, whatever the verb.
    expect((await api.call(`${PODS}/p`, { method: 'DELETE', headers: as('dev') })).status).toBe(429);
    // Reads have their own pool.
    expect((await api.call('/api/v1/namespaces', { headers: as('dev') })).status).toBe(200);
    for (const path of ['/healthz', '/livez', '/readyz', '/metrics']) expect((await api.call(path, { headers: as('dev') })).status).toBe(200);
    // Unauthenticated is still 401, not 429: authentication comes first.
    expect((await api.call('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'x' } } })).status).toBe(401);
    // system:masters always get an answer.
    expect((await api.call('/api/v1/namespaces', { method: 'POST', headers: as('admin'), body: { metadata: { name: 'by-admin' } } })).status).toBe(201);

    expect(await held.finish()).toBe(201);
    await expect.poll(() => inflightGauge(api, 'mutating')).toBe(0);
    expect((await api.call('/api/v1/namespaces', { method: 'POST', headers: as('dev'), body: { metadata: { name: 'after' } } })).status).toBe(201);
  });

  it('a second read while one is in flight: 429; writes, watches and log follows still served', async () => {
    const log = fetch(`${api.url}${PODS}/p/log`, { headers: as('dev') });
    await expect.poll(() => kubelet.held.length).toBe(1);
    expect(await inflightGauge(api, 'readOnly')).toBeGreaterThanOrEqual(1);

    const refused = await api.call('/api/v1/namespaces', { headers: as('dev') });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ reason: 'TooManyRequests', code: 429 });
    expect((await api.call('/version', { headers: as('dev') })).status).toBe(429);

    expect((await api.call('/api/v1/namespaces', { method: 'POST', headers: as('dev'), body: { metadata: { name: 'write-ok' } } })).status).toBe(201);
    // Long-running requests take no seat.
    const watch = await fetch(`${api.url}${PODS}?watch=true`, { headers: as('dev') });
    expect(watch.status).toBe(200);
    const follow = await fetch(`${api.url}${PODS}/p/log?follow=true`, { headers: as('dev') });
    expect(follow.status).toBe(200);
    await watch.body?.cancel();
    await follow.body?.cancel();

    kubelet.releaseAll();
    expect((await log).status).toBe(200);
    await expect.poll(async () => (await api.call('/api/v1/namespaces', { headers: as('dev') })).status).toBe(200);
  });
});

describe('max in-flight of 0', () => {
  it('limits nothing', async () => {
    const api = await startTestApi({ authenticator, inflight: createInflightLimiter({ maxReadOnly: 0, maxMutating: 0 }) });
    try {
      const held = [0, 1, 2].map((i) => heldPost(api, '/api/v1/namespaces', 'dev', { metadata: { name: `held-${i}` } }));
      await expect.poll(() => inflightGauge(api, 'mutating')).toBe(3);
      expect((await api.call('/api/v1/namespaces', { method: 'POST', headers: as('dev'), body: { metadata: { name: 'free' } } })).status).toBe(201);
      expect((await api.call('/api/v1/namespaces', { headers: as('dev') })).status).toBe(200);
      expect(await Promise.all(held.map((h) => h.finish()))).toEqual([201, 201, 201]);
    } finally {
      await api.close();
    }
  });
});
