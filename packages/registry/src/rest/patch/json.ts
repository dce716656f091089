/** Plain JSON values as they come out of JSON.parse, and the few helpers every patch flavour needs. */

export type Json = null | boolean | number | string | Json[] | JsonMap;
export interface JsonMap {
  [key: string]: Json;
}

export const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Keys a JSON body may carry that must never become properties of our objects: assigning
 * `__proto__` would swap the prototype instead of setting a field. Typed decoding upstream drops
 * unknown fields, so dropping these silently matches what a client could observe.
 */
export const isUnsafeKey = (k: string): boolean => k === '__proto__';

/** Deep copy of a JSON value (structuredClone keeps an own `__proto__` key as data, which is safe). */
export const cloneJson = <T>(v: T): T => structuredClone(v);

/** The Go type name `encoding/json` reports for a JSON value, used in upstream-like decode errors. */
export function goJsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}
