import { describe, expect, it } from 'vitest';
import { Reader, WIRE_BYTES } from '../protobuf/wire.js';
import { openApiV2, openApiV2Protobuf, toV2Schema } from './v2.js';

type Json = Record<string, unknown>;
interface Doc {
  swagger: string;
  paths: Record<string, Record<string, Json>>;
  definitions: Record<string, Json>;
}
const doc = openApiV2() as Doc;

type Value = Uint8Array | number;
type Fields = Map<number, Value[]>;
/** Fields of one message: number → raw values (bytes for length-delimited ones, numbers otherwise). */
function fields(r: Reader): Fields {
  const out: Fields = new Map();
  while (!r.eof()) {
    const { field, wire } = r.tag();
    const v = wire === WIRE_BYTES ? r.bytes().rest() : r.varint();
    out.set(field, [...(out.get(field) ?? []), v]);
  }
  return out;
}
const text = (v: Value | undefined) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined);
const sub = (m: Fields, n: number): Fields[] => (m.get(n) ?? []).map((v) => fields(new Reader(v as Uint8Array)));

/**
 * Reads a gnostic `openapi.v2.Schema` back into JSON, with the field numbers of
 * google/gnostic openapiv2/OpenAPIv2.proto written out here independently of the encoder.
 */
function schemaOf(m: Fields): Json {
  const s: Json = {};
  const ref = text(m.get(1)?.[0]);
  if (ref) s['$ref'] = ref;
  const format = text(m.get(2)?.[0]);
  if (format) s['format'] = format;
  const description = text(m.get(4)?.[0]);
  if (description) s['description'] = description;
  if (m.has(19)) s['required'] = m.get(19)!.map(text);
  const additional = sub(m, 21)[0];
  if (additional) s['additionalProperties'] = schemaOf(sub(additional, 1)[0]!);
  const type = sub(m, 22)[0];
  if (type) s['type'] = text(type.get(1)?.[0]);
  const items = sub(m, 23)[0];
  if (items) s['items'] = schemaOf(sub(items, 1)[0]!);
  const props = sub(m, 25)[0];
  if (props) {
    s['properties'] = Object.fromEntries(sub(props, 1).map((named) => [text(named.get(1)?.[0]), schemaOf(sub(named, 2)[0]!)]));
  }
  if (m.has(16)) s['uniqueItems'] = true;
  for (const ext of sub(m, 31)) s[text(ext.get(1)?.[0])!] = JSON.parse(text(sub(ext, 2)[0]!.get(2)?.[0])!);
  return s;
}

const proto = fields(new Reader(openApiV2Protobuf()));

describe('openApiV2 (JSON)', () => {
  it('is swagger 2.0 whose every $ref names a definition', () => {
    expect(doc.swagger).toBe('2.0');
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(100);
    for (const r of refs) {
      const target = JSON.parse(`{${r}}`).$ref as string;
      expect(target.startsWith('#/definitions/'), target).toBe(true);
      expect(doc.definitions[target.slice('#/definitions/'.length)], target).toBeDefined();
    }
  });

  it('has every kind with its group-version-kind, for kubectl to find it', () => {
    for (const kind of ['Pod', 'Service', 'ReplicationController', 'Node', 'Namespace', 'Endpoints', 'Event']) {
      expect(doc.definitions[`io.k8s.api.core.v1.${kind}`]?.['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind }]);
    }
  });

  it('offers fieldValidation and dryRun on each PATCH, as kubectl checks before relying on the server', () => {
    const op = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.['patch'] as { parameters: { name: string; in: string }[] };
    expect(op.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['fieldValidation', 'dryRun', 'name', 'namespace', 'body']));
    expect(op).toMatchObject({ 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: 'Pod' } });
  });

  it('keeps the strategic-merge keys kubectl apply diffs lists by', () => {
    const containers = (doc.definitions['io.k8s.api.core.v1.PodSpec']?.['properties'] as Record<string, Json>)['containers'];
    expect(containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
  });
});

describe('toV2Schema', () => {
  it.each([
    ['a ref', { $ref: '#/components/schemas/X' }, { $ref: '#/definitions/X' }],
    ['a described ref in allOf', { description: 'd', allOf: [{ $ref: '#/components/schemas/X' }] }, { description: 'd', $ref: '#/definitions/X' }],
    ['a closed object', { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } }, { type: 'object', properties: { a: { type: 'string' } } }],
    // A v2 reader takes properties as "these and no others": an open object must be a map.
    ['an open object', { type: 'object', additionalProperties: true, properties: {} }, { type: 'object' }],
    ['a preserve-unknown object', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: {} } }, { type: 'object' }],
    ['a typed map', { type: 'object', additionalProperties: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'string' } }],
    ['an array', { type: 'array', items: { $ref: '#/components/schemas/Y' } }, { type: 'array', items: { $ref: '#/definitions/Y' } }],
  ])('%s', (_what, v3, v2) => {
    expect(toV2Schema(v3)).toEqual(v2);
  });
});

describe('openApiV2Protobuf (gnostic openapi.v2.Document)', () => {
  it('says swagger 2.0 and carries every definition exactly as the JSON document', () => {
    expect(text(proto.get(1)?.[0])).toBe('2.0');
    const defs = sub(sub(proto, 9)[0]!, 1);
    expect(defs.map((d) => text(d.get(1)?.[0]))).toEqual(Object.keys(doc.definitions));
    for (const d of defs) {
      const name = text(d.get(1)?.[0])!;
      expect(schemaOf(sub(d, 2)[0]!), name).toEqual(doc.definitions[name]);
    }
  });

  it('carries each PATCH operation with its query parameters and group-version-kind extension', () => {
    const paths = sub(sub(proto, 8)[0]!, 2);
    const pod = paths.find((p) => text(p.get(1)?.[0]) === '/api/v1/namespaces/{namespace}/pods/{name}')!;
    const patch = sub(sub(pod, 2)[0]!, 8)[0]!;
    const queryNames = sub(patch, 8)
      .map((item) => sub(sub(item, 1)[0]!, 2)[0]) // ParametersItem.parameter → Parameter.non_body_parameter
      .filter((nb) => nb !== undefined)
      .flatMap((nb) => sub(nb, 3)) // NonBodyParameter.query_parameter_sub_schema
      .map((q) => text(q.get(4)?.[0]));
    expect(queryNames).toEqual(expect.arrayContaining(['fieldValidation', 'dryRun', 'fieldManager']));
    const ext = Object.fromEntries(sub(patch, 13).map((e) => [text(e.get(1)?.[0]), JSON.parse(text(sub(e, 2)[0]!.get(2)?.[0])!)]));
    expect(ext['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  });

  it('is built once', () => {
    expect(openApiV2Protobuf()).toBe(openApiV2Protobuf());
  });
});
