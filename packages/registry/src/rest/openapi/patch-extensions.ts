/**
 * Strategic-merge metadata in the OpenAPI document: `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key` (plus the list-type extensions upstream puts beside them) on the
 * list properties of the patch table (../patch/patch-meta.ts).
 *
 * Why it matters: `kubectl apply` (1.32) computes its three-way patch from the server's OpenAPI v3
 * schema whenever the PATCH operation accepts strategic-merge-patch+json (KC32
 * pkg/cmd/apply/patcher.go `buildStrategicMergePatchFromOpenAPIV3`). Without these extensions
 * every list is atomic to it, so a list the server defaulted (`ports[].protocol`) differs from
 * the manifest on every apply: the whole list is re-sent and `unchanged` never happens.
 */
import { patchMetaKinds, schemaForKind, type FieldMeta, type Schema } from '../patch/patch-meta.js';

type Json = Record<string, unknown>;

const REF_PREFIX = '#/components/schemas/';
const CORE = 'io.k8s.api.core.v1.';

/** Upstream's `x-kubernetes-list-map-keys` for keyed merge lists that carry them (component.property). */
const LIST_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  'io.k8s.api.core.v1.Container.ports': ['containerPort', 'protocol'],
  'io.k8s.api.core.v1.EphemeralContainer.ports': ['containerPort', 'protocol'],
  'io.k8s.api.core.v1.PodSpec.topologySpreadConstraints': ['topologyKey', 'whenUnsatisfiable'],
  'io.k8s.api.core.v1.PodSpec.schedulingGates': ['name'],
  'io.k8s.api.core.v1.PodSpec.resourceClaims': ['name'],
  'io.k8s.api.core.v1.PodStatus.resourceClaimStatuses': ['name'],
  'io.k8s.api.core.v1.ServiceSpec.ports': ['port', 'protocol'],
  'io.k8s.api.core.v1.ServiceStatus.conditions': ['type'],
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.ownerReferences': ['uid'],
};

/** The component a property points at: its `$ref`, an `allOf` wrapper's, or its list items'. */
export function refTarget(prop: Json): string | undefined {
  const ref = (node: unknown): string | undefined => {
    const r = (node as Json | undefined)?.['$ref'];
    return typeof r === 'string' && r.startsWith(REF_PREFIX) ? r.slice(REF_PREFIX.length) : undefined;
  };
  const allOf = prop['allOf'];
  const items = prop['items'] as Json | undefined;
  return ref(prop) ?? (Array.isArray(allOf) ? ref(allOf[0]) : undefined) ?? (items ? refTarget(items) : undefined);
}

/**
 * Adds the extensions to `schemas` (mutated) for every kind of the patch table that has a
 * component. Components are shared (PodSpec by Pod and ReplicationController): an annotation
 * that disagrees with one already there is a bug in the table, and throws.
 */
export function annotatePatchMeta(schemas: Record<string, unknown>): void {
  for (const kind of patchMetaKinds()) {
    const meta = schemaForKind(kind);
    if (meta && Object.hasOwn(schemas, CORE + kind)) walk(schemas, CORE + kind, meta);
  }
}

function walk(schemas: Record<string, unknown>, id: string, meta: Schema): void {
  const props = (schemas[id] as Json | undefined)?.['properties'] as Record<string, Json> | undefined;
  if (!props) return;
  for (const [field, fm] of Object.entries(meta)) {
    let prop = props[field];
    if (!prop) continue;
    if (fm.strategy === 'merge') {
      // OpenAPI 3.0 ignores siblings of a bare $ref: wrap it so the extensions count.
      if (typeof prop['$ref'] === 'string') {
        const { $ref, ...rest } = prop;
        prop = props[field] = { allOf: [{ $ref }], ...rest };
      }
      for (const [key, value] of Object.entries(extensions(`${id}.${field}`, fm))) set(prop, key, value, `${id}.${field}`);
    }
    const target = fm.fields ? refTarget(prop) : undefined;
    if (target && fm.fields) walk(schemas, target, fm.fields);
  }
}

function extensions(where: string, fm: FieldMeta): Json {
  const ext: Json = {};
  if (!fm.mergeKey) ext['x-kubernetes-list-type'] = 'set';
  const mapKeys = LIST_MAP_KEYS[where];
  if (mapKeys) {
    ext['x-kubernetes-list-map-keys'] = [...mapKeys];
    ext['x-kubernetes-list-type'] = 'map';
  }
  if (fm.mergeKey) ext['x-kubernetes-patch-merge-key'] = fm.mergeKey;
  ext['x-kubernetes-patch-strategy'] = fm.retainKeys ? 'merge,retainKeys' : 'merge';
  return ext;
}

function set(prop: Json, key: string, value: unknown, where: string): void {
  if (key in prop && JSON.stringify(prop[key]) !== JSON.stringify(value)) {
    throw new Error(`conflicting ${key} on ${where}: ${JSON.stringify(prop[key])} vs ${JSON.stringify(value)}`);
  }
  prop[key] = value;
}
