import { describe, expect, it } from 'vitest';
import { compareKeys, lowerBound } from './keys.js';

const bytewise = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('compareKeys', () => {
  it.each([
    ['a', 'b'],
    ['a', 'ab'],
    ['B', 'a'],
    ['/registry/pods/a/', '/registry/pods/ab'],
    ['z', 'é'],
    ['\uffee', '😀'], // UTF-16 puts the surrogate pair first; UTF-8 bytes do not
    ['\ud7ff', '\ue000'],
    ['', '\u0000'],
  ])('orders %j before %j like their UTF-8 bytes', (a, b) => {
    expect(Math.sign(bytewise(a, b))).toBe(-1);
    expect(Math.sign(compareKeys(a, b))).toBe(-1);
    expect(Math.sign(compareKeys(b, a))).toBe(1);
    expect(compareKeys(a, a)).toBe(0);
  });

  it('sorts a mixed set exactly as Buffer.compare does', () => {
    const keys = ['😀x', 'ﬀ', 'Z', 'é', 'e', '~', '\u0080', '𝄞', '\uffff', 'a/b', 'a', 'a0'];
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort(bytewise));
  });
});

describe('lowerBound', () => {
  const keys = ['/a', '/b', '/b/1', '/c'];
  it.each([
    ['/', 0],
    ['/a', 0],
    ['/a/', 1],
    ['/b/', 2],
    ['/bz', 3],
    ['/d', 4],
  ])('of %j is %i', (key, index) => {
    expect(lowerBound(keys, key)).toBe(index);
  });
});
