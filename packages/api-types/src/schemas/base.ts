/**
 * Building blocks for the wire schemas. Every named schema carries its Kubernetes OpenAPI name as
 * `$id` (`io.k8s.api.core.v1.Container`), which lets openApiComponents() turn nested copies into
 * `$ref`s and lets the TypeBox compiler hoist one check function per definition.
 */
import { FormatRegistry, Type, type TProperties, type TSchema } from '@sinclair/typebox';

export const CORE_V1 = 'io.k8s.api.core.v1.';
export const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

// RFC 3339 as metav1.Time and metav1.MicroTime accept it (fraction optional, `Z` or an offset).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => RFC3339.test(v));

/** A Go struct: unknown fields are not part of it (reported by unknownFields under fieldValidation=Strict). */
export function struct<T extends TProperties>(id: string, properties: T, description?: string) {
  return Type.Object(properties, { $id: id, additionalProperties: false, ...(description ? { description } : {}) });
}

/** A struct we model only loosely: the named fields are typed, anything else is accepted as is. */
export function open<T extends TProperties>(id: string, properties: T, description?: string) {
  return Type.Object(properties, {
    $id: id,
    additionalProperties: true,
    'x-kubernetes-preserve-unknown-fields': true,
    ...(description ? { description } : {}),
  });
}

export const opt = <T extends TSchema>(s: T) => Type.Optional(s);
export const int32 = (description?: string) => Type.Integer({ format: 'int32', ...(description ? { description } : {}) });
export const int64 = (description?: string) => Type.Integer({ format: 'int64', ...(description ? { description } : {}) });
export const str = (description?: string) => Type.String(description ? { description } : {});
export const bool = () => Type.Boolean();
export const strings = () => Type.Array(Type.String());
export const stringMap = () => Type.Record(Type.String(), Type.String());
/** An arbitrary JSON object (loose sub-objects such as affinity). */
export const anyObject = (description?: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    'x-kubernetes-preserve-unknown-fields': true,
    ...(description ? { description } : {}),
  });

export const TimeSchema = Type.String({ $id: META_V1 + 'Time', format: 'date-time' });
export const MicroTimeSchema = Type.String({ $id: META_V1 + 'MicroTime', format: 'date-time' });

/** intstr.IntOrString: a port number or an IANA port name, a count or a percentage. */
export const IntOrStringSchema = Type.Union([Type.Integer({ format: 'int32' }), Type.String()], {
  $id: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  'x-kubernetes-int-or-string': true,
});

/** resource.Quantity: Kubernetes accepts `"500m"` as well as a bare JSON number. */
export const QuantitySchema = Type.Union([Type.String(), Type.Number()], {
  $id: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
});
export const ResourceListSchema = () => Type.Record(Type.String(), QuantitySchema);
