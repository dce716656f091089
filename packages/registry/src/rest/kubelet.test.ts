import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podBody, startTestApi, type TestApi } from './test-helpers.js';

/** A fake kubelet: echoes what it was asked for, in the kubelet's URL space. */
interface FakeKubelet {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

async function startFakeKubelet(): Promise<FakeKubelet> {
  const requests: string[] = [];
  const upgraded = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.startsWith('/containerLogs/')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const follow = new URL(req.url, 'http://x').searchParams.get('follow') === 'true';
      res.write('line 1\n');
      if (follow) {
        setTimeout(() => res.end('line 2\n'), 20);
        return;
      }
      res.end('line 2\n');
      return;
    }
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('Upgrade request required');
  });
  server.on('upgrade', (req, socket) => {
    requests.push(req.url ?? '');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
    // Echo the upgraded bytes back, upper-cased, so a test sees both directions.
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.end());
    upgraded.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let kubelet: FakeKubelet;
let api: TestApi;
const PODS = '/api/v1/namespaces/default/pods';

beforeAll(async () => {
  kubelet = await startFakeKubelet();
  api = await startTestApi({ kubeletClient: { scheme: 'http' } });
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1' },
  };
  await api.call('/api/v1/nodes', { method: 'POST', body: node });
  const got = (await api.call('/api/v1/nodes/node-1')).body;
  await api.call('/api/v1/nodes/node-1/status', {
    method: 'PUT',
    body: {
      ...got,
      status: {
        addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
      },
    },
  });
  const bound = (name: string, containers: { name: string; image: string }[], node = 'node-1') =>
    api.call(PODS, { method: 'POST', body: podBody(name, { spec: { nodeName: node, containers } }) });
  await bound('one', [{ name: 'main', image: 'i' }]);
  await bound('two', [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }]);
  await bound('lost', [{ name: 'main', image: 'i' }], 'node-gone');
  await api.call(PODS, { method: 'POST', body: podBody('unbound') });
});
afterAll(async () => {
  await api.close();
  await kubelet.close();
});

describe('pods/log', () => {
  it('streams the kubelet’s containerLogs as text/plain, passing PodLogOptions on', async () => {
    const res = await fetch(`${api.url}${PODS}/one/log?tailLines=10&timestamps=true&follow=true&bogus=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('line 1\nline 2\n');
    const asked = kubelet.requests.at(-1)!;
    const url = new URL(asked, 'http://x');
    expect(url.pathname).toBe('/containerLogs/default/one/main');
    expect(Object.fromEntries(url.searchParams)).toEqual({ follow: 'true', timestamps: 'true', tailLines: '10' });
  });

  it('uses the named container', async () => {
    const res = await fetch(`${api.url}${PODS}/two/log?container=b`);
    expect(res.status).toBe(200);
    expect(kubelet.requests.at(-1)).toBe('/containerLogs/default/two/b');
  });

  it.each([
    ['two', '', 400, 'a container name must be specified for pod two, choose one of: [a b]'],
    ['two', '?container=zzz', 400, 'container zzz is not valid for pod two'],
    ['unbound', '', 400, 'pod unbound does not have a host assigned'],
    ['lost', '', 404, 'nodes "node-gone" not found'],
    ['ghost', '', 404, 'pods "ghost" not found'],
  ])('%s%s → %i', async (pod, qs, code, message) => {
    const res = await api.call(`${PODS}/${pod}/log${qs}`);
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: 'Status', message });
  });
});

describe('pods/exec, attach, portforward', () => {
  /** Sends an upgrade request and returns the response head and what came back after sending `payload`. */
  function upgrade(path: string, payload: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; echoed: string; body: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(api.url + path);
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io', 'sec-websocket-key': 'x', 'sec-websocket-version': '13' },
      });
      req.on('upgrade', (res, socket) => {
        socket.write(payload);
        socket.once('data', (d: Buffer) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, echoed: d.toString(), body: '' });
        });
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, echoed: '', body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('pipes an exec upgrade both ways to the kubelet, renaming the stream options as upstream', async () => {
    const res = await upgrade(`${PODS}/one/exec?command=sh&command=-c&command=ls&stdin=true&stdout=true&tty=false`, 'hello');
    expect(res.status).toBe(101);
    expect(res.headers['sec-websocket-protocol']).toBe('v5.channel.k8s.io');
    expect(res.echoed).toBe('HELLO');
    const asked = new URL(kubelet.requests.at(-1)!, 'http://x');
    expect(asked.pathname).toBe('/exec/default/one/main');
    expect(asked.searchParams.getAll('command')).toEqual(['sh', '-c', 'ls']);
    expect(Object.fromEntries([...asked.searchParams].filter(([k]) => k !== 'command'))).toEqual({ input: '1', output: '1' });
  });

  it.each([
    ['attach', `${PODS}/two/attach?container=a&stdout=true`, '/attach/default/two/a'],
    ['portforward', `${PODS}/one/portforward?ports=8080`, '/portForward/default/one'],
  ])('%s is proxied too', async (_what, path, kubeletPath) => {
    const res = await upgrade(path, 'x');
    expect(res.status).toBe(101);
    expect(new URL(kubelet.requests.at(-1)!, 'http://x').pathname).toBe(kubeletPath);
  });

  it.each([
    [`${PODS}/two/exec?command=ls`, 400],
    [`${PODS}/unbound/exec?command=ls`, 400],
    [`${PODS}/ghost/exec?command=ls`, 404],
    ['/api/v1/namespaces/default/pods/one/nothing', 404],
  ])('%s → %i Status', async (path, code) => {
    const res = await upgrade(path, '');
    expect(res.status).toBe(code);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code });
  });

  it('a plain (non-upgrade) exec request is a 400', async () => {
    const res = await api.call(`${PODS}/one/exec?command=ls`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Upgrade request required');
  });
});
