/**
 * Field selectors: a port of k8s.io/apimachinery/pkg/fields ParseSelector. Terms are `k=v`,
 * `k==v` or `k!=v`, comma-separated (AND); in values `\`, `,` and `=` are escaped with a
 * backslash. Parse errors are thrown as BadRequest StatusErrors.
 */
import { badRequest } from '../errors/index.js';

export interface FieldRequirement {
  readonly field: string;
  /** `==` is read as `=`, as upstream does. */
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** Escape a value for use in a field selector: `a,b` → `a\,b`. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Undo escapeFieldValue; unknown escapes and bare `,` or `=` are errors, as upstream. */
export function unescapeFieldValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw badRequest(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

export class FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: readonly FieldRequirement[] = []) {
    this.requirements = requirements;
  }

  static everything(): FieldSelector {
    return new FieldSelector();
  }

  /** Missing fields read as "", so `spec.nodeName=` selects unbound pods. */
  matches(fields: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => ((fields[r.field] ?? '') === r.value) === (r.operator === '='));
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  /** The value `field` must equal, if the selector pins one (used to narrow e.g. spec.nodeName). */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

/** Split on commas not escaped by a backslash; the backslashes stay for unescapeFieldValue. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const OPERATORS = ['!=', '==', '='] as const;

/** The first operator in the term splits it; field names have no escaping. */
function splitTerm(term: string): [string, (typeof OPERATORS)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/**
 * Parse `?fieldSelector=`. Terms are sorted as written (upstream sorts the raw terms), which
 * makes toString canonical. Empty terms are skipped; empty input matches everything.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, raw] = split;
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(raw) });
  }
  return new FieldSelector(reqs);
}

/** An equality selector of a map, e.g. `{ 'spec.nodeName': 'n1' }` → `spec.nodeName=n1`. */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldSelector {
  return parseFieldSelector(
    Object.entries(set)
      .map(([k, v]) => `${k}=${escapeFieldValue(v)}`)
      .join(','),
  );
}
