/**
 * Server-side apply with the stock kubectl 1.32 against the real tskube-apiserver:
 * `kubectl apply --server-side` creates and updates (pruning what was dropped), `kubectl scale`
 * takes spec.replicas so a later apply conflicts until `--force-conflicts`, managedFields show
 * with `--show-managed-fields`, and `--dry-run=server` stores nothing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectKubectlOk, startApiServer, type ApiServerProcess, type KubectlResult } from './harness.js';

let server: ApiServerProcess;
beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
});
afterAll(async () => {
  await server?.dispose();
});

const ok = (r: KubectlResult): KubectlResult => expectKubectlOk(server, r);

const ns = 'e2e-ssa';
const rc = (opts: { replicas: number; image: string; labels: Record<string, string> }) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
  labels:
${Object.entries(opts.labels).map(([k, v]) => `    ${k}: ${v}`).join('\n')}
spec:
  replicas: ${opts.replicas}
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${opts.image}
        ports:
        - containerPort: 80
`;

interface Rc {
  metadata: { labels?: Record<string, string>; managedFields?: { manager: string; operation: string; subresource?: string }[] };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
}
const getRc = async (...extra: string[]): Promise<Rc> =>
  JSON.parse(ok(await server.kubectl(['get', 'rc', 'web', '-n', ns, '-o', 'json', ...extra])).stdout) as Rc;

describe('kubectl apply --server-side', () => {
  it('creates, updates and prunes a dropped label', async () => {
    ok(await server.kubectl(['create', 'namespace', ns]));
    const created = ok(await server.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], { stdin: rc({ replicas: 2, image: 'busybox:1', labels: { app: 'web', tier: 'front' } }) }));
    expect(created.stdout.trim()).toBe('replicationcontroller/web serverside-applied');
    expect((await getRc()).metadata.labels).toEqual({ app: 'web', tier: 'front' });

    ok(await server.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], { stdin: rc({ replicas: 2, image: 'busybox:2', labels: { app: 'web' } }) }));
    const live = await getRc();
    expect(live.metadata.labels).toEqual({ app: 'web' });
    expect(live.spec.template.spec.containers[0]!.image).toBe('busybox:2');
    // kubectl hides managedFields unless asked.
    expect(live.metadata.managedFields).toBeUndefined();
  });

  it('conflicts on replicas after kubectl scale; --force-conflicts takes them', async () => {
    ok(await server.kubectl(['scale', 'rc', 'web', '-n', ns, '--replicas=3']));
    const manifest = rc({ replicas: 2, image: 'busybox:2', labels: { app: 'web' } });
    const refused = await server.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], { stdin: manifest });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using v1: .spec.replicas');

    const withFields = await getRc('--show-managed-fields');
    const managers = withFields.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}/${e.subresource ?? ''}`);
    expect(managers).toEqual(['kubectl/Apply/', 'kubectl/Update/scale']);
    const yaml = ok(await server.kubectl(['get', 'rc', 'web', '-n', ns, '-o', 'yaml', '--show-managed-fields'])).stdout;
    expect(yaml).toMatch(/managedFields:[\s\S]*operation: Apply[\s\S]*subresource: scale/);
    expect(ok(await server.kubectl(['get', 'rc', 'web', '-n', ns, '-o', 'yaml'])).stdout).not.toContain('managedFields');

    ok(await server.kubectl(['apply', '--server-side', '--force-conflicts', '-n', ns, '-f', '-'], { stdin: manifest }));
    expect((await getRc()).spec.replicas).toBe(2);
  });

  it('takes over an object that client-side apply created (kubectl migrates its managers)', async () => {
    const manifest = (image: string) => rc({ replicas: 1, image, labels: { app: 'web' } }).replace('name: web\n', 'name: csa\n');
    ok(await server.kubectl(['apply', '-n', ns, '-f', '-'], { stdin: manifest('busybox:1') }));
    const r = ok(await server.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], { stdin: manifest('busybox:2') }));
    expect(r.stdout.trim()).toBe('replicationcontroller/csa serverside-applied');
    const live = JSON.parse(ok(await server.kubectl(['get', 'rc', 'csa', '-n', ns, '-o', 'json', '--show-managed-fields'])).stdout) as Rc;
    expect(live.spec.template.spec.containers[0]!.image).toBe('busybox:2');
    expect(live.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}`)).toContain('kubectl/Apply');
  });

  it('--dry-run=server stores nothing', async () => {
    const manifest = rc({ replicas: 1, image: 'busybox:1', labels: { app: 'web' } }).replace('name: web\n', 'name: dry\n');
    const r = ok(await server.kubectl(['apply', '--server-side', '--dry-run=server', '-n', ns, '-f', '-'], { stdin: manifest }));
    expect(r.stdout).toMatch(/replicationcontroller\/dry serverside-applied \(server dry run\)/);
    const get = await server.kubectl(['get', 'rc', 'dry', '-n', ns]);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toMatch(/not found/);
  });
});
