/**
 * FieldError constructors worded as k8s.io/apimachinery/pkg/util/validation/field prints them:
 * `Required value`, `Invalid value: "Foo": <detail>`, `Unsupported value: "x": supported values:
 * "a", "b"`, `Duplicate value: "app"`, `Not found: "x"`, `Forbidden: <detail>`.
 */
import type { FieldError } from '../errors/index.js';

/** A value as upstream's ErrorBody renders it: strings quoted, scalars bare, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

const withDetail = (s: string, detail?: string) => (detail ? `${s}: ${detail}` : s);

export const field = {
  required: (path: string, detail?: string): FieldError => ({
    type: 'FieldValueRequired',
    field: path,
    message: withDetail('Required value', detail),
  }),
  invalid: (path: string, value: unknown, detail?: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: path,
    message: withDetail(`Invalid value: ${formatValue(value)}`, detail),
  }),
  notSupported: (path: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path,
    message: withDetail(
      `Unsupported value: ${formatValue(value)}`,
      supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : undefined,
    ),
  }),
  duplicate: (path: string, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field: path,
    message: `Duplicate value: ${formatValue(value)}`,
  }),
  notFound: (path: string, value: unknown): FieldError => ({
    type: 'FieldValueNotFound',
    field: path,
    message: `Not found: ${formatValue(value)}`,
  }),
  forbidden: (path: string, detail?: string): FieldError => ({
    type: 'FieldValueForbidden',
    field: path,
    message: withDetail('Forbidden', detail),
  }),
  tooLong: (path: string, maxLength: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: path,
    message: `Too long: may not be more than ${maxLength} bytes`,
  }),
  tooMany: (path: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: path,
    message: `Too many: ${actual}: must have at most ${max} items`,
  }),
};

/** One Invalid error per message of a string check (`isDNS1123Label(...)` and friends). */
export function invalidEach(path: string, value: unknown, messages: string[]): FieldError[] {
  return messages.map((m) => field.invalid(path, value, m));
}

/** `Invalid value: -1: must be greater than or equal to 0` when `value` is set and negative. */
export function nonNegative(path: string, value: number | undefined): FieldError[] {
  return value !== undefined && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** `Invalid value: "x": field is immutable` when the values differ. */
export function immutable(path: string, next: unknown, prev: unknown): FieldError[] {
  return deepEqual(next, prev) ? [] : [field.invalid(path, next, 'field is immutable')];
}

/**
 * Semantic equality of decoded JSON: an absent key equals an `undefined` one, as Go's
 * zero-valued optional fields do.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}
