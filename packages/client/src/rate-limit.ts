import type { Clock } from '@tskube/component-base';

/**
 * A token bucket that hands out reservations: `reserve()` takes a token now and returns how long
 * the caller must wait before using it (0 when a token was available). Tokens may go negative, so
 * concurrent callers queue up in order, as golang.org/x/time/rate's Reserve does.
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Pick<Clock, 'now'>;
  #tokens: number;
  #last: number;

  constructor(qps: number, burst: number, clock: Pick<Clock, 'now'>) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs qps > 0 and burst >= 1 (got ${qps}/${burst})`);
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Takes one token; returns the delay in ms before it may be used. */
  reserve(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#qps;
  }

  /** Waits for a token on the clock (rejects with the signal's reason on abort). */
  async take(clock: Clock, signal?: AbortSignal): Promise<void> {
    const delay = this.reserve();
    if (delay > 0) await clock.sleep(delay, signal);
  }
}

/** client-go's workqueue.TypedRateLimiter: how long to wait before an item is retried. */
export interface RateLimiter<T> {
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** base·2^failures per item, capped at max (ItemExponentialFailureRateLimiter). */
export function itemExponentialFailureRateLimiter<T>(baseMs: number, maxMs: number): RateLimiter<T> {
  const failures = new Map<T, number>();
  return {
    when(item) {
      const n = failures.get(item) ?? 0;
      failures.set(item, n + 1);
      return Math.min(baseMs * 2 ** n, maxMs);
    },
    forget: (item) => void failures.delete(item),
    numRequeues: (item) => failures.get(item) ?? 0,
  };
}

/** An overall qps/burst limit shared by all items (BucketRateLimiter); it never forgets. */
export function bucketRateLimiter<T>(qps: number, burst: number, clock: Pick<Clock, 'now'>): RateLimiter<T> {
  const bucket = new TokenBucket(qps, burst, clock);
  return { when: () => bucket.reserve(), forget: () => {}, numRequeues: () => 0 };
}

/** The longest delay of several limiters (MaxOfRateLimiter). */
export function maxOfRateLimiter<T>(...limiters: RateLimiter<T>[]): RateLimiter<T> {
  return {
    when: (item) => Math.max(0, ...limiters.map((l) => l.when(item))),
    forget: (item) => limiters.forEach((l) => l.forget(item)),
    numRequeues: (item) => Math.max(0, ...limiters.map((l) => l.numRequeues(item))),
  };
}

/** Upstream DefaultControllerRateLimiter: per item 5 ms doubling to 1000 s, overall 10 qps / 100 burst. */
export function defaultControllerRateLimiter<T>(clock: Pick<Clock, 'now'>): RateLimiter<T> {
  return maxOfRateLimiter(itemExponentialFailureRateLimiter<T>(5, 1_000_000), bucketRateLimiter<T>(10, 100, clock));
}
