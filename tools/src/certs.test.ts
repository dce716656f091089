import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevPki, readTokenFile, writeTokenFile, type DevPki } from './certs.js';

let dir: string;
let pki: DevPki;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-pki-'));
  pki = await createDevPki(join(dir, 'pki'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A TLS handshake to a server with the serving cert, verified against the CA (and mTLS with the admin cert). */
async function handshake(
  servername: string,
  serving: 'apiserver' | 'kubelet' = 'apiserver',
  client: 'admin' | 'kubelet-client' = 'admin',
): Promise<{ authorized: boolean; error?: string; clientSubject?: string }> {
  const files =
    serving === 'apiserver' ? [pki.serverCert, pki.serverKey] : [pki.kubeletServerCert, pki.kubeletServerKey];
  const clientFiles = client === 'admin' ? [pki.adminCert, pki.adminKey] : [pki.kubeletClientCert, pki.kubeletClientKey];
  const [cert, key, ca, adminCert, adminKey] = await Promise.all([...files, pki.caCert, ...clientFiles].map((f) => readFile(f!, 'utf8')));
  let clientSubject: string | undefined;
  const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true }, (s: TLSSocket) => {
    const subject = s.getPeerCertificate().subject;
    clientSubject = `O=${String(subject.O)},CN=${String(subject.CN)}`;
    s.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  try {
    // An IP is checked against the host (SNI may not carry an IP); a name goes in SNI.
    const sni = /^[\d.]+$/.test(servername) ? {} : { servername };
    const socket = connect({ host: '127.0.0.1', port, ...sni, ca, cert: adminCert, key: adminKey, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    const result = { authorized: socket.authorized, error: socket.authorizationError?.toString() };
    await once(socket, 'end').catch(() => undefined);
    socket.destroy();
    return { ...result, clientSubject };
  } finally {
    server.close();
  }
}

describe('createDevPki', () => {
  it.each([['127.0.0.1'], ['localhost']])('serves a certificate a client trusting the CA accepts for %s', async (host) => {
    const r = await handshake(host);
    expect(r.error).toBeUndefined();
    expect(r.authorized).toBe(true);
    expect(r.clientSubject).toBe('O=system:masters,CN=admin');
  });

  it('gives kubelets their own serving certificate and the apiserver its own client certificate for them', async () => {
    const r = await handshake('127.0.0.1', 'kubelet', 'kubelet-client');
    expect(r.error).toBeUndefined();
    expect(r.authorized).toBe(true);
    expect(r.clientSubject).toBe('O=system:masters,CN=kube-apiserver-kubelet-client');
    const [apiserverKey, kubeletKey] = await Promise.all([pki.serverKey, pki.kubeletServerKey].map((f) => readFile(f, 'utf8')));
    expect(kubeletKey).not.toBe(apiserverKey);
  });

  it('rejects a host name outside the SANs', async () => {
    const r = await handshake('example.com');
    expect(r.authorized).toBe(false);
    expect(r.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match/);
  });

  it('keeps private keys private', async () => {
    for (const f of [pki.caKey, pki.serverKey, pki.adminKey, pki.kubeletClientKey, pki.kubeletServerKey]) expect((await stat(f)).mode & 0o077).toBe(0);
  });

  it('reuses what is valid and re-issues what is missing', async () => {
    const before = await Promise.all([pki.caCert, pki.serverCert, pki.adminCert].map((f) => readFile(f, 'utf8')));
    await rm(pki.adminCert);
    await createDevPki(pki.dir);
    const after = await Promise.all([pki.caCert, pki.serverCert, pki.adminCert].map((f) => readFile(f, 'utf8')));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).not.toBe(before[2]);
    expect((await handshake('127.0.0.1')).authorized).toBe(true);
  });
});

describe('token file', () => {
  it('writes a random admin token by default, in the CSV the apiserver reads', async () => {
    const path = join(dir, 'tokens.csv');
    const [admin] = await writeTokenFile(path);
    expect(admin?.token).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(path, 'utf8')).toBe(`${admin?.token},admin,admin,"system:masters"\n`);
    expect((await stat(path)).mode & 0o077).toBe(0);
    const [other] = await writeTokenFile(join(dir, 'tokens2.csv'));
    expect(other?.token).not.toBe(admin?.token);
  });

  it('reads back what it wrote, with and without groups', async () => {
    const path = join(dir, 'tokens3.csv');
    const entries = [
      { token: 't1', user: 'alice', uid: '1', groups: ['a', 'b'] },
      { token: 't2', user: 'bob', uid: '2' },
    ];
    await writeTokenFile(path, entries);
    expect(await readTokenFile(path)).toEqual(entries);
  });

  it('refuses values that would break the CSV', async () => {
    await expect(writeTokenFile(join(dir, 'bad.csv'), [{ token: 'a,b', user: 'x', uid: 'x' }])).rejects.toThrow(/commas/);
  });
});
