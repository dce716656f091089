/**
 * Objects seen through their schema, as structured-merge-diff's typed values: the field set an
 * object sets, comparing two objects, merging an applied configuration into a live object, and
 * removing fields. The schema is the strategic-merge table (../patch/patch-meta.ts): a list merged
 * by key is associative (keyed by its merge key, plus upstream's extra map keys), a merged list of
 * primitives is a set, every other list is atomic; maps are granular.
 */
import { isDeepStrictEqual } from 'node:util';
import { schemaForKind, type FieldMeta, type Schema } from '../patch/patch-meta.js';
import { isMap, isUnsafeKey, type Json, type JsonMap } from '../patch/json.js';
import { FieldSet, fieldElement, indexElement, keyElement, parsePathElement, valueElement, type FieldPath, type PathElement } from './fieldset.js';

type ListKind = { type: 'associative'; keys: readonly string[] } | { type: 'set' } | { type: 'atomic' };

/**
 * Upstream's `x-kubernetes-list-map-keys` where they are more than the strategic merge key
 * (by field name and merge key: container ports and service ports are keyed with their protocol).
 */
const EXTRA_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  'ports/containerPort': ['containerPort', 'protocol'],
  'ports/port': ['port', 'protocol'],
  'topologySpreadConstraints/topologyKey': ['topologyKey', 'whenUnsatisfiable'],
};

/** Key fields the schema defaults, so an applied item without them still finds its live twin. */
const KEY_DEFAULTS: Readonly<Record<string, Json>> = { protocol: 'TCP' };

function listKind(field: string, meta: FieldMeta | undefined): ListKind {
  if (meta?.strategy !== 'merge') return { type: 'atomic' };
  if (!meta.mergeKey) return { type: 'set' };
  return { type: 'associative', keys: EXTRA_MAP_KEYS[`${field}/${meta.mergeKey}`] ?? [meta.mergeKey] };
}

/** The path element of item `i` of a non-atomic list. */
function itemElement(kind: ListKind, item: Json, i: number): PathElement {
  if (kind.type === 'set') return valueElement(item);
  if (kind.type !== 'associative' || !isMap(item)) return indexElement(i);
  const key: Record<string, Json> = {};
  for (const k of kind.keys) {
    const v = item[k] ?? KEY_DEFAULTS[k];
    if (v !== undefined) key[k] = v;
  }
  return Object.keys(key).length === 0 ? indexElement(i) : keyElement(key);
}

/** One member of an object's field set and the value there. */
export interface Member {
  path: FieldPath;
  value: Json;
  /** An associative-list item (compared by presence only: its fields are members themselves). */
  item: boolean;
}

/** Every member of an object's field set, by path (upstream `ToFieldSet`, with values). */
export function membersOf(obj: JsonMap, kind: string): Map<string, Member> {
  const out = new Map<string, Member>();
  const add = (path: FieldPath, value: Json, item = false): void => {
    out.set(JSON.stringify(path), { path, value, item });
  };
  const walkMap = (map: JsonMap, schema: Schema | undefined, path: FieldPath): void => {
    for (const [k, v] of Object.entries(map)) {
      if (v === undefined) continue;
      walk(v, k, schema && Object.hasOwn(schema, k) ? schema[k] : undefined, [...path, fieldElement(k)]);
    }
  };
  const walk = (v: Json, field: string, meta: FieldMeta | undefined, path: FieldPath): void => {
    if (Array.isArray(v)) {
      const kind = listKind(field, meta);
      if (kind.type === 'atomic') return add(path, v);
      v.forEach((item, i) => {
        const p = [...path, itemElement(kind, item, i)];
        if (kind.type === 'set' || !isMap(item) || Object.keys(item).length === 0) return add(p, item, kind.type !== 'set');
        add(p, item, true);
        walkMap(item, meta?.fields, p);
      });
      return;
    }
    if (isMap(v) && Object.keys(v).length > 0) return walkMap(v, meta?.fields, path);
    add(path, v);
  };
  walkMap(obj, schemaForKind(kind), []);
  return out;
}

export function fieldSetOf(obj: JsonMap, kind: string): FieldSet {
  return new FieldSet([...membersOf(obj, kind).values()].map((m) => m.path));
}

export interface Comparison {
  /** Members of the new object that are new or whose value changed (upstream Added ∪ Modified). */
  changed: FieldSet;
  /** Members of the old object that the new one no longer has. */
  removed: FieldSet;
}

export function compareObjects(before: JsonMap | undefined, after: JsonMap, kind: string): Comparison {
  const old = before ? membersOf(before, kind) : new Map<string, Member>();
  const next = membersOf(after, kind);
  const changed = new FieldSet();
  const removed = new FieldSet();
  for (const [k, m] of next) {
    const o = old.get(k);
    if (!o || (!m.item && !isDeepStrictEqual(o.value, m.value))) changed.insert(m.path);
  }
  for (const [k, m] of old) if (!next.has(k)) removed.insert(m.path);
  return { changed, removed };
}

/**
 * Merges an applied configuration into (a copy of) the live object: what the configuration sets
 * wins, associative lists merge item by item (new items appended), set lists are unions, atomic
 * lists and scalars are replaced.
 */
export function mergeApplied(live: JsonMap, config: JsonMap, kind: string): JsonMap {
  return mergeMap(structuredClone(live), config, schemaForKind(kind));
}

function mergeMap(live: JsonMap, config: JsonMap, schema: Schema | undefined): JsonMap {
  for (const [k, v] of Object.entries(config)) {
    if (isUnsafeKey(k) || v === undefined) continue;
    const meta = schema && Object.hasOwn(schema, k) ? schema[k] : undefined;
    live[k] = mergeValue(live[k], v, k, meta);
  }
  return live;
}

function mergeValue(live: Json | undefined, config: Json, field: string, meta: FieldMeta | undefined): Json {
  if (isMap(config)) return isMap(live) ? mergeMap(live, config, meta?.fields) : mergeMap({}, config, meta?.fields);
  if (!Array.isArray(config) || !Array.isArray(live)) return structuredClone(config);
  const kind = listKind(field, meta);
  if (kind.type === 'atomic') return structuredClone(config);
  const out = [...live];
  const index = new Map(out.map((item, i) => [itemElement(kind, item, i), i]));
  config.forEach((item, i) => {
    const pe = itemElement(kind, item, i);
    const at = pe.startsWith('i:') ? undefined : index.get(pe);
    if (at === undefined) out.push(structuredClone(item));
    else if (kind.type === 'associative') out[at] = mergeValue(out[at], item, field, { fields: meta?.fields });
  });
  return out;
}

/**
 * Removes the members `remove` from `obj` (in place). A member something in `keep` still lies
 * below is left (an item partly owned by someone else stays). Emptied label and annotation maps go.
 */
export function removeFields(obj: JsonMap, remove: FieldSet, keep: FieldSet, kind: string): void {
  const paths = remove.paths().sort((a, b) => b.length - a.length);
  for (const path of paths) {
    if (keep.hasBelow(path)) continue;
    removeAt(obj, path, schemaForKind(kind));
  }
  const meta = obj.metadata;
  if (isMap(meta)) {
    for (const k of ['labels', 'annotations']) {
      const m = meta[k];
      if (isMap(m) && Object.keys(m).length === 0) delete meta[k];
    }
  }
}

function removeAt(obj: JsonMap, path: FieldPath, schema: Schema | undefined): void {
  let container: Json = obj;
  let field = '';
  let meta: FieldMeta | undefined;
  let fields = schema;
  for (let i = 0; i < path.length; i++) {
    const pe = path[i]!;
    const last = i === path.length - 1;
    const e = parsePathElement(pe);
    if (e.type === 'field') {
      if (!isMap(container) || !Object.hasOwn(container, e.name)) return;
      if (last) {
        delete container[e.name];
        return;
      }
      field = e.name;
      meta = fields && Object.hasOwn(fields, e.name) ? fields[e.name] : undefined;
      fields = meta?.fields;
      container = container[e.name]!;
      continue;
    }
    if (!Array.isArray(container)) return;
    const kind = listKind(field, meta);
    const list: Json[] = container;
    const at = list.findIndex((item, idx) => itemElement(kind, item, idx) === pe);
    if (at < 0) return;
    if (last) {
      list.splice(at, 1);
      return;
    }
    container = list[at]!;
  }
}
