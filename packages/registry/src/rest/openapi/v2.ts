/**
 * The core group as OpenAPI v2 (swagger 2.0), `GET /openapi/v2`: JSON, or the gnostic protobuf
 * `openapi.v2.Document` client-go asks for.
 *
 * Why it matters even though kubectl 1.32 prefers v3: with `--validate=strict` (its default) it
 * validates a `kind: List` itself, item by item, against the *v2* schema — the v3 query-param
 * verifier answers "unsupported" for List without looking (CR32 pkg/resource/query_param_verifier_v3.go
 * `HasSupport`), so KC32 pkg/validation/schema.go `paramVerifyingSchema` falls back to
 * `schemaValidation` over `f.OpenAPISchema()` — a 404 there fails `kubectl apply -f list.yaml`.
 * kubectl 1.20 uses v2 for every create/apply validation and for `--dry-run=server` support.
 *
 * Built from the v3 documents (core-v1.ts: the core group and every named group-version, in one
 * document as upstream's v2), so both describe the same schemas and operations.
 */
import { openApiV3CoreV1, openApiV3Group, openApiV3GroupVersions } from './core-v1.js';

type Json = Record<string, unknown>;

const V3_PREFIX = '#/components/schemas/';
const V2_PREFIX = '#/definitions/';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * What the protobuf answer is labelled: clients ask with the older `…spec.v2@v1.0+protobuf`, but
 * `@` is not legal in a media type and Go's mime parser (client-go) rejects it, so upstream
 * (kube-openapi pkg/handler) answers with the dotted form.
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A v3 schema as a v2 one. An object that keeps unknown fields loses its `properties`, so v2
 * readers (kube-openapi's proto parser) see a free-form map rather than a closed kind that
 * rejects every field it does not list — as upstream publishes RawExtension and friends.
 */
export function toV2Schema(s: Json): Json {
  const out: Json = {};
  const allOf = s['allOf'];
  const open = s['x-kubernetes-preserve-unknown-fields'] === true || s['additionalProperties'] === true;
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.startsWith(V3_PREFIX) ? V2_PREFIX + v.slice(V3_PREFIX.length) : v;
    else if (k === 'properties' && isObject(v)) {
      if (!open) out[k] = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, toV2Schema(p as Json)]));
    } else if (k === 'items' && isObject(v)) out[k] = toV2Schema(v);
    else if (k === 'additionalProperties') {
      if (isObject(v)) out[k] = toV2Schema(v);
      // `false` is v2's default reading of a kind; `true` is said by leaving properties out.
    } else if (k === 'allOf' || k === 'nullable' || k === 'x-kubernetes-preserve-unknown-fields') continue;
    else out[k] = v;
  }
  // v3 wraps a described $ref as `allOf: [{$ref}]`; v2 takes the $ref itself.
  if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0])) Object.assign(out, toV2Schema(allOf[0]));
  return out;
}

function toV2Operation(op: Json): Json {
  const params: Json[] = ((op['parameters'] as Json[] | undefined) ?? []).map((p) => {
    const schema = (p['schema'] as Json | undefined) ?? {};
    return {
      name: p['name'],
      in: p['in'],
      ...(p['description'] ? { description: p['description'] } : {}),
      ...(p['required'] ? { required: true } : {}),
      type: schema['type'] ?? 'string',
      ...(schema['uniqueItems'] ? { uniqueItems: true } : {}),
    };
  });
  const body = op['requestBody'] as Json | undefined;
  let consumes: string[] | undefined;
  if (body) {
    const content = (body['content'] as Record<string, { schema: Json }> | undefined) ?? {};
    consumes = Object.keys(content);
    const schema = Object.values(content)[0]?.schema ?? {};
    params.push({ name: 'body', in: 'body', ...(body['required'] ? { required: true } : {}), schema: toV2Schema(schema) });
  }
  const responses: Json = {};
  let produces: string[] | undefined;
  for (const [code, r] of Object.entries((op['responses'] as Record<string, Json> | undefined) ?? {})) {
    const content = r['content'] as Record<string, { schema: Json }> | undefined;
    const schema = content ? Object.values(content)[0]?.schema : undefined;
    if (content) produces ??= Object.keys(content);
    responses[code] = { description: r['description'] ?? '', ...(schema ? { schema: toV2Schema(schema) } : {}) };
  }
  const out: Json = {
    description: op['description'],
    ...(consumes ? { consumes } : {}),
    ...(produces ? { produces } : {}),
    schemes: ['https'],
    tags: op['tags'],
    operationId: op['operationId'],
    parameters: params,
    responses,
  };
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

type V3 = { info: Json; paths: Record<string, Json>; components: { schemas: Record<string, Json> } };

function build(): Json {
  const v3 = openApiV3CoreV1() as V3;
  const groups = openApiV3GroupVersions().map(({ group, version }) => openApiV3Group(group, version) as V3);
  const paths: Record<string, Json> = {};
  for (const doc of [v3, ...groups]) {
    for (const [path, item] of Object.entries(doc.paths)) {
      const ops: Json = {};
      for (const m of METHODS) if (isObject(item[m])) ops[m] = toV2Operation(item[m]);
      paths[path] = ops;
    }
  }
  const definitions = Object.fromEntries(Object.entries(v3.components.schemas).map(([id, s]) => [id, toV2Schema(s)]));
  return {
    swagger: '2.0',
    info: { ...v3.info },
    paths,
    definitions,
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
}

interface Built {
  doc: Json;
  json: string;
  proto?: Buffer;
}
let cached: Built | undefined;
const v2 = (): Built => {
  if (!cached) {
    const doc = build();
    cached = { doc, json: JSON.stringify(doc) };
  }
  return cached;
};

/** `GET /openapi/v2` as JSON (built once). */
export function openApiV2(): object {
  return v2().doc;
}

export function openApiV2Json(): string {
  return v2().json;
}

/** `GET /openapi/v2` as a gnostic `openapi.v2.Document` protobuf (no Kubernetes envelope). */
export function openApiV2Protobuf(): Buffer {
  const c = v2();
  c.proto ??= encodeDocument(c.doc);
  return c.proto;
}

// ---- gnostic openapi.v2 protobuf (google/gnostic openapiv2/OpenAPIv2.proto) -----------------------

type Field = Buffer;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const bytesField = (field: number, data: Buffer): Field => Buffer.concat([Buffer.from([...varint(field * 8 + 2), ...varint(data.length)]), data]);
const str = (field: number, s: unknown): Field[] => (typeof s === 'string' && s !== '' ? [bytesField(field, Buffer.from(s, 'utf8'))] : []);
const strs = (field: number, list: unknown): Field[] => (Array.isArray(list) ? list.flatMap((s) => str(field, s)) : []);
const bool = (field: number, b: unknown): Field[] => (b === true ? [Buffer.from([...varint(field * 8), 1])] : []);
const msg = (field: number, parts: Field[]): Field => bytesField(field, Buffer.concat(parts));

/** Vendor extensions as `NamedAny{name, value: Any{yaml}}`; JSON is valid YAML for the reader. */
const extensions = (field: number, obj: Json): Field[] =>
  Object.entries(obj)
    .filter(([k]) => k.startsWith('x-'))
    .map(([k, v]) => msg(field, [...str(1, k), msg(2, str(2, JSON.stringify(v)))]));

function schemaFields(s: Json): Field[] {
  const out: Field[] = [...str(1, s['$ref']), ...str(2, s['format']), ...str(4, s['description']), ...strs(19, s['required'])];
  const extra = s['additionalProperties'];
  if (isObject(extra)) out.push(msg(21, [msg(1, schemaFields(extra))]));
  if (typeof s['type'] === 'string') out.push(msg(22, str(1, s['type'])));
  if (isObject(s['items'])) out.push(msg(23, [msg(1, schemaFields(s['items']))]));
  const props = s['properties'];
  // Present even when empty: an object with `properties` is a kind, without it a map.
  if (isObject(props)) out.push(msg(25, Object.entries(props).map(([name, p]) => msg(1, [...str(1, name), msg(2, schemaFields(p as Json))]))));
  out.push(...bool(16, s['uniqueItems']), ...extensions(31, s));
  return out;
}

function parameterItem(p: Json): Field {
  if (p['in'] === 'body') {
    const body = [...str(1, p['description']), ...str(2, p['name']), ...str(3, 'body'), ...bool(4, p['required']), msg(5, schemaFields((p['schema'] as Json) ?? {}))];
    return msg(8, [msg(1, [msg(1, body)])]);
  }
  // QueryParameterSubSchema (3) and PathParameterSubSchema (4) differ in their numbering past name.
  const sub =
    p['in'] === 'path'
      ? msg(4, [...bool(1, p['required']), ...str(2, 'path'), ...str(3, p['description']), ...str(4, p['name']), ...str(5, p['type']), ...bool(19, p['uniqueItems'])])
      : msg(3, [...bool(1, p['required']), ...str(2, 'query'), ...str(3, p['description']), ...str(4, p['name']), ...str(6, p['type']), ...bool(20, p['uniqueItems'])]);
  return msg(8, [msg(1, [msg(2, [sub])])]);
}

function operationFields(op: Json): Field[] {
  const responses = Object.entries((op['responses'] as Record<string, Json> | undefined) ?? {}).map(([code, r]) => {
    const schema = r['schema'] as Json | undefined;
    const response = [...str(1, r['description']), ...(schema ? [msg(2, [msg(1, schemaFields(schema))])] : [])];
    return msg(1, [...str(1, code), msg(2, [msg(1, response)])]);
  });
  return [
    ...strs(1, op['tags']),
    ...str(3, op['description']),
    ...str(5, op['operationId']),
    ...strs(6, op['produces']),
    ...strs(7, op['consumes']),
    ...((op['parameters'] as Json[] | undefined) ?? []).map(parameterItem),
    msg(9, responses),
    ...strs(10, op['schemes']),
    ...extensions(13, op),
  ];
}

const PATH_ITEM_FIELD: Record<(typeof METHODS)[number], number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

function encodeDocument(doc: Json): Buffer {
  const info = (doc['info'] as Json | undefined) ?? {};
  const paths = Object.entries(doc['paths'] as Record<string, Json>).map(([path, item]) =>
    msg(2, [...str(1, path), msg(2, METHODS.filter((m) => isObject(item[m])).map((m) => msg(PATH_ITEM_FIELD[m], operationFields(item[m] as Json))))]),
  );
  const definitions = Object.entries(doc['definitions'] as Record<string, Json>).map(([name, s]) => msg(1, [...str(1, name), msg(2, schemaFields(s))]));
  return Buffer.concat([
    ...str(1, doc['swagger']),
    msg(2, [...str(1, info['title']), ...str(2, info['version'])]),
    msg(8, paths),
    msg(9, definitions),
  ]);
}
