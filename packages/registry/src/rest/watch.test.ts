import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistries } from '../resources/registries.js';
import { createMemoryStorage } from '../storage/memory.js';
import { podBody, readEvents, startTestApi, type TestApi } from './test-helpers.js';
import { watchEventLine } from './watch.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  await api.call('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'w' } } });
});
afterAll(() => api.close());

const PODS = '/api/v1/namespaces/w/pods';
const create = (name: string) => api.call(PODS, { method: 'POST', body: podBody(name) });
const label = (name: string, value: string) =>
  api.call(`${PODS}/${name}`, { method: 'PATCH', body: { metadata: { labels: { v: value } } }, type: 'application/merge-patch+json' });

describe('watchEventLine', () => {
  const object = { kind: 'Pod', metadata: { name: 'a"b', labels: { 'x/y': 'é\n' } }, spec: { n: [1, null, true] } };
  it.each([
    ['ADDED', true],
    ['MODIFIED', false],
    ['DELETED', true],
  ])('writes the bytes of JSON.stringify({ type, object }) for %s (shared %s)', (type, shared) => {
    expect(watchEventLine(type, object, shared)).toBe(`${JSON.stringify({ type, object })}\n`);
    expect(watchEventLine(type, object, shared)).toBe(watchEventLine(type, object, !shared));
  });
});

describe('watch', () => {
  it('streams synthetic ADDED events first when resourceVersion is unset or 0', async () => {
    await create('existing-1');
    await create('existing-2');
    for (const rv of ['', '&resourceVersion=0']) {
      const controller = new AbortController();
      const res = await fetch(`${api.url}${PODS}?watch=true${rv}`, { signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const { events } = await readEvents(res, 2);
      expect(events.map((e) => [e.type, e.object.metadata.name]).sort()).toEqual([
        ['ADDED', 'existing-1'],
        ['ADDED', 'existing-2'],
      ]);
      expect(events[0]!.object.kind).toBe('Pod');
      controller.abort();
    }
  });

  it('resumes from a resourceVersion with every later event once, in order', async () => {
    const start = await create('resume');
    const rv = start.body.metadata.resourceVersion as string;
    await label('resume', 'a');
    await create('resume-2');
    await label('resume', 'b');
    await api.call(`${PODS}/resume-2`, { method: 'DELETE' });
    const controller = new AbortController();
    const res = await fetch(`${api.url}${PODS}?watch=1&resourceVersion=${rv}`, { signal: controller.signal });
    const { events } = await readEvents(res, 4);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.labels?.v ?? ''}`)).toEqual([
      'MODIFIED resume a',
      'ADDED resume-2 ',
      'MODIFIED resume b',
      'DELETED resume-2 ',
    ]);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    // Live events keep coming on the same stream.
    await create('live');
    const more = await readEvents(res, 1);
    expect(more.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'live' } } });
    controller.abort();
  });

  it('ends with one ERROR event (410 Expired) from a resourceVersion older than the watch window', async () => {
    // A fresh apiserver over storage whose history was compacted: its watch window starts now.
    const storage = createMemoryStorage();
    const before = createRegistries({ storage });
    await before.ready();
    for (const n of ['a', 'b', 'c']) await before.pods.create('default', podBody(n) as never);
    before.stop();
    await storage.compact(await storage.currentRevision());
    const fresh = await startTestApi({ storage });
    try {
      const res = await fetch(`${fresh.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=2`);
      expect(res.status).toBe(200);
      const { events, ended } = await readEvents(res, 2);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 } });
      expect(events[0]!.object.message).toMatch(/^too old resource version: 2/);
      expect(ended).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('closes the stream after timeoutSeconds', async () => {
    const res = await fetch(`${api.url}${PODS}?watch=true&timeoutSeconds=1&resourceVersion=${await api.storage.currentRevision()}`);
    const { ended } = await readEvents(res, 1000);
    expect(ended).toBe(true);
  });

  it('filters by field selector (kubectl get -w NAME)', async () => {
    await create('picked');
    const controller = new AbortController();
    const res = await fetch(`${api.url}${PODS}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dpicked`, { signal: controller.signal });
    const { events } = await readEvents(res, 1);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'picked' } } });
    await label('picked', 'x');
    const next = await readEvents(res, 1);
    expect(next.events[0]).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'picked', labels: { v: 'x' } } } });
    controller.abort();
  });

  it('sends BOOKMARK events when allowed', async () => {
    const controller = new AbortController();
    const rv = await api.storage.currentRevision();
    const res = await fetch(`${api.url}${PODS}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, { signal: controller.signal });
    const { events } = await readEvents(res, 1);
    expect(events[0]!.type).toBe('BOOKMARK');
    expect(Number(events[0]!.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
    controller.abort();
  }, 15_000);

  it('streams one-row Tables with the Table Accept', async () => {
    await create('tabled');
    const controller = new AbortController();
    const res = await fetch(`${api.url}${PODS}?watch=true&fieldSelector=metadata.name%3Dtabled`, {
      signal: controller.signal,
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json' },
    });
    const { events } = await readEvents(res, 1);
    expect(events[0]!.type).toBe('ADDED');
    const table = events[0]!.object;
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.rows).toHaveLength(1);
    expect(table.columnDefinitions.length).toBe(table.rows[0].cells.length);
    expect(table.rows[0].object.metadata.name).toBe('tabled');
    controller.abort();
  });

  it('refuses sendInitialEvents so client-go falls back to list+watch', async () => {
    const res = await api.call(`${PODS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  });

  it('answers a bad selector with 400 before streaming', async () => {
    const res = await api.call(`${PODS}?watch=true&fieldSelector=spec.bogus%3D1`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('field label not supported: spec.bogus');
  });

  it('ends open watches on shutdown', async () => {
    const other = await startTestApi();
    const res = await fetch(`${other.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${await other.storage.currentRevision()}`);
    const reading = readEvents(res, 1000);
    other.handler.shutdown();
    expect((await reading).ended).toBe(true);
    expect((await other.call('/readyz')).status).toBe(500);
    await other.close();
  });
});
