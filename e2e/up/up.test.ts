/**
 * README command one, as a user runs it: `up` comes up against an etcd with the apiserver, the
 * scheduler and a kubelet (fake runtime here, so no Docker is needed), writes a kubeconfig the
 * stock kubectl uses, runs a pod from `kubectl run` to Running, and stops cleanly on SIGTERM. It
 * reuses the test etcd through TSKUBE_ETCD_SERVERS under its own key prefix, keeps its state in a
 * temp dir and listens on free ports, so the developer's .tskube and a running `npm run up` are
 * left alone.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

it('brings up etcd, apiserver, scheduler and a kubelet; kubectl runs a pod to Running; stops on SIGTERM', async () => {
  const endpoint = inject('etcdEndpoint');
  const prefix = `/e2e-up-${randomBytes(4).toString('hex')}`;
  const node = `up-node-${randomBytes(3).toString('hex')}`;
  const stateDir = await mkdtemp(join(tmpdir(), 'tskube-up-'));
  const [securePort, insecurePort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/src/up-main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TSKUBE_ETCD_SERVERS: endpoint,
      TSKUBE_ETCD_PREFIX: prefix,
      TSKUBE_STATE_DIR: stateDir,
      TSKUBE_SECURE_PORT: String(securePort),
      TSKUBE_INSECURE_PORT: String(insecurePort),
      TSKUBE_SCHEDULER_PORT: '0',
      TSKUBE_KUBELET_PORT: '0',
      TSKUBE_KUBELET_HEALTHZ_PORT: '0',
      TSKUBE_NODE_NAME: node,
      TSKUBE_RUNTIME: 'fake',
      TSKUBE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  const kubeconfig = join(stateDir, 'kubeconfig');
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        '/usr/bin/kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(stateDir, 'kube-cache'), ...args],
        { env: { PATH: process.env['PATH'] ?? '', HOME: stateDir } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
      );
    });
  try {
    await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toContain('tskube is up');
    expect(out).toContain(`etcd        ${endpoint} (key prefix ${prefix})`);
    expect(out).toContain(`https://127.0.0.1:${securePort}`);
    expect(out).toMatch(/namespaces +.*default.*kube-system/);
    expect(out).toMatch(/scheduler +http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(`kubelet     node ${node}, runtime fake`);
    expect(out).toContain(`export KUBECONFIG=${kubeconfig}`);
    for (const f of ['kubeconfig', 'tokens.csv', 'pki/ca.crt', 'pki/apiserver.crt', 'pki/kubelet.crt', 'pki/apiserver-kubelet-client.crt']) expect(existsSync(join(stateDir, f)), f).toBe(true);

    const ns = await kubectl('get', 'ns');
    expect(ns.code, ns.out).toBe(0);
    expect(ns.out).toMatch(/^default\s+Active\s/m);

    // Ready once the kubelet's first status post lands.
    await expect.poll(async () => (await kubectl('get', 'nodes')).out, { timeout: 15_000, interval: 300 }).toMatch(new RegExp(`^${node}\\s+Ready\\s`, 'm'));

    const run = await kubectl('run', 'x', '--image=tskube/busybox:latest', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600');
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('pod/x created');
    await expect.poll(async () => (await kubectl('get', 'pod', 'x', '-o', 'jsonpath={.status.phase}')).out, { timeout: 15_000, interval: 300 }).toBe('Running');
    const placed = await kubectl('get', 'pod', 'x', '-o', 'jsonpath={.spec.nodeName} {.status.hostIP}');
    expect(placed.out).toBe(`${node} 127.0.0.1`);
    // The apiserver reaches the kubelet with its own client certificate, and verifies the
    // kubelet's own serving certificate (the fake runtime's log is empty).
    const logs = await kubectl('logs', 'x');
    expect(logs).toEqual({ code: 0, out: '' });

    const storage = createEtcdStorage({ endpoints: [endpoint], prefix });
    try {
      expect(await storage.get('/registry/pods/default/x')).toBeDefined();
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
