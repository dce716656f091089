/**
 * The real apiserver bin under hostile identities (reliability.md S1, the authentication half: we
 * authenticate, authorization is AlwaysAllow) and the exec-upgrade regression of
 * CVE-2018-1002105 (S2) over TLS:
 * - every resource in discovery × get/list/create, and the non-resource URLs, under no
 *   credentials, a bad token, a client certificate from an unknown CA, and the admin token:
 *   only the admin gets past 401; health stays open to the anonymous, never to a bad credential;
 * - the insecure port listens on 127.0.0.1 only, whatever --bind-address says;
 * - a failed exec/attach/portforward upgrade closes the client connection and nothing sent after
 *   it reaches the kubelet.
 */
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDevPki } from '@tskube/tools';
import { startApiServer, type ApiServerProcess } from './harness.js';

let server: ApiServerProcess;
let ca: Buffer;

interface Identity {
  name: 'none' | 'bad token' | 'unknown-CA cert' | 'admin token';
  headers: Record<string, string>;
  cert?: Buffer;
  key?: Buffer;
}
let identities: Identity[];

beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
  ca = await readFile(server.pki.caCert);
  // Another CA's admin certificate (it even claims O=system:masters): not ours, so not anyone.
  const other = await createDevPki(join(server.dir, 'other-pki'));
  identities = [
    { name: 'none', headers: {} },
    { name: 'bad token', headers: { authorization: 'Bearer not-a-token-of-this-server' } },
    { name: 'unknown-CA cert', headers: {}, cert: await readFile(other.adminCert), key: await readFile(other.adminKey) },
    { name: 'admin token', headers: { authorization: `Bearer ${server.token}` } },
  ];
}, 60_000);
afterAll(async () => {
  await server?.dispose();
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** One request over TLS to the secure port, on its own connection (so a client certificate is presented fresh). */
function secure(method: string, path: string, id: Identity, body?: string): Promise<Answer> {
  const url = new URL(server.secureUrl + path);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        ca,
        agent: false,
        ...(id.cert ? { cert: id.cert, key: id.key } : {}),
        headers: { ...id.headers, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const admin = (): Identity => identities.find((i) => i.name === 'admin token')!;

interface Discovered {
  name: string;
  namespaced: boolean;
  verbs: string[];
}

/** Every resource (not subresource) the server lists in discovery, with the path of its collection. */
async function discoveredCollections(): Promise<{ resource: string; collection: string; verbs: string[] }[]> {
  const out: { resource: string; collection: string; verbs: string[] }[] = [];
  const add = (base: string, resources: Discovered[]) => {
    for (const r of resources) {
      if (r.name.includes('/')) continue;
      out.push({ resource: `${base} ${r.name}`, collection: r.namespaced ? `${base}/namespaces/default/${r.name}` : `${base}/${r.name}`, verbs: r.verbs });
    }
  };
  const core = JSON.parse((await secure('GET', '/api/v1', admin())).text) as { resources: Discovered[] };
  add('/api/v1', core.resources);
  const groups = JSON.parse((await secure('GET', '/apis', admin())).text) as { groups: { preferredVersion: { groupVersion: string } }[] };
  for (const g of groups.groups) {
    const base = `/apis/${g.preferredVersion.groupVersion}`;
    const list = JSON.parse((await secure('GET', base, admin())).text) as { resources: Discovered[] };
    add(base, list.resources);
  }
  return out;
}

describe('authentication matrix on the secure port (S1)', () => {
  it('every resource × get, list, create: 401 Status for none, bad token and unknown-CA cert; never 401 for admin', async () => {
    const collections = await discoveredCollections();
    expect(collections.length).toBeGreaterThan(10);
    expect(collections.map((c) => c.resource)).toEqual(expect.arrayContaining(['/api/v1 pods', '/api/v1 nodes', '/api/v1 services']));

    const unexpected: string[] = [];
    let requests = 0;
    for (const c of collections) {
      const calls: [string, string, string | undefined][] = [
        ['get', `${c.collection}/s1-probe`, undefined],
        ['list', c.collection, undefined],
        // dryRun: the admin's create may pass and must store nothing.
        ['create', `${c.collection}?dryRun=All`, '{}'],
      ];
      for (const [verb, path, body] of calls) {
        for (const id of identities) {
          const res = await secure(verb === 'create' ? 'POST' : 'GET', path, id, body);
          requests++;
          const label = `${id.name} ${verb} ${path} → ${res.status}`;
          if (id.name === 'admin token') {
            if (res.status === 401 || res.status >= 500) unexpected.push(label);
            continue;
          }
          const status = res.contentType.startsWith('application/json') ? (JSON.parse(res.text) as { kind?: string; reason?: string }) : {};
          if (res.status !== 401 || status.kind !== 'Status' || status.reason !== 'Unauthorized') unexpected.push(label);
        }
      }
    }
    console.log(`S1 resource matrix: ${requests} requests over ${collections.length} resources, ${unexpected.length} unexpected`);
    expect(unexpected).toEqual([]);
  }, 120_000);

  const nonResource = ['/api', '/apis', '/api/v1', '/openapi/v2', '/openapi/v3', '/openapi/v3/api/v1', '/metrics', '/apis/metrics.k8s.io/v1beta1'];
  it.each(nonResource)('%s: 401 without a valid credential, served to the admin', async (path) => {
    for (const id of identities) {
      const res = await secure('GET', path, id);
      if (id.name === 'admin token') expect(res.status, path).toBe(200);
      else {
        expect(res.status, `${id.name} ${path}`).toBe(401);
        expect(JSON.parse(res.text)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      }
    }
  });

  // As upstream: health (and /version, the public-info-viewer set) answer the anonymous, but a
  // credential that fails is a 401 everywhere, never anonymous.
  it.each(['/healthz', '/livez', '/readyz', '/version'])('%s: open to none and admin, 401 to a bad credential', async (path) => {
    const got = Object.fromEntries(await Promise.all(identities.map(async (id) => [id.name, (await secure('GET', path, id)).status])));
    expect(got).toEqual({ none: 200, 'bad token': 401, 'unknown-CA cert': 401, 'admin token': 200 });
  });

  it('a client certificate of our CA authenticates (the counterpart of the unknown CA)', async () => {
    const res = await secure('GET', '/api/v1/namespaces', {
      name: 'none',
      headers: {},
      cert: await readFile(server.pki.adminCert),
      key: await readFile(server.pki.adminKey),
    });
    expect(res.status).toBe(200);
  });
});

/** The local addresses listening on `port` (IPv4 and IPv6), from /proc/net/tcp{,6}. */
async function listeners(port: number): Promise<string[]> {
  const out: string[] = [];
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A = LISTEN
      const [addr, p] = local.split(':');
      if (p === hexPort) out.push(addr!);
    }
  }
  return out;
}
const LOOPBACK_V4 = '0100007F';
const ANY_V4 = '00000000';

describe('the insecure port', () => {
  it('listens on 127.0.0.1 only', async () => {
    const port = Number(new URL(server.insecureUrl).port);
    expect(await listeners(port)).toEqual([LOOPBACK_V4]);
  });

  it('stays on 127.0.0.1 with --bind-address=0.0.0.0 (which moves only the secure port)', async () => {
    const wide = await startApiServer({ etcdEndpoint: inject('etcdEndpoint'), args: ['--bind-address=0.0.0.0'] });
    try {
      expect(await listeners(Number(new URL(wide.insecureUrl).port))).toEqual([LOOPBACK_V4]);
      // The check does see a wildcard bind: the secure port has one now.
      expect(await listeners(Number(new URL(wide.secureUrl).port))).toEqual([ANY_V4]);
      // And the insecure port never asks who you are (that is why it must stay local).
      expect((await wide.api('/api/v1/namespaces')).status).toBe(200);
    } finally {
      await wide.dispose();
    }
  }, 60_000);
});

/** A TLS kubelet with the dev PKI's serving certificate that refuses every upgrade with 403 and counts requests. */
interface RefusingKubelet {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

async function startRefusingKubelet(): Promise<RefusingKubelet> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const kubelet = https.createServer({ cert: await readFile(server.pki.kubeletServerCert), key: await readFile(server.pki.kubeletServerKey) }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end('the kubelet ran it');
  });
  kubelet.on('secureConnection', (s: tls.TLSSocket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  kubelet.on('upgrade', (req, socket: net.Socket) => {
    requests.push(`UPGRADE ${req.method} ${req.url}`);
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nforbidden');
  });
  await new Promise<void>((resolve) => kubelet.listen(0, '127.0.0.1', resolve));
  return {
    port: (kubelet.address() as net.AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        kubelet.close(() => resolve());
      }),
  };
}

/**
 * A raw TLS connection: an upgrade request and, pipelined behind it, a request for the kubelet's
 * /run; once an answer arrives it sends /run again. Resolves when the server closes the connection.
 */
function upgradeThenSmuggle(path: string, headers: Record<string, string>): Promise<{ received: string; ended: 'closed' | 'reset' }> {
  const url = new URL(server.secureUrl);
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
  const smuggled = `POST /run/s2/victim/main?cmd=id HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 0\r\n\r\n`;
  return new Promise((resolve) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      received += d;
      if (received.includes('\r\n\r\n') && !socket.writableEnded) socket.write(smuggled, () => undefined);
    });
    socket.on('error', () => resolve({ received, ended: 'reset' }));
    socket.on('close', () => resolve({ received, ended: 'closed' }));
    socket.once('secureConnect', () => socket.write(`${head}\r\n\r\n${smuggled}`));
  });
}

describe('failed exec upgrades through the real bin (S2, CVE-2018-1002105)', () => {
  let kubelet: RefusingKubelet;
  const victim = '/api/v1/namespaces/s2/pods/victim';

  beforeAll(async () => {
    kubelet = await startRefusingKubelet();
    const adminId = admin();
    const post = async (path: string, body: object) => {
      const res = await secure('POST', path, adminId, JSON.stringify(body));
      expect(res.status, res.text).toBe(201);
      return JSON.parse(res.text) as Record<string, unknown>;
    };
    await post('/api/v1/namespaces', { metadata: { name: 's2' } });
    const node = await post('/api/v1/nodes', { metadata: { name: 's2-node' } });
    const status = await secure(
      'PUT',
      '/api/v1/nodes/s2-node/status',
      adminId,
      JSON.stringify({ ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } }),
    );
    expect(status.status, status.text).toBe(200);
    await post('/api/v1/namespaces/s2/pods', { metadata: { name: 'victim' }, spec: { nodeName: 's2-node', containers: [{ name: 'main', image: 'i' }] } });
  });
  afterAll(async () => {
    await kubelet?.close();
  });

  it.each([
    ['no credentials', {}],
    ['a bad token', { authorization: 'Bearer wrong' }],
  ])('unauthenticated exec (%s): 401, connection closed, 0 requests reach the kubelet', async (_, headers) => {
    kubelet.requests.length = 0;
    const { received, ended } = await upgradeThenSmuggle(`${victim}/exec?command=id&stdout=true`, headers);
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(ended).toBe('closed');
    expect(kubelet.requests).toEqual([]);
  });

  it.each(['exec?command=id&stdout=true', 'attach?stdout=true', 'portforward?ports=80'])(
    '%s refused by the kubelet: 403 relayed, connection closed, the smuggled /run never reaches the kubelet',
    async (sub) => {
      kubelet.requests.length = 0;
      const { received, ended } = await upgradeThenSmuggle(`${victim}/${sub}`, { authorization: `Bearer ${server.token}` });
      expect(received).toMatch(/^HTTP\/1\.1 403 /);
      expect(ended).toBe('closed');
      expect(kubelet.requests).toHaveLength(1);
      expect(kubelet.requests[0]).toMatch(/^UPGRADE /);
      expect(kubelet.requests.some((r) => r.includes('/run/'))).toBe(false);
    },
  );
});
