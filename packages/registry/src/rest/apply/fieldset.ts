/**
 * Sets of field paths, as sigs.k8s.io/structured-merge-diff's `fieldpath.Set`, and their
 * `FieldsV1` wire form (the `fieldsV1` of a managedFields entry).
 *
 * A path is a list of path elements in their FieldsV1 spelling: `f:<field>` (a struct field or map
 * key), `k:<json>` (an associative-list item by its keys), `v:<json>` (a set-list item), `i:<n>`
 * (a list index). In FieldsV1 a path element maps to the set below it; `{}` means the path itself
 * is a member, and `".": {}` says so for a path that also has members below it.
 */

export type PathElement = string;
export type FieldPath = readonly PathElement[];

const keyOf = (path: FieldPath): string => JSON.stringify(path);

export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.insert(p);
  }

  insert(path: FieldPath): void {
    if (path.length > 0) this.members.set(keyOf(path), [...path]);
  }

  has(path: FieldPath): boolean {
    return this.members.has(keyOf(path));
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  /** A member strictly below `path` (an item still partly owned is not removed whole). */
  hasBelow(path: FieldPath): boolean {
    for (const p of this.members.values()) {
      if (p.length > path.length && path.every((pe, i) => p[i] === pe)) return true;
    }
    return false;
  }

  union(other: FieldSet): FieldSet {
    const out = this.filter(() => true);
    for (const [key, path] of other.members) out.members.set(key, path);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    return this.filter((key) => !other.members.has(key));
  }

  intersection(other: FieldSet): FieldSet {
    return this.filter((key) => other.members.has(key));
  }

  /** Members not under any of the given path prefixes. */
  without(prefixes: readonly FieldPath[]): FieldSet {
    return this.filter((_, p) => !prefixes.some((pre) => startsWith(p, pre)));
  }

  /** Only the members under one of the given path prefixes. */
  only(prefixes: readonly FieldPath[]): FieldSet {
    return this.filter((_, p) => prefixes.some((pre) => startsWith(p, pre)));
  }

  equals(other: FieldSet): boolean {
    if (this.size !== other.size) return false;
    for (const key of this.members.keys()) if (!other.members.has(key)) return false;
    return true;
  }

  /**
   * The members `keep` accepts, in a new set. Members are shared with their keys (paths are
   * never mutated once inserted), so set algebra does not serialize paths again: it is on the
   * path of every write's managedFields bookkeeping.
   */
  private filter(keep: (key: string, path: FieldPath) => boolean): FieldSet {
    const out = new FieldSet();
    for (const [key, path] of this.members) if (keep(key, path)) out.members.set(key, path);
    return out;
  }

  /** The FieldsV1 JSON, path elements sorted as upstream serializes them. */
  toFieldsV1(): Record<string, unknown> {
    const root: Tree = { self: false, children: new Map() };
    for (const path of this.members.values()) {
      let node = root;
      for (const pe of path) {
        let child = node.children.get(pe);
        if (!child) node.children.set(pe, (child = { self: false, children: new Map() }));
        node = child;
      }
      node.self = true;
    }
    return encodeTree(root, false);
  }

  /** Parses FieldsV1; throws an Error naming what is malformed. */
  static fromFieldsV1(value: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: PathElement[]): void => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new Error(`expected an object at ${pathString(path) || '.'}`);
      const entries = Object.entries(node as Record<string, unknown>);
      if (entries.length === 0) {
        set.insert(path);
        return;
      }
      for (const [pe, child] of entries) {
        if (pe === '.') {
          set.insert(path);
          continue;
        }
        parsePathElement(pe);
        walk(child, [...path, pe]);
      }
    };
    walk(value, []);
    return set;
  }
}

interface Tree {
  self: boolean;
  children: Map<PathElement, Tree>;
}

function encodeTree(node: Tree, includeSelf: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (includeSelf && node.children.size > 0) out['.'] = {};
  for (const pe of [...node.children.keys()].sort(comparePathElements)) {
    const child = node.children.get(pe)!;
    out[pe] = child.children.size === 0 ? {} : encodeTree(child, child.self);
  }
  return out;
}

const RANK: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };

/** Upstream's PathElement order: field names, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = RANK[a[0]!] ?? 4;
  const rb = RANK[b[0]!] ?? 4;
  if (ra !== rb) return ra - rb;
  if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

const startsWith = (p: FieldPath, prefix: FieldPath): boolean => p.length >= prefix.length && prefix.every((pe, i) => p[i] === pe);

export type ParsedElement =
  | { type: 'field'; name: string }
  | { type: 'key'; key: Record<string, unknown> }
  | { type: 'value'; value: unknown }
  | { type: 'index'; index: number };

export function parsePathElement(pe: PathElement): ParsedElement {
  const body = pe.slice(2);
  switch (pe.slice(0, 2)) {
    case 'f:':
      return { type: 'field', name: body };
    case 'k:': {
      const key = JSON.parse(body) as unknown;
      if (key === null || typeof key !== 'object' || Array.isArray(key)) throw new Error(`invalid key path element ${pe}`);
      return { type: 'key', key: key as Record<string, unknown> };
    }
    case 'v:':
      return { type: 'value', value: JSON.parse(body) as unknown };
    case 'i:':
      if (!/^\d+$/.test(body)) throw new Error(`invalid index path element ${pe}`);
      return { type: 'index', index: Number(body) };
    default:
      throw new Error(`unknown path element ${JSON.stringify(pe)}`);
  }
}

/** The path element of an associative-list item: its key fields, sorted, as JSON. */
export function keyElement(key: Record<string, unknown>): PathElement {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(key).sort()) sorted[k] = key[k];
  return `k:${JSON.stringify(sorted)}`;
}

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
export const indexElement = (i: number): PathElement => `i:${i}`;

/** Upstream's `Path.String()`: `.spec.containers[name="web"].image`, `[=value]`, `[0]`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const e = parsePathElement(pe);
      switch (e.type) {
        case 'field':
          return `.${e.name}`;
        case 'key':
          return `[${Object.entries(e.key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
        case 'value':
          return `[=${JSON.stringify(e.value)}]`;
        case 'index':
          return `[${e.index}]`;
      }
    })
    .join('');
}
