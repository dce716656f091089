import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jsonDepthExceeds, valueDepthExceeds, yamlDepthExceeds } from './depth.js';

/** The real nesting of a value (objects and arrays), iteratively. */
function depthOf(value: unknown): number {
  let max = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, d] = next;
    if (typeof v !== 'object' || v === null) continue;
    max = Math.max(max, d + 1);
    for (const c of Array.isArray(v) ? v : Object.values(v)) pending.push([c, d + 1]);
  }
  return max;
}

/** A small seeded PRNG (mulberry32), so the generated documents are the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random nested value mixing maps, lists and scalars (some with brackets and quotes in them). */
function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth === 0 || r < 0.2) return ['x', 1, true, 'a [b', "it's", 'c: d', '- e'][Math.floor(next() * 7)];
  const n = 1 + Math.floor(next() * 3);
  if (r < 0.6) return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, randomValue(next, depth - 1)]));
  return Array.from({ length: n }, () => randomValue(next, depth - 1));
}

/** YAML in block style with flow collections below `flowAt` levels, indented by 1 to 3 spaces. */
function toYaml(v: unknown, next: () => number, indent = 0, flowAt = 6): string {
  const pad = ' '.repeat(indent);
  const step = 1 + Math.floor(next() * 3);
  const scalar = (s: unknown) => JSON.stringify(s);
  const inline = (x: unknown): string => JSON.stringify(x);
  if (typeof v !== 'object' || v === null) return `${pad}${scalar(v)}\n`;
  if (flowAt <= 0) return `${pad}${inline(v)}\n`;
  const entries: [string | undefined, unknown][] = Array.isArray(v) ? v.map((x) => [undefined, x]) : Object.entries(v);
  if (entries.length === 0) return `${pad}${inline(v)}\n`;
  let out = '';
  for (const [k, x] of entries) {
    const head = k === undefined ? `${pad}-` : `${pad}${k}:`;
    if (typeof x !== 'object' || x === null) out += `${head} ${scalar(x)}\n`;
    else if (k !== undefined && Array.isArray(x) && x.length > 0 && flowAt > 1 && next() < 0.5) {
      // A sequence at its key's own indentation ("compact"): the case that needs the doubling.
      out += `${head}\n${toYaml(x, next, indent, flowAt - 1)}`;
    } else out += `${head}\n${toYaml(x, next, indent + step, flowAt - 1)}`;
  }
  return out;
}

describe('jsonDepthExceeds', () => {
  it.each([
    ['{}', 1, false],
    ['{}', 0, true],
    ['[[[]]]', 3, false],
    ['[[[]]]', 2, true],
    ['{"a":{"b":[1,{"c":2}]}}', 4, false],
    ['{"a":{"b":[1,{"c":2}]}}', 3, true],
    // Brackets inside strings, escaped quotes and backslashes do not count.
    ['{"a":"[[[[{{{{"}', 1, false],
    ['{"a":"\\"[[[[","b":"\\\\"}', 1, false],
    ['["\\\\",[["x"]]]', 3, false],
    ['["\\\\",[["x"]]]', 2, true],
    // Not JSON at all: still only counts.
    ['[[[', 3, false],
  ])('%s with max %i: %s', (text, max, exceeds) => {
    expect(jsonDepthExceeds(text, max)).toBe(exceeds);
  });

  it('scans 100 000 levels without recursion', () => {
    expect(jsonDepthExceeds('['.repeat(100_000) + ']'.repeat(100_000), 10)).toBe(true);
  });
});

describe('yamlDepthExceeds', () => {
  it.each([
    ['a: 1\n', 1],
    ['a:\n  b:\n    c: 1\n', 3],
    ['a:\n- b\n- c\n', 2],
    ['- - - x\n', 3],
    ['a: [1, {b: [2]}]\n', 4],
    ["a: '[[[['\n", 1],
    ['a: |\n  [[[[\n    {{{{\n', 1],
  ])('%j is never deeper than it says', (text, real) => {
    expect(depthOf(parse(text))).toBe(real);
    expect(yamlDepthExceeds(text, real - 1)).toBe(true);
  });

  it('never says less than the real depth (seeded random documents)', () => {
    const next = rng(42);
    for (let i = 0; i < 300; i++) {
      const value = randomValue(next, 2 + Math.floor(next() * 10));
      const text = toYaml(value, next);
      const real = depthOf(parse(text));
      expect(yamlDepthExceeds(text, real - 1), text).toBe(true);
    }
  });

  it('lets ordinary manifests through', () => {
    const pod = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web',
      '  labels: {app: web, tier: "front[end]"}',
      'spec:',
      '  containers:',
      '  - name: web',
      '    image: nginx',
      '    command: ["sh", "-c", "echo [ok]"]',
      '    ports:',
      '    - containerPort: 80',
      '    resources:',
      '      limits: {cpu: 100m}',
    ].join('\n');
    expect(yamlDepthExceeds(pod, 20)).toBe(false);
  });

  it.each([
    ['flow', 'x: ' + '['.repeat(100_000) + ']'.repeat(100_000)],
    ['block sequences', 'x:\n  ' + '- '.repeat(50_000) + 'y'],
    ['block maps', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1'],
  ])('refuses deep %s', (_, text) => {
    expect(yamlDepthExceeds(text, 100)).toBe(true);
  });
});

describe('valueDepthExceeds', () => {
  it.each([
    [1, 0, false],
    [{}, 0, true],
    [{ a: [{ b: 1 }] }, 3, false],
    [{ a: [{ b: 1 }] }, 2, true],
  ])('%j with max %i: %s', (value, max, exceeds) => {
    expect(valueDepthExceeds(value, max)).toBe(exceeds);
  });

  it('walks a value nested 100 000 levels without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(valueDepthExceeds(v, 1000)).toBe(true);
  });
});
