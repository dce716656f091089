// Parse and escaping vectors follow upstream k8s.io/apimachinery pkg/fields/selector_test.go.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors/index.js';
import { escapeFieldValue, fieldSelectorFromSet, parseFieldSelector, unescapeFieldValue } from './fields.js';

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    return (err as StatusError).message;
  }
  throw new Error('expected a BadRequest');
}

describe('parseFieldSelector', () => {
  it.each([
    ['', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x=a'],
    ['x!=a', 'x!=a'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,x=a', 'x=a,z=c'],
    ['x=a,', 'x=a'],
    [',x=a', 'x=a'],
    ['x=', 'x='],
    ['x=a\\,b', 'x=a\\,b'],
    ['x=a\\=b', 'x=a\\=b'],
    ['x=a\\\\b', 'x=a\\\\b'],
    ['x=a!b', 'x=a!b'],
    ['spec.nodeName=', 'spec.nodeName='],
    ['metadata.name=web-0,spec.nodeName!=n1', 'metadata.name=web-0,spec.nodeName!=n1'],
  ])('%j → %j', (input, canonical) => {
    const sel = parseFieldSelector(input);
    expect(sel.toString()).toBe(canonical);
    expect(parseFieldSelector(canonical).toString()).toBe(canonical);
  });

  it('splits on the first operator and unescapes the value', () => {
    expect(parseFieldSelector('x!=a\\,b\\=c,y==d').requirements).toEqual([
      { field: 'x', operator: '!=', value: 'a,b=c' },
      { field: 'y', operator: '=', value: 'd' },
    ]);
  });

  it.each([
    ['x', "invalid selector: 'x'; can't understand 'x'"],
    ['x=a,y', "invalid selector: 'x=a,y'; can't understand 'y'"],
    ['x>1', "invalid selector: 'x>1'; can't understand 'x>1'"],
    ['x=a=b', 'invalid field selector: unescaped character in value: ='],
    ['x==a==b', 'invalid field selector: unescaped character in value: ='],
    ['x=a\\b', 'invalid field selector: invalid escape sequence: \\b'],
    ['x=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('rejects %j', (input, message) => {
    expect(badRequestMessage(() => parseFieldSelector(input))).toBe(message);
  });
});

describe('FieldSelector behaviour', () => {
  it.each([
    ['', {}, true],
    ['spec.nodeName=n1', { 'spec.nodeName': 'n1' }, true],
    ['spec.nodeName=n1', { 'spec.nodeName': 'n2' }, false],
    ['spec.nodeName!=n1', { 'spec.nodeName': 'n2' }, true],
    ['spec.nodeName!=n1', { 'spec.nodeName': 'n1' }, false],
    ['spec.nodeName=', { 'spec.nodeName': '' }, true],
    ['spec.nodeName=', {}, true],
    ['spec.nodeName!=', {}, false],
    ['metadata.name=a,status.phase=Running', { 'metadata.name': 'a', 'status.phase': 'Running' }, true],
    ['metadata.name=a,status.phase=Running', { 'metadata.name': 'a', 'status.phase': 'Pending' }, false],
    ['x=a\\,b', { x: 'a,b' }, true],
  ])('%j matches %j: %s', (sel, fields, want) => {
    expect(parseFieldSelector(sel).matches(fields)).toBe(want);
  });

  it.each([
    ['spec.nodeName=n1', 'n1'],
    ['spec.nodeName==n1,metadata.name=x', 'n1'],
    ['spec.nodeName=', ''],
    ['spec.nodeName!=n1', undefined],
    ['metadata.name=x', undefined],
    ['', undefined],
  ])('requiresExactMatch("spec.nodeName") of %j is %j', (sel, want) => {
    expect(parseFieldSelector(sel).requiresExactMatch('spec.nodeName')).toBe(want);
  });

  it('empty() only for no terms', () => {
    expect(parseFieldSelector('').empty()).toBe(true);
    expect(parseFieldSelector(',').empty()).toBe(true);
    expect(parseFieldSelector('a=b').empty()).toBe(false);
  });

  it('builds from a set with escaping', () => {
    const sel = fieldSelectorFromSet({ 'spec.nodeName': 'n1', 'metadata.name': 'a=b' });
    expect(sel.toString()).toBe('metadata.name=a\\=b,spec.nodeName=n1');
    expect(sel.matches({ 'spec.nodeName': 'n1', 'metadata.name': 'a=b' })).toBe(true);
  });
});

describe('escaping (upstream TestEscapeValue)', () => {
  it.each([
    ['', ''],
    ['a', 'a'],
    ['=', '\\='],
    [',', '\\,'],
    ['\\', '\\\\'],
    ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
    ['!', '!'],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });
});
