import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test-helpers.js';
import { KUBECTL_BODIES } from './kubectl-fixtures.js';
import { body, M, S, V } from './test-encoder.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
// What client-go's typed clients send.
const ACCEPT = 'application/vnd.kubernetes.protobuf, application/json';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

async function send(method: string, path: string, bytes: Uint8Array, type = PROTOBUF) {
  const res = await fetch(api.url + path, { method, headers: { 'content-type': type, accept: ACCEPT }, body: Buffer.from(bytes) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const podProto = (name: string, image: string, resourceVersion?: string) =>
  body('Pod', [
    ...M(1, S(1, name), S(3, 'pb-ns'), ...(resourceVersion ? [S(6, resourceVersion)] : [])),
    ...M(2, M(2, S(1, 'app'), S(2, image))),
  ]);

describe('protobuf request bodies over HTTP', () => {
  it('kubectl create namespace: 201, answered in JSON', async () => {
    const res = await send('POST', '/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict', hex(KUBECTL_BODIES.createNamespace));
    expect(res.status).toBe(201);
    expect(res.type).toBe('application/json');
    expect(res.body).toMatchObject({ kind: 'Namespace', metadata: { name: 'pb-ns' }, status: { phase: 'Active' } });
  });

  // kubectl's own port names ("80-8080") are DNS-1123 labels, which our Service validation
  // rejects today (it applies IANA_SVC_NAME); the loadbalancer body's "443-https" passes both.
  it('kubectl create service loadbalancer: defaults and a portal IP as from JSON', async () => {
    const res = await send('POST', '/api/v1/namespaces/pb-ns/services?fieldValidation=Strict', hex(KUBECTL_BODIES.createServiceLoadBalancer));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.spec).toMatchObject({ type: 'LoadBalancer', sessionAffinity: 'None', ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }] });
    expect(res.body.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('POST then PUT a Pod, then DELETE it with protobuf DeleteOptions', async () => {
    const created = await send('POST', '/api/v1/namespaces/pb-ns/pods', podProto('p1', 'busybox:1.35'));
    expect(created.status).toBe(201);
    const rv = created.body.metadata.resourceVersion as string;
    const updated = await send('PUT', '/api/v1/namespaces/pb-ns/pods/p1', podProto('p1', 'busybox:1.36', rv));
    expect(updated.status).toBe(200);
    expect(updated.body.spec.containers[0].image).toBe('busybox:1.36');

    const stale = await send('DELETE', '/api/v1/namespaces/pb-ns/pods/p1', body('DeleteOptions', [...V(1, 0), ...M(2, S(2, rv))]));
    expect(stale.status).toBe(409);
    const deleted = await send('DELETE', '/api/v1/namespaces/pb-ns/pods/p1', body('DeleteOptions', [...V(1, 0)]));
    expect(deleted.status).toBe(200);
    expect((await fetch(`${api.url}/api/v1/namespaces/pb-ns/pods/p1`)).status).toBe(404);
  });

  it.each([
    ['a malformed body', 'POST', '/api/v1/namespaces/pb-ns/pods', Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x12, 0x50), PROTOBUF, 400, 'must be of type Pod'],
    ['another kind', 'POST', '/api/v1/namespaces/pb-ns/pods', hex(KUBECTL_BODIES.createServiceNodePort), PROTOBUF, 400, 'does not match the expected kind'],
    ['a protobuf PATCH', 'PATCH', '/api/v1/namespaces/pb-ns', hex(KUBECTL_BODIES.createNamespace), PROTOBUF, 415, 'unknown format'],
    ['an unknown media type', 'POST', '/api/v1/namespaces', hex(KUBECTL_BODIES.createNamespace), 'application/cbor', 415, 'unknown format'],
  ])('%s → %s %s', async (_what, method, path, bytes, type, code, message) => {
    const res = await send(method, path, bytes, type);
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', code });
    expect(res.body.message).toContain(message);
  });
});
