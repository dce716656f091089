/**
 * A development PKI for the local cluster and the e2e tests, made with the `openssl` CLI:
 * a CA, serving certificates for the apiserver and the kubelets (SANs 127.0.0.1 and localhost: Go
 * clients ignore the CN since Go 1.15), an admin client certificate (CN=admin, O=system:masters)
 * and the apiserver's client certificate for kubelets.
 * Also the static token file of `--token-auth-file`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DevPki {
  dir: string;
  caCert: string;
  caKey: string;
  /** The apiserver's serving certificate. */
  serverCert: string;
  serverKey: string;
  /** The admin client certificate (kubectl, tests). */
  adminCert: string;
  adminKey: string;
  /** What the apiserver presents to kubelets (logs, exec, port-forward), as kubeadm's apiserver-kubelet-client. */
  kubeletClientCert: string;
  kubeletClientKey: string;
  /** The kubelets' serving certificate (their API on 127.0.0.1). */
  kubeletServerCert: string;
  kubeletServerKey: string;
}

/** Certificates that expire within this many seconds are made again. */
const MIN_VALIDITY_S = 7 * 24 * 3600;
const SERVER_SANS = 'IP:127.0.0.1,DNS:localhost';
const SERVER_EXT = [`subjectAltName=${SERVER_SANS}`, 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature,keyEncipherment'];
const CLIENT_EXT = ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature,keyEncipherment'];

/** The leaf certificates: file stem, subject, extensions, and whether they serve 127.0.0.1. */
const LEAVES = [
  { stem: 'apiserver', subject: '/CN=tskube-apiserver', ext: SERVER_EXT, serving: true },
  { stem: 'admin', subject: '/O=system:masters/CN=admin', ext: CLIENT_EXT, serving: false },
  { stem: 'apiserver-kubelet-client', subject: '/O=system:masters/CN=kube-apiserver-kubelet-client', ext: CLIENT_EXT, serving: false },
  { stem: 'kubelet', subject: '/CN=tskubelet', ext: SERVER_EXT, serving: true },
] as const;

/**
 * Writes ca.crt/ca.key and, per leaf, <stem>.crt/<stem>.key into `dir`: the apiserver's serving
 * certificate, the admin client certificate, the apiserver's client certificate for kubelets and
 * the kubelets' serving certificate. Idempotent: files that exist, chain to the CA, carry the SANs
 * and stay valid a week are reused, so a kubeconfig written earlier keeps working; a new CA
 * re-issues every leaf.
 */
export async function createDevPki(dir: string): Promise<DevPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = (stem: string, ext: string) => join(dir, `${stem}.${ext}`);
  const pki: DevPki = {
    dir,
    caCert: file('ca', 'crt'),
    caKey: file('ca', 'key'),
    serverCert: file('apiserver', 'crt'),
    serverKey: file('apiserver', 'key'),
    adminCert: file('admin', 'crt'),
    adminKey: file('admin', 'key'),
    kubeletClientCert: file('apiserver-kubelet-client', 'crt'),
    kubeletClientKey: file('apiserver-kubelet-client', 'key'),
    kubeletServerCert: file('kubelet', 'crt'),
    kubeletServerKey: file('kubelet', 'key'),
  };

  const caOk = existsSync(pki.caKey) && (await certValid(pki.caCert));
  if (!caOk) {
    await openssl(
      ['req', '-x509', '-new', ...newKey(pki.caKey), '-out', pki.caCert, '-days', '3650', '-subj', '/CN=tskube-ca'],
      ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    );
  }
  for (const leaf of LEAVES) {
    const cert = file(leaf.stem, 'crt');
    const key = file(leaf.stem, 'key');
    const ok = caOk && existsSync(key) && (await certValid(cert, pki.caCert)) && (!leaf.serving || (await hasSans(cert)));
    if (!ok) await issue(pki, cert, key, leaf.subject, [...leaf.ext]);
  }
  return pki;
}

/** One line of a `--token-auth-file`. */
export interface TokenEntry {
  token: string;
  user: string;
  uid: string;
  groups?: string[];
}

/** 32 random bytes, hex: what the kubeconfig and the token file share. */
export function randomToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Writes the CSV `token,user,uid,"group1,group2"` the apiserver's `--token-auth-file` reads
 * (mode 0600). Without entries it writes one admin (group system:masters) with a random token.
 * Returns the entries written.
 */
export async function writeTokenFile(path: string, entries?: TokenEntry[]): Promise<TokenEntry[]> {
  const rows = entries ?? [{ token: randomToken(), user: 'admin', uid: 'admin', groups: ['system:masters'] }];
  for (const e of rows) {
    if (!e.token || /[,"\s]/.test(e.token) || /[,"\n]/.test(e.user) || /[,"\n]/.test(e.uid)) {
      throw new Error(`token file entry for user ${JSON.stringify(e.user)}: token, user and uid may not contain commas, quotes or newlines`);
    }
  }
  const csv = rows.map((e) => {
    const base = `${e.token},${e.user},${e.uid}`;
    return e.groups?.length ? `${base},"${e.groups.join(',')}"` : base;
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, csv.join('\n') + '\n', { mode: 0o600 });
  return rows;
}

/** Reads a token file written by writeTokenFile (or by hand in the same CSV format). */
export async function readTokenFile(path: string): Promise<TokenEntry[]> {
  const text = await readFile(path, 'utf8');
  const entries: TokenEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([^,]+),([^,]+),([^,]+)(?:,"?([^"]*)"?)?$/.exec(line.trim());
    if (!m) continue;
    const groups = m[4] ? m[4].split(',').filter(Boolean) : undefined;
    entries.push({ token: m[1]!, user: m[2]!, uid: m[3]!, ...(groups ? { groups } : {}) });
  }
  return entries;
}

// EC P-256: generated in milliseconds, accepted by Go, Node and OpenSSL clients alike.
const newKey = (keyFile: string): string[] => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];

async function issue(pki: DevPki, cert: string, key: string, subject: string, extensions: string[]): Promise<void> {
  const csr = `${cert}.csr`;
  const ext = `${cert}.ext`;
  try {
    await openssl(['req', '-new', ...newKey(key), '-out', csr, '-subj', subject]);
    await writeFile(ext, extensions.join('\n') + '\n');
    const serial = `0x${randomBytes(16).toString('hex')}`;
    await openssl(['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-set_serial', serial, '-days', '825', '-out', cert, '-extfile', ext]);
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
  }
}

async function openssl(args: string[], extra: string[] = []): Promise<void> {
  try {
    await run('openssl', [...args, ...extra]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
  }
  // Private keys stay private, whatever the umask.
  for (let i = 0; i < args.length - 1; i++) if (args[i] === '-keyout') await chmod(args[i + 1]!, 0o600);
}

/** The certificate parses, stays valid for a while, and (if `ca` is given) chains to it. */
async function certValid(cert: string, ca?: string): Promise<boolean> {
  if (!existsSync(cert)) return false;
  try {
    await run('openssl', ['x509', '-in', cert, '-noout', '-checkend', String(MIN_VALIDITY_S)]);
    if (ca) await run('openssl', ['verify', '-CAfile', ca, cert]);
    return true;
  } catch {
    return false;
  }
}

async function hasSans(cert: string): Promise<boolean> {
  try {
    const { stdout } = await run('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']);
    return stdout.includes('IP Address:127.0.0.1') && stdout.includes('DNS:localhost');
  } catch {
    return false;
  }
}

/**
 * The tskube-apiserver flags of a local cluster secured by a dev PKI: TLS on 127.0.0.1 with the
 * PKI's serving certificate, client certificates of its CA and the token file accepted, the
 * insecure loopback port, and the apiserver-kubelet-client certificate presented to kubelets
 * (which trust the CA); the kubelets' serving certificates are verified against the CA.
 */
export function devApiServerArgs(options: {
  pki: DevPki;
  tokenFile: string;
  etcdServers: string;
  etcdPrefix?: string;
  securePort: number;
  insecurePort: number;
}): string[] {
  const { pki } = options;
  return [
    `--etcd-servers=${options.etcdServers}`,
    ...(options.etcdPrefix ? [`--etcd-prefix=${options.etcdPrefix}`] : []),
    '--bind-address=127.0.0.1',
    `--secure-port=${options.securePort}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${options.tokenFile}`,
    `--insecure-port=${options.insecurePort}`,
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    `--kubelet-certificate-authority=${pki.caCert}`,
  ];
}
