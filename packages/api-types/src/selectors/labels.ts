/**
 * Label selectors: a port of k8s.io/apimachinery/pkg/labels (lexer, parser, requirements,
 * matching, canonical String) plus metav1.LabelSelector conversion. Parse errors are thrown as
 * BadRequest StatusErrors, since a selector always arrives in a request.
 */
import { badRequest } from '../errors/index.js';
import { isQualifiedName, isValidLabelValue } from '../validation/strings.js';

/** Operator spellings are upstream's selection.Operator values. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated for in/notin; one value for =, ==, !=, gt, lt; none for exists and !. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

/** Thrown as BadRequest: requirement key, operator and values checked as upstream's NewRequirement. */
export function newLabelRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(`invalid label key "${key}": ${keyErrs.join('; ')}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push("for 'in', 'notin' operators, values set can't be empty");
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push('exact-match compatibility requires one single value');
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push('values set must be empty for exists and does not exist');
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push("for 'Gt', 'Lt' operators, exactly one value is required");
      for (const v of values) {
        if (parseInt64(v) === undefined) errs.push("for 'Gt', 'Lt' operators, the value must be an integer");
      }
      break;
  }
  for (const v of values) {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(`invalid label value: "${v}": at key: "${key}": ${valueErrs.join('; ')}`);
  }
  if (errs.length > 0) throw badRequest(errs.length === 1 ? (errs[0] ?? '') : `[${errs.join(', ')}]`);
  const set = operator === 'in' || operator === 'notin' ? [...new Set(values)].sort() : [...values];
  return { key, operator, values: set };
}

const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

/** Go's strconv.ParseInt(s, 10, 64), which upstream uses for Gt/Lt on both sides; undefined on error. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[-+]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < MIN_INT64 || n > MAX_INT64 ? undefined : n;
}

function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && value !== undefined && r.values.includes(value);
    case '!=':
    case 'notin':
      return !has || value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      const lhs = has && value !== undefined ? parseInt64(value) : undefined;
      const rhs = parseInt64(r.values[0] ?? '');
      if (lhs === undefined || rhs === undefined) return false;
      return r.operator === 'gt' ? lhs > rhs : lhs < rhs;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case '!':
      return `!${r.key}`;
    case 'exists':
      return r.key;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values.join(',')}`;
    case 'lt':
      return `${r.key}<${r.values.join(',')}`;
    default:
      return `${r.key}${r.operator}${r.values.join(',')}`;
  }
}

/** An AND of requirements, kept sorted by key (stable) as upstream's Selector.Add does. */
export class LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  readonly #nothing: boolean;

  constructor(requirements: readonly LabelRequirement[] = [], nothing = false) {
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#nothing = nothing;
  }

  /** Matches every object. */
  static everything(): LabelSelector {
    return new LabelSelector();
  }

  /** Matches no object (what a nil metav1.LabelSelector means). */
  static nothing(): LabelSelector {
    return new LabelSelector([], true);
  }

  matches(labels: Labels | undefined): boolean {
    if (this.#nothing) return false;
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  /** True when it selects everything. */
  empty(): boolean {
    return !this.#nothing && this.requirements.length === 0;
  }

  /** The value `key` must equal for a match, if the selector pins one (= or == or a one-value in). */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    }
    return undefined;
  }

  /** A new selector with more requirements ANDed in. */
  add(...requirements: LabelRequirement[]): LabelSelector {
    return new LabelSelector([...this.requirements, ...requirements], this.#nothing);
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

// ---- lexer ----

type Token = 'id' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' | 'eos' | 'error';

interface Item {
  tok: Token;
  lit: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOLS = new Map<string, Token>([
  ['!', '!'],
  ['!=', '!='],
  ['(', '('],
  [')', ')'],
  [',', ','],
  ['=', '='],
  ['==', '=='],
  ['>', '>'],
  ['<', '<'],
]);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i] ?? '')) i++;
    if (i >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const c = s[i] ?? '';
    if (SPECIAL.has(c)) {
      // Longest symbol that is a token: `!=` over `!`, but `=(` is `=` then `(`.
      let buf = '';
      let last: Item | undefined;
      while (i < s.length && SPECIAL.has(s[i] ?? '')) {
        const next = buf + (s[i] ?? '');
        const tok = SYMBOLS.get(next);
        if (tok) last = { tok, lit: next };
        else if (last) break;
        buf = next;
        i++;
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      if (!last) return items;
      continue;
    }
    const start = i;
    while (i < s.length && !isSpace(s[i] ?? '') && !SPECIAL.has(s[i] ?? '')) i++;
    const word = s.slice(start, i);
    items.push({ tok: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'id', lit: word });
  }
}

// ---- parser ----

/** In a values position, `in` and `notin` are ordinary identifiers (`in in (in)` is legal). */
type Context = 'values' | 'keyAndOperator';

class Parser {
  #pos = 0;
  constructor(private readonly items: Item[]) {}

  lookahead(ctx: Context): Item {
    const it = this.items[this.#pos] ?? { tok: 'eos', lit: '' };
    return ctx === 'values' && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  consume(ctx: Context): Item {
    const it = this.lookahead(ctx);
    if (this.#pos < this.items.length - 1) this.#pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'eos') return reqs;
      if (tok === 'error') throw new Error(lit);
      if (tok !== 'id' && tok !== '!') throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.parseRequirement());
      } catch (err) {
        throw new Error(`unable to parse requirement: ${(err as Error).message}`);
      }
      const next = this.consume('values');
      if (next.tok === 'eos') return reqs;
      if (next.tok !== ',') throw new Error(`found '${next.lit}', expected: ',' or 'end of string'`);
      const after = this.lookahead('values');
      if (after.tok !== 'id' && after.tok !== '!') throw new Error(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  parseRequirement(): LabelRequirement {
    let { tok, lit } = this.consume('values');
    let op: LabelOperator | undefined;
    if (tok === '!') {
      op = '!';
      ({ tok, lit } = this.consume('values'));
    }
    if (tok !== 'id') throw new Error(`found '${lit}', expected: identifier`);
    const key = lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) throw new Error(`invalid label key "${key}": ${keyErrs.join('; ')}`);
    const peek = this.lookahead('values').tok;
    if (op === undefined && (peek === 'eos' || peek === ',')) op = 'exists';
    if (op !== undefined) return requirement(key, op, []);

    const opItem = this.consume('keyAndOperator');
    const binary: Partial<Record<Token, LabelOperator>> = {
      in: 'in',
      notin: 'notin',
      '=': '=',
      '==': '==',
      '!=': '!=',
      '>': 'gt',
      '<': 'lt',
    };
    const operator = binary[opItem.tok];
    if (!operator) throw new Error(`found '${opItem.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return requirement(key, operator, values);
  }

  parseValues(): string[] {
    const open = this.consume('values');
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead('values');
    if (tok === ')') {
      this.consume('values');
      return [''];
    }
    if (tok !== 'id' && tok !== ',') throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.parseIdentifiersList();
    if (this.consume('values').tok !== ')') throw new Error(`found '${lit}', expected: ')'`);
    return values;
  }

  /** Upstream's quirk kept: empty list slots (`(a,,b)`, `(,a)`, `(a,)`) mean the empty value. */
  parseIdentifiersList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'id') {
        values.push(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return values;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (values.length === 0) values.push('');
        const next = this.lookahead('values').tok;
        if (next === ')') {
          values.push('');
          return values;
        }
        if (next === ',') {
          this.consume('values');
          values.push('');
        }
        continue;
      }
      throw new Error(`found '${lit}', expected: ',', or identifier`);
    }
  }

  parseExactValue(): string[] {
    const { tok } = this.lookahead('values');
    if (tok === 'eos' || tok === ',') return [''];
    const item = this.consume('values');
    if (item.tok === 'id') return [item.lit];
    throw new Error(`found '${item.lit}', expected: identifier`);
  }
}

/** newLabelRequirement, but failing with a plain Error for the parser to prefix. */
function requirement(key: string, op: LabelOperator, values: string[]): LabelRequirement {
  try {
    return newLabelRequirement(key, op, values);
  } catch (err) {
    throw new Error((err as Error).message);
  }
}

/**
 * Parse the kubectl `-l` / `?labelSelector=` grammar: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, comma-separated (AND). Empty matches everything.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return new LabelSelector(new Parser(lex(s)).parse());
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

/** The equality selector of a map (what Service and ReplicationController selectors mean). */
export function selectorFromSet(set: Labels | undefined | null): LabelSelector {
  // Upstream's SelectorFromValidatedSet: the map was validated with its object.
  return new LabelSelector(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=', values: [v] })));
}

/** True when every key of `selector` is in `labels` with the same value (an empty map matches all). */
export function labelsMatchSet(selector: Labels | undefined | null, labels: Labels | undefined): boolean {
  const ls = labels ?? {};
  return Object.entries(selector ?? {}).every(([k, v]) => Object.hasOwn(ls, k) && ls[k] === v);
}

export interface LabelSelectorRequirementSpec {
  key: string;
  operator: string;
  values?: string[];
}

/** The metav1.LabelSelector JSON shape. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementSpec[];
}

const SPEC_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector selects
 * everything. Invalid keys, values or operators throw BadRequest.
 */
export function selectorFromLabelSelector(ls: LabelSelectorSpec | undefined | null): LabelSelector {
  if (ls === undefined || ls === null) return LabelSelector.nothing();
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newLabelRequirement(k, '=', [v]));
  for (const expr of ls.matchExpressions ?? []) {
    const op = Object.hasOwn(SPEC_OPERATORS, expr.operator) ? SPEC_OPERATORS[expr.operator] : undefined;
    if (!op) throw badRequest(`"${expr.operator}" is not a valid label selector operator`);
    reqs.push(newLabelRequirement(expr.key, op, expr.values ?? []));
  }
  return new LabelSelector(reqs);
}
