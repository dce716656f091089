/**
 * Kubernetes protobuf request bodies → the JSON object the JSON path would have produced.
 *
 * The body is `k8s\0` then a runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw,
 * 3 contentEncoding, 4 contentType} whose `raw` is the object's own message. The walk is driven
 * by the tables in schema.ts; unknown field numbers are skipped by wire type.
 */
import { badRequest, type StatusError } from '@tskube/api-types';
import { MESSAGES, SCALARS, TOP_LEVEL_KINDS, type FieldDef, type MessageSchema } from './schema.js';
import { ProtobufError, Reader, WIRE_BYTES, WIRE_VARINT } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4-byte prefix of every Kubernetes protobuf payload. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

type JSONObject = Record<string, unknown>;

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Reads the magic prefix and the runtime.Unknown around the object. */
export function decodeEnvelope(buf: Uint8Array): UnknownEnvelope {
  if (buf.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((b, i) => buf[i] !== b)) {
    throw new ProtobufError('the body does not start with the k8s\\0 protobuf prefix');
  }
  const env: UnknownEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  const r = new Reader(buf, PROTOBUF_MAGIC.length);
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_BYTES) {
      const tm = r.bytes();
      while (!tm.eof()) {
        const t = tm.tag();
        if (t.field === 1 && t.wire === WIRE_BYTES) env.apiVersion = utf8(tm.bytes());
        else if (t.field === 2 && t.wire === WIRE_BYTES) env.kind = utf8(tm.bytes());
        else tm.skip(t.wire);
      }
    } else if (field === 2 && wire === WIRE_BYTES) env.raw = r.bytes().rest();
    else if (field === 3 && wire === WIRE_BYTES) env.contentEncoding = utf8(r.bytes());
    else if (field === 4 && wire === WIRE_BYTES) env.contentType = utf8(r.bytes());
    else r.skip(wire);
  }
  return env;
}

/** Decodes one message of `type` (a name in schema.ts) into its JSON form. */
export function decodeMessage(type: string, bytes: Uint8Array): JSONObject {
  return decodeInto(new Reader(bytes), schemaOf(type), {});
}

/**
 * A whole protobuf body → `{apiVersion, kind, ...object}`. `defaultKind` names the message when
 * the envelope leaves typeMeta.kind empty. Throws ProtobufError on malformed input.
 */
export function decodeProtobufObject(buf: Uint8Array, defaultKind?: string): JSONObject {
  const env = decodeEnvelope(buf);
  if (env.contentEncoding) throw new ProtobufError(`unsupported content encoding ${JSON.stringify(env.contentEncoding)}`);
  const kind = env.kind || defaultKind || '';
  if (!TOP_LEVEL_KINDS.has(kind)) throw new ProtobufError(`no protobuf decoding for kind ${JSON.stringify(kind)}`);
  const obj = decodeMessage(kind, env.raw);
  return { ...(env.apiVersion ? { apiVersion: env.apiVersion } : {}), ...(env.kind ? { kind: env.kind } : {}), ...obj };
}

/** The REST body reader's entry point: a malformed body is a 400 BadRequest Status. */
export function decodeProtobufBody(raw: Uint8Array, what: string): JSONObject {
  try {
    return decodeProtobufObject(raw, what);
  } catch (err) {
    if (err instanceof ProtobufError) throw protobufBadRequest(what, err);
    throw err;
  }
}

const protobufBadRequest = (what: string, err: ProtobufError): StatusError =>
  badRequest(`the object provided is unrecognized (must be of type ${what}): protobuf: ${err.message}`);

function schemaOf(type: string): MessageSchema {
  const schema = MESSAGES.get(type);
  if (!schema) throw new Error(`protobuf schema: unknown message ${type}`);
  return schema;
}

function decodeInto(r: Reader, schema: MessageSchema, out: JSONObject): JSONObject {
  while (!r.eof()) {
    const { field: num, wire } = r.tag();
    const field = schema.get(num);
    if (!field) {
      r.skip(wire);
      continue;
    }
    const name = field.name;
    if (name === undefined) {
      // An embedded Go struct: its fields belong to this object.
      decodeInto(expectBytes(r, wire, field), schemaOf(field.type), out);
    } else if (field.map) {
      const [key, value] = mapEntry(expectBytes(r, wire, field), field.type);
      const map = (out[name] ??= {}) as JSONObject;
      // defineProperty: a "__proto__" key stays an own key, as JSON.parse would make it.
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    } else if (field.repeated) {
      const list = (out[name] ??= []) as unknown[];
      if (wire === WIRE_BYTES && isPackable(field.type)) {
        const packed = r.bytes();
        while (!packed.eof()) list.push(value(packed, WIRE_VARINT, field));
      } else list.push(value(r, wire, field));
    } else {
      const v = value(r, wire, field);
      if (v === undefined || (!field.keepZero && isZero(v, field.type))) delete out[name];
      else out[name] = v;
    }
  }
  return out;
}

const isPackable = (type: string) => type === 'bool' || type === 'int32' || type === 'int64';

/** A zero scalar, which Go's omitempty JSON would leave out. Messages are never zero: Go emits `{}`. */
function isZero(v: unknown, type: string): boolean {
  if (!SCALARS.has(type)) return false;
  return v === '' || v === 0 || v === false;
}

function value(r: Reader, wire: number, field: FieldDef): unknown {
  switch (field.type) {
    case 'string':
      return utf8(expectBytes(r, wire, field));
    case 'bytes':
      return Buffer.from(expectBytes(r, wire, field).rest()).toString('base64');
    case 'bool':
      return expectVarint(r, wire, field) !== 0;
    case 'int32':
      return expectVarint(r, wire, field) | 0;
    case 'int64':
      return expectVarint(r, wire, field);
    case 'Time':
      return time(expectBytes(r, wire, field), false);
    case 'MicroTime':
      return time(expectBytes(r, wire, field), true);
    case 'Quantity':
      return quantity(expectBytes(r, wire, field));
    case 'IntOrString':
      return intOrString(expectBytes(r, wire, field));
    default:
      return decodeInto(expectBytes(r, wire, field), schemaOf(field.type), {});
  }
}

function mapEntry(r: Reader, valueType: string): [string, unknown] {
  const valueField: FieldDef = { name: 'value', type: valueType, repeated: false, map: false, keepZero: true };
  let key = '';
  let val: unknown;
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_BYTES) key = utf8(r.bytes());
    else if (field === 2) val = value(r, wire, valueField);
    else r.skip(wire);
  }
  return [key, val ?? zeroOf(valueType)];
}

function zeroOf(type: string): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
      return '';
    case 'Quantity':
      return '0';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'IntOrString':
      return 0;
    default:
      return {};
  }
}

/** metav1.Time / MicroTime {1 seconds, 2 nanos}; an empty message is the zero time (JSON null). */
function time(r: Reader, micro: boolean): string | undefined {
  if (r.eof()) return undefined;
  let seconds = 0;
  let nanos = 0;
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_VARINT) seconds = r.varint();
    else if (field === 2 && wire === WIRE_VARINT) nanos = r.varint();
    else r.skip(wire);
  }
  const date = new Date(seconds * 1000);
  if (!Number.isFinite(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) {
    throw new ProtobufError(`timestamp out of range: ${seconds}s`);
  }
  const base = date.toISOString().slice(0, 19);
  // Go's Time keeps whole seconds only (its protobuf decoder drops nanos); MicroTime keeps micros.
  if (!micro) return `${base}Z`;
  if (nanos < 0 || nanos > 999_999_999) throw new ProtobufError(`timestamp nanos out of range: ${nanos}`);
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** resource.Quantity {1 string}: its canonical string. */
function quantity(r: Reader): string {
  let s = '';
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_BYTES) s = utf8(r.bytes());
    else r.skip(wire);
  }
  return s;
}

/** intstr.IntOrString {1 type (0 Int, 1 String), 2 intVal, 3 strVal}. */
function intOrString(r: Reader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_VARINT) type = r.varint();
    else if (field === 2 && wire === WIRE_VARINT) intVal = r.varint() | 0;
    else if (field === 3 && wire === WIRE_BYTES) strVal = utf8(r.bytes());
    else r.skip(wire);
  }
  return type === 1 ? strVal : intVal;
}

function expectBytes(r: Reader, wire: number, field: FieldDef): Reader {
  if (wire !== WIRE_BYTES) throw wrongWire(field, wire);
  return r.bytes();
}

function expectVarint(r: Reader, wire: number, field: FieldDef): number {
  if (wire !== WIRE_VARINT) throw wrongWire(field, wire);
  return r.varint();
}

const wrongWire = (field: FieldDef, wire: number) =>
  new ProtobufError(`field ${field.name ?? field.type} (${field.type}) has wire type ${wire}`);

// Not fatal: Go's decoder keeps invalid UTF-8 and its JSON encoder writes U+FFFD for it, as this does.
const decoder = new TextDecoder('utf-8');

const utf8 = (r: Reader): string => decoder.decode(r.rest());
