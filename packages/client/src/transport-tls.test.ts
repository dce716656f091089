import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromKubeconfigObject } from './config.js';
import { createClient } from './rest-client.js';
import { isConnectionError } from './transport.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makePki(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=apiserver');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
  ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=kubelet-1/O=system:nodes');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'), clientCert: read('client.crt'), clientKey: read('client.key') };
}

describe.skipIf(!hasOpenssl)('TLS', () => {
  let dir: string;
  let pki: ReturnType<typeof makePki>;
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-client-tls-'));
    pki = makePki(dir);
    server = https.createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ clientCN: peer?.subject?.CN ?? null, authorization: req.headers['authorization'] ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { name: 'CA and bearer token', config: () => ({ ca: pki.ca, token: 't0k' }), want: { clientCN: null, authorization: 'Bearer t0k' } },
    { name: 'client certificate', config: () => ({ ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }), want: { clientCN: 'kubelet-1', authorization: null } },
    { name: 'CA and client certificate from files', config: () => ({ caFile: join(dir, 'ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') }), want: { clientCN: 'kubelet-1', authorization: null } },
    { name: 'insecure-skip-tls-verify', config: () => ({ insecureSkipTLSVerify: true }), want: { clientCN: null, authorization: null } },
  ])('connects with $name', async ({ config, want }) => {
    const client = createClient({ server: url, ...config() });
    expect(await client.request('GET', '/version')).toEqual(want);
    client.close();
  });

  it('connects with a kubeconfig carrying -data fields', async () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const config = configFromKubeconfigObject({
      'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: url, 'certificate-authority-data': b64(pki.ca) } }],
      users: [{ name: 'u', user: { 'client-certificate-data': b64(pki.clientCert), 'client-key-data': b64(pki.clientKey) } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    });
    const client = createClient(config);
    expect(await client.request('GET', '/version')).toMatchObject({ clientCN: 'kubelet-1' });
    client.close();
  });

  it('refuses a server certificate it cannot verify, as a connection error', async () => {
    const client = createClient({ server: url, maxGetRetries: 0 });
    const err: unknown = await client.request('GET', '/version').catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    client.close();
  });
});
