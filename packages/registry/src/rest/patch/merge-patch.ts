/** RFC 7386 JSON merge patch: maps merge recursively, `null` deletes, lists and scalars replace. */
import { isMap, isUnsafeKey, type Json, type JsonMap } from './json.js';

/**
 * Merges `patch` into `target`. Returns a value that shares nothing with `patch`; a map `target` is
 * modified in place, so pass your own copy.
 */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isMap(patch)) return pruneNulls(patch);
  const out: JsonMap = isMap(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (isUnsafeKey(key)) continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(Object.hasOwn(out, key) ? out[key] : undefined, value);
  }
  return out;
}

/**
 * A fresh copy of a value taken as is; `null` members of maps inside it are dropped, as RFC 7386
 * (and evanphx/json-patch, which the apiserver uses) does for values that did not exist before.
 */
function pruneNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (isMap(value)) return mergePatch({}, value);
  return value;
}
