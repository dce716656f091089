import { StatusError, type Event, type Node, type Pod } from '@tskube/api-types';
import { FakeClock, silentLogger } from '@tskube/component-base';
import type { QueuedPodInfo, SchedPod, ScheduleResult, Snapshot } from '@tskube/scheduler-core';
import { describe, expect, it } from 'vitest';
import { createScheduler, type SchedulerCacheLike, type SchedulingQueueLike } from './scheduler.js';

const pod = (name: string, extra: { nodeName?: string; schedulerName?: string; phase?: string; labels?: Record<string, string> } = {}): SchedPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', labels: extra.labels ?? {} },
  spec: {
    containers: [{ name: 'c', image: 'busybox' }],
    schedulerName: extra.schedulerName ?? 'default-scheduler',
    ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
  },
  status: { phase: (extra.phase ?? 'Pending') as 'Pending' },
});

const node = (name: string, labels: Record<string, string> = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels, resourceVersion: '1' },
  status: { allocatable: { cpu: '1' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:00Z' }] },
});

const info = (p: SchedPod, attempts = 1): QueuedPodInfo => ({ pod: p, attempts, initialAttemptTimestamp: 0 });

type Call = [string, ...unknown[]];

/** Every collaborator records its calls in one ordered log. */
function setup(
  opts: {
    result?: ScheduleResult;
    bind?: (name: string, node: string) => Promise<unknown>;
    pop?: (signal?: AbortSignal) => Promise<QueuedPodInfo | undefined>;
    schedulerName?: string;
  } = {},
) {
  const calls: Call[] = [];
  const events: Event[] = [];
  const eventPatches: { name: string; patch: unknown }[] = [];
  const patches: { name: string; patch: unknown; subresource?: string }[] = [];
  const rec =
    (name: string) =>
    (...args: unknown[]): void =>
      void calls.push([name, ...args.map((a) => (a && typeof a === 'object' && 'metadata' in a ? (a as Pod).metadata?.name : a))]);
  const snapshot: Snapshot = { nodes: [], get: () => undefined };
  const assumed = new Set<string>();
  const cache: SchedulerCacheLike = {
    addNode: rec('cache.addNode'),
    updateNode: rec('cache.updateNode'),
    removeNode: rec('cache.removeNode'),
    addPod: rec('cache.addPod'),
    updatePod: rec('cache.updatePod'),
    removePod: rec('cache.removePod'),
    assumePod: (p, n) => {
      assumed.add(p.metadata.name ?? '');
      rec('cache.assumePod')(p, n);
    },
    forgetPod: (p) => {
      assumed.delete(p.metadata.name ?? '');
      rec('cache.forgetPod')(p);
    },
    finishBinding: rec('cache.finishBinding'),
    isAssumed: (p) => assumed.has(p.metadata.name ?? ''),
    snapshot: () => snapshot,
  };
  const queue: SchedulingQueueLike = {
    add: rec('queue.add'),
    update: rec('queue.update'),
    delete: rec('queue.delete'),
    pop: opts.pop ?? (() => Promise.resolve(undefined)),
    addUnschedulable: (i) => rec('queue.addUnschedulable')(i.pod),
    requeueAfterError: (i) => rec('queue.requeueAfterError')(i.pod),
    done: () => {},
    moveAllToActiveOrBackoff: rec('queue.moveAll'),
    pendingCount: () => ({ active: 0, backoff: 0, unschedulable: 0 }),
  };
  const result: ScheduleResult = opts.result ?? { ok: true, node: 'node-1', evaluatedNodes: 1, feasibleNodes: 1 };
  const scheduler = createScheduler({
    client: {
      pods: {
        bind: async (_ns, name, nodeName) => {
          calls.push(['bind', name, nodeName]);
          await (opts.bind?.(name, nodeName) ?? Promise.resolve());
          return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 };
        },
        patch: async (_ns, name, patch, _type, o) => {
          patches.push({ name, patch, ...(o?.subresource ? { subresource: o.subresource } : {}) });
          return pod(name);
        },
      },
      events: {
        create: async (_ns, e) => {
          events.push(e);
          return e;
        },
        patch: async (_ns, name, patch) => {
          eventPatches.push({ name, patch });
          const e = events.find((x) => x.metadata?.name === name);
          if (!e) throw new StatusError('NotFound', `events "${name}" not found`);
          return { ...e, ...(patch as Partial<Event>) };
        },
      },
    },
    cache,
    queue,
    algorithm: { schedule: () => result },
    clock: new FakeClock(Date.parse('2024-05-01T12:00:00Z')),
    logger: silentLogger(),
    ...(opts.schedulerName ? { schedulerName: opts.schedulerName } : {}),
    instance: 'test-instance',
  });
  return { scheduler, calls, events, eventPatches, patches };
}

describe('scheduleOne', () => {
  it('assumes the pod before binding, then finishes the binding and records Scheduled', async () => {
    const { scheduler, calls, events } = setup();
    await scheduler.scheduleOne(info(pod('web-1')));
    await scheduler.drain();
    expect(calls).toEqual([
      ['cache.assumePod', 'web-1', 'node-1'],
      ['bind', 'web-1', 'node-1'],
      ['cache.finishBinding', 'web-1'],
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Normal',
      reason: 'Scheduled',
      message: 'Successfully assigned default/web-1 to node-1',
      source: { component: 'default-scheduler' },
      reportingComponent: 'default-scheduler',
      reportingInstance: 'test-instance',
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: 'web-1', uid: 'uid-web-1' },
      metadata: { namespace: 'default' },
    });
    expect(events[0]?.metadata?.name).toMatch(/^web-1\.[0-9a-f]+$/);
  });

  it.each([
    ['a conflict (already bound elsewhere)', new StatusError('Conflict', 'pod web-1 is already assigned to node "node-2"')],
    ['not found (deleted meanwhile)', new StatusError('NotFound', 'pods "web-1" not found')],
  ])('on %s it forgets the pod and does not retry it', async (_what, err) => {
    const { scheduler, calls, events } = setup({ bind: () => Promise.reject(err) });
    await scheduler.scheduleOne(info(pod('web-1')));
    await scheduler.drain();
    expect(calls).toEqual([
      ['cache.assumePod', 'web-1', 'node-1'],
      ['bind', 'web-1', 'node-1'],
      ['cache.forgetPod', 'web-1'],
      ['queue.moveAll', 'PodDelete'],
    ]);
    expect(events).toEqual([]);
  });

  it('on any other bind failure it forgets the pod, requeues it with backoff and records FailedScheduling', async () => {
    const { scheduler, calls, events } = setup({ bind: () => Promise.reject(new StatusError('InternalError', 'etcd is down')) });
    await scheduler.scheduleOne(info(pod('web-1')));
    await scheduler.drain();
    expect(calls).toEqual([
      ['cache.assumePod', 'web-1', 'node-1'],
      ['bind', 'web-1', 'node-1'],
      ['cache.forgetPod', 'web-1'],
      ['queue.moveAll', 'PodDelete'],
      ['queue.requeueAfterError', 'web-1'],
    ]);
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([['Warning', 'FailedScheduling', 'Binding rejected: etcd is down']]);
  });

  it('parks an unschedulable pod, records FailedScheduling (a repeat counts on the same event) and sets PodScheduled=False once per message', async () => {
    const message = "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.";
    const { scheduler, calls, events, eventPatches, patches } = setup({ result: { ok: false, message, diagnosis: new Map(), retryable: true } });
    const p = pod('big');
    await scheduler.scheduleOne(info(p));
    await scheduler.scheduleOne(info(p, 2));
    await scheduler.drain();
    expect(calls).toEqual([
      ['queue.addUnschedulable', 'big'],
      ['queue.addUnschedulable', 'big'],
    ]);
    expect(events.map((e) => [e.type, e.reason, e.message, e.involvedObject.uid])).toEqual([['Warning', 'FailedScheduling', message, 'uid-big']]);
    expect(eventPatches).toEqual([{ name: events[0]?.metadata?.name, patch: { count: 2, lastTimestamp: events[0]?.lastTimestamp, message } }]);
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      name: 'big',
      subresource: 'status',
      patch: { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } },
    });
  });

  it('limits binds in flight: the loop waits for a free slot', async () => {
    const releases: (() => void)[] = [];
    const { scheduler, calls } = setup({ bind: () => new Promise<void>((r) => releases.push(r)) });
    const binds = () => calls.filter((c) => c[0] === 'bind').length;
    for (let i = 0; i < 16; i++) await scheduler.scheduleOne(info(pod(`p-${i}`)));
    let seventeenthReturned = false;
    const seventeenth = scheduler.scheduleOne(info(pod('p-16'))).then(() => void (seventeenthReturned = true));
    await new Promise((r) => setTimeout(r, 10));
    expect([seventeenthReturned, binds()]).toEqual([false, 16]);
    releases.shift()?.();
    await seventeenth;
    expect(binds()).toBe(17);
    for (const r of releases.splice(0)) r();
    await scheduler.drain();
  });
});

describe('informer handlers', () => {
  it('routes pods: unassigned ones of this scheduler to the queue, assigned ones to the cache', () => {
    const { scheduler, calls } = setup();
    const h = scheduler.podHandlers;
    h.onAdd?.(pod('mine'));
    h.onAdd?.(pod('theirs', { schedulerName: 'other-scheduler' }));
    h.onAdd?.(pod('running', { nodeName: 'node-1' }));
    h.onAdd?.(pod('done', { nodeName: 'node-1', phase: 'Succeeded' }));
    expect(calls).toEqual([
      ['queue.add', 'mine'],
      ['cache.addPod', 'running'],
    ]);
  });

  it('moves a pod from the queue to the cache when its binding is observed, and frees it when it finishes', () => {
    const { scheduler, calls } = setup();
    const h = scheduler.podHandlers;
    const pending = pod('web');
    const bound = pod('web', { nodeName: 'node-1' });
    const finished = pod('web', { nodeName: 'node-1', phase: 'Succeeded' });
    h.onUpdate?.(pending, bound);
    h.onUpdate?.(bound, finished);
    h.onDelete?.(finished);
    expect(calls).toEqual([
      ['queue.delete', 'web'],
      ['cache.addPod', 'web'],
      ['cache.removePod', 'web'],
      ['queue.moveAll', 'PodDelete'],
      ['queue.moveAll', 'PodDelete'],
    ]);
  });

  it('ignores status-only updates of a pending pod and passes on spec or label changes', () => {
    const { scheduler, calls } = setup();
    const h = scheduler.podHandlers;
    const p = pod('web');
    const statusOnly: SchedPod = { ...p, metadata: { ...p.metadata, resourceVersion: '2' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    const relabelled: SchedPod = { ...p, metadata: { ...p.metadata, labels: { tier: 'web' } } };
    h.onUpdate?.(p, statusOnly);
    h.onUpdate?.(p, relabelled);
    expect(calls).toEqual([['queue.update', 'web', 'web']]);
  });

  it('a deleted pending pod leaves the queue; a deleted assigned pod frees its node and retries parked pods', () => {
    const { scheduler, calls } = setup();
    scheduler.podHandlers.onDelete?.(pod('pending'));
    scheduler.podHandlers.onDelete?.(pod('running', { nodeName: 'node-1' }));
    expect(calls).toEqual([
      ['queue.delete', 'pending'],
      ['cache.removePod', 'running'],
      ['queue.moveAll', 'PodDelete'],
    ]);
  });

  it('node changes update the cache; only scheduling-relevant ones retry parked pods', () => {
    const { scheduler, calls } = setup();
    const h = scheduler.nodeHandlers;
    const n = node('node-1');
    const heartbeat: Node = { ...n, status: { ...n.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:10Z' }] } };
    const labelled = node('node-1', { disk: 'ssd' });
    h.onAdd?.(n);
    h.onUpdate?.(n, heartbeat);
    h.onUpdate?.(heartbeat, labelled);
    h.onDelete?.(labelled);
    expect(calls).toEqual([
      ['cache.addNode', 'node-1'],
      ['queue.moveAll', 'NodeAdd'],
      ['cache.updateNode', 'node-1', 'node-1'],
      ['cache.updateNode', 'node-1', 'node-1'],
      ['queue.moveAll', 'NodeUpdate'],
      ['cache.removeNode', 'node-1'],
    ]);
  });
});

describe('run', () => {
  /** A queue whose pop waits for the test to hand out a pod, and ends with undefined on abort. */
  function manualPop() {
    const waiting: ((i: QueuedPodInfo | undefined) => void)[] = [];
    const pop = (signal?: AbortSignal) =>
      new Promise<QueuedPodInfo | undefined>((resolve) => {
        waiting.push(resolve);
        signal?.addEventListener('abort', () => resolve(undefined), { once: true });
      });
    const next = async (): Promise<(i: QueuedPodInfo | undefined) => void> => {
      while (waiting.length === 0) await new Promise((r) => setTimeout(r, 1));
      return waiting.shift()!;
    };
    return { pop, next };
  }

  it('schedules what it pops until the signal aborts (leadership lost)', async () => {
    const q = manualPop();
    const { scheduler, calls } = setup({ pop: q.pop });
    const lead = new AbortController();
    const running = scheduler.run(lead.signal);
    (await q.next())(info(pod('a')));
    (await q.next())(info(pod('b')));
    await q.next();
    lead.abort();
    await running;
    await scheduler.drain();
    expect(calls.filter((c) => c[0] === 'bind')).toEqual([
      ['bind', 'a', 'node-1'],
      ['bind', 'b', 'node-1'],
    ]);
  });

  it('hands a pod popped just as leadership ends back to the queue instead of scheduling it', async () => {
    const q = manualPop();
    const { scheduler, calls } = setup({ pop: q.pop });
    const lead = new AbortController();
    const running = scheduler.run(lead.signal);
    const give = await q.next();
    give(info(pod('late')));
    lead.abort();
    await running;
    expect(calls).toEqual([['queue.requeueAfterError', 'late']]);
  });
});
