import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['-2m', -120_000],
    ['+3s', 3000],
    ['1h2m3s4ms', 3_723_004],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 's', '1x', '1m 30s', '-', '1.5.3s', 'ten seconds', '1M'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe('formatDuration', () => {
  it.each([0, 500, 10_000, 90_000, 7_200_000, 3_723_004, 1.5, -120_000])('%d ms round-trips through parseDuration', (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each([
    [0, '0s'],
    [90_000, '1m30s'],
    [7_200_000, '2h'],
    [1500, '1s500ms'],
  ])('%d ms reads as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
