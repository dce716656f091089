/**
 * Request bodies: read with a size limit (never buffered past it), decoded from JSON or YAML,
 * checked against the kind's schema the way Go's decoder would, with fieldValidation applied.
 */
import type { IncomingMessage } from 'node:http';
import {
  apiVersionOfKind,
  badRequest,
  requestEntityTooLarge,
  schemaErrors,
  schemas,
  stripNulls,
  unknownFields,
  StatusError,
  type SchemaKind,
} from '@tskube/api-types';
import { LineCounter, parseDocument } from 'yaml';
import { jsonDepthExceeds, MAX_NESTING_DEPTH, tooDeep, valueDepthExceeds, yamlDepthExceeds } from './depth.js';
import { scanJsonFields, yamlDuplicates, type FieldScan, type YamlDuplicate } from './field-scan.js';
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE } from './protobuf/index.js';

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads the whole body, or fails with RequestEntityTooLarge as soon as it passes `limit` bytes.
 * The rest is then discarded unread (not the stream destroyed), so the client can still read the 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(requestEntityTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        req.resume();
        reject(requestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const JSON_TYPES = new Set(['', 'application/json', '*/*']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

export const unsupportedMediaType = (type: string): StatusError =>
  new StatusError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE}` +
      (type ? ` (got ${type})` : ''),
  );

/** What the text of a body says beyond its value: repeated keys and field positions (field-scan.ts). */
export interface BodyFields {
  json?: FieldScan;
  yaml?: YamlDuplicate[];
}

export interface DecodedBody {
  value: unknown;
  fields: BodyFields;
}

/**
 * Parses a JSON, YAML or Kubernetes protobuf body (the Content-Type decides; none means JSON).
 * client-go's typed clients (`kubectl create namespace`) POST and PUT protobuf; it is never a PATCH type.
 * Repeated keys are kept (the last wins, as in Go) and noted for fieldValidation.
 */
export function decodeBodyFields(raw: Buffer, contentType: string | undefined, what: string): DecodedBody {
  const type = mediaType(contentType);
  const text = raw.toString('utf8');
  if (JSON_TYPES.has(type)) {
    const value = parseJson(text, what);
    return { value, fields: { json: scanJsonFields(text) } };
  }
  if (YAML_TYPES.has(type)) {
    const unrecognized = (why: string) => badRequest(`the object provided is unrecognized (must be of type ${what}): yaml: ${why}`);
    if (yamlDepthExceeds(text)) throw unrecognized(`exceeded max depth of ${MAX_NESTING_DEPTH}`);
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
    const err = doc.errors[0];
    if (err) throw unrecognized(firstLine(err.message));
    let value: unknown;
    try {
      // Aliases of aliases ("billion laughs") stop here instead of being expanded.
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
    } catch (e) {
      throw unrecognized(/alias/i.test((e as Error).message) ? 'document contains excessive aliasing' : firstLine((e as Error).message));
    }
    if (valueDepthExceeds(value)) throw unrecognized(`exceeded max depth of ${MAX_NESTING_DEPTH}`);
    return { value, fields: { yaml: yamlDuplicates(doc, (offset) => lineCounter.linePos(offset).line) } };
  }
  if (type === PROTOBUF_MEDIA_TYPE) return { value: decodeProtobufBody(raw, what), fields: {} };
  throw unsupportedMediaType(type);
}

/** The `yaml` package's own default, made explicit: alias uses × aliases inside their anchors. */
export const MAX_YAML_ALIAS_COUNT = 100;

/** JSON.parse behind the nesting limit (depth.ts); errors are 400s naming `what`. */
export function parseJson(text: string, what: string): unknown {
  if (jsonDepthExceeds(text)) throw tooDeep(what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the object provided is unrecognized (must be of type ${what}): json parse error: ${(err as Error).message}`);
  }
}

export function decodeBody(raw: Buffer, contentType: string | undefined, what: string): unknown {
  return decodeBodyFields(raw, contentType, what).value;
}

const firstLine = (s: string) => s.split('\n')[0] ?? s;

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** The `fieldValidation` query parameter; absent means Warn, as upstream since 1.27. */
export function fieldValidationOf(value: unknown): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(value)}`);
}

export interface DecodedObject {
  obj: Record<string, unknown> & { metadata?: Record<string, unknown> };
  /** `Warning` header values for fieldValidation=Warn. */
  warnings: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The version a kind is written in on the wire (`v1`, `autoscaling/v1`, `coordination.k8s.io/v1`, ...). */
export function apiVersionOf(kind: string): string {
  return apiVersionOfKind(kind);
}

export interface CheckOptions {
  /** apiVersions accepted besides the kind's own (DeleteOptions also comes as meta.k8s.io/v1). */
  extraVersions?: readonly string[];
  /** Repeated keys and positions in the body text, from decodeBodyFields. */
  fields?: BodyFields;
  /** Problems found in a patch body, reported before those of the patched object (patchProblems). */
  leading?: readonly string[];
}

/**
 * Turns a decoded value into an object of `kind`: kind/apiVersion must match the endpoint (or be
 * absent), nulls are dropped, wrong types are 400 (as Go's decoder), unknown and repeated fields
 * follow `fieldValidation` (Strict: 400 naming each; Warn: a Warning each) and unknown ones are
 * dropped afterwards.
 */
export function checkObject(value: unknown, kind: string, validation: FieldValidation, opts: CheckOptions = {}): DecodedObject {
  const version = apiVersionOf(kind);
  if (!isObject(value)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): expected a JSON object`);
  }
  // Patches can build depth their text does not show (json-patch copies); nothing below may recurse into it.
  if (valueDepthExceeds(value)) throw tooDeep(kind);
  if (value.apiVersion !== undefined && value.apiVersion !== version && !opts.extraVersions?.includes(String(value.apiVersion))) {
    throw badRequest(`the API version in the data (${String(value.apiVersion)}) does not match the expected API version (${version})`);
  }
  if (value.kind !== undefined && value.kind !== kind) {
    throw badRequest(`the kind in the data (${String(value.kind)}) does not match the expected kind (${kind})`);
  }
  stripNulls(value);
  zeroNullItems(kind, value);
  dropEmptyMetaMaps(value.metadata);
  const typeErrors = schemaErrors(kind, value);
  if (typeErrors.length > 0) {
    const detail = typeErrors.map((e) => `${e.field}: ${e.message}`).join(', ');
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`);
  }
  const warnings: string[] = [];
  const unknown = unknownFields(kind, value);
  if (validation !== 'Ignore') {
    const problems = strictProblems(unknown, opts);
    if (problems.length > 0) {
      if (validation === 'Strict') {
        throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${problems.map((p) => p.error).join(', ')}`);
      }
      warnings.push(...problems.flatMap((p) => p.warnings));
    }
  }
  if (unknown.length > 0) dropUnknownFields(kind, value);
  return { obj: value, warnings };
}

/**
 * Go drops the empty maps of `omitempty` fields when it decodes and re-encodes an object, so
 * `annotations: {}` (which the patches of `kubectl diff` and `kubectl apply` carry) is never stored.
 */
function dropEmptyMetaMaps(metadata: unknown): void {
  if (!isObject(metadata)) return;
  for (const key of ['labels', 'annotations']) {
    const v = metadata[key];
    if (isObject(v) && Object.keys(v).length === 0) delete metadata[key];
  }
}

/** One strict-decoding problem: its part of the Strict error, and the Warning headers it makes. */
interface Problem {
  error: string;
  warnings: string[];
}
const single = (text: string): Problem => ({ error: text, warnings: [text] });

/**
 * The strict-decoding problems in upstream's order. JSON: unknown and repeated fields together in
 * document order, a repeat inside an unknown field not counted. YAML: go-yaml's repeated keys as
 * one error first, then the unknown fields sorted (sigs.k8s.io/yaml goes through sorted JSON).
 */
function strictProblems(unknown: readonly string[], opts: CheckOptions): Problem[] {
  const leading = (opts.leading ?? []).map(single);
  const { json, yaml } = opts.fields ?? {};
  if (yaml) {
    const out: Problem[] = [];
    if (yaml.length > 0) {
      const lines = yaml.map((d) => `line ${d.line}: key ${JSON.stringify(d.key)} already set in map`);
      out.push({ error: `yaml: unmarshal errors:\n${lines.map((l) => `  ${l}`).join('\n')}`, warnings: lines });
    }
    return [...leading, ...out, ...[...unknown].sort().map((f) => single(`unknown field ${JSON.stringify(f)}`))];
  }
  const under = (path: string, parent: string) => path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
  const placed: { at: number; problem: Problem }[] = unknown.map((f) => ({
    at: json?.offsets.get(f) ?? Number.MAX_SAFE_INTEGER,
    problem: single(`unknown field ${JSON.stringify(f)}`),
  }));
  for (const d of json?.duplicates ?? []) {
    if (unknown.some((u) => under(d.path, u))) continue;
    placed.push({ at: d.offset, problem: single(`duplicate field ${JSON.stringify(d.path)}`) });
  }
  placed.sort((a, b) => a.at - b.at);
  return [...leading, ...placed.map((p) => p.problem)];
}

/**
 * The problems of a patch body itself, reported before the patched object's (upstream: a merge
 * patch's repeated keys; a JSON patch's repeated or unknown keys of its operations).
 */
export function patchProblems(type: 'json' | 'merge' | 'strategic', scan: FieldScan, patch: unknown): string[] {
  if (type !== 'json') return scan.duplicates.map((d) => `duplicate field ${JSON.stringify(d.path)}`);
  const out: { at: number; text: string }[] = [];
  for (const d of scan.duplicates) {
    if (/^\[\d+\]\.[^.[]+$/.test(d.path)) out.push({ at: d.offset, text: `json patch duplicate field ${JSON.stringify(d.path)}` });
  }
  if (Array.isArray(patch)) {
    patch.forEach((op, i) => {
      if (!isObject(op)) return;
      for (const k of Object.keys(op)) {
        if (JSON_PATCH_KEYS.has(k)) continue;
        const path = `[${i}].${k}`;
        out.push({ at: scan.offsets.get(path) ?? Number.MAX_SAFE_INTEGER, text: `json patch unknown field ${JSON.stringify(path)}` });
      }
    });
  }
  return out.sort((a, b) => a.at - b.at).map((p) => p.text);
}
const JSON_PATCH_KEYS = new Set(['op', 'path', 'value', 'from']);

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
}

/**
 * `null` items of a list become what Go decodes them to, the zero value of the item type (`{}`,
 * `""`, `0`, `false`): stripNulls only drops null fields, and `containers: [null]` must be a 422
 * from validation, not a crash in defaulting.
 */
export function zeroNullItems(kind: string, value: unknown): void {
  if (!Object.hasOwn(schemas, kind)) return;
  zeroItems(schemas[kind as SchemaKind] as JsonSchema, value);
}

const ZERO: Record<string, () => unknown> = { object: () => ({}), array: () => [], string: () => '', integer: () => 0, number: () => 0, boolean: () => false };

function zeroItems(schema: JsonSchema | undefined, value: unknown): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (schema.type === 'array' && Array.isArray(value)) {
    const zero = schema.items?.type === undefined ? undefined : ZERO[schema.items.type];
    value.forEach((v, i) => {
      if (v === null && zero) value[i] = zero();
      else zeroItems(schema.items, v);
    });
    return;
  }
  if (schema.type !== 'object' || !isObject(value)) return;
  if (schema.patternProperties) {
    const item = Object.values(schema.patternProperties)[0];
    for (const v of Object.values(value)) zeroItems(item, v);
    return;
  }
  for (const [k, v] of Object.entries(value)) zeroItems(schema.properties?.[k], v);
}

/** Removes, in place, what Go's decoder would not keep: fields the schema does not know. */
export function dropUnknownFields(kind: string, value: unknown): void {
  if (!Object.hasOwn(schemas, kind)) return;
  drop(schemas[kind as SchemaKind] as JsonSchema, value);
}

function drop(schema: JsonSchema | undefined, value: unknown): void {
  if (!schema || value === null || value === undefined) return;
  if (schema.type === 'array' && Array.isArray(value)) {
    for (const v of value) drop(schema.items, v);
    return;
  }
  if (schema.type !== 'object' || !isObject(value)) return;
  if (schema.patternProperties) {
    const item = Object.values(schema.patternProperties)[0];
    for (const v of Object.values(value)) drop(item, v);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const prop = schema.properties?.[k];
    if (prop) drop(prop, v);
    else if (schema.additionalProperties === false) delete value[k];
  }
}

/** `Warning` header value (RFC 7234 299 warn-code), as upstream sends them. */
export function warningHeader(text: string): string {
  // Everything outside printable ASCII is escaped (\uXXXX): node refuses header values beyond
  // Latin-1, and a field name a client made up must never turn a 4xx/2xx into a 500.
  const quoted = JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `299 - ${quoted}`;
}
