/**
 * The stock kubectl (1.32, /usr/bin/kubectl) against the real tskube-apiserver over TLS with a
 * bearer token, on the test etcd — with client-side validation on (no --validate=false): the
 * server's /openapi/v3 lets kubectl hand validation to the server. Then the same core commands
 * with Debian's kubectl 1.20 when it can be fetched (validating with /openapi/v2).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureKubectl120 } from '@tskube/tools';
import { expectKubectlOk, repoRoot, startApiServer, type ApiServerProcess, type KubectlResult } from './harness.js';
import { appManifest, invalidPod, nodesManifest, unknownFieldPod } from './manifests.js';
import { parseTable, type Row } from './table.js';

const kubectl120 = await ensureKubectl120(join(repoRoot, 'node_modules/.cache/tskube/kubectl-1.20'));

let server: ApiServerProcess;
beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
});
afterAll(async () => {
  await server?.dispose();
});

const ok = (r: KubectlResult): KubectlResult => expectKubectlOk(server, r);
const rowNamed = (rows: Row[], name: string): Row | undefined => rows.find((r) => r['NAME'] === name);
const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('kubectl 1.32', () => {
  const ns = 'e2e-kubectl';

  it('version prints the client and the server version', async () => {
    const r = ok(await server.kubectl(['version', '-o', 'json']));
    const v = JSON.parse(r.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string; major: string; minor: string } };
    expect(v.clientVersion.gitVersion).toMatch(/^v1\.32\./);
    expect(v.serverVersion.gitVersion).toMatch(/^v\d+\.\d+\.\d+/);
    expect(v.serverVersion.major).toBe('1');
    const plain = ok(await server.kubectl(['version']));
    expect(plain.stdout).toMatch(/Client Version: v1\.32/);
    expect(plain.stdout).toMatch(/Server Version: v1\.\d+\.\d+/);
  });

  it('api-resources lists the core resources with short names and scope', async () => {
    const rows = parseTable(ok(await server.kubectl(['api-resources'])).stdout);
    const expected: [string, string, string, string][] = [
      ['pods', 'po', 'true', 'Pod'],
      ['services', 'svc', 'true', 'Service'],
      ['replicationcontrollers', 'rc', 'true', 'ReplicationController'],
      ['nodes', 'no', 'false', 'Node'],
      ['namespaces', 'ns', 'false', 'Namespace'],
      ['events', 'ev', 'true', 'Event'],
      ['endpoints', 'ep', 'true', 'Endpoints'],
    ];
    for (const [name, short, namespaced, kind] of expected) {
      expect(rowNamed(rows, name), name).toMatchObject({ SHORTNAMES: short, APIVERSION: 'v1', NAMESPACED: namespaced, KIND: kind });
    }
  });

  it('create -f of two nodes with status; get nodes shows them Ready', async () => {
    const r = ok(await server.kubectl(['create', '-f', '-'], { stdin: nodesManifest(['e2e-node-1', 'e2e-node-2']) }));
    expect(r.stdout).toContain('node/e2e-node-1 created');
    expect(r.stdout).toContain('node/e2e-node-2 created');
    const rows = parseTable(ok(await server.kubectl(['get', 'nodes', '-o', 'wide'])).stdout);
    for (const [name, ip] of [['e2e-node-1', '127.0.0.10'], ['e2e-node-2', '127.0.0.11']] as const) {
      expect(rowNamed(rows, name)).toMatchObject({ STATUS: 'Ready', VERSION: 'v1.32.0-tskube', 'INTERNAL-IP': ip });
    }
  });

  it('create -f of a multi-document YAML creates every object', async () => {
    const r = ok(await server.kubectl(['create', '-f', '-'], { stdin: appManifest(ns) }));
    expect(r.stdout.trim().split('\n')).toEqual([
      `namespace/${ns} created`,
      'pod/web created',
      'service/web created',
      'replicationcontroller/web-rc created',
    ]);
    const again = await server.kubectl(['create', '-f', '-'], { stdin: appManifest(ns) });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error from server (AlreadyExists)');
  });

  it('get pods -A and get all', async () => {
    const all = parseTable(ok(await server.kubectl(['get', 'pods', '-A'])).stdout);
    expect(all.find((r) => r['NAME'] === 'web')).toMatchObject({ NAMESPACE: ns, READY: '0/1', STATUS: 'Pending', RESTARTS: '0' });

    const r = ok(await server.kubectl(['get', 'all', '-n', ns]));
    expect(r.stdout).toMatch(/^pod\/web\s/m);
    expect(r.stdout).toMatch(/^service\/web\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/m);
    expect(r.stdout).toMatch(/^replicationcontroller\/web-rc\s+1\s/m);
  });

  it('apply -f twice with a change: configured, then unchanged, and the change is stored', async () => {
    // The first apply adds the last-applied annotation to what create made.
    ok(await server.kubectl(['apply', '-f', '-'], { stdin: appManifest(ns) }));

    const changed = appManifest(ns, { image: 'tskube/busybox:1.36', podLabels: { track: 'canary' } });
    const first = ok(await server.kubectl(['apply', '-f', '-'], { stdin: changed }));
    expect(first.stdout.trim().split('\n')).toEqual([
      `namespace/${ns} unchanged`,
      'pod/web configured',
      'service/web unchanged',
      'replicationcontroller/web-rc unchanged',
    ]);
    const second = ok(await server.kubectl(['apply', '-f', '-'], { stdin: changed }));
    expect(second.stdout.trim().split('\n')).toEqual([
      `namespace/${ns} unchanged`,
      'pod/web unchanged',
      'service/web unchanged',
      'replicationcontroller/web-rc unchanged',
    ]);
    const pod = JSON.parse(ok(await server.kubectl(['get', 'pod', 'web', '-n', ns, '-o', 'json'])).stdout) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { containers: { image: string }[] };
    };
    expect(pod.spec.containers[0]?.image).toBe('tskube/busybox:1.36');
    expect(pod.metadata.labels).toEqual({ app: 'web', track: 'canary' });
    expect(JSON.parse(pod.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({
      metadata: { name: 'web', labels: { track: 'canary' } },
    });
  });

  it('get pod -o json / -o yaml / -o wide show server-managed metadata and defaults', async () => {
    const pod = JSON.parse(ok(await server.kubectl(['get', 'pod', 'web', '-n', ns, '-o', 'json'])).stdout) as {
      kind: string;
      apiVersion: string;
      metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
      spec: {
        restartPolicy: string;
        dnsPolicy: string;
        terminationGracePeriodSeconds: number;
        schedulerName: string;
        containers: { imagePullPolicy: string; terminationMessagePath: string; ports: { protocol: string }[] }[];
      };
      status: { phase: string };
    };
    expect(pod).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', namespace: ns } });
    expect(pod.metadata.uid).toMatch(UID);
    expect(pod.metadata.resourceVersion).toMatch(/^[1-9]\d*$/);
    expect(pod.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(pod.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    // Defaulted at create, from the `latest` tag then; the later image change keeps it.
    expect(pod.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', ports: [{ protocol: 'TCP' }] });
    expect(pod.status.phase).toBe('Pending');

    const yaml = ok(await server.kubectl(['get', 'pod', 'web', '-n', ns, '-o', 'yaml'])).stdout;
    expect(yaml).toMatch(/^kind: Pod$/m);
    expect(yaml).toContain(`uid: ${pod.metadata.uid}`);
    expect(yaml).toMatch(/resourceVersion: "\d+"/);

    const wide = parseTable(ok(await server.kubectl(['get', 'pod', 'web', '-n', ns, '-o', 'wide'])).stdout);
    expect(wide[0]).toMatchObject({ NAME: 'web', STATUS: 'Pending', IP: '<none>', NODE: '<none>', 'NOMINATED NODE': '<none>' });
  });

  it('get pods -w prints the change when a label changes', async () => {
    const watch = server.kubectlStream(['get', 'pods', '-n', ns, '-w', '--show-labels']);
    try {
      await expect.poll(() => watch.output(), { timeout: 15_000 }).toMatch(/^web\s/m);
      ok(await server.kubectl(['label', 'pod', 'web', '-n', ns, 'watched=yes']));
      await expect.poll(() => watch.output(), { timeout: 15_000 }).toMatch(/^web\s.*watched=yes/m);
    } finally {
      await watch.stop();
    }
  });

  it('label and annotate, with and without --overwrite, and removal', async () => {
    expect(ok(await server.kubectl(['label', 'pod', 'web', '-n', ns, 'tier=frontend'])).stdout).toContain('pod/web labeled');
    const clash = await server.kubectl(['label', 'pod', 'web', '-n', ns, 'tier=backend']);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain("'tier' already has a value (frontend), and --overwrite is false");
    ok(await server.kubectl(['label', 'pod', 'web', '-n', ns, 'tier=backend', '--overwrite']));
    ok(await server.kubectl(['label', 'pod', 'web', '-n', ns, 'watched-']));

    expect(ok(await server.kubectl(['annotate', 'pod', 'web', '-n', ns, 'owner=team-a'])).stdout).toContain('pod/web annotated');
    expect((await server.kubectl(['annotate', 'pod', 'web', '-n', ns, 'owner=team-b'])).code).not.toBe(0);
    ok(await server.kubectl(['annotate', 'pod', 'web', '-n', ns, 'owner=team-b', '--overwrite']));

    const labels = ok(await server.kubectl(['get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.metadata.labels}'])).stdout;
    expect(JSON.parse(labels)).toEqual({ app: 'web', track: 'canary', tier: 'backend' });
    const owner = ok(await server.kubectl(['get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.metadata.annotations.owner}'])).stdout;
    expect(owner).toBe('team-b');
  });

  it('scale rc --replicas=3 updates spec.replicas through the scale subresource', async () => {
    expect(ok(await server.kubectl(['scale', 'rc', 'web-rc', '-n', ns, '--replicas=3'])).stdout).toContain('replicationcontroller/web-rc scaled');
    expect(ok(await server.kubectl(['get', 'rc', 'web-rc', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('3');
    const rows = parseTable(ok(await server.kubectl(['get', 'rc', '-n', ns])).stdout);
    expect(rowNamed(rows, 'web-rc')).toMatchObject({ DESIRED: '3' });
  });

  it('describe pod', async () => {
    const out = ok(await server.kubectl(['describe', 'pod', 'web', '-n', ns])).stdout;
    expect(out).toMatch(/^Name:\s+web$/m);
    expect(out).toMatch(new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
    expect(out).toMatch(/^Containers:$/m);
    expect(out).toMatch(/^\s+Image:\s+tskube\/busybox:1\.36$/m);
    expect(out).toMatch(/^Events:/m);
  });

  it('error paths: NotFound, Invalid with field paths, unknown field, wrong token', async () => {
    const missing = await server.kubectl(['get', 'pod', 'missing', '-n', ns]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "missing" not found');

    const invalid = await server.kubectl(['create', '-f', '-'], { stdin: invalidPod(ns) });
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('The Pod "bad" is invalid:');
    expect(invalid.stderr).toContain('spec.containers[0].image');
    expect(invalid.stderr).toContain('spec.containers[0].name');

    const unknown = await server.kubectl(['create', '-f', '-'], { stdin: unknownFieldPod(ns) });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field');
    expect(unknown.stderr).toContain('imagee');
    expect((await server.kubectl(['get', 'pod', 'typo', '-n', ns])).code).toBe(1);

    const wrong = await server.kubectl(['get', 'pods'], { kubeconfig: await server.writeKubeconfig('wrong-token', { token: 'not-the-token' }) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('error: You must be logged in to the server (Unauthorized)');
  });

  it('delete -f waits until every object is gone', async () => {
    // The namespace comes first in the file, and deleting it deletes what is in it: an object
    // may be gone before kubectl gets to it (as against any cluster), hence --ignore-not-found.
    const r = ok(await server.kubectl(['delete', '--ignore-not-found', '-f', '-'], { stdin: appManifest(ns), timeoutMs: 40_000 }));
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`namespace "${ns}" deleted`);
    for (const line of lines.slice(1)) expect(['pod "web" deleted', 'service "web" deleted', 'replicationcontroller "web-rc" deleted']).toContain(line);
    for (const what of [['namespace', ns], ['pod', 'web', '-n', ns], ['service', 'web', '-n', ns], ['rc', 'web-rc', '-n', ns]]) {
      const gone = await server.kubectl(['get', ...what]);
      expect(gone.code, what.join(' ')).toBe(1);
      expect(gone.stderr).toContain('(NotFound)');
    }
  });
});

describe('kubectl 1.32 typed commands (protobuf request bodies)', () => {
  const ns = 'e2e-kubectl-proto';

  it('create namespace, create service clusterip, delete namespace', async () => {
    expect(ok(await server.kubectl(['create', 'namespace', ns])).stdout.trim()).toBe(`namespace/${ns} created`);
    const created = JSON.parse(ok(await server.kubectl(['get', 'namespace', ns, '-o', 'json'])).stdout) as {
      metadata: { name: string; uid: string };
      spec: { finalizers: string[] };
      status: { phase: string };
    };
    expect(created).toMatchObject({ metadata: { name: ns }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    expect(created.metadata.uid).toMatch(UID);

    const svc = ok(await server.kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '-n', ns]));
    expect(svc.stdout.trim()).toBe('service/web created');
    const stored = JSON.parse(ok(await server.kubectl(['get', 'service', 'web', '-n', ns, '-o', 'json'])).stdout) as {
      metadata: { labels: Record<string, string> };
      spec: { type: string; clusterIP: string; selector: Record<string, string>; ports: unknown[] };
    };
    expect(stored.metadata.labels).toEqual({ app: 'web' });
    expect(stored.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    expect(stored.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    // kubectl waits until the namespace is gone; the apiserver empties a terminating namespace itself.
    const deleted = ok(await server.kubectl(['delete', 'namespace', ns], { timeoutMs: 60_000 }));
    expect(deleted.stdout.trim()).toBe(`namespace "${ns}" deleted`);
    const gone = await server.kubectl(['get', 'namespace', ns]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(NotFound)');
  });
});

describe('kubectl 1.20', () => {
  const ns = 'e2e-kubectl120';
  const why = 'kubectl 1.20 unavailable: `apt-get download kubernetes-client` failed (no Debian mirror reachable?)';
  // Validation stays on: kubectl 1.20 validates create/apply against the protobuf /openapi/v2.
  const k = (args: string[], stdin?: string): Promise<KubectlResult> => server.kubectl(args, { bin: kubectl120!, ...(stdin ? { stdin } : {}) });

  it.skipIf(!kubectl120)(`version, api-resources, get nodes${kubectl120 ? '' : ` — skipped, ${why}`}`, async () => {
    const v = ok(await k(['version', '--short']));
    expect(v.stdout).toMatch(/Client Version: v1\.20\./);
    expect(v.stdout).toMatch(/Server Version: v1\.\d+\.\d+/);
    const resources = parseTable(ok(await k(['api-resources'])).stdout);
    expect(rowNamed(resources, 'pods')).toMatchObject({ SHORTNAMES: 'po', NAMESPACED: 'true', KIND: 'Pod' });
    expect(rowNamed(resources, 'nodes')).toMatchObject({ SHORTNAMES: 'no', NAMESPACED: 'false' });
    const nodes = parseTable(ok(await k(['get', 'nodes'])).stdout);
    expect(rowNamed(nodes, 'e2e-node-1')).toMatchObject({ STATUS: 'Ready' });
  });

  it.skipIf(!kubectl120)(`create, apply twice, get, label, annotate, scale, describe, delete${kubectl120 ? '' : ` — skipped, ${why}`}`, async () => {
    const created = ok(await k(['create', '-f', '-'], appManifest(ns)));
    expect(created.stdout).toContain('pod/web created');
    ok(await k(['apply', '-f', '-'], appManifest(ns)));
    const changed = appManifest(ns, { image: 'tskube/busybox:1.36' });
    expect(ok(await k(['apply', '-f', '-'], changed)).stdout).toContain('pod/web configured');
    expect(ok(await k(['apply', '-f', '-'], changed)).stdout).toContain('pod/web unchanged');

    const pods = parseTable(ok(await k(['get', 'pods', '-n', ns, '-o', 'wide'])).stdout);
    expect(rowNamed(pods, 'web')).toMatchObject({ STATUS: 'Pending', NODE: '<none>' });
    const pod = JSON.parse(ok(await k(['get', 'pod', 'web', '-n', ns, '-o', 'json'])).stdout) as { spec: { containers: { image: string }[] } };
    expect(pod.spec.containers[0]?.image).toBe('tskube/busybox:1.36');
    expect(ok(await k(['get', 'all', '-n', ns])).stdout).toMatch(/^replicationcontroller\/web-rc\s/m);

    expect(ok(await k(['label', 'pod', 'web', '-n', ns, 'tier=frontend'])).stdout).toContain('pod/web labeled');
    expect(ok(await k(['annotate', 'pod', 'web', '-n', ns, 'owner=team-a'])).stdout).toContain('pod/web annotated');
    expect(ok(await k(['scale', 'rc', 'web-rc', '-n', ns, '--replicas=3'])).stdout).toContain('scaled');
    expect(ok(await k(['get', 'rc', 'web-rc', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('3');
    expect(ok(await k(['describe', 'pod', 'web', '-n', ns])).stdout).toMatch(/^Name:\s+web$/m);

    const missing = await k(['get', 'pod', 'missing', '-n', ns]);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "missing" not found');

    ok(await server.kubectl(['delete', '--ignore-not-found', '-f', '-'], { stdin: appManifest(ns), timeoutMs: 40_000, bin: kubectl120 }));
    expect((await k(['get', 'pod', 'web', '-n', ns])).code).toBe(1);
  });
});

describe('the apiserver process', () => {
  it('exits 0 on SIGTERM (graceful shutdown)', async () => {
    expect(await server.stop()).toBe(0);
  });
});
