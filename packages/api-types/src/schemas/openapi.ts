/**
 * The schemas as OpenAPI 3 components, named the Kubernetes way. Nested named schemas become
 * `$ref`s; records become `additionalProperties`; the apimachinery scalars are spelled exactly as
 * upstream publishes them so clients that special-case them (kubectl) recognise them.
 */
import { groupVersionKinds, schemas, type SchemaKind } from './registry.js';

type Json = unknown;

const SCALARS: Record<string, Record<string, unknown>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    type: 'string',
    format: 'int-or-string',
    description: 'IntOrString is a type that can hold an int32 or a string.',
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    type: 'string',
    description: 'Quantity is a fixed-point representation of a number, e.g. "500m" or "1Gi".',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': {
    type: 'string',
    format: 'date-time',
    description: 'Time is an RFC 3339 date and time at second precision.',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': {
    type: 'string',
    format: 'date-time',
    description: 'MicroTime is an RFC 3339 date and time at microsecond precision.',
  },
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

export function openApiComponents(): Record<string, unknown> {
  const out: Record<string, unknown> = {};

  const register = (id: string, schema: Record<string, unknown>): void => {
    if (Object.hasOwn(out, id)) return;
    out[id] = {}; // placeholder, guards against cycles
    out[id] = SCALARS[id] ?? convert(schema, true);
  };

  const convert = (node: Json, isRoot = false): Json => {
    if (Array.isArray(node)) return node.map((n) => convert(n));
    if (typeof node !== 'object' || node === null) return node;
    const s = node as Record<string, unknown>;
    if (!isRoot && typeof s.$id === 'string') {
      register(s.$id, s);
      return ref(s.$id);
    }
    const res: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === '$id') continue;
      if (k === 'patternProperties') {
        // OpenAPI 3.0 has no patternProperties; a string-keyed record is additionalProperties.
        const first = Object.values(v as Record<string, unknown>)[0];
        res.additionalProperties = convert(first);
        continue;
      }
      res[k] = convert(v);
    }
    return res;
  };

  for (const kind of Object.keys(schemas) as SchemaKind[]) {
    const schema = schemas[kind] as unknown as Record<string, unknown>;
    const id = schema.$id as string;
    register(id, schema);
    out[id] = { ...(out[id] as object), 'x-kubernetes-group-version-kind': groupVersionKinds(kind) };
  }
  return out;
}
