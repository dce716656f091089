/**
 * What an engineer types every day, with the stock kubectl 1.32 against the real tskube-apiserver
 * (TLS, token, etcd) and validation left on. No kubelet or controller manager runs here: pod
 * status is written with `kubectl patch --subresource=status`, and nothing acts on a deletion's
 * grace period (so deletions that wait for a kubelet use --grace-period=0 --force).
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureKubectl120 } from '@tskube/tools';
import { expectKubectlOk, repoRoot, startApiServer, type ApiServerProcess, type KubectlResult } from './harness.js';
import { parseTable } from './table.js';

const kubectl120 = await ensureKubectl120(join(repoRoot, 'node_modules/.cache/tskube/kubectl-1.20'));

let server: ApiServerProcess;
beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
});
afterAll(async () => {
  await server?.dispose();
});

const ok = (r: KubectlResult): KubectlResult => expectKubectlOk(server, r);
const lines = (s: string) => s.trim().split('\n');

const rcManifest = (ns: string, replicas: number, image = 'tskube/busybox') => `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: ${image}}
`;

describe('kind: List manifests, validated by kubectl (1.32 validates a List against OpenAPI v2)', () => {
  const ns = 'e2e-daily-list';

  it('get pods,svc -o yaml > x.yaml; delete; apply -f x.yaml (validation on) recreates them', async () => {
    ok(await server.kubectl(['create', 'namespace', ns]));
    ok(await server.kubectl(['run', 'web', '--image=tskube/busybox', '--restart=Never', '-n', ns]));
    ok(await server.kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '-n', ns]));
    const list = ok(await server.kubectl(['get', 'pods,svc', '-n', ns, '-o', 'yaml'])).stdout;
    expect(list).toMatch(/^kind: List$/m);

    ok(await server.kubectl(['delete', 'pod', 'web', '-n', ns, '--grace-period=0', '--force']));
    ok(await server.kubectl(['delete', 'svc', 'web', '-n', ns]));
    // The saved uid/resourceVersion belong to the deleted objects, as with upstream's output.
    const fresh = list.replace(/^\s+(uid|resourceVersion|creationTimestamp): .*\n/gm, '');
    const applied = ok(await server.kubectl(['apply', '-f', '-', '-n', ns], { stdin: fresh }));
    expect(lines(applied.stdout)).toEqual(['pod/web created', 'service/web created']);
    expect(lines(ok(await server.kubectl(['apply', '-f', '-', '-n', ns], { stdin: fresh })).stdout)).toEqual([
      'pod/web unchanged',
      'service/web unchanged',
    ]);
  });

  it('create -f of a List with bad items fails before anything is sent, naming every bad field', async () => {
    const bad = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: list-bad, namespace: ${ns}}
  spec:
    containers:
    - {name: c, image: busybox, imagee: typo}
- apiVersion: v1
  kind: Service
  metadata: {name: list-bad, namespace: ${ns}}
  spec:
    ports: [{port: eighty}]
`;
    const r = await server.kubectl(['create', '-f', '-'], { stdin: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error validating data');
    expect(r.stderr).toContain('unknown field "imagee" in io.k8s.api.core.v1.Container');
    expect(r.stderr).toContain('invalid type for io.k8s.api.core.v1.ServicePort.port: got "string", expected "integer"');
    expect((await server.kubectl(['get', 'pod', 'list-bad', '-n', ns])).code).toBe(1);
  });

  it.skipIf(!kubectl120)('kubectl 1.20 creates and applies with validation on (it validates everything with v2)', async () => {
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: v120, namespace: ${ns}}\nspec:\n  containers: [{name: c, image: busybox}]\n`;
    expect(ok(await server.kubectl(['create', '-f', '-'], { stdin: pod, bin: kubectl120! })).stdout).toContain('pod/v120 created');
    expect(ok(await server.kubectl(['apply', '-f', '-'], { stdin: pod, bin: kubectl120! })).stdout).toContain('pod/v120 configured');
    const typo = await server.kubectl(['create', '-f', '-'], { stdin: pod.replace('image:', 'imagee:'), bin: kubectl120! });
    expect(typo.stderr).toContain('unknown field "imagee"');
  });
});

describe('duplicate fields in a request body (fieldValidation)', () => {
  const ns = 'default';
  const body = (name: string) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"first","name":"${name}"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`;
  const path = (validation: string) => `/api/v1/namespaces/${ns}/pods?fieldValidation=${validation}`;

  it('Strict: 400 BadRequest naming the repeated field, nothing created', async () => {
    const r = await server.kubectl(['create', '--raw', path('Strict'), '-f', '-'], { stdin: body('dup-strict') });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'Error from server (BadRequest): Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata.name"',
    );
    expect((await server.kubectl(['get', 'pod', 'dup-strict'])).code).toBe(1);
  });

  it('Warn: created with the last value, and a Warning', async () => {
    const r = ok(await server.kubectl(['create', '--raw', path('Warn'), '-f', '-'], { stdin: body('dup-warn') }));
    expect(r.stderr).toContain('Warning: duplicate field "metadata.name"');
    ok(await server.kubectl(['get', 'pod', 'dup-warn']));
    ok(await server.kubectl(['delete', 'pod', 'dup-warn', '--grace-period=0', '--force']));
  });
});

describe('daily commands', () => {
  const ns = 'e2e-daily';
  const n = ['-n', ns];

  beforeAll(async () => {
    ok(await server.kubectl(['create', 'namespace', ns]));
  });

  it('explain pod.spec.containers', async () => {
    const out = ok(await server.kubectl(['explain', 'pod.spec.containers'])).stdout;
    expect(out).toMatch(/^KIND:\s+Pod$/m);
    expect(out).toMatch(/^FIELD:\s+containers <\[\]Container>$/m);
    expect(out).toMatch(/^\s+image\s+<string>$/m);
  });

  it('run --restart=Never makes a bare pod; label --list shows its labels', async () => {
    expect(ok(await server.kubectl(['run', 'x', '--image=tskube/busybox', '--restart=Never', '-l', 'tier=a', ...n])).stdout.trim()).toBe('pod/x created');
    expect(ok(await server.kubectl(['label', 'pod', 'x', '--list', ...n])).stdout.trim()).toBe('tier=a');
  });

  it('get -o custom-columns / -o jsonpath / --sort-by / -o name', async () => {
    const cols = parseTable(ok(await server.kubectl(['get', 'pods', ...n, '-o', 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'])).stdout);
    expect(cols).toEqual([{ NAME: 'x', IMAGE: 'tskube/busybox' }]);
    const jp = ok(await server.kubectl(['get', 'pods', ...n, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}'])).stdout;
    expect(jp).toBe('x=Pending\n');
    expect(ok(await server.kubectl(['get', 'pods', ...n, '--sort-by=.metadata.creationTimestamp'])).stdout).toMatch(/^x\s+0\/1\s+Pending/m);
    expect(ok(await server.kubectl(['get', 'pods', ...n, '-o', 'name'])).stdout.trim()).toBe('pod/x');
  });

  it('wait --for=condition=Ready returns once the status says so', async () => {
    const waiting = server.kubectl(['wait', '--for=condition=Ready', 'pod/x', '--timeout=30s', ...n], { timeoutMs: 40_000 });
    ok(
      await server.kubectl([
        'patch', 'pod', 'x', ...n, '--subresource=status', '--type=merge',
        '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
      ]),
    );
    expect(ok(await waiting).stdout.trim()).toBe('pod/x condition met');
  });

  it('get pods --watch-only prints only changes', async () => {
    const watch = server.kubectlStream(['get', 'pods', ...n, '--watch-only', '--show-labels']);
    try {
      // Label until a change shows (the watch may not have started yet): changes are all it prints.
      let round = 0;
      await expect
        .poll(async () => {
          ok(await server.kubectl(['label', 'pod', 'x', `seen=${++round}`, '--overwrite', ...n]));
          return watch.output();
        }, { timeout: 15_000, interval: 500 })
        .toMatch(/^x\s.*seen=\d+,tier=a/m);
      expect(watch.output()).not.toMatch(/^x\s.*\stier=a\s*$/m);
    } finally {
      await watch.stop();
    }
  });

  it('delete --grace-period=0 --force, while wait --for=delete watches', async () => {
    const waiting = server.kubectl(['wait', '--for=delete', 'pod/x', '--timeout=30s', ...n], { timeoutMs: 40_000 });
    const del = ok(await server.kubectl(['delete', 'pod', 'x', '--grace-period=0', '--force', ...n]));
    expect(del.stdout.trim()).toBe('pod "x" force deleted');
    expect(del.stderr).toContain('Immediate deletion does not wait');
    expect((await waiting).code).toBe(0);
  });

  it('expose rc, set image, edit with $EDITOR', async () => {
    ok(await server.kubectl(['create', '-f', '-'], { stdin: rcManifest(ns, 1) }));
    expect(ok(await server.kubectl(['expose', 'rc/web', '--port=80', ...n])).stdout.trim()).toBe('service/web exposed');
    const svc = parseTable(ok(await server.kubectl(['get', 'svc', 'web', '-o', 'wide', ...n])).stdout)[0];
    expect(svc).toMatchObject({ NAME: 'web', TYPE: 'ClusterIP', 'PORT(S)': '80/TCP', SELECTOR: 'app=web' });

    expect(ok(await server.kubectl(['set', 'image', 'rc/web', 'c=tskube/busybox:1.36', ...n])).stdout.trim()).toBe('replicationcontroller/web image updated');
    expect(ok(await server.kubectl(['get', 'rc', 'web', ...n, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).stdout).toBe('tskube/busybox:1.36');

    const editor = join(server.dir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/replicas: 1$/replicas: 2/" "$1"\n');
    await chmod(editor, 0o755);
    expect(ok(await server.kubectl(['edit', 'rc/web', ...n], { env: { EDITOR: editor } })).stdout.trim()).toBe('replicationcontroller/web edited');
    expect(ok(await server.kubectl(['get', 'rc', 'web', ...n, '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('2');
  });

  it('diff -f shows the change and stores nothing; replace -f and replace --force', async () => {
    const diff = await server.kubectl(['diff', '-f', '-'], { stdin: rcManifest(ns, 5, 'tskube/busybox:1.36') });
    expect(diff.code, diff.stderr).toBe(1); // 1 = differences found
    expect(diff.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(diff.stdout).toMatch(/^\+\s+replicas: 5$/m);
    // Only what changed: no `annotations: {}` from the patch's empty map, as Go's omitempty.
    expect(diff.stdout).not.toMatch(/^\+\s+annotations:/m);
    expect(ok(await server.kubectl(['get', 'rc', 'web', ...n, '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('2');

    const live = ok(await server.kubectl(['get', 'rc', 'web', ...n, '-o', 'yaml'])).stdout;
    const replaced = ok(await server.kubectl(['replace', '-f', '-'], { stdin: live.replace(/replicas: 2$/m, 'replicas: 3') }));
    expect(replaced.stdout.trim()).toBe('replicationcontroller/web replaced');
    const uid = ok(await server.kubectl(['get', 'rc', 'web', ...n, '-o', 'jsonpath={.metadata.uid}'])).stdout;

    const forced = ok(await server.kubectl(['replace', '--force', '-f', '-'], { stdin: rcManifest(ns, 4) }));
    expect(lines(forced.stdout)).toEqual(['replicationcontroller "web" deleted', 'replicationcontroller/web replaced']);
    const after = ok(await server.kubectl(['get', 'rc', 'web', ...n, '-o', 'jsonpath={.metadata.uid} {.spec.replicas}'])).stdout;
    expect(after).toMatch(/^\S+ 4$/);
    expect(after.split(' ')[0]).not.toBe(uid);
  });

  it('get events --sort-by=.lastTimestamp, and kubectl events --for', async () => {
    const event = (name: string, reason: string, last: string) => `apiVersion: v1
kind: Event
metadata: {name: ${name}, namespace: ${ns}}
involvedObject: {apiVersion: v1, kind: Pod, name: p1, namespace: ${ns}}
reason: ${reason}
message: ${reason} happened
type: Normal
firstTimestamp: "${last}"
lastTimestamp: "${last}"
count: 1
source: {component: e2e}
`;
    ok(await server.kubectl(['create', '-f', '-'], { stdin: [event('late', 'Late', '2026-01-01T00:00:10Z'), event('early', 'Early', '2026-01-01T00:00:05Z')].join('---\n') }));
    const sorted = parseTable(ok(await server.kubectl(['get', 'events', ...n, '--sort-by=.lastTimestamp'])).stdout);
    expect(sorted.map((r) => r['REASON'])).toEqual(['Early', 'Late']);
    expect(sorted[0]).toMatchObject({ TYPE: 'Normal', OBJECT: 'pod/p1', MESSAGE: 'Early happened' });
    const forPod = ok(await server.kubectl(['events', ...n, '--for', 'pod/p1'])).stdout;
    expect(forPod).toMatch(/Early happened[\s\S]*Late happened/);
  });

  it('delete pods --all', async () => {
    for (const name of ['a1', 'a2']) ok(await server.kubectl(['run', name, '--image=tskube/busybox', '--restart=Never', ...n]));
    const r = ok(await server.kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force', ...n]));
    expect(r.stdout).toContain('pod "a1" force deleted');
    expect(r.stdout).toContain('pod "a2" force deleted');
    expect(ok(await server.kubectl(['get', 'pods', ...n])).stderr.trim()).toBe(`No resources found in ${ns} namespace.`);
  });
});

describe('cluster questions', () => {
  it('auth can-i answers yes (authorization is AlwaysAllow), auth whoami names the token user', async () => {
    expect(ok(await server.kubectl(['auth', 'can-i', 'create', 'pods'])).stdout.trim()).toBe('yes');
    expect(ok(await server.kubectl(['auth', 'can-i', 'delete', 'nodes', '--all-namespaces'])).stdout.trim()).toBe('yes');
    expect(ok(await server.kubectl(['auth', 'can-i', 'get', '/metrics'])).stdout.trim()).toBe('yes');
    const rules = ok(await server.kubectl(['auth', 'can-i', '--list'])).stdout;
    expect(rules).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    const who = parseTable(ok(await server.kubectl(['auth', 'whoami'])).stdout);
    expect(who).toContainEqual({ ATTRIBUTE: 'Username', VALUE: 'admin' });
    expect(who).toContainEqual({ ATTRIBUTE: 'Groups', VALUE: '[system:masters system:authenticated]' });
  });

  it('api-versions, cluster-info, get --raw /metrics', async () => {
    expect(lines(ok(await server.kubectl(['api-versions'])).stdout)).toEqual([
      'authentication.k8s.io/v1',
      'authorization.k8s.io/v1',
      'coordination.k8s.io/v1',
      'metrics.k8s.io/v1beta1',
      'v1',
    ]);
    expect(ok(await server.kubectl(['cluster-info'])).stdout).toContain(`Kubernetes control plane is running at ${server.secureUrl}`);
    const metrics = ok(await server.kubectl(['get', '--raw', '/metrics'])).stdout;
    expect(metrics).toMatch(/^apiserver_request_total\{/m);
  });
});
