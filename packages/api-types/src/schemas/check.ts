/**
 * Checks a decoded body against its schema, the way Go's JSON decoding would: wrong types are
 * errors, `null` means "absent", missing required fields are left to semantic validation (which
 * words them as upstream does), and unknown fields are reported separately so the REST layer can
 * apply fieldValidation (Ignore, Warn, Strict).
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { FieldError } from '../errors/index.js';
import { schemas, type SchemaKind } from './registry.js';

interface JsonSchema {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

const compiled = new Map<SchemaKind, TypeCheck<TSchema>>();
function checkerFor(kind: SchemaKind): TypeCheck<TSchema> {
  let c = compiled.get(kind);
  if (!c) {
    c = TypeCompiler.Compile(schemas[kind] as TSchema);
    compiled.set(kind, c);
  }
  return c;
}

function schemaOf(kind: SchemaKind | string): JsonSchema {
  if (!Object.hasOwn(schemas, kind)) throw new Error(`no schema for kind ${kind}`);
  return schemas[kind as SchemaKind] as JsonSchema;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Appends a child to a Kubernetes field path: `spec` + `containers` → `spec.containers`. */
const child = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** Turns a JSON pointer (`/spec/containers/0/image`) into `spec.containers[0].image`, guided by the schema. */
export function pointerToFieldPath(root: JsonSchema | undefined, pointer: string): string {
  let schema = root;
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (schema?.type === 'array') {
      out += `[${seg}]`;
      schema = schema.items;
    } else if (schema?.properties && Object.hasOwn(schema.properties, seg)) {
      out = child(out, seg);
      schema = schema.properties[seg];
    } else if (schema?.patternProperties) {
      out += `[${seg}]`;
      schema = Object.values(schema.patternProperties)[0];
    } else {
      out = /^\d+$/.test(seg) ? `${out}[${seg}]` : child(out, seg);
      schema = undefined;
    }
  }
  return out;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'bigint' ? 'integer' : typeof v;
}

function expectedType(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(expectedType).join(' or ');
  if (s.type === 'string' && s.format) return s.format;
  return s.type ?? 'value';
}

const SKIPPED = new Set<ValueErrorType>([
  ValueErrorType.ObjectAdditionalProperties, // unknownFields() reports these
  ValueErrorType.ObjectRequiredProperty, // validation reports "Required value"
]);

function toFieldError(root: JsonSchema, e: ValueError): FieldError {
  const field = pointerToFieldPath(root, e.path);
  const s = e.schema as JsonSchema;
  const got = e.type === ValueErrorType.StringFormat ? JSON.stringify(e.value) : `"${jsonType(e.value)}"`;
  return {
    type: 'FieldValueTypeInvalid',
    field,
    message: `Invalid value: ${got}: ${field ? `${field} in body` : 'body'} must be of type ${expectedType(s)}`,
  };
}

/**
 * Type errors of `obj` against the schema of `kind`, as FieldErrors with Kubernetes paths
 * (`spec.containers[0].ports[1].containerPort`). Empty when the body decodes cleanly.
 */
export function schemaErrors(kind: SchemaKind | string, obj: unknown): FieldError[] {
  const root = schemaOf(kind);
  const checker = checkerFor(kind as SchemaKind);
  if (checker.Check(obj)) return [];
  const out: FieldError[] = [];
  for (const e of checker.Errors(obj)) {
    if (SKIPPED.has(e.type) || e.value === null || e.value === undefined) continue;
    out.push(toFieldError(root, e));
  }
  return out;
}

function walkUnknown(schema: JsonSchema | undefined, value: unknown, path: string, out: string[]): void {
  if (!schema || value === null || value === undefined) return;
  if (schema.type === 'array' && Array.isArray(value)) {
    value.forEach((v, i) => walkUnknown(schema.items, v, `${path}[${i}]`, out));
    return;
  }
  if (schema.type !== 'object' || !isObject(value)) return;
  if (schema.patternProperties) {
    const item = Object.values(schema.patternProperties)[0];
    for (const [k, v] of Object.entries(value)) walkUnknown(item, v, `${path}[${k}]`, out);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const prop = schema.properties?.[k];
    if (prop) walkUnknown(prop, v, child(path, k), out);
    else if (schema.additionalProperties === false) out.push(child(path, k));
  }
}

/**
 * Paths of fields the schema does not know (`spec.containers[0].imagePullPolcy`), for
 * fieldValidation=Strict/Warn. Fields under loosely modelled objects (affinity, managedFields,
 * projected, ...) are never reported.
 */
export function unknownFields(kind: SchemaKind | string, obj: unknown): string[] {
  const out: string[] = [];
  walkUnknown(schemaOf(kind), obj, '', out);
  return out;
}

/**
 * Removes `null`-valued object properties in place, recursively, as Go's decoder would leave
 * them at their zero value (kubectl sends `creationTimestamp: null`). Call before defaulting.
 */
export function stripNulls<T>(obj: T): T {
  if (Array.isArray(obj)) {
    for (const v of obj) stripNulls(v);
  } else if (isObject(obj)) {
    for (const [k, v] of Object.entries(obj)) {
      if (v === null) delete obj[k];
      else stripNulls(v);
    }
  }
  return obj;
}
