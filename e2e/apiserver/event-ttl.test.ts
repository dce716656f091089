/**
 * `--event-ttl`: the apiserver bin over the real etcd stores events under an etcd lease, so etcd
 * itself deletes them when the TTL passes (watchers see DELETED), while other objects stay.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { guard, until } from '../setup/wait.js';
import { startApiServer, type ApiServerProcess } from './harness.js';

const ns = 'e2e-event-ttl';
let server: ApiServerProcess;

const json = { 'content-type': 'application/json' };
const post = (path: string, body: unknown): Promise<Response> =>
  server.api(path, { method: 'POST', headers: json, body: JSON.stringify(body) });

beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint'), args: ['--event-ttl=2s'] });
  expect((await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status).toBe(201);
});
afterAll(async () => {
  await server?.dispose();
});

interface WatchEvent {
  type: string;
  object: { metadata: { name: string } };
}

/** Reads newline-delimited watch events until `done` says stop (the stream is then cancelled). */
async function readEvents(res: Response, done: (events: WatchEvent[]) => boolean): Promise<WatchEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: WatchEvent[] = [];
  let buf = '';
  try {
    while (!done(events)) {
      const { done: ended, value } = await reader.read();
      if (ended) throw new Error(`watch ended early after ${JSON.stringify(events)}`);
      buf += decoder.decode(value, { stream: true });
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line) as WatchEvent);
      }
    }
    return events;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

describe('apiserver --event-ttl on etcd', () => {
  it('deletes an event once its TTL passes (GET 404, watch DELETED) and keeps a pod created alongside', async () => {
    const eventsPath = `/api/v1/namespaces/${ns}/events`;
    const list = (await (await server.api(eventsPath)).json()) as { metadata: { resourceVersion: string } };
    const watch = await server.api(`${eventsPath}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    expect(watch.status).toBe(200);

    const pod = await post(`/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stays' },
      spec: { containers: [{ name: 'main', image: 'tskube/busybox:latest' }] },
    });
    expect(pod.status).toBe(201);
    const event = await post(eventsPath, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'stays.scheduled' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'stays' },
      reason: 'Scheduled',
      message: 'assigned to a node',
      type: 'Normal',
    });
    expect(event.status).toBe(201);
    expect((await server.api(`${eventsPath}/stays.scheduled`)).status).toBe(200);

    const events = await guard(
      readEvents(watch, (seen) => seen.some((e) => e.type === 'DELETED')),
      `the event's DELETED on the watch\n${server.logs()}`,
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED stays.scheduled', 'DELETED stays.scheduled']);
    await until('GET of the expired event to answer 404', async () => (await server.api(`${eventsPath}/stays.scheduled`)).status === 404);
    const items = ((await (await server.api(eventsPath)).json()) as { items: unknown[] }).items;
    expect(items).toEqual([]);
    expect((await server.api(`/api/v1/namespaces/${ns}/pods/stays`)).status).toBe(200);
  });
});
