/**
 * README command one, as a user runs it: `up` comes up against an etcd, reports the cluster,
 * and stops cleanly on SIGTERM. (It reuses the test etcd through TSKUBE_ETCD_SERVERS, so it
 * starts no etcd of its own here.)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { inject, expect, it } from 'vitest';
import { createEtcdStorage } from '@tskube/registry';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('brings the cluster up on an etcd, bootstraps the namespaces, and stops on SIGTERM', async () => {
  const endpoint = inject('etcdEndpoint');
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/src/up-main.ts'], {
    cwd: root,
    env: { ...process.env, TSKUBE_ETCD_SERVERS: endpoint, TSKUBE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  try {
    await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toContain('tskube is up');
    expect(out).toContain(`etcd at ${endpoint}`);
    expect(out).toMatch(/namespaces: .*default.*kube-system/);

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
  expect(code).toBe(0);
});
