/**
 * Age strings as the apiserver prints them: apimachinery `duration.HumanDuration` and the
 * printers' `translateTimestampSince`.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's `time.Time{}` in RFC 3339: a "zero" timestamp, printed as unknown. */
const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

// Go converts with int(), which truncates toward zero.
const trunc = (ms: number, unit: number): number => Math.trunc(ms / unit);

/**
 * A coarse, human-readable duration: more precision for short spans, less for long ones
 * (`45s`, `3m20s`, `42m`, `5h10m`, `20h`, `3d4h`, `120d`, `3y10d`, `12y`).
 */
export function humanDuration(ms: number): string {
  const seconds = trunc(ms, SECOND);
  // Up to a second in the future counts as "now" to tolerate clock skew between machines.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;

  const minutes = trunc(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = trunc(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Parses an RFC 3339 timestamp; undefined for a missing, unparsable or Go-zero one. */
export function parseTimestamp(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Date.parse(ts);
  if (Number.isNaN(ms) || ms === ZERO_TIME_MS) return undefined;
  return ms;
}

/** Time elapsed since `ts` (RFC 3339) at `now` (ms since the epoch); `<unknown>` if unset. */
export function translateTimestampSince(ts: string | null | undefined, now: number): string {
  const ms = parseTimestamp(ts);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}
