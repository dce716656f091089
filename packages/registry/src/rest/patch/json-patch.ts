/**
 * RFC 6902 JSON Patch on top of the `rfc6902` package. The package applies what it is given with
 * few checks (e.g. `replace` at `/list/abc` sets a property on the array, `~2` is taken literally),
 * so every pointer is resolved and checked here first and the package only performs the edit.
 * Operations run one by one on a copy and the first failure aborts the whole patch, as upstream
 * (evanphx/json-patch) does.
 */
import { StatusError, badRequest } from '@tskube/api-types';
import { applyPatch as applyOperations, type Operation } from 'rfc6902';
import { MAX_NESTING_DEPTH, valueDepthExceeds } from '../depth.js';
import { patchNotApplicable } from './errors.js';
import { cloneJson, goJsonType, isMap, type Json, type JsonMap } from './json.js';

/** upstream `maxJSONPatchOperations` (apiserver `endpoints/handlers/patch.go`). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Returns the patched copy of `original`; throws a StatusError (400, 413 or 422) otherwise. */
export function applyJsonPatch(original: JsonMap, patch: unknown): JsonMap {
  // Go decodes `null` into an empty patch.
  if (patch === null) return cloneJson(original);
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${goJsonType(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (op !== null && !isMap(op)) {
      throw badRequest(`json: cannot unmarshal ${goJsonType(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  const doc = cloneJson(original);
  const budget = { copied: 0 };
  (patch as Array<JsonMap | null>).forEach((op, i) => {
    const why = growthProblem(doc, op, budget) ?? applyOne(doc, op);
    if (why !== undefined) throw patchNotApplicable(`json patch operation ${i}: ${why}`);
  });
  return doc;
}

/** upstream `JSONPatchMaxCopyBytes` (evanphx/json-patch AccumulatedCopySizeLimit): what copies may add in all. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/**
 * What an operation would add beyond the limits (CVE-2019-1002100): copies that together add more
 * than MAX_JSON_PATCH_COPY_BYTES (each copy can double the object), or nesting past
 * MAX_NESTING_DEPTH (a value put deep, or a subtree copied into itself, again and again).
 * Malformed operations pass here and are refused by applyOne.
 */
function growthProblem(doc: JsonMap, op: JsonMap | null, budget: { copied: number }): string | undefined {
  const kind = op?.op;
  if (!op || typeof op.path !== 'string' || !op.path.startsWith('/')) return undefined;
  let inserted: Json | undefined;
  if (kind === 'add' || kind === 'replace') inserted = op.value;
  else if ((kind === 'copy' || kind === 'move') && typeof op.from === 'string') inserted = valueAt(doc, op.from);
  if (inserted === undefined || inserted === null || typeof inserted !== 'object') return undefined;
  const at = op.path.split('/').length - 1;
  if (valueDepthExceeds(inserted, MAX_NESTING_DEPTH - at)) return `exceeded max depth of ${MAX_NESTING_DEPTH}`;
  if (kind === 'copy') {
    budget.copied += JSON.stringify(inserted).length;
    if (budget.copied > MAX_JSON_PATCH_COPY_BYTES) {
      return `Unable to copy, the accumulated size increase of copy is ${budget.copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`;
    }
  }
  return undefined;
}

/** The value a JSON pointer names, if it names one. */
function valueAt(doc: JsonMap, pointer: string): Json | undefined {
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) return undefined;
  let v: Json | undefined = doc;
  for (const raw of pointer.slice(1).split('/')) {
    v = child(v, raw.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (v === undefined) return undefined;
  }
  return v;
}

/** Applies one operation to `doc` in place; returns why it does not apply, if it does not. */
function applyOne(doc: JsonMap, op: JsonMap | null): string | undefined {
  const kind = op?.op;
  if (op === null || typeof kind !== 'string' || !OPS.has(kind)) return `Unexpected kind: ${String(kind)}`;
  if (typeof op.path !== 'string') return `${kind} operation is missing path`;
  if ((kind === 'move' || kind === 'copy') && typeof op.from !== 'string') return `${kind} operation is missing from`;
  if ((kind === 'add' || kind === 'replace' || kind === 'test') && !Object.hasOwn(op, 'value')) {
    return `${kind} operation is missing value`;
  }

  if (typeof op.from === 'string' && (kind === 'move' || kind === 'copy')) {
    const why = check(doc, op.from, 'exists');
    if (why) return `${kind} operation does not apply: ${why}`;
  }
  const why = check(doc, op.path, kind === 'add' || kind === 'move' || kind === 'copy' ? 'parent' : 'exists');
  if (why) return `${kind} operation does not apply: ${why}`;

  try {
    const [err] = applyOperations(doc, [op as unknown as Operation]);
    if (err) return kind === 'test' ? `testing value ${op.path} failed` : err.message;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;
// The package skips these tokens while walking (prototype-pollution guard), which would silently
// address the wrong value; no Kubernetes field is named like this.
const UNSUPPORTED_TOKENS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks a JSON pointer against `doc`: `exists` needs the target itself, `parent` only its
 * container (add/move/copy targets; `-` or `length` may append to an array).
 */
function check(doc: JsonMap, pointer: string, need: 'exists' | 'parent'): string | undefined {
  if (pointer === '') return need === 'exists' ? undefined : `the whole document cannot be replaced`;
  if (!pointer.startsWith('/') || /~(?![01])/.test(pointer)) return `invalid JSON pointer: ${JSON.stringify(pointer)}`;
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (tokens.some((t) => UNSUPPORTED_TOKENS.has(t))) return `unsupported path: ${JSON.stringify(pointer)}`;

  const missing = `doc is missing path: ${JSON.stringify(pointer)}`;
  let container: Json | undefined = doc;
  for (const token of tokens.slice(0, -1)) {
    container = child(container, token);
    if (container === undefined) return missing;
  }
  const last = tokens[tokens.length - 1] ?? '';
  if (Array.isArray(container)) {
    if (need === 'parent' && last === '-') return undefined;
    if (!ARRAY_INDEX.test(last)) return missing;
    const index = Number(last);
    return index < container.length || (need === 'parent' && index === container.length) ? undefined : missing;
  }
  if (!isMap(container)) return missing;
  return need === 'parent' || Object.hasOwn(container, last) ? undefined : missing;
}

function child(container: Json | undefined, token: string): Json | undefined {
  if (Array.isArray(container)) return ARRAY_INDEX.test(token) ? container[Number(token)] : undefined;
  if (isMap(container)) return Object.hasOwn(container, token) ? container[token] : undefined;
  return undefined;
}
