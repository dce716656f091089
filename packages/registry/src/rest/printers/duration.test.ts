import { describe, expect, it } from 'vitest';
import { humanDuration, translateTimestampSince } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  // Each rule boundary of apimachinery's HumanDuration, from both sides.
  it.each([
    [-2 * s, '<invalid>'],
    [-1999, '0s'],
    [-1 * s, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * s, '59s'],
    [119 * s + 999, '119s'],
    [2 * m, '2m'],
    [2 * m + 1 * s, '2m1s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [3 * h - 1, '179m'],
    [3 * h, '3h'],
    [3 * h + 1 * m, '3h1m'],
    [8 * h - 1, '7h59m'],
    [8 * h, '8h'],
    [48 * h - 1, '47h'],
    [2 * d, '2d'],
    [2 * d + 1 * h, '2d1h'],
    [8 * d - 1, '7d23h'],
    [8 * d, '8d'],
    [2 * y - 1, '729d'],
    [2 * y, '2y'],
    [2 * y + 1 * d, '2y1d'],
    [8 * y - 1, '7y364d'],
    [8 * y, '8y'],
    [100 * y + 200 * d, '100y'],
  ])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('translateTimestampSince', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  it.each([
    [undefined, '<unknown>'],
    [null, '<unknown>'],
    ['', '<unknown>'],
    ['not a time', '<unknown>'],
    ['0001-01-01T00:00:00Z', '<unknown>'],
    ['2025-01-01T11:55:00Z', '5m'],
    ['2025-01-01T11:59:30.500000Z', '29s'],
    ['2025-01-01T13:55:00+02:00', '5m'],
    ['2025-01-01T12:00:05Z', '<invalid>'],
  ])('%s → %s', (ts, want) => {
    expect(translateTimestampSince(ts, now)).toBe(want);
  });
});
