import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires due timers in due-time order, ties in the order they were set, at their due time', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    const record = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(record('c'), 30);
    clock.setTimeout(record('a'), 10);
    clock.setTimeout(record('b1'), 20);
    clock.setTimeout(record('b2'), 20);
    clock.setTimeout(record('late'), 100);

    clock.advance(50);

    expect(fired).toEqual(['a@1010', 'b1@1020', 'b2@1020', 'c@1030']);
    expect(clock.now()).toBe(1050);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers set by a callback when they fall inside the same advance', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 10);
    clock.advance(14);
    expect(fired).toEqual([10]);
    clock.advance(1);
    expect(fired).toEqual([10, 15]);
  });

  it('does not fire cleared timers', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const handle = clock.setTimeout(() => fired.push('cleared'), 10);
    clock.setTimeout(() => fired.push('kept'), 10);
    clock.clearTimeout(handle);
    clock.advance(10);
    expect(fired).toEqual(['kept']);
  });

  it('sleep resolves once time reaches the deadline, not before', async () => {
    const clock = new FakeClock();
    let done = false;
    const sleeping = clock.sleep(100).then(() => (done = true));
    await clock.advanceAsync(99);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it('sleep rejects with the abort reason and clears its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(100, controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(sleeping).rejects.toThrow('shutting down');
    expect(clock.pendingTimers).toBe(0);
  });

  it('sleep with an already aborted signal rejects without setting a timer', async () => {
    const clock = new FakeClock();
    await expect(clock.sleep(10, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(clock.pendingTimers).toBe(0);
  });

  it('advanceAsync drives a loop of sequential sleeps through the window', async () => {
    const clock = new FakeClock();
    const wokeAt: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        wokeAt.push(clock.now());
      }
    })();
    await clock.advanceAsync(30);
    await loop;
    expect(wokeAt).toEqual([10, 20, 30]);
  });
});
