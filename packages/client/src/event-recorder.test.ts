import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event, Node, Pod } from '@tskube/api-types';
import { createLogger, FakeClock, type Logger } from '@tskube/component-base';
import { COMBINED_PREFIX, createEventRecorder, EVENT_SPAM_BURST, type EventRecorderOptions, type EventSink } from './event-recorder.js';
import { createClient, type Client } from './rest-client.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

const START = Date.parse('2024-05-01T12:00:00Z');
const MIN = 60_000;

const pod = (name: string, rv = '7'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns1', uid: `uid-${name}`, resourceVersion: rv },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

function captureLogger(): { logger: Logger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger({ component: 'test', level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as { level: string; msg: string }) } });
  return { logger, lines };
}

let server: FakeApiServer;
let client: Client;
let clock: FakeClock;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  client = createClient({ server: server.url });
  clock = new FakeClock(START);
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const recorder = (extra: Partial<EventRecorderOptions> = {}) =>
  createEventRecorder({ client, component: 'kubelet', host: 'node-1', clock, ...extra });
const writes = () =>
  server.requests
    .filter((r) => r.url.pathname.includes('/events'))
    .map((r) => ({ method: r.method, path: r.url.pathname, contentType: r.headers['content-type'], body: JSON.parse(r.body) as Partial<Event> }));
const stored = (name: string | undefined) => server.get('events', `ns1/${name ?? ''}`) as Event | undefined;

describe('createEventRecorder', () => {
  it('creates the first occurrence with upstream’s name, reference, source and timestamps', async () => {
    const r = recorder();
    r.event(pod('web'), 'Warning', 'BackOff', 'Back-off restarting failed container', { fieldPath: 'spec.containers{c}' });
    await r.flush();

    const [w, ...rest] = writes();
    expect(rest).toEqual([]);
    expect([w?.method, w?.path]).toEqual(['POST', '/api/v1/namespaces/ns1/events']);
    const name = w?.body.metadata?.name ?? '';
    expect(name).toMatch(/^web\.[0-9a-f]{16}$/);
    // The suffix is the clock's time in Unix nanoseconds (upstream: fmt.Sprintf("%v.%x", name, t.UnixNano())).
    expect(Math.floor(Number(BigInt(`0x${name.split('.')[1]}`) / 1_000_000n))).toBe(START);
    expect(w?.body).toMatchObject({
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'ns1', name: 'web', uid: 'uid-web', resourceVersion: '7', fieldPath: 'spec.containers{c}' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      source: { component: 'kubelet', host: 'node-1' },
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
      firstTimestamp: '2024-05-01T12:00:00Z',
      lastTimestamp: '2024-05-01T12:00:00Z',
      count: 1,
    });
  });

  it('puts events about cluster-scoped objects in the default namespace', async () => {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'u1' } };
    const r = recorder();
    r.event(node, 'Normal', 'NodeReady', 'Node node-1 status is now: NodeReady');
    await r.flush();
    expect(writes().map((w) => [w.method, w.path, w.body.involvedObject?.namespace])).toEqual([['POST', '/api/v1/namespaces/default/events', undefined]]);
  });

  it('patches count and lastTimestamp of the existing event for repeats within 10 minutes', async () => {
    const r = recorder();
    for (const offset of [0, 4 * MIN, 9 * MIN]) {
      await clock.advanceAsync(offset - (clock.now() - START));
      r.event(pod('web'), 'Warning', 'FailedScheduling', '0/3 nodes are available');
      await r.flush();
    }
    const [create, ...patches] = writes();
    const name = create?.body.metadata?.name;
    expect(patches.map((p) => [p.method, p.path, p.contentType, p.body])).toEqual([
      ['PATCH', `/api/v1/namespaces/ns1/events/${name}`, 'application/strategic-merge-patch+json', { count: 2, lastTimestamp: '2024-05-01T12:04:00Z', message: '0/3 nodes are available' }],
      ['PATCH', `/api/v1/namespaces/ns1/events/${name}`, 'application/strategic-merge-patch+json', { count: 3, lastTimestamp: '2024-05-01T12:09:00Z', message: '0/3 nodes are available' }],
    ]);
    expect(stored(name)).toMatchObject({ count: 3, firstTimestamp: '2024-05-01T12:00:00Z', lastTimestamp: '2024-05-01T12:09:00Z' });
  });

  it('creates a new event when the last occurrence is more than 10 minutes old', async () => {
    const r = recorder();
    r.event(pod('web'), 'Warning', 'FailedScheduling', 'no nodes');
    await r.flush();
    await clock.advanceAsync(10 * MIN + 1000);
    r.event(pod('web'), 'Warning', 'FailedScheduling', 'no nodes');
    await r.flush();
    const ws = writes();
    expect(ws.map((w) => [w.method, w.body.count, w.body.firstTimestamp])).toEqual([
      ['POST', 1, '2024-05-01T12:00:00Z'],
      ['POST', 1, '2024-05-01T12:10:01Z'],
    ]);
    expect(ws[0]?.body.metadata?.name).not.toBe(ws[1]?.body.metadata?.name);
  });

  it('creates the event again when the patch answers 404 (the event expired)', async () => {
    const r = recorder();
    r.event(pod('web'), 'Warning', 'Unhealthy', 'probe failed');
    await r.flush();
    const name = writes()[0]?.body.metadata?.name;
    server.remove('events', 'ns1', name ?? '');
    await clock.advanceAsync(MIN);
    r.event(pod('web'), 'Warning', 'Unhealthy', 'probe failed');
    await r.flush();
    expect(writes().map((w) => w.method)).toEqual(['POST', 'PATCH', 'POST']);
    expect(stored(name)).toMatchObject({ count: 2, lastTimestamp: '2024-05-01T12:01:00Z' });
  });

  it('combines similar events that differ only by message once there are 10 within 10 minutes', async () => {
    const r = recorder();
    for (let i = 1; i <= 12; i++) r.event(pod('web'), 'Warning', 'FailedMount', `volume v${i} not found`);
    await r.flush();
    const ws = writes();
    // The first nine messages are events of their own; from the tenth on, one combined event counts them.
    expect(ws.slice(0, 9).map((w) => [w.method, w.body.message])).toEqual(Array.from({ length: 9 }, (_, i) => ['POST', `volume v${i + 1} not found`]));
    expect(ws.slice(9).map((w) => [w.method, w.body.message, w.body.count])).toEqual([
      ['POST', `${COMBINED_PREFIX}volume v10 not found`, 1],
      ['PATCH', `${COMBINED_PREFIX}volume v11 not found`, 2],
      ['PATCH', `${COMBINED_PREFIX}volume v12 not found`, 3],
    ]);
    expect(stored(ws[9]?.body.metadata?.name)).toMatchObject({ message: `${COMBINED_PREFIX}volume v12 not found`, count: 3 });
  });

  it('starts aggregating afresh after 10 quiet minutes', async () => {
    const r = recorder();
    for (let i = 1; i <= 9; i++) r.event(pod('web'), 'Warning', 'FailedMount', `volume v${i} not found`);
    await r.flush();
    await clock.advanceAsync(11 * MIN);
    r.event(pod('web'), 'Warning', 'FailedMount', 'volume v10 not found');
    await r.flush();
    expect(writes().at(-1)?.body.message).toBe('volume v10 not found');
  });

  it('drops events about one object beyond the burst, and lets one more through per 5 minutes', async () => {
    const { logger, lines } = captureLogger();
    const r = recorder({ logger });
    // Different reasons, so neither de-duplication nor aggregation applies: every event is a create.
    for (let i = 0; i < EVENT_SPAM_BURST + 3; i++) r.event(pod('web'), 'Normal', `Reason${i}`, 'm');
    r.event(pod('other'), 'Normal', 'Other', 'another object has its own bucket');
    await r.flush();
    const created = () => writes().map((w) => `${w.body.involvedObject?.name}/${w.body.reason}`);
    // Objects are written in parallel, so compare each object's own sequence.
    const of = (obj: string) => created().filter((c) => c.startsWith(`${obj}/`));
    expect([of('web'), of('other')]).toEqual([Array.from({ length: EVENT_SPAM_BURST }, (_, i) => `web/Reason${i}`), ['other/Other']]);
    expect(lines.filter((l) => l.msg === 'event dropped by the spam filter')).toHaveLength(3);

    await clock.advanceAsync(5 * MIN);
    r.event(pod('web'), 'Normal', 'Refilled1', 'm');
    r.event(pod('web'), 'Normal', 'Refilled2', 'm');
    await r.flush();
    expect(of('web').slice(EVENT_SPAM_BURST)).toEqual(['web/Refilled1']);
  });

  it('never throws while the apiserver is down, gives up after maxTries and works again once it is back', async () => {
    const { logger, lines } = captureLogger();
    const r = recorder({ logger, maxTries: 3, retryDelayMs: 10_000 });
    await server.stop();
    expect(() => r.event(pod('web'), 'Normal', 'Pulled', 'image pulled')).not.toThrow();
    let flushed = false;
    const flushing = r.flush().then(() => void (flushed = true));
    for (let i = 0; i < 20 && !flushed; i++) await clock.advanceAsync(10_000);
    await flushing;
    expect(lines.filter((l) => l.msg === 'unable to write event; may retry')).toHaveLength(3);
    expect(lines.filter((l) => l.msg === 'unable to write event; retry limit exceeded')).toHaveLength(1);

    await server.start();
    r.event(pod('web'), 'Normal', 'Started', 'container started');
    await r.flush();
    expect(writes().filter((w) => w.method === 'POST').map((w) => w.body.reason)).toContain('Started');
  });

  it('never throws into the caller, whatever the sink or the object', async () => {
    const { logger, lines } = captureLogger();
    const sink: EventSink = {
      create: () => {
        throw new Error('sink exploded');
      },
      patch: () => Promise.reject(new Error('unused')),
    };
    const r = createEventRecorder({ client: { events: sink }, component: 'c', clock, logger, maxTries: 1 });
    expect(() => r.event({}, 'Normal', 'R', 'no metadata at all')).not.toThrow();
    await r.flush();
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['unable to write event; retry limit exceeded']);
  });

  it('bounds the queue: while writes hang, events beyond maxQueued are dropped with one warning', async () => {
    const { logger, lines } = captureLogger();
    const releases: (() => void)[] = [];
    const created: Event[] = [];
    const sink: EventSink = {
      create: (_ns, e) =>
        new Promise((resolve) => {
          releases.push(() => resolve(e));
          created.push(e);
        }),
      patch: () => Promise.reject(new Error('unused')),
    };
    const r = createEventRecorder({ client: { events: sink }, component: 'c', clock, logger, maxQueued: 5, concurrency: 1 });
    for (let i = 0; i < 20; i++) r.event(pod(`p${i}`), 'Normal', 'R', 'm');
    // One write in flight, five waiting: the other fourteen were dropped.
    expect(lines.filter((l) => l.msg.startsWith('event queue full'))).toHaveLength(1);
    const flushing = r.flush();
    for (let i = 0; i < 50 && (releases.length > 0 || created.length < 6); i++) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await flushing;
    expect(created.map((e) => e.involvedObject.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('writes one object’s events in order, one at a time', async () => {
    const order: string[] = [];
    const sink: EventSink = {
      create: async (_ns, e) => {
        order.push(`start ${e.reason}`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`end ${e.reason}`);
        return e;
      },
      patch: () => Promise.reject(new Error('unused')),
    };
    const r = createEventRecorder({ client: { events: sink }, component: 'c', clock });
    r.event(pod('web'), 'Normal', 'A', 'm');
    r.event(pod('web'), 'Normal', 'B', 'm');
    await r.flush();
    expect(order).toEqual(['start A', 'end A', 'start B', 'end B']);
  });

  it('ignores events after stop()', async () => {
    const r = recorder();
    r.stop();
    r.event(pod('web'), 'Normal', 'R', 'm');
    await r.flush();
    expect(writes()).toEqual([]);
  });

  it('close() waits at most its timeout for writes that hang, then stops', async () => {
    let creates = 0;
    const sink: EventSink = { create: () => (creates++, new Promise(() => {})), patch: () => Promise.reject(new Error('unused')) };
    const r = createEventRecorder({ client: { events: sink }, component: 'c', clock });
    r.event(pod('web'), 'Normal', 'R', 'm');
    await r.close(20); // resolves although the write never finishes
    r.event(pod('other'), 'Normal', 'R', 'm');
    await new Promise((resolve) => setImmediate(resolve));
    expect(creates).toBe(1);
  });
});
