/**
 * README command one, as a user runs it: `up` comes up against an etcd, serves the apiserver,
 * writes a kubeconfig the stock kubectl uses, and stops cleanly on SIGTERM. It reuses the test
 * etcd through TSKUBE_ETCD_SERVERS (so it starts no etcd of its own here), keeps its state in a
 * temp dir (TSKUBE_STATE_DIR) and listens on free ports, so the developer's .tskube and a
 * running `npm run up` are left alone.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject, expect, it } from 'vitest';
import { createEtcdStorage } from '@tskube/registry';
import { freePort } from '@tskube/tools';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('brings up etcd + apiserver, writes a kubeconfig kubectl uses, and stops on SIGTERM', async () => {
  const endpoint = inject('etcdEndpoint');
  const stateDir = await mkdtemp(join(tmpdir(), 'tskube-up-'));
  const [securePort, insecurePort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/src/up-main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TSKUBE_ETCD_SERVERS: endpoint,
      TSKUBE_STATE_DIR: stateDir,
      TSKUBE_SECURE_PORT: String(securePort),
      TSKUBE_INSECURE_PORT: String(insecurePort),
      TSKUBE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  try {
    await expect.poll(() => out, { timeout: 45_000, interval: 100 }).toContain('tskube is up');
    expect(out).toContain(`etcd at ${endpoint}`);
    expect(out).toContain(`https://127.0.0.1:${securePort}`);
    expect(out).toMatch(/namespaces: .*default.*kube-system/);
    const kubeconfig = join(stateDir, 'kubeconfig');
    expect(out).toContain(`export KUBECONFIG=${kubeconfig}; kubectl get ns`);
    for (const f of ['kubeconfig', 'tokens.csv', 'pki/ca.crt', 'pki/apiserver.crt']) expect(existsSync(join(stateDir, f)), f).toBe(true);

    const kubectl = spawn('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(stateDir, 'kube-cache'), 'get', 'ns'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let kout = '';
    kubectl.stdout.on('data', (d: Buffer) => (kout += d.toString()));
    kubectl.stderr.on('data', (d: Buffer) => (kout += d.toString()));
    const [kcode] = await once(kubectl, 'close');
    expect(kcode, kout).toBe(0);
    expect(kout).toMatch(/^NAME\s+STATUS\s+AGE$/m);
    expect(kout).toMatch(/^default\s+Active\s/m);
    expect(kout).toMatch(/^kube-system\s+Active\s/m);

    const storage = createEtcdStorage({ endpoints: [endpoint] });
    try {
      expect(await storage.get('/registry/namespaces/default')).toBeDefined();
    } finally {
      await storage.close();
    }
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await exited;
  expect(code, out).toBe(0);
  await rm(stateDir, { recursive: true, force: true });
});
