import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-kubeconfig-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Parsed {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  'current-context': string;
}

describe('kubeconfig', () => {
  it('embeds the CA and the token, and selects the one context', async () => {
    const ca = join(dir, 'ca.crt');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n');
    const path = join(dir, 'sub', 'kubeconfig');
    await writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caFile: ca, token: 's3cr3t', namespace: 'team' });
    const k = JSON.parse(await readFile(path, 'utf8')) as Parsed;
    expect((await stat(path)).mode & 0o077).toBe(0);
    expect(Buffer.from(String(k.clusters[0]?.cluster['certificate-authority-data']), 'base64').toString()).toBe(await readFile(ca, 'utf8'));
    expect(k.users[0]?.user).toEqual({ token: 's3cr3t' });
    expect(k.contexts[0]?.context['namespace']).toBe('team');
    expect(k['current-context']).toBe(k.contexts[0]?.name);
  });

  it('marks plain http as unverified (client-node refuses http otherwise)', () => {
    const k = JSON.parse(kubeconfigYaml({ server: 'http://127.0.0.1:8080' })) as Parsed;
    expect(k.clusters[0]?.cluster).toEqual({ server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true });
  });

  it('embeds a client certificate and key', async () => {
    await writeFile(join(dir, 'c.crt'), 'CERT');
    await writeFile(join(dir, 'c.key'), 'KEY');
    const k = JSON.parse(kubeconfigYaml({ server: 'https://x', caData: 'CA', clientCert: join(dir, 'c.crt'), clientKey: join(dir, 'c.key') })) as Parsed;
    expect(k.users[0]?.user).toEqual({ 'client-certificate-data': btoa('CERT'), 'client-key-data': btoa('KEY') });
    expect(() => kubeconfigYaml({ server: 'https://x', clientCert: join(dir, 'c.crt') })).toThrow(/together/);
  });
});
