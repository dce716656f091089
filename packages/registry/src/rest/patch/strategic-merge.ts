/**
 * Strategic merge patch, applied the way the apiserver does (apimachinery
 * `pkg/util/strategicpatch/patch.go`, `StrategicMergeMapPatch` → `mergeMap` / `mergeSlice`), driven
 * by the metadata table in patch-meta.ts instead of Go struct tags.
 *
 * Deliberate differences from upstream, all where upstream leaks patch syntax into the object or
 * fails with a 500: directives are processed (and so stripped) everywhere, including inside values
 * that are added or replaced wholesale; `{"$patch":"delete"}` on a map removes the field instead of
 * leaving `{}`; `$deleteFromPrimitiveList/x` on a missing list does nothing (upstream adds the values
 * it was asked to delete); `$patch: merge` on a map is accepted as the explicit default; malformed
 * patches are 400s.
 */
import { badRequest } from '@tskube/api-types';
import { smpErrors } from './errors.js';
import { isMap, isUnsafeKey, type Json, type JsonMap } from './json.js';
import type { FieldMeta, Schema } from './patch-meta.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_FROM = '$deleteFromPrimitiveList';

/** mergeMap's answer when the map itself is to be removed (`$patch: delete`). */
const DELETED = Symbol('deleted');
type Merged = JsonMap | typeof DELETED;

/**
 * Applies `patch` to `original`. `original` is modified in place and must be the caller's own deep
 * copy; `patch` is never modified, and nothing from it is shared with the result.
 */
export function strategicMergePatch(original: JsonMap, patch: JsonMap, schema: Schema | undefined): JsonMap {
  const merged = mergeMap(original, patch, schema);
  return merged === DELETED ? {} : merged;
}

const fieldMeta = (schema: Schema | undefined, key: string): FieldMeta | undefined =>
  schema && Object.hasOwn(schema, key) ? schema[key] : undefined;

/** The field name after `$prefix/`, or a 400 in upstream's words when it is missing. */
function directiveField(key: string, prefix: string): string {
  const field = key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : '';
  if (field) return field;
  throw prefix === DELETE_FROM ? smpErrors.primitiveList() : smpErrors.setElementOrder();
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: Schema | undefined): Merged {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'delete') return DELETED;
    if (directive === 'replace') return mergeMap({}, { ...patch, [DIRECTIVE]: 'merge' }, schema);
    if (directive !== 'merge') throw smpErrors.badPatchType(directive, patch);
  }
  applyRetainKeys(original, patch);
  const ordered = applySetElementOrder(original, patch, schema);

  const deletions: Array<[string, Json]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM)) {
      deletions.push([directiveField(key, DELETE_FROM), value]);
      continue;
    }
    // Other `$` keys are directives handled above, or unknown ones; no API field starts with `$`.
    if (key.startsWith('$') || ordered.has(key) || isUnsafeKey(key)) continue;
    mergeField(original, key, value, fieldMeta(schema, key));
  }
  // After the merges, so a list that is both added to and deleted from ends up deterministic.
  for (const [field, values] of deletions) deleteFromPrimitiveList(original, field, values);
  return original;
}

function mergeField(original: JsonMap, key: string, value: Json, meta: FieldMeta | undefined): void {
  if (value === null) {
    delete original[key];
    return;
  }
  const current = Object.hasOwn(original, key) ? original[key] : undefined;
  if (isMap(value)) {
    // A map over a missing field or a value of another type is merged into {} so its directives apply.
    const merged = mergeMap(isMap(current) ? current : {}, value, meta?.fields);
    if (merged === DELETED) delete original[key];
    else original[key] = merged;
  } else if (Array.isArray(value)) {
    original[key] = mergeList(Array.isArray(current) ? current : [], value, meta);
  } else {
    original[key] = value;
  }
}

/** `$retainKeys`: the fields of `original` not listed are cleared (union types: volume sources). */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw smpErrors.retainKeys();
  const keep = new Set<Json>(list);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !key.startsWith('$') && !keep.has(key)) throw smpErrors.retainKeys();
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

function deleteFromPrimitiveList(original: JsonMap, field: string, values: Json): void {
  if (!Array.isArray(values) || values.some((v) => v !== null && typeof v === 'object')) {
    throw smpErrors.primitiveList();
  }
  const current = original[field];
  if (Array.isArray(current)) original[field] = current.filter((v) => !values.includes(v));
}

/** Merges a list field: by key (or as a set) when its strategy is merge, else the patch replaces it. */
const mergeList = (original: Json[], patch: Json[], meta: FieldMeta | undefined): Json[] =>
  mergeListTracked(original, patch, meta).result;

interface ListMerge {
  result: Json[];
  /**
   * The "live order" `$setElementOrder` interleaves server-only elements by. Upstream reads the live
   * slice after mergeSlice has edited its backing array in place: deleted elements shifted out and
   * appended ones written into the freed room. With capacity equal to length (what the apiserver's
   * unstructured conversion produces) that is `[...kept, ...appended]` cut to the live length, which
   * is what its test vectors expect.
   */
  liveOrder: Json[];
}

function mergeListTracked(original: Json[], patch: Json[], meta: FieldMeta | undefined): ListMerge {
  if (meta?.strategy !== 'merge') return { result: replacementList(patch, meta), liveOrder: original };
  if (original.length === 0 && patch.length === 0) return { result: [], liveOrder: original };
  if (elementKind(original, patch) !== 'map') {
    return { result: orderMerged(dedupe([...original, ...patch]), patch, original, undefined), liveOrder: original };
  }
  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw badRequest('cannot merge lists without merge key for type map');
  const items = patch as JsonMap[];

  let kept = original as JsonMap[];
  const plain: JsonMap[] = [];
  let replace = false;
  for (const item of items) {
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    switch (item[DIRECTIVE]) {
      case 'delete':
        if (!Object.hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
        kept = kept.filter((o) => !(Object.hasOwn(o, mergeKey) && o[mergeKey] === item[mergeKey]));
        break;
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw badRequest('merging lists cannot yet be specified in the patch');
      default:
        throw smpErrors.badPatchType(item[DIRECTIVE], item);
    }
  }
  // `{"$patch":"replace"}` as an element: the other elements are the whole list, in their order.
  if (replace) return { result: replacementList(plain, meta), liveOrder: original };

  const merged: JsonMap[] = [...kept];
  for (const item of plain) {
    if (!Object.hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
    const at = merged.findIndex((o) => Object.hasOwn(o, mergeKey) && o[mergeKey] === item[mergeKey]);
    const result = mergeMap(at >= 0 ? (merged[at] as JsonMap) : {}, item, meta.fields);
    if (result === DELETED) continue; // unreachable: directive elements were taken out above
    if (at >= 0) merged[at] = result;
    else merged.push(result);
  }
  return { result: orderMerged(merged, items, kept, mergeKey), liveOrder: merged.slice(0, original.length) };
}

/** A list taken from the patch as is, except that directives inside it are applied and dropped. */
function replacementList(patch: Json[], meta: FieldMeta | undefined): Json[] {
  const out: Json[] = [];
  for (const item of patch) {
    if (isMap(item)) {
      if (Object.keys(item).every((k) => k === DIRECTIVE)) continue; // a bare `{"$patch":"replace"}` marker
      const merged = mergeMap({}, item, meta?.fields);
      if (merged !== DELETED) out.push(merged);
    } else if (Array.isArray(item)) {
      out.push(replacementList(item, undefined));
    } else {
      out.push(item);
    }
  }
  return out;
}

type ElementKind = 'map' | 'string' | 'number' | 'boolean' | 'null';

/** upstream `sliceElementType`: all elements of a merged list must have one type, and not be lists. */
function elementKind(...lists: Json[][]): ElementKind {
  let kind: ElementKind | undefined;
  for (const list of lists) {
    for (const item of list) {
      if (Array.isArray(item)) throw smpErrors.listOfLists();
      const k: ElementKind = item === null ? 'null' : isMap(item) ? 'map' : (typeof item as ElementKind);
      if (kind !== undefined && kind !== k) {
        throw badRequest(`list element types are not identical: ${JSON.stringify(lists)}`);
      }
      kind = k;
    }
  }
  return kind ?? 'null';
}

const dedupe = (list: Json[]): Json[] => list.filter((v, i) => list.indexOf(v) === i);

/** The identity of a list element: its merge-key value for maps, itself for primitives. */
const identity = (item: Json, mergeKey: string | undefined): Json | undefined =>
  mergeKey ? (isMap(item) ? item[mergeKey] : undefined) : item;

const indexIn = (list: readonly Json[], item: Json, mergeKey: string | undefined): number => {
  const id = identity(item, mergeKey);
  return list.findIndex((x) => identity(x, mergeKey) === id);
};

/** upstream `validateMergeKeyInLists`: ordering by key needs every element to carry the key. */
function requireMergeKey(mergeKey: string | undefined, ...lists: ReadonlyArray<readonly Json[]>): void {
  if (!mergeKey) return;
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) throw smpErrors.setElementOrder();
      if (!Object.hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
    }
  }
}

/**
 * upstream `mergeSlice`'s final step: the elements named in `patchOrder` keep the patch's order,
 * the server-only ones keep theirs, and the two are interleaved by the live (server) order.
 */
function orderMerged(merged: Json[], patchOrder: readonly Json[], serverOrder: readonly Json[], mergeKey: string | undefined): Json[] {
  requireMergeKey(mergeKey, merged, patchOrder, serverOrder);
  const inPatch = merged.filter((item) => indexIn(patchOrder, item, mergeKey) >= 0);
  const serverOnly = merged.filter((item) => indexIn(patchOrder, item, mergeKey) < 0);
  return interleave(
    sortByOrder(serverOnly, serverOrder, mergeKey),
    sortByOrder(inPatch, patchOrder, mergeKey),
    serverOrder,
    mergeKey,
  );
}

function sortByOrder(items: Json[], order: readonly Json[], mergeKey: string | undefined): Json[] {
  const rank = (item: Json): number => {
    const i = indexIn(order, item, mergeKey);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return items
    .map((item) => ({ item, rank: rank(item) }))
    .sort((a, b) => (a.rank === b.rank ? 0 : a.rank < b.rank ? -1 : 1))
    .map(({ item }) => item);
}

/**
 * upstream `mergeSortedSlice`: walk both sorted lists; a server-only element goes first only when
 * both it and the next patch element are in the live list and it comes earlier there. So elements
 * new to the list land right after the patch element they follow.
 */
function interleave(serverOnly: Json[], patched: Json[], serverOrder: readonly Json[], mergeKey: string | undefined): Json[] {
  const earlierLive = (left: Json, right: Json): boolean => {
    const li = indexIn(serverOrder, left, mergeKey);
    const ri = indexIn(serverOrder, right, mergeKey);
    return li >= 0 && ri >= 0 && li < ri;
  };
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patched.length) {
    const takeLeft =
      j >= patched.length || (i < serverOnly.length && earlierLive(serverOnly[i] as Json, patched[j] as Json));
    out.push((takeLeft ? serverOnly[i++] : patched[j++]) as Json);
  }
  return out;
}

/**
 * `$setElementOrder/<field>`: merges the field (if the patch has it) and then orders the result:
 * the listed elements in the listed order, the others (server-only) interleaved by the live order.
 * Returns the fields it has fully handled, which the main merge loop must skip.
 */
function applySetElementOrder(original: JsonMap, patch: JsonMap, schema: Schema | undefined): Set<string> {
  const handled = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = directiveField(key, SET_ORDER);
    if (!Array.isArray(order)) throw smpErrors.setElementOrder();
    const patchList = Object.hasOwn(patch, field) ? patch[field] : undefined;
    if (patchList === null || isUnsafeKey(field)) continue; // the main loop deletes the field
    if (patchList !== undefined && !Array.isArray(patchList)) throw smpErrors.setElementOrder();
    const live = Object.hasOwn(original, field) ? original[field] : undefined;
    const current = Array.isArray(live) ? live : undefined;
    if (!current && !patchList) continue;

    const meta = fieldMeta(schema, field);
    const mergeKey = meta?.strategy === 'merge' ? meta.mergeKey : undefined;
    const { result: merged, liveOrder } = patchList
      ? mergeListTracked(current ?? [], patchList, meta)
      : { result: current ?? [], liveOrder: current ?? [] };
    handled.add(field);
    // Lists of maps without a merge key cannot be ordered (upstream panics); keep the merge result.
    const elements = [...merged, ...order, ...(patchList ?? [])];
    if (!mergeKey && elements.some((e) => e !== null && typeof e === 'object')) {
      original[field] = merged;
      continue;
    }
    validateOrder(patchList ?? [], order, mergeKey);
    requireMergeKey(mergeKey, order);
    const listed = merged.filter((item) => indexIn(order, item, mergeKey) >= 0);
    const serverOnly = merged.filter((item) => indexIn(order, item, mergeKey) < 0);
    original[field] = interleave(
      sortByOrder(serverOnly, liveOrder, mergeKey),
      sortByOrder(listed, order, mergeKey),
      liveOrder,
      mergeKey,
    );
  }
  return handled;
}

/** upstream `validatePatchWithSetOrderList`: patch elements must appear in the order list, in its order. */
function validateOrder(patchList: Json[], order: Json[], mergeKey: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return;
  // Elements carrying a directive (`$patch: delete`) are not part of the final list: skip them.
  const candidates = patchList.filter((item) => !(isMap(item) && Object.hasOwn(item, DIRECTIVE)));
  requireMergeKey(mergeKey, candidates, order);
  let p = 0;
  for (let s = 0; p < candidates.length && s < order.length; s++) {
    if (identity(candidates[p] as Json, mergeKey) === identity(order[s] as Json, mergeKey)) p++;
  }
  if (p < candidates.length) {
    throw badRequest(
      `The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ORDER} list:\n${JSON.stringify(order)}\n`,
    );
  }
}
