import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { scanJsonFields, yamlDuplicates } from './field-scan.js';

describe('scanJsonFields', () => {
  it.each([
    ['no repeats', '{"a":1,"b":{"c":[1,2]}}', []],
    ['a top-level repeat', '{"a":1,"a":2}', ['a']],
    ['nested in objects', '{"metadata":{"name":"x","labels":{"k":"1","k":"2"}}}', ['metadata.labels.k']],
    ['inside list items, by index', '{"spec":{"containers":[{"name":"a"},{"name":"b","name":"c"}]}}', ['spec.containers[1].name']],
    ['the same key in sibling objects is no repeat', '{"a":{"x":1},"b":{"x":1}}', []],
    ['braces, commas and quotes inside strings', '{"a":"{\\"a\\":1,}","b":"[,]","b":"x"}', ['b']],
    ['escaped keys compare by value', '{"\\u0061":1,"a":2}', ['a']],
    ['nested arrays', '{"a":[[{"k":1,"k":2}]]}', ['a[0][0].k']],
    ['a top-level array', '[{"op":"add","path":"/a","path":"/b"}]', ['[0].path']],
  ])('%s', (_what, text, expected) => {
    JSON.parse(text); // the scanner is only ever given what JSON.parse accepted
    expect(scanJsonFields(text).duplicates.map((d) => d.path)).toEqual(expected);
  });

  it('records where each field first appears and where a repeat is', () => {
    const text = '{"b":1,"a":{"c":2},"b":3}';
    const scan = scanJsonFields(text);
    expect(scan.offsets.get('b')).toBe(text.indexOf('"b"'));
    expect(scan.offsets.get('a.c')).toBe(text.indexOf('"c"'));
    expect(scan.duplicates).toEqual([{ path: 'b', offset: text.lastIndexOf('"b"') }]);
  });
});

describe('yamlDuplicates', () => {
  it('reports each repeated key with the line of the repeat', () => {
    const text = 'a: 1\nb:\n  c: 1\n  c: 2\nitems:\n- x: 1\n  x: 2\na: 3\n';
    const lines = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
    expect(yamlDuplicates(doc, (o) => lines.linePos(o).line)).toEqual([
      { line: 4, key: 'c' },
      { line: 7, key: 'x' },
      { line: 8, key: 'a' },
    ]);
  });
});
