// Property tests (reliability.md §8.5 B2) for quantities, against a reference written here from
// upstream's k8s.io/apimachinery/pkg/api/resource/quantity.go: the scanner accepts
// `[+-]?[0-9]*(.[0-9]*)?` then a suffix from `[eEinumkKMGTP]*[-+]?[0-9]*`; the suffix must be a
// decimal SI suffix (n u m "" k M G T P E), a binary one (Ki … Ei) or `e`/`E` and an integer; the
// value is kept exactly, rounded away from zero to a multiple of 10^-9 (Nano), and BinarySI values
// are capped at 2^63-1. Fixed vectors (1.5Gi → 1536Mi, 2e3, 0.1m → 100u, …) live in quantity.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors/index.js';
import {
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  isValidQuantity,
  newScaledQuantity,
  parseQuantity,
  type Quantity,
  type QuantityFormat,
} from './quantity.js';

const RUNS = { seed: 0x0a_5e_ed, numRuns: 400 };
const MAX_INT64 = (1n << 63n) - 1n;
const NANOS = 10n ** 9n;
const DEC: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
/** Our documented bound on e-notation exponents (upstream takes any int32). */
const MAX_EXPONENT = 1000;

type Ref = { ok: false } | { ok: true; nanos: bigint };

/** The value upstream's ParseQuantity gives `s`, in nano units, or a rejection. */
function reference(s: string): Ref {
  const no: Ref = { ok: false };
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(s);
  if (s === '' || !m) return no;
  const [, sign, int = '', frac = '', suffix = ''] = m;
  let exp = 0;
  let pow2 = 0;
  if (Object.hasOwn(DEC, suffix)) exp = DEC[suffix] ?? 0;
  else if (Object.hasOwn(BIN, suffix)) pow2 = BIN[suffix] ?? 0;
  else if (/^[eE][-+]?[0-9]+$/.test(suffix)) exp = Number(suffix.slice(1));
  else return no;
  if (Math.abs(exp) > MAX_EXPONENT) return no;
  // ParseQuantity's slow path (taken for Pi/Ei, and for scales below Nano) hands the numeric text
  // to inf.Dec.SetString, which fails when it holds no digit at all: ErrNumeric.
  if (int === '' && frac === '' && (pow2 >= 50 || exp < -9)) return no;
  const digits = BigInt(`${int}${frac}` || '0') << BigInt(pow2);
  const shift = exp - frac.length + 9;
  let nanos = shift >= 0 ? digits * 10n ** BigInt(shift) : ceilDiv(digits, 10n ** BigInt(-shift));
  if (pow2 > 0 && nanos > MAX_INT64 * NANOS) nanos = MAX_INT64 * NANOS;
  return { ok: true, nanos: sign === '-' ? -nanos : nanos };
}

function ceilDiv(n: bigint, d: bigint): bigint {
  return (n + d - 1n) / d; // n ≥ 0 here
}

const fromNanos = (n: bigint): Quantity => newScaledQuantity(n, -9);
const sign = (n: bigint): number => (n > 0n ? 1 : n < 0n ? -1 : 0);
const ZERO = parseQuantity('0');
/** The canonical string computed from the value (add of zero drops a kept input spelling). */
const canonical = (q: Quantity): string => q.add(ZERO).toString();

/** parseQuantity agrees with the reference: the same value, or a 400 with one of its three messages. */
function checkAgainstReference(s: string): void {
  const ref = reference(s);
  let got: Quantity | undefined;
  let err: unknown;
  try {
    got = parseQuantity(s);
  } catch (e) {
    err = e;
  }
  if (!ref.ok) {
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    expect([ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX]).toContain((err as StatusError).message);
    return;
  }
  expect(err).toBeUndefined();
  expect(got?.cmp(fromNanos(ref.nanos))).toBe(0);
}

/** Upstream's canonical form: no fraction, exponent or suffix as large as possible. */
function checkCanonicalShape(c: string, format: QuantityFormat): void {
  if (c === '0') return;
  const m = /^-?([1-9][0-9]*)(|[numkMGTPE]|[KMGTPE]i|e-?[1-9][0-9]*)$/.exec(c);
  expect(m, c).not.toBeNull();
  const mantissa = BigInt(m?.[1] ?? '0');
  const suffix = m?.[2] ?? '';
  if (format === 'DecimalExponent') expect(suffix, c).toMatch(/^(e.*)?$/);
  if (suffix.endsWith('i') || (format === 'BinarySI' && suffix === '' && mantissa >= 1024n)) {
    if (suffix !== 'Ei') expect(mantissa % 1024n, c).not.toBe(0n);
  } else {
    expect(mantissa % 1000n, c).not.toBe(0n);
    if (suffix.startsWith('e')) expect(Math.abs(Number(suffix.slice(1)) % 3), c).toBe(0);
  }
}

// ---- arbitraries ----

const digitString = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });
const suffix = fc.oneof(
  fc.constantFrom(...Object.keys(DEC)),
  fc.constantFrom(...Object.keys(BIN)),
  fc
    .tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 30 }))
    .map(([e, s, n]) => `${e}${s}${n}`),
);
/** Strings from upstream's grammar, including its degenerate corners (`.`, `1.`, `-`, `.5`). */
const grammarQuantity = fc
  .tuple(fc.constantFrom('', '+', '-'), digitString(24), fc.option(digitString(14)), suffix)
  .map(([s, int, frac, suf]) => `${s}${int}${frac === null ? '' : `.${frac}`}${suf}`);
/** Well-formed and nonzero-heavy: at least one digit before the suffix. */
const numberish = fc
  .tuple(fc.constantFrom('', '-'), fc.bigInt({ min: 1n, max: 10n ** 22n }), fc.integer({ min: 0, max: 12 }), suffix)
  .map(([s, n, point, suf]) => {
    const d = n.toString();
    const at = Math.max(0, d.length - point);
    return `${s}${d.slice(0, at) || '0'}.${d.slice(at).padStart(point, '0')}${suf}`;
  });
/** Arbitrary short strings over the scanner's alphabet, plus a few foreign characters. */
const scannerish = fc.string({
  unit: fc.constantFrom(...'0123456789.+-eEinumkKMGTPi', ' ', 'x', 'é', '\u0000', '٣'),
  maxLength: 12,
});

// ---- properties ----

describe('parseQuantity against the reference parser', () => {
  it('arbitrary strings: rejected with a 400 exactly when upstream rejects, else the exact value', () => {
    fc.assert(fc.property(fc.oneof(scannerish, fc.string({ unit: 'binary', maxLength: 10 })), checkAgainstReference), RUNS);
  });

  it('grammar strings: the exact value, rounded up to nano, BinarySI capped at 2^63-1', () => {
    fc.assert(fc.property(fc.oneof(grammarQuantity, numberish), checkAgainstReference), RUNS);
  });

  it('exponents past the bound are rejected, never wrapped (upstream truncates to int32)', () => {
    const big = fc.oneof(
      fc.integer({ min: MAX_EXPONENT + 1, max: 2 ** 31 + 5 }),
      fc.constantFrom(2 ** 32 + 3, 2 ** 32, Number.MAX_SAFE_INTEGER),
    );
    fc.assert(
      fc.property(fc.constantFrom('1e', '1E', '-5e', '.5e'), fc.constantFrom('', '+', '-'), big, (head, s, n) => {
        expect(isValidQuantity(`${head}${s}${n}`)).toBe(false);
      }),
      RUNS,
    );
  });

  it('binary values past 2^63-1 are capped to exactly 2^63-1, with their sign', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 8n, max: 10n ** 20n }), fc.boolean(), (n, neg) => {
        const q = parseQuantity(`${neg ? '-' : ''}${n}Ei`);
        expect(q.toString()).toBe(`${neg ? '-' : ''}${MAX_INT64}`);
      }),
      RUNS,
    );
  });

  it('JSON numbers that are safe integers parse to themselves', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(parseQuantity(n).value()).toBe(BigInt(n));
      }),
      RUNS,
    );
  });
});

describe('canonical form', () => {
  const accepted = fc.oneof(grammarQuantity, numberish).filter(isValidQuantity);

  it('parse → string → parse keeps the value, and the string is a fixed point', () => {
    fc.assert(
      fc.property(accepted, (s) => {
        const q = parseQuantity(s);
        const out = q.toString();
        const again = parseQuantity(out);
        expect(again.cmp(q)).toBe(0);
        expect(again.toString()).toBe(out);
        expect(JSON.parse(JSON.stringify({ q }))).toEqual({ q: out });
      }),
      RUNS,
    );
  });

  it('the computed canonical string has upstream shape and is stable: canonical(canonical(x)) = canonical(x)', () => {
    fc.assert(
      fc.property(accepted, (s) => {
        const q = parseQuantity(s);
        const c = canonical(q);
        checkCanonicalShape(c, q.format);
        const back = parseQuantity(c);
        expect(back.cmp(q)).toBe(0);
        expect(canonical(back)).toBe(c);
        // Upstream keeps an already-canonical input verbatim; either way the text is the same.
        expect(back.toString()).toBe(c);
        if (!q.isZero()) expect(canonical(q.neg())).toBe(c.startsWith('-') ? c.slice(1) : `-${c}`);
      }),
      RUNS,
    );
  });
});

describe('comparison follows the exact value', () => {
  it('cmp of two parsed quantities is the sign of the difference of their reference values', () => {
    fc.assert(
      fc.property(fc.oneof(grammarQuantity, numberish), fc.oneof(grammarQuantity, numberish), (a, b) => {
        const ra = reference(a);
        const rb = reference(b);
        if (!ra.ok || !rb.ok) return;
        const qa = parseQuantity(a);
        const qb = parseQuantity(b);
        expect(qa.cmp(qb)).toBe(sign(ra.nanos - rb.nanos));
        expect(qb.cmp(qa)).toBe(sign(rb.nanos - ra.nanos));
        expect(qa.add(qb).cmp(fromNanos(ra.nanos + rb.nanos))).toBe(0);
        expect(qa.sub(qb).cmp(fromNanos(ra.nanos - rb.nanos))).toBe(0);
      }),
      RUNS,
    );
  });

  it('every spelling of one value compares equal, and orders like the bigint it came from', () => {
    // n × 10^scale, written with an exponent, with a decimal point, and with an SI suffix when one fits.
    const value = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: -9, max: 18 }));
    const spellings = ([n, scale]: [bigint, number]): string[] => {
      const neg = n < 0n ? '-' : '';
      const d = (n < 0n ? -n : n).toString();
      const out = [`${n}e${scale}`, `${n}E${scale >= 0 ? '+' : ''}${scale}`];
      if (scale >= 0) out.push(`${neg}${d}${'0'.repeat(scale)}`);
      else out.push(`${neg}${d.slice(0, -(-scale)) || '0'}.${d.slice(-(-scale)).padStart(-scale, '0')}`);
      const si = Object.entries(DEC).find(([, e]) => e <= scale && (scale - e) % 3 === 0 && scale - e <= 6);
      if (si) out.push(`${n}${'0'.repeat(scale - si[1])}${si[0]}`);
      return out;
    };
    fc.assert(
      fc.property(value, value, (a, b) => {
        const qa = spellings(a).map((s) => parseQuantity(s));
        const qb = spellings(b).map((s) => parseQuantity(s));
        for (const q of qa) expect(q.cmp(qa[0] as Quantity)).toBe(0);
        // Compare a[0]·10^a[1] with b[0]·10^b[1] exactly, at the common scale.
        const lo = Math.min(a[1], b[1]);
        const want = sign(a[0] * 10n ** BigInt(a[1] - lo) - b[0] * 10n ** BigInt(b[1] - lo));
        for (const x of qa) for (const y of qb) expect(x.cmp(y)).toBe(want);
      }),
      RUNS,
    );
  });
});

describe('regressions found by the properties', () => {
  // Upstream's slow path passes the numeric text to inf.Dec.SetString, which wants a digit.
  it.each(['Ei', '-Ei', '+Pi', '.Ei', '.Pi', 'e-10', '.e-12', '-E-10'])('rejects the digitless %j as upstream does', (s) => {
    expect(() => parseQuantity(s)).toThrow(ERR_NUMERIC);
  });
  it.each(['Ki', '-Ti', '.Gi', 'e-9', 'E', '.k', '0Ei', '0.e-10'])('still parses %j as zero, as upstream does', (s) => {
    expect(parseQuantity(s).isZero()).toBe(true);
  });
});
