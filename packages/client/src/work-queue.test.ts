import { describe, expect, it } from 'vitest';
import { FakeClock } from '@tskube/component-base';
import { defaultControllerRateLimiter, itemExponentialFailureRateLimiter, TokenBucket } from './rate-limit.js';
import { createWorkQueue, runWorkers } from './work-queue.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('work queue', () => {
  it('dedupes an item while it is queued and hands items out in order', async () => {
    const q = createWorkQueue<string>({ name: 't', clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('get waits for an item', async () => {
    const q = createWorkQueue<string>({ name: 't', clock: new FakeClock() });
    let got: string | undefined;
    const pending = q.get().then((x) => (got = x));
    await tick();
    expect(got).toBeUndefined();
    q.add('x');
    await pending;
    expect(got).toBe('x');
  });

  it('an item re-added while processing is not handed out again until done', async () => {
    const q = createWorkQueue<string>({ name: 't', clock: new FakeClock() });
    q.add('a');
    const item = await q.get();
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    const waiting = q.get().then((x) => (second = x));
    await tick();
    expect(second).toBeUndefined();
    q.done(item as string);
    await waiting;
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('never lets two workers process one key at once, and processes it again if re-added meanwhile', async () => {
    const q = createWorkQueue<string>({ name: 't', clock: new FakeClock() });
    const active = new Map<string, number>();
    let maxActive = 0;
    const runs: string[] = [];
    const ac = new AbortController();
    const workers = runWorkers(q, 4, async (key) => {
      const n = (active.get(key) ?? 0) + 1;
      active.set(key, n);
      maxActive = Math.max(maxActive, n);
      runs.push(key);
      if (runs.length === 1) for (let i = 0; i < 5; i++) q.add('k'); // re-added while being processed
      await tick();
      active.set(key, n - 1);
    }, { signal: ac.signal });
    q.add('k');
    while (runs.length < 2 || q.len() > 0) await tick();
    await tick();
    expect(maxActive).toBe(1);
    expect(runs).toEqual(['k', 'k']);
    ac.abort();
    await workers;
  });

  it.each([
    { failures: 1, delay: 5 },
    { failures: 2, delay: 10 },
    { failures: 3, delay: 20 },
    { failures: 4, delay: 40 },
  ])('addRateLimited after $failures failure(s) makes the item available after $delay ms', async ({ failures, delay }) => {
    const clock = new FakeClock();
    const limiter = itemExponentialFailureRateLimiter<string>(5, 1_000_000);
    for (let i = 1; i < failures; i++) limiter.when('a'); // earlier failures
    const q = createWorkQueue<string>({ name: 't', clock, rateLimiter: limiter });
    const t0 = clock.now();
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(failures);
    await clock.advanceAsync(delay - 1);
    expect(q.len()).toBe(0);
    await clock.advanceAsync(1);
    expect(q.len()).toBe(1);
    expect(clock.now() - t0).toBe(delay);
  });

  it('forget resets the backoff', async () => {
    const clock = new FakeClock();
    const limiter = itemExponentialFailureRateLimiter<string>(5, 1_000_000);
    expect([limiter.when('a'), limiter.when('a'), limiter.when('a')]).toEqual([5, 10, 20]);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
    const q = createWorkQueue<string>({ name: 't', clock, rateLimiter: limiter });
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('caps the per-item backoff at 1000 s', () => {
    const limiter = itemExponentialFailureRateLimiter<string>(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 40; i++) last = limiter.when('a');
    expect(last).toBe(1_000_000);
  });

  it('the default controller limiter also applies an overall 10 qps / 100 burst bucket', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter<string>(clock);
    const delays = Array.from({ length: 102 }, (_, i) => limiter.when(`item-${i}`));
    expect(delays.slice(0, 100).every((d) => d === 5)).toBe(true); // per-item base delay, bucket has tokens
    expect(delays.slice(100)).toEqual([100, 200]); // bucket empty: one token per 100 ms
    clock.advance(10_000); // refills to the burst
    expect(limiter.when('fresh')).toBe(5);
  });

  it('addAfter keeps the earliest due time for an item', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue<string>({ name: 't', clock });
    q.addAfter('a', 100);
    q.addAfter('a', 500);
    q.addAfter('a', 50);
    await clock.advanceAsync(49);
    expect(q.len()).toBe(0);
    await clock.advanceAsync(1);
    expect(q.len()).toBe(1);
    await clock.advanceAsync(1000);
    expect(q.len()).toBe(1);
  });

  it('shutDown wakes getters with undefined and ignores later adds', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue<string>({ name: 't', clock });
    const waiting = q.get();
    q.addAfter('later', 10);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('x');
    await clock.advanceAsync(10);
    expect(q.len()).toBe(0);
    expect(q.shuttingDown()).toBe(true);
  });

  it('shutDownWithDrain resolves only when items being processed are done', async () => {
    const q = createWorkQueue<string>({ name: 't', clock: new FakeClock() });
    q.add('a');
    const a = (await q.get()) as string;
    let drained = false;
    const draining = q.shutDownWithDrain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    q.done(a);
    await draining;
    expect(drained).toBe(true);
  });
});

describe('runWorkers', () => {
  it('retries a failing sync with rate-limited backoff and forgets the item once it succeeds', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue<string>({ name: 't', clock, rateLimiter: itemExponentialFailureRateLimiter(5, 1_000_000) });
    const attempts: number[] = [];
    const ac = new AbortController();
    const workers = runWorkers(q, 2, async () => {
      attempts.push(clock.now());
      if (attempts.length < 4) throw new Error('not yet');
    }, { signal: ac.signal });
    q.add('a');
    await tick();
    await clock.advanceAsync(5 + 10 + 20);
    await tick();
    expect(attempts).toEqual([0, 5, 15, 35]);
    expect(q.numRequeues('a')).toBe(0);
    ac.abort();
    await workers;
  });

  it('stops when the signal aborts, without starting queued items', async () => {
    const q = createWorkQueue<string>({ name: 't', clock: new FakeClock() });
    const ac = new AbortController();
    const synced: string[] = [];
    const workers = runWorkers(q, 3, async (k) => void synced.push(k), { signal: ac.signal });
    ac.abort();
    q.add('a');
    await workers;
    expect(synced).toEqual([]);
    expect(q.shuttingDown()).toBe(true);
  });
});

describe('TokenBucket', () => {
  it('reserves future tokens in order once the burst is spent', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(50, 2, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 20, 40]);
    clock.advance(40);
    expect(bucket.reserve()).toBe(20);
  });
});
