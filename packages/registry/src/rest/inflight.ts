/**
 * Upstream's max-in-flight filter (`--max-requests-inflight`, `--max-mutating-requests-inflight`):
 * two pools of seats, one for reads and one for writes. A request that finds its pool full is
 * refused at once with 429 and `Retry-After: 1`, never queued. Long-running requests (watches,
 * log follows, exec/attach/portforward) take no seat, and system:masters are never refused ("a
 * system:master is so powerful that they should always get an answer"), as upstream.
 */
import { tooManyRequests, type StatusError } from '@tskube/api-types';
import type { User } from './auth.js';
import type { RequestInfo } from './metrics.js';

export type RequestKind = 'readOnly' | 'mutating';

export interface InflightLimits {
  /** Concurrent non-mutating requests; 0 = unlimited (upstream default 400). */
  maxReadOnly: number;
  /** Concurrent mutating requests; 0 = unlimited (upstream default 200). */
  maxMutating: number;
}

export const DEFAULT_INFLIGHT_LIMITS: InflightLimits = { maxReadOnly: 400, maxMutating: 200 };

export interface InflightLimiter {
  readonly limits: InflightLimits;
  /** A seat for a request of `kind`, or undefined when that pool is full. Call the release function once, when the request ends. */
  acquire(kind: RequestKind): (() => void) | undefined;
  /** Seats taken now. */
  inUse(kind: RequestKind): number;
}

/** One limiter per process: share it between the secure and insecure handlers, as they share the CPU. */
export function createInflightLimiter(limits: InflightLimits = DEFAULT_INFLIGHT_LIMITS): InflightLimiter {
  const used: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };
  const max = (kind: RequestKind) => (kind === 'readOnly' ? limits.maxReadOnly : limits.maxMutating);
  return {
    limits: { ...limits },
    acquire(kind) {
      const limit = max(kind);
      if (limit > 0 && used[kind] >= limit) return undefined;
      used[kind]++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        used[kind]--;
      };
    },
    inUse: (kind) => used[kind],
  };
}

const READ_ONLY_VERBS = new Set(['GET', 'LIST', 'WATCH', 'HEAD', 'OPTIONS']);

export const requestKind = (verb: string): RequestKind => (READ_ONLY_VERBS.has(verb.toUpperCase()) ? 'readOnly' : 'mutating');

/** Never limited: health and metrics must answer most when the server is busiest. */
export const INFLIGHT_EXEMPT_PATHS = /^\/(healthz|livez|readyz|metrics)(\/|$)/;

export const SYSTEM_MASTERS = 'system:masters';

/** upstream's answer (filters/maxinflight.go), as a Status. */
export const tooManyInflight = (): StatusError => tooManyRequests('Too many requests, please try again later.', 1);

/**
 * Whether a request needs a seat: not long-running, not a health or metrics path, not from
 * system:masters (the loopback insecure port's user is one, as upstream's insecure superuser).
 * `user` undefined is an anonymous request to a public path: it needs a seat.
 */
export function needsSeat(path: string, info: RequestInfo, user: User | undefined): boolean {
  if (info.longRunning || INFLIGHT_EXEMPT_PATHS.test(path)) return false;
  return !user?.groups.includes(SYSTEM_MASTERS);
}
