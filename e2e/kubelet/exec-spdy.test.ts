/**
 * exec and attach over native SPDY/3.1 end to end: a real dockerd, the apiserver (which proxies
 * the upgrade to the kubelet as is) and a kubelet; Debian's kubectl 1.20 (SPDY only) when it can
 * be fetched, and the stock kubectl 1.32 with its WebSocket transport switched off.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Container, Pod } from '@tskube/api-types';
import { ensureImages, ensureKubectl120 } from '@tskube/tools';
import { useDocker } from '../setup/docker.js';
import { KUBECTL, startCluster, until, box, type Cluster } from './harness.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const kubectl120 = await ensureKubectl120(join(repoRoot, 'node_modules/.cache/tskube/kubectl-1.20'));
const why = kubectl120 ? '' : ' — skipped, kubectl 1.20 unavailable: `apt-get download kubernetes-client` failed (no Debian mirror reachable?)';
/** kubectl ≥ 1.30 speaks WebSocket unless told not to; then it upgrades to SPDY as older ones do. */
const SPDY_ONLY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };

const NODE = `spdy-node-${randomUUID().slice(0, 6)}`;
let cluster: Cluster;

interface Result {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a kubectl binary against the cluster with a private HOME and no kubeconfig. */
function kubectl(bin: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cluster.dir, KUBECONFIG: join(cluster.dir, 'none'), ...options.env };
    const child = spawn(bin, [`--server=${cluster.url}`, '--namespace=default', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

const pod = (name: string, container: Container): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, restartPolicy: 'Never', containers: [container] },
});

const running = (name: string) =>
  until(`${name} Running`, async () => {
    const p = await cluster.client.pods.get('default', name);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
  }, 90_000);

const FAILING = ['sh', '-c', 'echo out; echo err >&2; exit 3'];

beforeAll(async () => {
  const dockerHost = (await useDocker()).host;
  await ensureImages(dockerHost);
  cluster = await startCluster(inject('etcdEndpoint'));
  await cluster.startKubelet(NODE, [`--docker-endpoint=${dockerHost}`]);
  await cluster.client.pods.create('default', pod('shell', box('sh', 'exec sleep 3600')));
  await running('shell');
}, 180_000);

afterAll(async () => {
  for (const name of ['shell', 'catter', 'web']) await cluster?.client.pods.delete('default', name, { gracePeriodSeconds: 0 }).catch(() => undefined);
  await cluster?.dispose();
});

describe('kubectl 1.20 (SPDY only)', () => {
  it.skipIf(!kubectl120)(`exec: stdout, stderr and the exit code${why}`, async () => {
    const r = await kubectl(kubectl120!, ['exec', 'shell', '--', ...FAILING]);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(r.code).toBe(3);
  });

  it.skipIf(!kubectl120)(`exec -i: stdin to the command until EOF${why}`, async () => {
    const r = await kubectl(kubectl120!, ['exec', '-i', 'shell', '--', 'sh', '-c', 'cat; echo done'], { stdin: 'line one\nline two\n' });
    expect(r.stdout).toBe('line one\nline two\ndone\n');
    expect(r.code).toBe(0);
  });

  it.skipIf(!kubectl120)(`attach -i: stdin in, output back; stdinOnce ends the container${why}`, async () => {
    await cluster.client.pods.create('default', pod('catter', box('cat', 'exec cat', { stdin: true, stdinOnce: true })));
    await running('catter');
    const r = await kubectl(kubectl120!, ['attach', '-i', 'catter', '-c', 'cat'], { stdin: 'through attach\n' });
    expect(r.stdout).toContain('through attach');
    expect(r.code).toBe(0);
    await until('catter Succeeded', async () => ((await cluster.client.pods.get('default', 'catter')).status?.phase === 'Succeeded' ? true : undefined), 30_000);
  });
});

describe('kubectl 1.20 port-forward (native SPDY)', () => {
  it.skipIf(!kubectl120)(`forwards a local port to the pod's loopback${why}`, async () => {
    const page = 'served to kubectl 1.20';
    await cluster.client.pods.create(
      'default',
      pod('web', box('web', `mkdir -p /www && echo '${page}' > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www`)),
    );
    await running('web');
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cluster.dir, KUBECONFIG: join(cluster.dir, 'none') };
    const child = spawn(kubectl120!, [`--server=${cluster.url}`, '--namespace=default', 'port-forward', 'pod/web', ':8080'], { env });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    try {
      const local = await until('kubectl 1.20 port-forward ready', async () => {
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(output);
        if (!m && child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${output}`);
        return m ? Number(m[1]) : undefined;
      }, 30_000);
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`http://127.0.0.1:${local}/`);
        expect((await res.text()).trim()).toBe(page);
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('kubectl 1.32 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false', () => {
  it('exec: stdout, stderr and the exit code over SPDY', async () => {
    // At -v=6 client-go logs each request: the exec must be a POST (the SPDY upgrade), not a GET (WebSocket).
    const r = await kubectl(KUBECTL, ['-v=6', 'exec', 'shell', '--', ...FAILING], { env: SPDY_ONLY });
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toMatch(/POST \S+\/pods\/shell\/exec\?\S* 101 Switching Protocols/);
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(r.code).toBe(3);
  });

  it('exec -i: stdin over SPDY', async () => {
    const r = await kubectl(KUBECTL, ['exec', '-i', 'shell', '--', 'cat'], { stdin: 'from stdin', env: SPDY_ONLY });
    expect(r.stdout).toBe('from stdin');
    expect(r.code).toBe(0);
  });
});
