import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '@tskube/component-base';
import { createPortForwardHandler, parsePorts, type PortForwardHandlerOptions } from './portforward.js';
import { RstStatus, SpdySession, type SpdyStream } from './spdy/index.js';

/** A target that answers `got:<everything it read>` once the client half-closes (or sends a newline). */
let target: net.Server;
let targetPort: number;
let closedPort: number;
let server: http.Server;
let base: string;
let running = true;

const pod = { metadata: { name: 'web', namespace: 'ns', uid: 'uid-1' }, status: { phase: 'Running' } };
const kubelet = {
  findPod: (ns: string, name: string) => (ns === 'ns' && name === 'web' ? pod : undefined),
  cache: { get: async () => ({ pod: () => ({ sandboxes: running ? [{ id: 'sb1', state: 'ready' }] : [], containers: [] }) }) },
  runtime: {
    // Our "pod" ports: targetPort listens, anything else is refused.
    portForward: (_sandbox: string, port: number) =>
      new Promise<Duplex>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: port === 8080 ? targetPort : closedPort, allowHalfOpen: true });
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      }),
  },
} as unknown as PortForwardHandlerOptions['kubelet'];

beforeAll(async () => {
  target = net.createServer({ allowHalfOpen: true }, (s) => {
    let got = '';
    s.on('data', (d) => {
      got += String(d);
      if (got.endsWith('\n')) s.end(`got:${got}`);
    });
    s.on('end', () => void (s.writableEnded || s.end(`got:${got}`)));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetPort = (target.address() as AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  const handler = createPortForwardHandler({ kubelet, logger: silentLogger(), streamCreationTimeoutMs: 200 });
  server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req, socket, head) => handler.upgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await new Promise((r) => target.close(r));
});

function spdyUpgrade(path: string, protocol = 'portforward.k8s.io'): Promise<{ session: SpdySession; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${base}${path}`, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': protocol } });
    req.on('upgrade', (res, socket) => resolve({ session: new SpdySession(socket, { role: 'client' }), headers: res.headers }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => reject(new Error(`${res.statusCode}: ${body}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

const readAll = (s: SpdyStream) =>
  new Promise<string>((resolve) => {
    let out = '';
    s.on('data', (d) => (out += String(d)));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
  });

function forward(session: SpdySession, port: string, payload: string, requestId?: string) {
  const headers = { port, ...(requestId === undefined ? {} : { requestid: requestId }) };
  const error = session.openStream({ ...headers, streamtype: 'error' });
  error.end();
  const data = session.openStream({ ...headers, streamtype: 'data' });
  data.end(payload);
  return Promise.all([readAll(error), readAll(data)]);
}

describe('port forwarding over native SPDY', () => {
  it('answers the upgrade as kubectl expects and forwards stream pairs, several at once', async () => {
    const { session, headers } = await spdyUpgrade('/portForward/ns/web?ports=8080');
    expect(headers).toMatchObject({ connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' });
    const results = await Promise.all(['a', 'b', 'c'].map((p, i) => forward(session, '8080', p, String(i))));
    expect(results).toEqual([
      ['', 'got:a'],
      ['', 'got:b'],
      ['', 'got:c'],
    ]);
    await session.close();
  });

  it('pairs the streams of clients that send no requestID by their stream ids', async () => {
    const { session } = await spdyUpgrade('/portForward/ns/web');
    expect(await forward(session, '8080', 'old')).toEqual(['', 'got:old']);
    await session.close();
  });

  it('reports a refused connection on the error stream and keeps the session', async () => {
    const { session } = await spdyUpgrade('/portForward/ns/web');
    const [err, body] = await forward(session, '9', '', '0');
    expect(err).toMatch(/^error forwarding port 9 to pod ns\/web, uid uid-1: .*ECONNREFUSED/);
    expect(body).toBe('');
    expect(await forward(session, '8080', 'still', '1')).toEqual(['', 'got:still']);
    await session.close();
  });

  it.each([
    ['an unknown stream type', { streamtype: 'stdin', port: '8080' }],
    ['a bad port', { streamtype: 'data', port: '99999' }],
  ])('resets a stream with %s', async (_what, headers) => {
    const { session } = await spdyUpgrade('/portForward/ns/web');
    const s = session.openStream(headers);
    await new Promise((r) => s.once('close', r));
    expect(s.resetStatus).toBe(RstStatus.refusedStream);
    await session.close();
  });

  it('gives up on a pair whose second stream never comes', async () => {
    const { session } = await spdyUpgrade('/portForward/ns/web');
    const error = session.openStream({ streamtype: 'error', port: '8080', requestid: '7' });
    error.end();
    expect(await readAll(error)).toMatch(/timed out waiting for the data and error streams/);
    await session.close();
  });

  it.each([
    ['another stream protocol', '/portForward/ns/web', 'v4.channel.k8s.io', /^403: .*unable to negotiate protocol/],
    ['an unknown pod', '/portForward/ns/nope', 'portforward.k8s.io', /^404: pod does not exist/],
  ])('refuses %s', async (_what, path, protocol, message) => {
    await expect(spdyUpgrade(path, protocol)).rejects.toThrow(message);
  });

  it('refuses a pod that is not running', async () => {
    running = false;
    try {
      await expect(spdyUpgrade('/portForward/ns/web')).rejects.toThrow(/^400: unable to forward port because pod is not running. Current status=Running/);
    } finally {
      running = true;
    }
  });
});

describe('port forwarding over WebSocket channels (client-node)', () => {
  const open = (query: string, protocol = 'v4.channel.k8s.io') => new WebSocket(`ws://${base}/portForward/ns/web?${query}`, [protocol]);

  it('prefixes each channel with the port, then carries data on 2i and errors on 2i+1', async () => {
    const ws = open('ports=8080,9');
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(d));
    await new Promise((r) => ws.once('open', r));
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hi\n')]));
    await new Promise((r) => ws.once('close', r));
    const port = (p: number) => Buffer.from([p & 0xff, p >> 8]);
    expect(frames.slice(0, 4)).toEqual([Buffer.concat([Buffer.from([0]), port(8080)]), Buffer.concat([Buffer.from([1]), port(8080)]), Buffer.concat([Buffer.from([2]), port(9)]), Buffer.concat([Buffer.from([3]), port(9)])]);
    const text = (ch: number) => frames.slice(4).filter((f) => f[0] === ch).map((f) => f.subarray(1).toString()).join('');
    expect(text(3)).toMatch(/error forwarding port 9 .*ECONNREFUSED/);
    expect(text(0)).toBe('got:hi\n');
  });

  it.each([
    ['no port', '', /query parameter "port" is required/],
    ['a bad port', 'ports=0', /invalid port "0"/],
  ])('refuses %s', async (_what, query, message) => {
    const ws = open(query);
    const err = await new Promise<string>((resolve) => ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve(`${res.statusCode}: ${body}`));
    }));
    expect(err).toMatch(/^400: /);
    expect(err).toMatch(message);
  });
});

describe('parsePorts', () => {
  it.each([
    ['ports=8080', [8080]],
    ['ports=80,443&ports=8080', [80, 443, 8080]],
    ['', []],
  ])('%s → %j', (query, ports) => {
    expect(parsePorts(new URLSearchParams(query))).toEqual(ports);
  });

  it.each(['ports=x', 'ports=65536', 'ports=80,'])('rejects %s', (query) => {
    expect(() => parsePorts(new URLSearchParams(query))).toThrow(/invalid port/);
  });
});
