/**
 * resource.Quantity from k8s.io/apimachinery, exact: the value is `unscaled × 10^exp` with a
 * bigint `unscaled`, so no float ever touches it. Parsing, rounding (to nano, away from zero)
 * and the canonical string follow upstream's quantity.go, including its habit of keeping the
 * input string verbatim when it is already canonical.
 */
import { badRequest } from '../errors/index.js';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export const ERR_FORMAT_WRONG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_NUMERIC = "unable to parse quantity's numeric part";
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const NANO = -9;
const MAX_INT64 = (1n << 63n) - 1n;
/** Upstream's maxInt64Factors: up to 18 digits fit an int64 without checking. */
const MAX_INT64_FACTORS = 18;
/**
 * Upstream accepts any int32 exponent; we stop at ±1000 so that comparing `1e2000000000` with
 * `1` cannot build a two-billion-digit bigint. No real resource quantity comes near this.
 */
const MAX_EXPONENT = 1000;

const DEC_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIXES).map(([s, e]) => [e, s]));
const BIN_BY_POW = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const pow10 = (n: number): bigint => 10n ** BigInt(n);
/** Attach a known-canonical spelling (parse only); set in Quantity's static block. */
let withSpelling: (q: Quantity, s: string | undefined) => Quantity;
const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** Divide rounding toward +∞ (d > 0). */
function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n > 0n ? q + 1n : q;
}

export class Quantity {
  readonly #unscaled: bigint;
  readonly #exp: number;
  #s: string | undefined;
  /** How toString renders the value; kept from the input as upstream does. */
  readonly format: QuantityFormat;

  /** The value `unscaled × 10^exp`, rendered in `format`. */
  constructor(unscaled: bigint, exp: number, format: QuantityFormat) {
    this.#unscaled = unscaled;
    this.#exp = unscaled === 0n ? 0 : exp;
    this.format = format;
  }

  static {
    withSpelling = (q, s) => {
      q.#s = s;
      return q;
    };
  }

  sign(): -1 | 0 | 1 {
    return this.#unscaled === 0n ? 0 : this.#unscaled < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.#unscaled === 0n;
  }

  /** Both values as bigints at the smaller of the two exponents, and that exponent. */
  #align(other: Quantity): [bigint, bigint, number] {
    const e = Math.min(this.#exp, other.#exp);
    return [this.#unscaled * pow10(this.#exp - e), other.#unscaled * pow10(other.#exp - e), e];
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    const [a, b] = this.#align(other);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equal(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** this + other; a zero receiver takes other's format, as upstream's Add does. */
  add(other: Quantity): Quantity {
    const [a, b, e] = this.#align(other);
    return new Quantity(a + b, e, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    const [a, b, e] = this.#align(other);
    return new Quantity(a - b, e, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.#unscaled, this.#exp, this.format);
  }

  /** The value in units of 10^scale, rounded toward +∞ (what upstream's ScaledValue does for positives). */
  scaledValue(scale: number): bigint {
    const shift = this.#exp - scale;
    return shift >= 0 ? this.#unscaled * pow10(shift) : ceilDiv(this.#unscaled, pow10(-shift));
  }

  /** Integer value, rounded up: `100m` → 1n. */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** Value in thousandths, rounded up: `1.5` → 1500n, `1n` → 1n. */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /** A float approximation, for display and scoring only. */
  toNumber(): number {
    return Number.parseFloat(`${this.#unscaled}e${this.#exp}`);
  }

  toString(): string {
    this.#s ??= canonicalize(this.#unscaled, this.#exp, this.format);
    return this.#s;
  }

  toJSON(): string {
    return this.toString();
  }
}

function canonicalize(unscaled: bigint, exp: number, format: QuantityFormat): string {
  if (unscaled === 0n) return '0';
  let fmt = format;
  if (fmt === 'BinarySI') {
    const small = abs(unscaled) * pow10(Math.max(exp, 0)) < 1024n * pow10(Math.max(-exp, 0));
    const integral = exp >= 0 || unscaled % pow10(-exp) === 0n;
    // Values under 1Ki, and values a binary suffix would have to round, print as DecimalSI.
    if (small || !integral) fmt = 'DecimalSI';
  }
  if (fmt === 'BinarySI') {
    let m = exp >= 0 ? unscaled * pow10(exp) : unscaled / pow10(-exp);
    let pow = 0;
    // Stop at Ei: upstream has no bigger suffix and would drop the magnitude.
    while (pow < BIN_BY_POW.length - 1 && abs(m) >= 1024n && m % 1024n === 0n) {
      m /= 1024n;
      pow++;
    }
    return `${m}${BIN_BY_POW[pow] ?? ''}`;
  }
  let m = unscaled;
  let e = exp;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const r = ((e % 3) + 3) % 3; // lower the exponent to a multiple of 3
  if (r !== 0) {
    m *= pow10(r);
    e -= r;
  }
  // DecimalSI has no suffix past E (10^18) and none below n; fall back to an exponent, as upstream.
  const si = fmt === 'DecimalSI' ? DEC_BY_EXP.get(e) : undefined;
  if (si !== undefined) return `${m}${si}`;
  return e === 0 ? `${m}` : `${m}e${e}`;
}

interface Pieces {
  positive: boolean;
  /** Whether the numeric text (upstream's `value`) holds a digit; `-`, `.` and `` do not. */
  hasDigit: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Upstream's parseQuantityString, character for character (so `.`, `-` and `1.G` parse as it does). */
function parseQuantityString(str: string): Pieces {
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, hasDigit: true, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw badRequest(ERR_FORMAT_WRONG);
  return { positive, hasDigit: /[0-9]/.test(str.slice(0, suffixStart)), num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  const dec = DEC_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BIN_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (!/^[-+]?[0-9]+$/.test(digits)) throw badRequest(ERR_SUFFIX);
    const exponent = Number(digits);
    if (Math.abs(exponent) > MAX_EXPONENT) throw badRequest(ERR_NUMERIC);
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw badRequest(ERR_SUFFIX);
}

/** A JS number as quantity text (JSON numbers are quantities too: `"cpu": 2`). */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw badRequest(ERR_FORMAT_WRONG);
  return String(n);
}

/**
 * Parse a quantity the way upstream's ParseQuantity does. Throws a BadRequest StatusError on bad
 * input. No whitespace trimming: `" 1"` is invalid, as upstream.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberText(input) : input;
  if (str.length === 0) throw badRequest(ERR_FORMAT_WRONG);
  if (str === '0') return withSpelling(new Quantity(0n, 0, 'DecimalSI'), '0');

  const { positive, hasDigit, num, denom, suffix } = parseQuantityString(str);
  const { base, exponent, format } = interpretSuffix(suffix);
  const shifted = num + denom;
  const digits = BigInt(shifted);

  // Upstream's int64 fast path; only it may keep the input string as the canonical one.
  let precision: number;
  let scale: number;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    scale = 0;
    if (denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = MAX_INT64_FACTORS - shifted.length;
  }
  if (precision >= 0) {
    scale -= denom.length;
    const result = digits * mantissa;
    if (scale >= NANO && result <= MAX_INT64) {
      const signed = positive ? result : -result;
      const canonical =
        format === 'BinarySI'
          ? exponent % 10 === 0 && (digits & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
      return withSpelling(new Quantity(signed, scale, format), canonical ? str : undefined);
    }
  }

  // Exact slow path: digits × 10^-len(denom) × suffix, then rounded up to nano. Upstream hands
  // the numeric text to inf.Dec.SetString here, which fails without a digit (`Ei`, `.e-10`).
  if (!hasDigit) throw badRequest(ERR_NUMERIC);
  let unscaled = digits;
  let exp = -denom.length;
  if (base === 10) exp += exponent;
  else unscaled *= 1n << BigInt(exponent);
  if (exp < NANO && unscaled !== 0n) {
    unscaled = ceilDiv(unscaled, pow10(NANO - exp)); // unscaled ≥ 0 here: away from zero
    exp = NANO;
  }
  let fmt = format;
  if (fmt === 'BinarySI') {
    const asInt = exp >= 0 ? unscaled * pow10(exp) : unscaled / pow10(-exp);
    const fractional = exp < 0 && unscaled % pow10(-exp) !== 0n;
    if (asInt > MAX_INT64 || (asInt === MAX_INT64 && fractional)) {
      unscaled = MAX_INT64; // upstream caps binary quantities at MaxInt64
      exp = 0;
    } else if (asInt === 0n && unscaled !== 0n) {
      fmt = 'DecimalSI'; // a binary suffix on a value under 1 would only confuse
    }
  }
  return new Quantity(positive ? unscaled : -unscaled, exp, fmt);
}

export function isValidQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** `value` in whole units, e.g. `newQuantity(1024, 'BinarySI')` → `1Ki`. */
export function newQuantity(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return new Quantity(BigInt(value), 0, format);
}

/** `milli` thousandths, e.g. `newMilliQuantity(1500)` → `1500m`. */
export function newMilliQuantity(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return new Quantity(BigInt(milli), -3, format);
}

/** `value × 10^scale`, e.g. `newScaledQuantity(1, -9)` → `1n`. */
export function newScaledQuantity(value: bigint | number, scale: number): Quantity {
  return new Quantity(BigInt(value), scale, 'DecimalSI');
}
