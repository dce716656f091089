import { StatusError, badRequest } from '@tskube/api-types';
import type { PatchType } from './content-type.js';
import { applyJsonPatch } from './json-patch.js';
import { cloneJson, goJsonType, isMap, type JsonMap } from './json.js';
import { mergePatch } from './merge-patch.js';
import { schemaForKind } from './patch-meta.js';
import { strategicMergePatch } from './strategic-merge.js';

/**
 * Applies a PATCH body to an object of kind `kind` (e.g. `Pod`) and returns the patched copy.
 * Pure: `original` and `patch` are never modified and share nothing with the result. Kinds without
 * strategic metadata get merge-patch semantics for `strategic` (lists replaced), with directives
 * still honoured. Throws a StatusError for a patch that is malformed or does not apply (see
 * json-patch.ts / strategic-merge.ts for the codes), or that changes `kind` / `apiVersion` (400).
 */
export function applyPatch<T extends object>(
  type: Exclude<PatchType, 'apply'>,
  original: T,
  patch: unknown,
  kind: string,
): T {
  const before = original as unknown as JsonMap;
  let after: JsonMap;
  switch (type) {
    case 'json':
      after = applyJsonPatch(before, patch);
      break;
    case 'merge':
      if (!isMap(patch)) throw badRequest('Invalid JSON Patch');
      after = mergePatch(cloneJson(before), patch) as JsonMap;
      break;
    case 'strategic':
      // Go decodes `null` into an empty map: nothing to do.
      if (patch === null) {
        after = cloneJson(before);
        break;
      }
      if (!isMap(patch)) {
        throw badRequest(`json: cannot unmarshal ${goJsonType(patch)} into Go value of type map[string]interface {}`);
      }
      after = strategicMergePatch(cloneJson(before), patch, schemaForKind(kind));
      break;
    default:
      throw new StatusError('UnsupportedMediaType', `unsupported patch type: ${String(type)}`);
  }
  keepTypeMeta(before, after, kind);
  return after as unknown as T;
}

/**
 * A patch may not turn the object into another type. Dropping `kind`/`apiVersion` is harmless (the
 * server stamps them on every response), so they are put back instead of failing.
 */
function keepTypeMeta(before: JsonMap, after: JsonMap, kind: string): void {
  const expected = { kind: before.kind ?? kind, apiVersion: before.apiVersion };
  for (const field of ['kind', 'apiVersion'] as const) {
    const want = expected[field];
    const got = after[field];
    if (got === undefined) {
      if (want !== undefined && want !== null) after[field] = want;
    } else if (want !== undefined && got !== want) {
      throw badRequest(
        `the ${field} of the patched object (${JSON.stringify(got)}) does not match the ${field} of the object being patched (${JSON.stringify(want)})`,
      );
    }
  }
}
