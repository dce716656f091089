/**
 * CVE-2018-1002105 regression (reliability.md S2): an exec/attach/portforward upgrade that fails
 * must leave the client's connection closed, so that bytes sent after it (here a second,
 * pipelined HTTP request) never reach the kubelet on the apiserver's credentials.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from './auth.js';
import { podBody, startTestApi, type TestApi } from './test-helpers.js';

/** A kubelet that refuses every upgrade with `refuseWith` and counts what reaches it. */
interface CountingKubelet {
  port: number;
  /** Request lines seen, normal and upgrade. */
  requests: string[];
  /** Connections open now. */
  open: Set<net.Socket>;
  refuseWith: number;
  close(): Promise<void>;
}

async function startCountingKubelet(): Promise<CountingKubelet> {
  const k: Omit<CountingKubelet, 'port' | 'close'> = { requests: [], open: new Set(), refuseWith: 403 };
  const server = http.createServer((req, res) => {
    k.requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('the kubelet answered');
  });
  server.on('connection', (s: net.Socket) => {
    k.open.add(s);
    s.on('close', () => k.open.delete(s));
  });
  server.on('upgrade', (req, socket) => {
    k.requests.push(`UPGRADE ${req.method} ${req.url}`);
    const body = 'forbidden by the kubelet';
    // A refusal that keeps the connection alive: the apiserver must not.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.write(`HTTP/1.1 ${k.refuseWith} Refused\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(k, {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of k.open) s.destroy();
        server.close(() => resolve());
      }),
  });
}

const TOKEN = 'good-token';
const authenticator: Authenticator = (req) => {
  const h = req.headers.authorization;
  if (!h) return undefined;
  return h === `Bearer ${TOKEN}` ? { name: 'dev', groups: ['system:authenticated'] } : 'reject';
};

let kubelet: CountingKubelet;
let api: TestApi;
const PODS = '/api/v1/namespaces/default/pods';
const admin = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  kubelet = await startCountingKubelet();
  api = await startTestApi({ kubeletClient: { scheme: 'http' }, authenticator });
  await api.call('/api/v1/nodes', { method: 'POST', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } }, headers: admin });
  const node = (await api.call('/api/v1/nodes/node-1', { headers: admin })).body;
  await api.call('/api/v1/nodes/node-1/status', {
    method: 'PUT',
    headers: admin,
    body: { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } },
  });
  const created = await api.call(PODS, { method: 'POST', headers: admin, body: podBody('one', { spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'i' }] } }) });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await api?.close();
  await kubelet?.close();
});
afterEach(() => {
  kubelet.requests.length = 0;
});

interface RawExchange {
  /** Everything the apiserver sent back. */
  received: string;
  /** How the connection ended: closed by the server, or reset. */
  ended: 'closed' | 'reset';
}

/**
 * Opens a raw connection, sends an upgrade request for `path` and, in the same write, a second
 * request that would run on the kubelet if the connection were still piped there; then keeps
 * writing until the server closes the connection.
 */
function upgradeThenSmuggle(path: string, headers: Record<string, string> = {}): Promise<RawExchange> {
  const url = new URL(api.url);
  const head = [
    `GET ${path} HTTP/1.1`,
    `Host: ${url.host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol: v5.channel.k8s.io',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  const smuggled = `GET /run/default/one/main?cmd=id HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      // The answer is in: try again on the same connection, as an attacker would.
      if (received.includes('\r\n\r\n') && !socket.writableEnded) socket.write(smuggled, () => undefined);
    });
    socket.on('error', () => resolve({ received, ended: 'reset' }));
    socket.on('close', () => resolve({ received, ended: 'closed' }));
    socket.write(`${head}\r\n\r\n${smuggled}`);
  });
}

describe('a failed upgrade closes the connection and forwards nothing (CVE-2018-1002105)', () => {
  it.each([
    ['no credentials', {}],
    ['a bad token', { authorization: 'Bearer wrong' }],
  ])('exec with %s: 401, closed, the kubelet never asked', async (_, headers) => {
    const { received, ended } = await upgradeThenSmuggle(`${PODS}/one/exec?command=id&stdout=true`, headers);
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received).toContain('"reason":"Unauthorized"');
    expect(ended).toBe('closed');
    expect(kubelet.requests).toEqual([]);
  });

  it.each(['exec?command=id&stdout=true', 'attach?stdout=true', 'portforward?ports=80'])(
    '%s refused by the kubelet: its answer relayed, both connections closed, the smuggled request never reaches it',
    async (sub) => {
      kubelet.refuseWith = 403;
      const { received, ended } = await upgradeThenSmuggle(`${PODS}/one/${sub}`, admin);
      expect(received).toMatch(/^HTTP\/1\.1 403 /);
      expect(received).toContain('forbidden by the kubelet');
      expect(ended).toBe('closed');
      // Exactly the refused upgrade: the pipelined request and the retry went nowhere.
      expect(kubelet.requests).toHaveLength(1);
      expect(kubelet.requests[0]).toMatch(/^UPGRADE GET \/(exec|attach|portForward)\/default\/one/);
      // The apiserver's connection to the kubelet is gone too.
      await expect.poll(() => kubelet.open.size).toBe(0);
    },
  );

  it.each([
    ['a missing pod', `${PODS}/ghost/exec?command=id`, 404],
    ['a path that is not a stream', `${PODS}/one`, 404],
    ['an unknown container', `${PODS}/one/exec?command=id&container=nope`, 400],
  ])('%s: the error, closed, nothing forwarded', async (_, path, code) => {
    const { received, ended } = await upgradeThenSmuggle(path, admin);
    expect(received).toMatch(new RegExp(`^HTTP/1\\.1 ${code} `));
    expect(ended).toBe('closed');
    expect(kubelet.requests).toEqual([]);
  });
});
