/**
 * metav1.MicroTime on the wire: RFC 3339 in UTC with exactly six fraction digits
 * (`2024-01-02T03:04:05.123456Z`), as Go's RFC3339Micro formats it.
 */

const PARTS = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** A MicroTime for `ms` since the epoch (JavaScript clocks have millisecond precision). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The canonical MicroTime of any RFC 3339 text (what Go's decode and re-encode makes of it):
 * UTC, six fraction digits, extra digits truncated. Undefined when `s` is not RFC 3339.
 */
export function canonicalMicroTime(s: string): string | undefined {
  const m = PARTS.exec(s);
  if (!m) return undefined;
  const [, date, time, frac = '', zone] = m;
  const whole = Date.parse(`${date}T${time}${zone!.toUpperCase()}`);
  if (Number.isNaN(whole)) return undefined;
  return `${new Date(whole).toISOString().slice(0, 19)}.${frac.padEnd(6, '0').slice(0, 6)}Z`;
}
