/**
 * coordination.k8s.io/v1 Leases end to end: the real tskube-apiserver bin on the shared etcd, a
 * kubelet with the fake runtime renewing its node Lease, a scheduler electing its leader over a
 * Lease, stock kubectl 1.32 and @kubernetes/client-node reading and writing them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseFlags, silentLogger } from '@tskube/component-base';
import { kubeletFlags, startKubelet, type RunningKubelet } from '@tskube/kubelet';
import { schedulerFlags, startScheduler, type RunningScheduler } from '@tskube/scheduler';
import { until } from '../setup/wait.js';
import { startApiServer, type ApiServerProcess } from './harness.js';

const NODE = 'lease-node';
let server: ApiServerProcess;
let kubelet: RunningKubelet;
let scheduler: RunningScheduler;
let kubeletDir: string;
let coordination: CoordinationV1Api;

beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
  kubeletDir = await mkdtemp(join(tmpdir(), 'tskube-e2e-leases-'));
  kubelet = await startKubelet(
    parseFlags(
      kubeletFlags,
      [
        `--node-name=${NODE}`,
        `--master=${server.insecureUrl}`,
        `--root-dir=${kubeletDir}`,
        '--runtime=fake',
        '--kubelet-insecure-http',
        '--anonymous-auth=true',
        '--port=0',
        '--healthz-port=0',
        '--address=127.0.0.1',
      ],
      {},
    ),
    { logger: silentLogger() },
  );
  scheduler = await startScheduler(parseFlags(schedulerFlags, [`--master=${server.insecureUrl}`, '--port=0'], {}), {
    logger: silentLogger(),
    identity: 'e2e-scheduler',
  });
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigText);
  coordination = kc.makeApiClient(CoordinationV1Api);
}, 60_000);

afterAll(async () => {
  await scheduler?.stop();
  await kubelet?.stop();
  await server?.dispose();
  if (kubeletDir) await rm(kubeletDir, { recursive: true, force: true });
});

/** kubectl that must succeed; its stdout. */
async function kubectl(args: string[], stdin?: string): Promise<string> {
  const r = await server.kubectl(args, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const manifest = (name: string, spec: string) => `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: ${name}
  namespace: default
spec:
${spec}`;

describe('leases with kubectl', () => {
  it('api-resources lists leases in coordination.k8s.io', async () => {
    const out = await kubectl(['api-resources']);
    expect(out).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease\s*$/m);
    const group = await kubectl(['api-resources', '--api-group=coordination.k8s.io', '-o', 'name']);
    expect(group.trim()).toBe('leases.coordination.k8s.io');
  });

  it('get leases -A shows the node lease and the scheduler lease with their holders', async () => {
    const out = await until('both leases', async () => {
      const text = await kubectl(['get', 'leases', '-A']);
      return text.includes('kube-scheduler') && text.includes(NODE) ? text : undefined;
    });
    expect(out.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+HOLDER\s+AGE$/);
    expect(out).toMatch(new RegExp(`^kube-node-lease\\s+${NODE}\\s+${NODE}\\s+\\S+$`, 'm'));
    expect(out).toMatch(/^kube-system\s+kube-scheduler\s+e2e-scheduler\s+\S+$/m);
  });

  it('create -f, apply -f and delete a Lease, with server-side validation', async () => {
    expect(await kubectl(['create', '-f', '-'], manifest('app-lock', '  holderIdentity: app-1\n  leaseDurationSeconds: 15\n'))).toContain(
      'lease.coordination.k8s.io/app-lock created',
    );
    expect(await kubectl(['apply', '-f', '-'], manifest('app-lock', '  holderIdentity: app-2\n  leaseDurationSeconds: 15\n'))).toContain(
      'lease.coordination.k8s.io/app-lock configured',
    );
    expect((await kubectl(['get', 'lease', 'app-lock', '-o', 'jsonpath={.spec.holderIdentity}'])).trim()).toBe('app-2');

    const invalid = await server.kubectl(['create', '-f', '-'], { stdin: manifest('bad-lock', '  leaseDurationSeconds: 0\n') });
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('Lease.coordination.k8s.io "bad-lock" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');

    const unknown = await server.kubectl(['create', '-f', '-'], { stdin: manifest('odd-lock', '  holderIdentity: x\n  bogus: 1\n') });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field "spec.bogus"');

    expect(await kubectl(['delete', 'lease', 'app-lock'])).toContain('lease.coordination.k8s.io "app-lock" deleted');
    const gone = await server.kubectl(['get', 'lease', 'app-lock']);
    expect(gone.stderr).toContain('Error from server (NotFound): leases.coordination.k8s.io "app-lock" not found');
  });

  it('describe node shows the node lease', async () => {
    const out = await kubectl(['describe', 'node', NODE]);
    expect(out).not.toContain('Failed to get lease');
    expect(out).toMatch(new RegExp(`^Lease:\\n\\s+HolderIdentity:\\s+${NODE}\\n\\s+AcquireTime:\\s+\\S.*\\n\\s+RenewTime:\\s+\\w{3}, \\d`, 'm'));
  });

  it('the node lease is owned by its Node', async () => {
    const uid = await kubectl(['get', 'node', NODE, '-o', 'jsonpath={.metadata.uid}']);
    const owner = await kubectl(['get', 'lease', NODE, '-n', 'kube-node-lease', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].uid}']);
    expect(owner).toBe(`Node/${uid}`);
  });
});

const msOf = (t: unknown): number => (t instanceof Date ? t.getTime() : Date.parse(String(t)));

describe('leases with @kubernetes/client-node', () => {
  it('CoordinationV1Api reads the node lease, and its renewTime advances', async () => {
    const first = await coordination.readNamespacedLease({ name: NODE, namespace: 'kube-node-lease' });
    expect(first.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    // client-node 1.4 types MicroTime as a Date but hands over the wire text: RFC 3339 with microseconds.
    expect(String(first.spec?.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const renewed = msOf(first.spec?.renewTime);
    // The kubelet renews every 10 s (a quarter of 40 s).
    const later = await until(
      'a renewal',
      async () => {
        const lease = await coordination.readNamespacedLease({ name: NODE, namespace: 'kube-node-lease' });
        return msOf(lease.spec?.renewTime) > renewed ? lease : undefined;
      },
      30_000,
      500,
    );
    expect(later.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
    const all = await coordination.listLeaseForAllNamespaces();
    expect(all.items.map((l) => `${l.metadata?.namespace}/${l.metadata?.name}`)).toEqual(
      expect.arrayContaining([`kube-node-lease/${NODE}`, 'kube-system/kube-scheduler']),
    );
  }, 45_000);
});
