import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openApiV3CoreV1, openApiV3CoreV1Hash, openApiV3CoreV1Json, openApiV3Group, openApiV3GroupJson, openApiV3Root } from './index.js';

interface Param {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  operationId: string;
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

const doc = openApiV3CoreV1() as Doc;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
);
const SERVED_KINDS = ['Pod', 'Node', 'Service', 'Endpoints', 'ReplicationController', 'Event', 'Namespace'];

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

describe('openApiV3CoreV1', () => {
  it('is an OpenAPI 3.0 document that survives a JSON round trip', () => {
    expect(doc.openapi).toBe('3.0.0');
    expect(doc.info.title).not.toBe('');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(JSON.parse(openApiV3CoreV1Json())).toEqual(doc);
  });

  it('is built once and cannot be changed by a caller', () => {
    expect(openApiV3CoreV1()).toBe(doc);
    expect(Object.isFrozen(doc.paths)).toBe(true);
    expect(() => {
      (doc.paths as Record<string, unknown>)['/x'] = {};
    }).toThrow();
  });

  it('resolves every $ref to a schema in components', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(100);
    const missing = refs.filter((r) => !r.startsWith('#/components/schemas/') || !(r.slice('#/components/schemas/'.length) in doc.components.schemas));
    expect([...new Set(missing)]).toEqual([]);
  });

  it.each(SERVED_KINDS)('%s: its schema carries the GVK list kubectl uses to find it', (kind) => {
    expect(doc.components.schemas[`io.k8s.api.core.v1.${kind}`]!['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind }]);
  });

  // What kubectl 1.32's query-param verifier does: every PATCH of the kind must take fieldValidation.
  it.each(SERVED_KINDS)('%s: every PATCH operation of the kind accepts fieldValidation in the query', (kind) => {
    const patches = operations.filter(
      ({ method, op }) =>
        method === 'patch' &&
        op['x-kubernetes-group-version-kind'].group === '' &&
        op['x-kubernetes-group-version-kind'].version === 'v1' &&
        op['x-kubernetes-group-version-kind'].kind === kind,
    );
    expect(patches.length).toBeGreaterThanOrEqual(1);
    for (const { op } of patches) {
      expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    }
  });

  it.each([
    ['/api/v1/namespaces/{namespace}/pods', ['get', 'post', 'delete']],
    ['/api/v1/namespaces/{namespace}/pods/{name}', ['get', 'put', 'delete', 'patch']],
    ['/api/v1/namespaces/{namespace}/pods/{name}/status', ['get', 'put', 'patch']],
    ['/api/v1/namespaces/{namespace}/pods/{name}/binding', ['post']],
    ['/api/v1/namespaces/{namespace}/bindings', ['post']],
    ['/api/v1/pods', ['get']],
    ['/api/v1/nodes', ['get', 'post', 'delete']],
    ['/api/v1/nodes/{name}', ['get', 'put', 'delete', 'patch']],
    ['/api/v1/nodes/{name}/status', ['get', 'put', 'patch']],
    ['/api/v1/namespaces/{namespace}/services/{name}/status', ['get', 'put', 'patch']],
    ['/api/v1/namespaces/{namespace}/endpoints/{name}', ['get', 'put', 'delete', 'patch']],
    ['/api/v1/namespaces/{namespace}/replicationcontrollers/{name}/scale', ['get', 'put', 'patch']],
    ['/api/v1/namespaces/{namespace}/events', ['get', 'post', 'delete']],
    ['/api/v1/namespaces', ['get', 'post']],
    ['/api/v1/namespaces/{name}/status', ['get', 'put', 'patch']],
  ])('%s serves %j', (path, methods) => {
    expect(Object.keys(doc.paths[path] ?? {}).sort()).toEqual([...methods].sort());
  });

  it('marks the scale subresource as autoscaling/v1 Scale', () => {
    const scale = doc.paths['/api/v1/namespaces/{namespace}/replicationcontrollers/{name}/scale']!;
    expect(scale.patch!['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(collectRefs(scale.get!.responses)).toContain('#/components/schemas/io.k8s.api.autoscaling.v1.Scale');
  });

  it('gives every operation a unique id, an action and a GVK', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) {
      expect(['get', 'list', 'post', 'put', 'patch', 'delete', 'deletecollection']).toContain(op['x-kubernetes-action']);
      expect(op['x-kubernetes-group-version-kind']).toEqual({ group: expect.any(String), version: 'v1', kind: expect.any(String) });
    }
  });

  it('declares each path template variable as a required path parameter', () => {
    for (const { path, op } of operations) {
      const vars = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(pathParams.map((p) => p.name).sort(), `${op.operationId}`).toEqual(vars.sort());
      for (const p of pathParams) expect(p.required).toBe(true);
    }
  });

  it.each(['put', 'post', 'patch'] as const)('%s operations take dryRun, fieldManager, fieldValidation and pretty', (method) => {
    for (const { op } of operations.filter((o) => o.method === method)) {
      const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect(names, op.operationId).toEqual(expect.arrayContaining(['dryRun', 'fieldManager', 'fieldValidation', 'pretty']));
    }
  });

  it('patch bodies accept the four patch media types', () => {
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch!;
    expect(Object.keys(patch.requestBody!.content).sort()).toEqual([
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
  });
});

describe('openApiV3Root', () => {
  it('points kubectl at the core document, versioned by its hash', () => {
    const root = openApiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
    const hash = createHash('sha512').update(openApiV3CoreV1Json()).digest('hex').toUpperCase();
    expect(openApiV3CoreV1Hash()).toBe(hash);
    expect(root.paths['api/v1']).toEqual({ serverRelativeURL: `/openapi/v3/api/v1?hash=${hash}` });
    expect(JSON.parse(JSON.stringify(root))).toEqual(root);
  });

  it('points at each named group-version document, versioned by its own hash', () => {
    const root = openApiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
    const json = openApiV3GroupJson('coordination.k8s.io', 'v1')!;
    const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
    expect(root.paths['apis/coordination.k8s.io/v1']).toEqual({ serverRelativeURL: `/openapi/v3/apis/coordination.k8s.io/v1?hash=${hash}` });
    expect(Object.keys(root.paths).sort()).toEqual(['api/v1', 'apis/coordination.k8s.io/v1']);
  });
});

describe('openApiV3Group', () => {
  const doc = openApiV3Group('coordination.k8s.io', 'v1') as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };

  it('has only its own group-version paths, named the upstream way', () => {
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/apis/coordination.k8s.io/v1/leases',
      '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases',
      '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}',
    ]);
    const list = doc.paths['/apis/coordination.k8s.io/v1/leases']!['get']!;
    expect(list).toMatchObject({ operationId: 'listCoordinationV1LeaseForAllNamespaces', tags: ['coordination_v1'] });
  });

  it('is undefined for what is not served, including the core group', () => {
    expect(openApiV3Group('coordination.k8s.io', 'v2')).toBeUndefined();
    expect(openApiV3Group('', 'v1')).toBeUndefined();
  });
});
