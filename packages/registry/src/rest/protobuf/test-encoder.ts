/** A tiny protobuf encoder for hand-built test messages (tests only; not exported by the package). */
export type Bytes = number[];
export function varint(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
export const key = (field: number, wire: number) => varint(field * 8 + wire);
/** A varint field. */
export const V = (field: number, n: number | bigint | boolean): Bytes => [...key(field, 0), ...varint(typeof n === 'boolean' ? Number(n) : n)];
/** A length-delimited field: a string or raw bytes. */
export const S = (field: number, s: string | Bytes): Bytes => {
  const b = typeof s === 'string' ? [...Buffer.from(s, 'utf8')] : s;
  return [...key(field, 2), ...varint(b.length), ...b];
};
/** A message field made of the given fields. */
export const M = (field: number, ...parts: Bytes[]): Bytes => S(field, parts.flat());
/** A map<string, string> entry. */
export const E = (field: number, k: string, v: string): Bytes => M(field, S(1, k), S(2, v));
export const quantity = (field: number, q: string) => M(field, S(1, q));
export const time = (field: number, seconds: number, nanos = 0) => M(field, V(1, seconds), ...(nanos ? [V(2, nanos)] : []));
export const intOrString = (field: number, v: number | string) => (typeof v === 'number' ? M(field, V(1, 0), V(2, v)) : M(field, V(1, 1), S(3, v)));
export const body = (kind: string, raw: Bytes, apiVersion = 'v1') =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...M(1, S(1, apiVersion), S(2, kind)), ...S(2, raw)]);
