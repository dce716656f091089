import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The kubelet's serving certificate: `<root-dir>/pki/kubelet.{crt,key}`, self-signed with the
 * `openssl` CLI on first start (as upstream's kubelet does without --tls-cert-file), reused after.
 */
export async function selfSignedCert(rootDir: string, nodeName: string, nodeIP: string): Promise<{ cert: Buffer; key: Buffer }> {
  const dir = join(rootDir, 'pki');
  const cert = join(dir, 'kubelet.crt');
  const key = join(dir, 'kubelet.key');
  if (!existsSync(cert) || !existsSync(key)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const san = [`DNS:${nodeName}`, 'DNS:localhost', 'IP:127.0.0.1', ...(isIP(nodeIP) ? [`IP:${nodeIP}`] : [])].join(',');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '365',
      '-keyout', key, '-out', cert, '-subj', `/CN=${nodeName}@kubelet`, '-addext', `subjectAltName=${san}`,
    ]);
  }
  return { cert: await readFile(cert), key: await readFile(key) };
}
