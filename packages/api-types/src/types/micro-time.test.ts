import { describe, expect, it } from 'vitest';
import { canonicalMicroTime, microTime } from './micro-time.js';

describe('microTime', () => {
  it('formats milliseconds with six fraction digits in UTC', () => {
    expect(microTime(Date.UTC(2025, 0, 2, 3, 4, 5, 67))).toBe('2025-01-02T03:04:05.067000Z');
  });
});

describe('canonicalMicroTime', () => {
  it.each([
    ['2025-01-02T03:04:05Z', '2025-01-02T03:04:05.000000Z'],
    ['2025-01-02T03:04:05.1Z', '2025-01-02T03:04:05.100000Z'],
    ['2025-01-02T03:04:05.123456789Z', '2025-01-02T03:04:05.123456Z'],
    ['2025-01-02T05:04:05.5+02:00', '2025-01-02T03:04:05.500000Z'],
    ['2025-01-02t03:04:05z', '2025-01-02T03:04:05.000000Z'],
  ])('%s → %s', (input, want) => {
    expect(canonicalMicroTime(input)).toBe(want);
  });

  it.each(['yesterday', '2025-01-02', '2025-13-02T03:04:05Z'])('%s is not RFC 3339', (input) => {
    expect(canonicalMicroTime(input)).toBeUndefined();
  });
});
