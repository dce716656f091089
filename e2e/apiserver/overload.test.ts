/**
 * The real apiserver bin with `--max-requests-inflight=1 --max-mutating-requests-inflight=1`
 * (reliability.md §6.6): a request beyond the limit is refused with 429 TooManyRequests and
 * `Retry-After: 1`; watches, health and metrics are never limited; system:masters always get an
 * answer, as upstream. Requests are held open deterministically: a write by sending half its
 * body, a read by a pods/log request to a fake kubelet that does not answer until told to.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiServer, type ApiServerProcess } from './harness.js';

const run = promisify(execFile);
let server: ApiServerProcess;
let ca: Buffer;

interface Identity {
  headers?: Record<string, string>;
  cert?: Buffer;
  key?: Buffer;
}
let dev: Identity;
let admin: Identity;

/** A client certificate of the server's CA for CN=dev, O=developers: an ordinary user, not system:masters. */
async function issueDevCert(dir: string): Promise<Identity> {
  const key = join(dir, 'dev.key');
  const csr = join(dir, 'dev.csr');
  const cert = join(dir, 'dev.crt');
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', '/O=developers/CN=dev']);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', server.pki.caCert, '-CAkey', server.pki.caKey, '-set_serial', '0x5ca1ab1e', '-days', '2', '-out', cert]);
  return { cert: await readFile(cert), key: await readFile(key) };
}

/** A pods/log kubelet over TLS (the dev PKI's kubelet certificate) that holds every request until `releaseAll`. */
interface HoldingKubelet {
  port: number;
  held: ServerResponse[];
  releaseAll(): void;
  close(): Promise<void>;
}
let kubelet: HoldingKubelet;

beforeAll(async () => {
  server = await startApiServer({
    etcdEndpoint: inject('etcdEndpoint'),
    args: ['--max-requests-inflight=1', '--max-mutating-requests-inflight=1'],
  });
  ca = await readFile(server.pki.caCert);
  dev = await issueDevCert(server.dir);
  admin = { headers: { authorization: `Bearer ${server.token}` } };

  const held: ServerResponse[] = [];
  const k = https.createServer({ cert: await readFile(server.pki.kubeletServerCert), key: await readFile(server.pki.kubeletServerKey) }, (_req, res) => {
    held.push(res);
  });
  await new Promise<void>((resolve) => k.listen(0, '127.0.0.1', resolve));
  const releaseAll = () => {
    for (const res of held.splice(0)) res.end('done\n');
  };
  kubelet = {
    port: (k.address() as AddressInfo).port,
    held,
    releaseAll,
    close: () =>
      new Promise<void>((resolve) => {
        releaseAll();
        k.closeAllConnections();
        k.close(() => resolve());
      }),
  };

  // A pod on a node whose kubelet is the fake one (as admin: system:masters are never limited).
  expect((await call('POST', '/api/v1/namespaces', admin, { metadata: { name: 'load' } })).status).toBe(201);
  const node = await call('POST', '/api/v1/nodes', admin, { metadata: { name: 'load-node' } });
  const status = { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } };
  expect((await call('PUT', '/api/v1/nodes/load-node/status', admin, { ...(JSON.parse(node.text) as object), status })).status).toBe(200);
  const pod = { metadata: { name: 'p' }, spec: { nodeName: 'load-node', containers: [{ name: 'c', image: 'i' }] } };
  expect((await call('POST', '/api/v1/namespaces/load/pods', admin, pod)).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await kubelet?.close();
  await server?.dispose();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function open(method: string, path: string, id: Identity, extraHeaders: Record<string, string | number> = {}) {
  const url = new URL(server.secureUrl + path);
  const req = https.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    method,
    ca,
    agent: false,
    ...(id.cert ? { cert: id.cert, key: id.key } : {}),
    headers: { ...id.headers, ...extraHeaders },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
  });
  return { req, answer };
}

function call(method: string, path: string, id: Identity, body?: object): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const { req, answer } = open(method, path, id, text === undefined ? {} : { 'content-type': 'application/json' });
  req.end(text);
  return answer;
}

/** apiserver_current_inflight_requests of one kind, as /metrics reports it. */
async function gauge(kind: 'readOnly' | 'mutating'): Promise<number> {
  const text = (await call('GET', '/metrics', admin)).text;
  const m = new RegExp(`^apiserver_current_inflight_requests\\{request_kind="${kind}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function expectTooMany(a: Answer): void {
  expect(a.status, a.text).toBe(429);
  expect(a.headers['retry-after']).toBe('1');
  expect(JSON.parse(a.text)).toMatchObject({
    kind: 'Status',
    status: 'Failure',
    reason: 'TooManyRequests',
    code: 429,
    message: 'Too many requests, please try again later.',
  });
}

describe('max in-flight limits of 1', () => {
  it('a write held open: the next write gets 429; reads, watches, health, metrics and system:masters are served', async () => {
    const body = JSON.stringify({ metadata: { name: 'held' } });
    const held = open('POST', '/api/v1/namespaces', dev, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    held.req.write(body.slice(0, 5));
    await expect.poll(() => gauge('mutating'), { timeout: 10_000 }).toBe(1);

    expectTooMany(await call('POST', '/api/v1/namespaces', dev, { metadata: { name: 'second' } }));
    expectTooMany(await call('DELETE', '/api/v1/namespaces/load/pods/p', dev));
    expect((await call('GET', '/api/v1/namespaces', dev)).status).toBe(200);
    for (const path of ['/healthz', '/livez', '/readyz', '/metrics']) expect((await call('GET', path, dev)).status, path).toBe(200);
    expect((await call('POST', '/api/v1/namespaces', admin, { metadata: { name: 'by-admin' } })).status).toBe(201);

    held.req.end(body.slice(5));
    expect((await held.answer).status).toBe(201);
    await expect.poll(() => gauge('mutating'), { timeout: 10_000 }).toBe(0);
    expect((await call('POST', '/api/v1/namespaces', dev, { metadata: { name: 'after' } })).status).toBe(201);
  });

  it('a read held open: the next read gets 429; writes and watches are served', async () => {
    const log = open('GET', '/api/v1/namespaces/load/pods/p/log', dev);
    log.req.end();
    await expect.poll(() => kubelet.held.length, { timeout: 10_000 }).toBe(1);

    expectTooMany(await call('GET', '/api/v1/namespaces', dev));
    expectTooMany(await call('GET', '/version', dev));
    expect((await call('POST', '/api/v1/namespaces', dev, { metadata: { name: 'write-while-reading' } })).status).toBe(201);
    // A watch is long-running: it takes no seat, so it is served while the seat is taken.
    const watch = open('GET', '/api/v1/namespaces/load/pods?watch=true', dev);
    watch.req.end();
    const watchStatus = await new Promise<number>((resolve) => watch.req.on('response', (res) => resolve(res.statusCode ?? 0)));
    expect(watchStatus).toBe(200);
    watch.req.destroy();
    expect((await call('GET', '/api/v1/namespaces', admin)).status).toBe(200);

    kubelet.releaseAll();
    expect((await log.answer).status).toBe(200);
    await expect.poll(async () => (await call('GET', '/api/v1/namespaces', dev)).status, { timeout: 10_000 }).toBe(200);
  });
});
