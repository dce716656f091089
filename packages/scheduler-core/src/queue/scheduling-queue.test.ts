import { describe, expect, it } from 'vitest';
import { FakeClock, makePod } from '../testing/builders.js';
import type { QueuedPodInfo } from '../types.js';
import { backoffDuration, createSchedulingQueue } from './scheduling-queue.js';

function setup() {
  const clock = new FakeClock(1_000_000);
  const queue = createSchedulingQueue({ clock });
  return { clock, queue };
}

async function popNow(queue: ReturnType<typeof createSchedulingQueue>): Promise<QueuedPodInfo> {
  const info = await queue.pop();
  if (!info) throw new Error('queue closed');
  return info;
}

describe('backoffDuration', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10_000],
    [6, 10_000],
  ])('attempt %i → %i ms', (attempts, ms) => {
    expect(backoffDuration(attempts, 1000, 10_000)).toBe(ms);
  });
});

describe('createSchedulingQueue', () => {
  it('forgets a placed pod once its attempt is done, so nothing is left behind per bound pod', async () => {
    const { queue } = setup();
    const pod = makePod('placed');
    queue.add(pod);
    await popNow(queue);
    expect(queue.location(pod)).toBe('inFlight');
    queue.done(pod);
    expect(queue.location(pod)).toBeUndefined();
    expect(queue.pendingCount()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
  });

  it('backs a failing pod off 1, 2, 4, 8, 10, 10 s, driven by the clock timer', async () => {
    const { clock, queue } = setup();
    const pod = makePod('p');
    queue.add(pod);
    const waited: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const info = await popNow(queue);
      expect(info.attempts).toBe(attempt);
      queue.requeueAfterError(info);
      let ms = 0;
      while (queue.location(pod) === 'backoff') {
        clock.advance(500);
        ms += 500;
      }
      expect(queue.location(pod)).toBe('active');
      waited.push(ms);
    }
    expect(waited).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('moves unschedulable pods back on NodeAdd, respecting their backoff', async () => {
    const { clock, queue } = setup();
    const early = makePod('early');
    const late = makePod('late');
    queue.add(early);
    queue.addUnschedulable(await popNow(queue));
    clock.advance(5000); // early's 1 s backoff is long over
    queue.add(late);
    queue.addUnschedulable(await popNow(queue));
    expect(queue.pendingCount()).toEqual({ active: 0, backoff: 0, unschedulable: 2 });
    clock.advance(60_000 - 5000 - 1); // no event, no timeout yet: they stay
    expect(queue.pendingCount()).toEqual({ active: 0, backoff: 0, unschedulable: 2 });

    const { clock: c2, queue: q2 } = setup();
    q2.add(early);
    q2.addUnschedulable(await popNow(q2));
    c2.advance(5000);
    q2.add(late);
    q2.addUnschedulable(await popNow(q2));
    q2.moveAllToActiveOrBackoff('NodeAdd');
    expect(q2.location(early)).toBe('active');
    expect(q2.location(late)).toBe('backoff');
    c2.advance(1000);
    expect(q2.pendingCount()).toEqual({ active: 2, backoff: 0, unschedulable: 0 });
  });

  it('does not lose a cluster event that arrives while the pod is being scheduled', async () => {
    const { clock, queue } = setup();
    const pod = makePod('p');
    queue.add(pod);
    const info = await popNow(queue);
    queue.moveAllToActiveOrBackoff('NodeAdd');
    queue.addUnschedulable(info);
    expect(queue.location(pod)).toBe('backoff');
    clock.advance(1000);
    expect(queue.location(pod)).toBe('active');
  });

  it('moves pods unschedulable for longer than the timeout', async () => {
    const { clock, queue } = setup();
    const pod = makePod('p');
    queue.add(pod);
    queue.addUnschedulable(await popNow(queue));
    clock.advance(5 * 60_000 - 1);
    expect(queue.location(pod)).toBe('unschedulable');
    clock.advance(1);
    expect(queue.location(pod)).toBe('active');
  });

  it('pops by priority, then by enqueue time', async () => {
    const { clock, queue } = setup();
    const order = [
      makePod('low', { priority: 0 }),
      makePod('high-1', { priority: 10 }),
      makePod('none'),
      makePod('mid', { priority: 5 }),
      makePod('high-2', { priority: 10 }),
    ];
    for (const p of order) {
      queue.add(p);
      clock.advance(1);
    }
    const popped: string[] = [];
    for (let i = 0; i < order.length; i++) popped.push((await popNow(queue)).pod.metadata.name ?? '');
    expect(popped).toEqual(['high-1', 'high-2', 'mid', 'low', 'none']);
  });

  it.each([
    { name: 'active', prepare: async () => {} },
    {
      name: 'unschedulable',
      prepare: async (q: ReturnType<typeof createSchedulingQueue>) => q.addUnschedulable(await popNow(q)),
    },
    {
      name: 'backoff',
      prepare: async (q: ReturnType<typeof createSchedulingQueue>) => q.requeueAfterError(await popNow(q)),
    },
  ])('re-adding a pod that is $name updates it in place (never two copies)', async ({ name, prepare }) => {
    const { queue } = setup();
    const pod = makePod('p', { uid: 'same' });
    queue.add(pod);
    await prepare(queue);
    const updated = makePod('p', { uid: 'same', labels: { v: '2' } });
    queue.add(updated);
    queue.add(updated);
    const counts = queue.pendingCount();
    expect(counts.active + counts.backoff + counts.unschedulable).toBe(1);
    expect(queue.location(updated)).toBe(name);
  });

  it.each([
    { name: 'a label change moves it', change: { labels: { v: '2' } }, want: 'backoff' },
    { name: 'a status-only change does not', change: {}, want: 'unschedulable' },
  ])('updating an unschedulable pod: $name', async ({ change, want }) => {
    const { queue } = setup();
    const pod = makePod('p', { uid: 'u' });
    queue.add(pod);
    queue.addUnschedulable(await popNow(queue));
    const newPod = { ...makePod('p', { uid: 'u', ...change }), status: { phase: 'Pending' } };
    queue.update(pod, { ...newPod, metadata: { ...newPod.metadata, resourceVersion: '9' } });
    expect(queue.location(pod)).toBe(want);
  });

  it('deletes from any sub-queue and drops the outcome of a pod deleted while in flight', async () => {
    const { queue } = setup();
    const a = makePod('a');
    const b = makePod('b');
    queue.add(a);
    queue.add(b);
    const info = await popNow(queue);
    queue.delete(info.pod);
    queue.delete(b);
    queue.addUnschedulable(info);
    expect(queue.pendingCount()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
  });

  it('pop waits for a pod; close and abort resolve pending pops with undefined', async () => {
    const { queue } = setup();
    const waiting = queue.pop();
    queue.add(makePod('p'));
    expect((await waiting)?.pod.metadata.name).toBe('p');

    const ac = new AbortController();
    const aborted = queue.pop(ac.signal);
    ac.abort();
    expect(await aborted).toBeUndefined();

    const closing = queue.pop();
    queue.close();
    expect(await closing).toBeUndefined();
    expect(await queue.pop()).toBeUndefined();
  });

  it('arms a single timer for the earliest deadline', async () => {
    const { clock, queue } = setup();
    for (let i = 0; i < 5; i++) queue.add(makePod(`p${i}`));
    for (let i = 0; i < 5; i++) queue.requeueAfterError(await popNow(queue));
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(1000);
    expect(queue.pendingCount()).toEqual({ active: 5, backoff: 0, unschedulable: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });
});
