// Go's time.ParseDuration grammar, so values copied from upstream docs and manifests work as-is.
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export const DURATION_HINT = 'expected a duration such as 10s, 1m30s, 500ms, 2h';

/** Parses `10s`, `1m30s`, `1.5h`, `500ms`, `-2m` or `0` into milliseconds (may be fractional). */
export function parseDuration(text: string): number {
  const fail = (): never => {
    throw new Error(`invalid duration "${text}": ${DURATION_HINT}`);
  };
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  if (body === '0') return 0;
  if (body === '') fail();
  const part = /(\d+(?:\.\d*)?|\.\d+)([a-zµμ]+)/y;
  let total = 0;
  while (part.lastIndex < body.length) {
    const match = part.exec(body);
    const unit = match?.[2] !== undefined ? UNIT_MS[match[2]] : undefined;
    if (!match || unit === undefined) return fail();
    total += Number(match[1]) * unit;
  }
  return sign * total;
}

/** Formats milliseconds the way `parseDuration` reads them: `1h30m`, `1m30s`, `1s500ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  // Round away float noise from the subtractions; sub-millisecond values keep their fraction.
  rest = Math.round(rest * 1e6) / 1e6;
  if (rest > 0) out += `${rest}ms`;
  return sign + out;
}
