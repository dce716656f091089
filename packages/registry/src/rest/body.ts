/**
 * Request bodies: read with a size limit (never buffered past it), decoded from JSON or YAML,
 * checked against the kind's schema the way Go's decoder would, with fieldValidation applied.
 */
import type { IncomingMessage } from 'node:http';
import {
  badRequest,
  requestEntityTooLarge,
  schemaErrors,
  schemas,
  stripNulls,
  unknownFields,
  StatusError,
  type SchemaKind,
} from '@tskube/api-types';
import { parse as parseYaml } from 'yaml';
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

/**
 * Parses a JSON, YAML or Kubernetes protobuf body (the Content-Type decides; none means JSON).
 * client-go's typed clients (`kubectl create namespace`) POST and PUT protobuf; it is never a PATCH type.
 */
export function decodeBody(raw: Buffer, contentType: string | undefined, what: string): unknown {
  const type = mediaType(contentType);
  const text = raw.toString('utf8');
  if (JSON_TYPES.has(type)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw badRequest(`the object provided is unrecognized (must be of type ${what}): json parse error: ${(err as Error).message}`);
    }
  }
  if (YAML_TYPES.has(type)) {
    try {
      return parseYaml(text, { uniqueKeys: true });
    } catch (err) {
      throw badRequest(`the object provided is unrecognized (must be of type ${what}): yaml: ${firstLine((err as Error).message)}`);
    }
  }
  if (type === PROTOBUF_MEDIA_TYPE) return decodeProtobufBody(raw, what);
  throw unsupportedMediaType(type);
}

const firstLine = (s: string) => s.split('\n')[0] ?? s;

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function fieldValidationOf(value: unknown): FieldValidation {
  if (value === undefined || value === '') return 'Ignore';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(value)}`);
}

export interface DecodedObject {
  obj: Record<string, unknown> & { metadata?: Record<string, unknown> };
  /** `Warning` header values for fieldValidation=Warn. */
  warnings: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The version a kind is written in on the wire (`v1`, `autoscaling/v1`, ...). */
export function apiVersionOf(kind: string): string {
  if (kind === 'Scale') return 'autoscaling/v1';
  return 'v1';
}

/**
 * Turns a decoded value into an object of `kind`: kind/apiVersion must match the endpoint (or be
 * absent), nulls are dropped, wrong types are 400 (as Go's decoder), unknown fields follow
 * `fieldValidation` and are dropped afterwards.
 */
export function checkObject(value: unknown, kind: string, validation: FieldValidation, extraVersions: string[] = []): DecodedObject {
  const version = apiVersionOf(kind);
  if (!isObject(value)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): expected a JSON object`);
  }
  if (value.apiVersion !== undefined && value.apiVersion !== version && !extraVersions.includes(String(value.apiVersion))) {
    throw badRequest(`the API version in the data (${String(value.apiVersion)}) does not match the expected API version (${version})`);
  }
  if (value.kind !== undefined && value.kind !== kind) {
    throw badRequest(`the kind in the data (${String(value.kind)}) does not match the expected kind (${kind})`);
  }
  stripNulls(value);
  const typeErrors = schemaErrors(kind, value);
  if (typeErrors.length > 0) {
    const detail = typeErrors.map((e) => `${e.field}: ${e.message}`).join(', ');
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`);
  }
  const warnings: string[] = [];
  const unknown = unknownFields(kind, value);
  if (unknown.length > 0) {
    if (validation === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    if (validation === 'Warn') warnings.push(...unknown.map((f) => `unknown field "${f}"`));
    dropUnknownFields(kind, value);
  }
  return { obj: value, warnings };
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
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
  return `299 - ${JSON.stringify(text)}`;
}
