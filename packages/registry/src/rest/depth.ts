/**
 * Nesting limits for request bodies, checked before anything recursive touches them.
 *
 * Deep nesting is a denial of service in JavaScript twice over: recursive code (the YAML composer,
 * schema checks, clones, merge patches) overflows the stack, and a stack overflow that happens to
 * land inside V8's RegExp compiler is not a catchable RangeError but a fatal "process out of
 * memory" that kills the apiserver. Upstream refuses JSON deeper than 10 000 levels (Go's decoder)
 * and YAML deeper than 10 000 (go-yaml); our recursion depth is far smaller, so our limit is too.
 * No object of a served kind nests anywhere near it.
 */
import { badRequest, type StatusError } from '@tskube/api-types';
import { CST, Lexer } from 'yaml';

/** The deepest nesting of objects and arrays a body (or a patched object) may have. */
export const MAX_NESTING_DEPTH = 100;

/** The JSON text nests deeper than `max` (strings skipped; the text need not be valid JSON). */
export function jsonDepthExceeds(text: string, max = MAX_NESTING_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

/**
 * An upper bound of the nesting of a YAML text, from its tokens (the `yaml` lexer is iterative):
 * flow collections are counted exactly; block collections by the stack of indentation columns on
 * the current path, doubled because a sequence may sit at its parent key's own indentation.
 * Alias expansion is not seen here; the value is checked again after it is built.
 */
export function yamlDepthExceeds(text: string, max = MAX_NESTING_DEPTH): boolean {
  /** Columns a child of each open block collection must reach, increasing. */
  const stack: number[] = [];
  let flow = 0;
  let col = 0;
  let lineStart = true;
  let scalarNext = false;
  /** Column of the node being written on this line (what a `:` makes a key of). */
  let nodeCol = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '\x02' || token === '\x18') continue; // doc-mode, flow-error-end: not in the source
    if (token === '\x1f') {
      scalarNext = true;
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    if (lineStart && type !== 'space' && type !== 'newline' && type !== 'comment') {
      lineStart = false;
      if (flow === 0) while (stack.length > 0 && stack[stack.length - 1]! > col) stack.pop();
      nodeCol = col;
    }
    switch (type) {
      case 'flow-map-start':
      case 'flow-seq-start':
        flow++;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        if (flow > 0) flow--;
        break;
      case 'doc-start':
      case 'doc-end':
        stack.length = 0;
        flow = 0;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        if (flow === 0) {
          const child = (type === 'map-value-ind' ? nodeCol : col) + 1;
          if (stack.length === 0 || stack[stack.length - 1]! < child) stack.push(child);
          nodeCol = col + 1;
        }
        break;
      case 'space':
      case 'newline':
      case 'comment':
        break;
      default:
        if (flow === 0) nodeCol = Math.max(nodeCol, col);
    }
    if (2 * stack.length + flow + 1 > max) return true;
    const nl = token.lastIndexOf('\n');
    if (nl >= 0) {
      col = token.length - nl - 1;
      lineStart = true;
    } else col += token.length;
  }
  return false;
}

/**
 * The value nests deeper than `max`. Iterative, so any value can be checked; shared references
 * (YAML aliases) are walked again each time, which the alias limit keeps small.
 */
export function valueDepthExceeds(value: unknown, max = MAX_NESTING_DEPTH): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

export const tooDeep = (what: string, max = MAX_NESTING_DEPTH): StatusError =>
  badRequest(`the object provided is unrecognized (must be of type ${what}): exceeded max depth of ${max}`);
