// Vectors from upstream k8s.io/apimachinery pkg/api/resource/quantity_test.go.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors/index.js';
import {
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  Quantity,
  isValidQuantity,
  newMilliQuantity,
  newQuantity,
  newScaledQuantity,
  parseQuantity,
  type QuantityFormat,
} from './quantity.js';

const q = (u: bigint | number, exp: number, format: QuantityFormat = 'DecimalSI') => new Quantity(BigInt(u), exp, format);
const MAX_INT64 = (1n << 63n) - 1n;
const Ki = 1024n;

describe('parseQuantity values and formats (upstream TestQuantityParse)', () => {
  const table: [string, Quantity][] = [
    ['0', q(0, 0)],
    ['0n', q(0, 0)],
    ['0u', q(0, 0)],
    ['0m', q(0, 0)],
    ['0Ki', q(0, 0, 'BinarySI')],
    ['0k', q(0, 0)],
    ['0Mi', q(0, 0, 'BinarySI')],
    ['0M', q(0, 0)],
    ['0Gi', q(0, 0, 'BinarySI')],
    ['0G', q(0, 0)],
    ['0Ti', q(0, 0, 'BinarySI')],
    ['0T', q(0, 0)],
    ['1', q(1, 0)],
    ['1Ki', q(Ki, 0, 'BinarySI')],
    ['8Ki', q(8n * Ki, 0, 'BinarySI')],
    ['7Mi', q(7n * Ki ** 2n, 0, 'BinarySI')],
    ['6Gi', q(6n * Ki ** 3n, 0, 'BinarySI')],
    ['5Ti', q(5n * Ki ** 4n, 0, 'BinarySI')],
    ['4Pi', q(4n * Ki ** 5n, 0, 'BinarySI')],
    ['3Ei', q(3n * Ki ** 6n, 0, 'BinarySI')],
    ['10Ti', q(10n * Ki ** 4n, 0, 'BinarySI')],
    ['100Ti', q(100n * Ki ** 4n, 0, 'BinarySI')],
    ['5n', q(5, -9)],
    ['4u', q(4, -6)],
    ['3m', q(3, -3)],
    ['9', q(9, 0)],
    ['8k', q(8, 3)],
    ['50k', q(5, 4)],
    ['7M', q(7, 6)],
    ['6G', q(6, 9)],
    ['5T', q(5, 12)],
    ['40T', q(4, 13)],
    ['300T', q(3, 14)],
    ['2P', q(2, 15)],
    ['1E', q(1, 18)],
    ['1E-3', q(1, -3, 'DecimalExponent')],
    ['1e3', q(1, 3, 'DecimalExponent')],
    ['1E6', q(1, 6, 'DecimalExponent')],
    ['1e9', q(1, 9, 'DecimalExponent')],
    ['1E12', q(1, 12, 'DecimalExponent')],
    ['1e15', q(1, 15, 'DecimalExponent')],
    ['1E18', q(1, 18, 'DecimalExponent')],
    ['1e14', q(1, 14, 'DecimalExponent')],
    ['1e13', q(1, 13, 'DecimalExponent')],
    ['100.035k', q(100035, 0)],
    ['0.001', q(1, -3)],
    ['0.0005k', q(5, -1)],
    ['0.005', q(5, -3)],
    ['0.05', q(5, -2)],
    ['0.5', q(5, -1)],
    ['0.00050k', q(5, -1)],
    ['0.00500', q(5, -3)],
    ['0.05000', q(5, -2)],
    ['0.50000', q(5, -1)],
    ['0.5e0', q(5, -1, 'DecimalExponent')],
    ['0.5e-1', q(5, -2, 'DecimalExponent')],
    ['0.5e-2', q(5, -3, 'DecimalExponent')],
    ['10.035M', q(10035, 3)],
    ['1.2e3', q(12, 2, 'DecimalExponent')],
    ['1.3E+6', q(13, 5, 'DecimalExponent')],
    ['1.40e9', q(14, 8, 'DecimalExponent')],
    ['1.53E12', q(153, 10, 'DecimalExponent')],
    ['1.6e15', q(16, 14, 'DecimalExponent')],
    ['1.7E18', q(17, 17, 'DecimalExponent')],
    ['9.01', q(901, -2)],
    ['8.1k', q(81, 2)],
    ['7.123456M', q(7123456, 0)],
    ['6.987654321G', q(6987654321, 0)],
    ['5.444T', q(5444, 9)],
    ['40.1T', q(401, 11)],
    ['300.2T', q(3002, 11)],
    ['2.5P', q(25, 14)],
    ['1.01E', q(101, 16)],
    // things that saturate or round (up, to nano)
    ['3.001n', q(4, -9)],
    ['1.1E-9', q(2, -9, 'DecimalExponent')],
    ['0.0000000001', q(1, -9)],
    ['0.0000000005', q(1, -9)],
    ['0.00000000050', q(1, -9)],
    ['0.5e-9', q(1, -9, 'DecimalExponent')],
    ['0.9n', q(1, -9)],
    ['0.00000012345', q(124, -9)],
    ['0.00000012354', q(124, -9)],
    ['9Ei', q(MAX_INT64, 0, 'BinarySI')],
    ['9223372036854775807Ki', q(MAX_INT64, 0, 'BinarySI')],
    ['12E', q(12, 18)],
    // fractional binary
    ['100.035Ki', q(10243584, -2, 'BinarySI')],
    ['0.5Mi', q(524288, 0, 'BinarySI')],
    ['0.05Gi', q(536870912, -1, 'BinarySI')],
    ['0.025Ti', q(274877906944, -1, 'BinarySI')],
    // "things written by trolls"
    ['0.000000000001Ki', q(2, -9)],
    ['.001', q(1, -3)],
    ['.0001k', q(100, -3)],
    ['1.', q(1, 0)],
    ['1.G', q(1, 9)],
  ];
  it.each(table)('%s', (input, want) => {
    const got = parseQuantity(input);
    expect(got.cmp(want)).toBe(0);
    expect(got.format).toBe(want.format);
  });
  it.each(table)('-%s is the negation', (input, want) => {
    const got = parseQuantity(`-${input}`);
    expect(got.cmp(want.neg())).toBe(0);
    expect(got.format).toBe(want.format);
  });
  it.each(table)('+%s is the same value', (input, want) => {
    expect(parseQuantity(`+${input}`).cmp(want)).toBe(0);
  });
  it.each(['.', '-', '+', '-.'])('parses the degenerate %j as zero, as upstream does', (input) => {
    expect(parseQuantity(input).isZero()).toBe(true);
  });
  it.each([
    [2, '2'],
    [0.5, '500m'],
    [1e21, '1e+21'], // JS spells it 1e+21, already canonical, so kept verbatim
  ])('accepts the JSON number %d', (n, want) => {
    expect(parseQuantity(n).toString()).toBe(want);
  });
});

describe('parseQuantity errors', () => {
  it.each([
    ['', ERR_FORMAT_WRONG],
    ['1.1.M', ERR_FORMAT_WRONG],
    ['1+1.0M', ERR_FORMAT_WRONG],
    ['0.1mi', ERR_SUFFIX],
    ['0.1am', ERR_FORMAT_WRONG],
    ['aoeu', ERR_FORMAT_WRONG],
    ['.5i', ERR_SUFFIX],
    ['1i', ERR_SUFFIX],
    ['-3.01i', ERR_SUFFIX],
    ['-3.01e-', ERR_SUFFIX],
    [' 1', ERR_FORMAT_WRONG],
    ['1 ', ERR_FORMAT_WRONG],
    ['1e', ERR_SUFFIX],
    ['1KiB', ERR_FORMAT_WRONG],
  ])('rejects %j with %s', (input, message) => {
    let caught: unknown;
    try {
      parseQuantity(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StatusError);
    expect((caught as StatusError).message).toBe(message);
    expect((caught as StatusError).code).toBe(400);
    expect(isValidQuantity(input)).toBe(false);
  });
  it.each([Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => {
    expect(() => parseQuantity(n)).toThrow(StatusError);
  });
  it('rejects exponents past ±1000 (our bound, not upstream)', () => {
    expect(isValidQuantity('1e1000')).toBe(true);
    expect(isValidQuantity('1e1001')).toBe(false);
  });
});

describe('canonical string (upstream TestQuantityString)', () => {
  // [value, canonical, an alternate spelling that canonicalises to it]
  const table: [Quantity, string, string][] = [
    [q(Ki ** 3n, 0, 'BinarySI'), '1Gi', '1024Mi'],
    [q(300n * Ki ** 2n, 0, 'BinarySI'), '300Mi', '307200Ki'],
    [q(6n * Ki, 0, 'BinarySI'), '6Ki', ''],
    [q(1001n * Ki ** 3n, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
    [q(Ki ** 4n, 0, 'BinarySI'), '1Ti', '1024Gi'],
    [q(5, 0, 'BinarySI'), '5', '5000m'],
    [q(500, -3, 'BinarySI'), '500m', '0.5'],
    [q(1, 9), '1G', '1000M'],
    [q(1000, 6), '1G', '0.001T'],
    [q(1000000, 3), '1G', ''],
    [q(1000000000, 0), '1G', ''],
    [q(1, -3), '1m', '1000u'],
    [q(80, -3), '80m', ''],
    [q(1080, -3), '1080m', '1.08'],
    [q(108, -2), '1080m', '1080000000n'],
    [q(10800, -4), '1080m', ''],
    [q(300, 6), '300M', ''],
    [q(1, 12), '1T', ''],
    [q(1, 18), '1E', ''],
    [q(1, 21), '1e21', '1000E'],
    [q(5, 21), '5e21', '5000E'],
    [q(1, 24), '1e24', '1000000E'],
    [q(1234567, 6), '1234567M', ''],
    [q(1234567, -3, 'BinarySI'), '1234567m', ''],
    [q(3, 3), '3k', ''],
    [q(1025, 0, 'BinarySI'), '1025', ''],
    [q(0, 0), '0', ''],
    [q(0, 0, 'BinarySI'), '0', ''],
    [q(1, 9, 'DecimalExponent'), '1e9', '.001e12'],
    [q(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
    [q(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'],
    [q(80, -3, 'DecimalExponent'), '80e-3', ''],
    [q(300, 6, 'DecimalExponent'), '300e6', ''],
    [q(1, 12, 'DecimalExponent'), '1e12', ''],
    [q(1, 3, 'DecimalExponent'), '1e3', ''],
    [q(3, 3, 'DecimalExponent'), '3e3', ''],
    [q(0, 0, 'DecimalExponent'), '0', '00'],
    [q(1, -9), '1n', ''],
    [q(80, -9), '80n', ''],
    [q(1080, -9), '1080n', ''],
    [q(108, -8), '1080n', ''],
    [q(10800, -10), '1080n', ''],
    [q(1, -6), '1u', ''],
    [q(80, -6), '80u', ''],
    [q(1080, -6), '1080u', ''],
  ];
  it.each(table)('%s → %s', (value, canonical, alternate) => {
    expect(value.toString()).toBe(canonical);
    expect(parseQuantity(canonical).toString()).toBe(canonical);
    if (alternate) expect(parseQuantity(alternate).toString()).toBe(canonical);
    if (!value.isZero()) expect(value.neg().toString()).toBe(`-${canonical}`);
  });

  it.each([
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    // from the brief and everyday use
    ['1.5Gi', '1536Mi'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['0.5', '500m'],
    ['1k', '1k'],
    ['1000k', '1M'],
    ['0.1m', '100u'],
    ['100m', '100m'],
    ['2e3', '2e3'],
    ['2000e0', '2e3'],
    ['0.5Ki', '512'],
  ])('parse %s emits %s (upstream TestQuantityParseEmit)', (input, want) => {
    expect(parseQuantity(input).toString()).toBe(want);
    expect(parseQuantity(`-${input}`).toString()).toBe(`-${want}`);
  });

  it('keeps a canonical input verbatim, as upstream does', () => {
    expect(parseQuantity('1E-3').toString()).toBe('1E-3');
    expect(parseQuantity('1e-3').toString()).toBe('1e-3');
  });

  it('serialises to JSON as its string', () => {
    expect(JSON.stringify({ cpu: parseQuantity('1000m') })).toBe('{"cpu":"1"}');
  });
});

describe('constructors (upstream TestNewSet, TestMilliNewSet, TestNewScaledSet)', () => {
  it.each([
    [1, 'DecimalSI', '1'],
    [1000, 'DecimalSI', '1k'],
    [1234000, 'DecimalSI', '1234k'],
    [1024, 'BinarySI', '1Ki'],
    [1000000, 'DecimalExponent', '1e6'],
    [1024 * 1024, 'BinarySI', '1Mi'],
  ] as const)('newQuantity(%d, %s) → %s', (value, format, want) => {
    const got = newQuantity(value, format);
    expect(got.toString()).toBe(want);
    expect(parseQuantity(want).value()).toBe(BigInt(value));
  });
  it.each([
    [1, 'DecimalSI', '1m'],
    [1000, 'DecimalSI', '1'],
    [1234000, 'DecimalSI', '1234'],
    [1024, 'BinarySI', '1024m'],
    [1000000, 'DecimalExponent', '1e3'],
    [1024 * 1024, 'BinarySI', '1048576m'],
  ] as const)('newMilliQuantity(%d, %s) → %s', (value, format, want) => {
    expect(newMilliQuantity(value, format).toString()).toBe(want);
  });
  it.each([
    [1, -9, '1n'],
    [1000, -9, '1u'],
    [1, -6, '1u'],
    [1000, -6, '1m'],
    [1, -3, '1m'],
    [1000, -3, '1'],
    [1, 0, '1'],
    [0, -9, '0'],
  ])('newScaledQuantity(%d, %d) → %s', (value, scale, want) => {
    const got = newScaledQuantity(value, scale);
    expect(got.toString()).toBe(want);
    expect(parseQuantity(want).scaledValue(scale)).toBe(BigInt(value));
  });
});

describe('arithmetic and comparison', () => {
  it.each([
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1Gi', '1073741824', 0],
    ['1G', '1Gi', -1],
    ['-1', '1m', -1],
    ['1e3', '1k', 0],
  ])('cmp(%s, %s) = %d', (a, b, want) => {
    expect(parseQuantity(a).cmp(parseQuantity(b))).toBe(want);
    expect(parseQuantity(b).cmp(parseQuantity(a))).toBe(-want || 0);
  });

  it.each([
    [q(10, 0), q(1, 1), q(20, 0), 'DecimalSI'],
    [q(10, 0), q(1, 0, 'BinarySI'), q(11, 0), 'DecimalSI'],
    [q(10, 0, 'BinarySI'), q(1, 0), q(11, 0), 'BinarySI'],
    [q(0, 0), q(50, 0, 'BinarySI'), q(50, 0), 'BinarySI'],
    [q(50, 0), q(0, 0), q(50, 0), 'DecimalSI'],
  ])('add %#: value and format (upstream TestAdd)', (a, b, want, format) => {
    const got = a.add(b);
    expect(got.cmp(want)).toBe(0);
    expect(got.format).toBe(format);
  });

  it.each([
    [q(10, 0), q(1, 1), q(0, 0)],
    [q(10, 0), q(1, 0, 'BinarySI'), q(9, 0)],
    [q(0, 0), q(50, 0), q(-50, 0)],
    [q(50, 0), q(0, 0), q(50, 0)],
  ])('sub %# (upstream TestSub)', (a, b, want) => {
    expect(a.sub(b).cmp(want)).toBe(0);
  });

  it.each(['100m', '1Gi'])('adding or subtracting zero keeps the suffix of %s', (s) => {
    const zero = parseQuantity('0');
    expect(parseQuantity(s).add(zero).toString()).toBe(s);
    expect(zero.add(parseQuantity(s)).toString()).toBe(s);
    expect(parseQuantity(s).sub(zero).toString()).toBe(s);
    expect(zero.sub(parseQuantity(s)).toString()).toBe(`-${s}`);
  });

  it('stays exact past int64 and past float precision', () => {
    const big = parseQuantity('9223372036854775807').add(parseQuantity('1'));
    expect(big.toString()).toBe('9223372036854775808');
    const sum = parseQuantity('0.1').add(parseQuantity('0.2'));
    expect(sum.cmp(parseQuantity('0.3'))).toBe(0);
    expect(sum.toString()).toBe('300m');
  });

  it('does not mutate its operands', () => {
    const a = parseQuantity('1');
    a.add(parseQuantity('2'));
    a.neg();
    expect(a.toString()).toBe('1');
  });

  it.each([
    ['0', 0, 1],
    ['1n', 1, 0],
    ['-1n', -1, 0],
  ] as const)('sign and isZero of %s', (s, sign, zero) => {
    expect(parseQuantity(s).sign()).toBe(sign);
    expect(parseQuantity(s).isZero()).toBe(zero === 1);
  });
});

describe('value, milliValue, toNumber', () => {
  it.each([
    ['1', 1n, 1000n],
    ['100m', 1n, 100n],
    ['1500m', 2n, 1500n],
    ['1.5', 2n, 1500n],
    ['1n', 1n, 1n],
    ['1Ki', 1024n, 1024000n],
    ['2e3', 2000n, 2000000n],
    ['-1500m', -1n, -1500n],
    ['-1n', 0n, 0n],
  ])('%s → value %d, milliValue %d (rounded toward +∞)', (s, value, milli) => {
    expect(parseQuantity(s).value()).toBe(value);
    expect(parseQuantity(s).milliValue()).toBe(milli);
  });
  it.each([
    ['1.5Gi', 1610612736],
    ['250m', 0.25],
    ['-2k', -2000],
    ['0', 0],
  ])('toNumber(%s) = %d', (s, n) => {
    expect(parseQuantity(s).toNumber()).toBe(n);
  });
});
