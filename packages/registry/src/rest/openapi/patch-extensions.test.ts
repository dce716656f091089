import { describe, expect, it } from 'vitest';
import { patchMetaFor, patchMetaKinds, schemaForKind, type Schema } from '../patch/patch-meta.js';
import { openApiV3CoreV1 } from './index.js';
import { annotatePatchMeta, refTarget } from './patch-extensions.js';

type Json = Record<string, unknown>;
const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const REF = '#/components/schemas/';

const schemas = (openApiV3CoreV1() as { components: { schemas: Record<string, Json> } }).components.schemas;
const servedKinds = patchMetaKinds().filter((kind) => Object.hasOwn(schemas, CORE + kind));

const properties = (id: string): Record<string, Json> => (schemas[id]?.properties ?? {}) as Record<string, Json>;
/** Only the vendor extensions of a schema node, as kubectl sees them on the property. */
const extensionsOf = (node: Json | undefined): Json =>
  Object.fromEntries(Object.entries(node ?? {}).filter(([k]) => k.startsWith('x-kubernetes-') && k !== 'x-kubernetes-preserve-unknown-fields'));

/** Every path of a kind's patch table, e.g. `spec.template.spec.containers.env`. */
function tablePaths(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([name, meta]) => [
    prefix + name,
    ...(meta.fields ? tablePaths(meta.fields, `${prefix}${name}.`) : []),
  ]);
}

/** The property schema at `path` below a kind, following `$ref`s (and list items) like kubectl does. */
function propertyAt(kind: string, path: string): Json | undefined {
  let componentId: string | undefined = CORE + kind;
  let prop: Json | undefined;
  for (const segment of path.split('.')) {
    if (!componentId) return undefined;
    prop = properties(componentId)[segment];
    if (!prop) return undefined;
    componentId = refTarget(prop);
  }
  return prop;
}

/** Every (path, property) reachable from a kind's root, a few levels deep (the table is shallower). */
function docProperties(componentId: string, prefix = '', depth = 0): Array<[string, Json]> {
  if (depth > 6) return [];
  return Object.entries(properties(componentId)).flatMap(([name, prop]): Array<[string, Json]> => {
    const target = refTarget(prop);
    return [[prefix + name, prop], ...(target ? docProperties(target, `${prefix}${name}.`, depth + 1) : [])];
  });
}

describe('patch extensions in the served document', () => {
  // Spelled as upstream's api/openapi-spec/v3/api__v1_openapi.json (v1.32) spells them.
  it.each([
    [CORE + 'PodSpec', 'containers', { 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' }],
    [CORE + 'PodSpec', 'initContainers', { 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' }],
    [CORE + 'PodSpec', 'volumes', { 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' }],
    [
      CORE + 'Container',
      'ports',
      {
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'containerPort',
        'x-kubernetes-patch-strategy': 'merge',
      },
    ],
    [CORE + 'Container', 'env', { 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' }],
    [CORE + 'Container', 'volumeMounts', { 'x-kubernetes-patch-merge-key': 'mountPath', 'x-kubernetes-patch-strategy': 'merge' }],
    [CORE + 'EphemeralContainer', 'env', { 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' }],
    [CORE + 'PodStatus', 'conditions', { 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-patch-strategy': 'merge' }],
    [META + 'ObjectMeta', 'finalizers', { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' }],
    [
      META + 'ObjectMeta',
      'ownerReferences',
      {
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
    ],
    [
      CORE + 'ServiceSpec',
      'ports',
      {
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'port',
        'x-kubernetes-patch-strategy': 'merge',
      },
    ],
    [CORE + 'NodeSpec', 'podCIDRs', { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' }],
    [
      CORE + 'PodSpec',
      'topologySpreadConstraints',
      {
        'x-kubernetes-list-map-keys': ['topologyKey', 'whenUnsatisfiable'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'topologyKey',
        'x-kubernetes-patch-strategy': 'merge',
      },
    ],
    [
      CORE + 'ServiceStatus',
      'conditions',
      {
        'x-kubernetes-list-map-keys': ['type'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'type',
        'x-kubernetes-patch-strategy': 'merge',
      },
    ],
  ])('%s.%s carries upstream extensions beside its list type', (componentId, name, expected) => {
    const prop = properties(componentId)[name];
    expect(prop?.type).toBe('array');
    expect(prop?.items).toBeDefined();
    expect(extensionsOf(prop)).toEqual(expected);
  });

  it.each([
    [CORE + 'PodSpec', 'tolerations'],
    [CORE + 'PodSpec', 'readinessGates'],
    [CORE + 'PodStatus', 'containerStatuses'],
    [CORE + 'Container', 'command'],
    [META + 'ObjectMeta', 'managedFields'],
  ])('%s.%s, replaced wholesale upstream, carries no patch strategy', (componentId, name) => {
    expect(properties(componentId)[name]).toBeDefined();
    expect(extensionsOf(properties(componentId)[name])).not.toHaveProperty('x-kubernetes-patch-strategy');
  });

  it('serves strategic metadata for the kinds kubectl applies most', () => {
    expect(servedKinds).toEqual(expect.arrayContaining(['Pod', 'ReplicationController', 'Service', 'Node', 'Namespace']));
  });

  describe.each(servedKinds)('%s agrees with patchMetaFor', (kind) => {
    const paths = tablePaths(schemaForKind(kind) ?? {});

    it.each(paths)('table entry %s', (path) => {
      const meta = patchMetaFor(kind, path);
      const prop = propertyAt(kind, path);
      expect(prop, `no property at ${kind} ${path}`).toBeDefined();
      const ext = extensionsOf(prop);
      if (meta?.strategy === 'merge') {
        expect(ext['x-kubernetes-patch-strategy']).toBe(meta.retainKeys ? 'merge,retainKeys' : 'merge');
        expect(ext['x-kubernetes-patch-merge-key']).toBe(meta.mergeKey);
      } else {
        expect(ext).not.toHaveProperty('x-kubernetes-patch-strategy');
      }
    });

    it('every annotated property reachable from the kind is a merge list of the table', () => {
      const annotated = docProperties(CORE + kind).filter(([, prop]) => 'x-kubernetes-patch-strategy' in prop);
      for (const [path, prop] of annotated) {
        // Components are shared: an annotation put there for another kind must hold for this one too,
        // or kubectl would merge a list the server replaces.
        const meta = patchMetaFor(kind, path);
        expect(meta?.strategy, `${kind} ${path}`).toBe('merge');
        expect(extensionsOf(prop)['x-kubernetes-patch-merge-key'], `${kind} ${path}`).toBe(meta?.mergeKey);
      }
      const tableMergeLists = paths.filter((p) => patchMetaFor(kind, p)?.strategy === 'merge');
      expect(annotated.map(([path]) => path)).toEqual(expect.arrayContaining(tableMergeLists));
    });
  });

  it('lands PodSpec annotations on the component shared by Pod and ReplicationController', () => {
    expect(refTarget(properties(CORE + 'Pod').spec ?? {})).toBe(CORE + 'PodSpec');
    expect(propertyAt('ReplicationController', 'spec.template.spec.containers')).toBe(properties(CORE + 'PodSpec').containers);
  });
});

describe('annotatePatchMeta', () => {
  it('wraps a bare $ref merge property as allOf so the extensions sit beside it', () => {
    const input: Record<string, unknown> = {
      [CORE + 'Pod']: { properties: { metadata: { $ref: REF + META + 'ObjectMeta' } } },
      [META + 'ObjectMeta']: { properties: { finalizers: { $ref: REF + 'x.Finalizers', description: 'd' } } },
    };
    annotatePatchMeta(input);
    const finalizers = ((input[META + 'ObjectMeta'] as Json).properties as Record<string, Json>).finalizers;
    expect(finalizers).toEqual({
      allOf: [{ $ref: REF + 'x.Finalizers' }],
      description: 'd',
      'x-kubernetes-list-type': 'set',
      'x-kubernetes-patch-strategy': 'merge',
    });
  });

  it('rejects a shared component annotated two different ways', () => {
    const input: Record<string, unknown> = {
      [CORE + 'Pod']: { properties: { spec: { $ref: REF + CORE + 'PodSpec' } } },
      [CORE + 'PodSpec']: { properties: { containers: { type: 'array', 'x-kubernetes-patch-merge-key': 'image' } } },
    };
    expect(() => annotatePatchMeta(input)).toThrow(/conflicting x-kubernetes-patch-merge-key on io\.k8s\.api\.core\.v1\.PodSpec\.containers/);
  });

  it('leaves kinds without a component alone', () => {
    const input: Record<string, unknown> = { 'x.Other': { properties: { containers: { type: 'array' } } } };
    annotatePatchMeta(input);
    expect(input).toEqual({ 'x.Other': { properties: { containers: { type: 'array' } } } });
  });
});
