import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isExpired, isStatusError, StatusError, type KubernetesObject, type Pod } from '@tskube/api-types';
import { FakeClock } from '@tskube/component-base';
import { createClient, type Client } from './rest-client.js';
import { decodeWatchEvents, ndjson, watchWithResume, type WatchEvent, type WatchOptions } from './watch.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield p;
}

/** Takes the next `n` values of an iterator (leaving it open). */
async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' } });

describe('ndjson', () => {
  const a = '{"type":"ADDED","object":{"n":"é"}}\n';
  const b = '{"type":"DELETED","object":{"n":"b"}}\n';
  const bytes = Buffer.from(a + b);
  const e = bytes.indexOf(Buffer.from('é'));
  it.each([
    { name: 'one chunk', parts: [a + b] },
    { name: 'one chunk per line', parts: [a, b] },
    { name: 'split mid-line', parts: [a.slice(0, 10), a.slice(10) + b.slice(0, 3), b.slice(3)] },
    { name: 'split before the newline', parts: [a.slice(0, -1), '\n' + b] },
    { name: 'one character at a time', parts: [...(a + b)] },
    { name: 'split inside a multi-byte character', parts: [bytes.subarray(0, e + 1), bytes.subarray(e + 1)] },
    { name: 'no final newline', parts: [a + b.slice(0, -1)] },
    { name: 'blank lines between events', parts: ['\n' + a + '\r\n\n' + b] },
  ])('parses events whatever the chunking: $name', async ({ parts }) => {
    expect(await collect(ndjson(chunks(...parts)))).toEqual([
      { type: 'ADDED', object: { n: 'é' } },
      { type: 'DELETED', object: { n: 'b' } },
    ]);
  });
});

describe('decodeWatchEvents', () => {
  it('passes events through and throws an ERROR event as a StatusError (410 → isExpired)', async () => {
    const frames = chunks(
      '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n',
      '{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}\n',
    );
    const seen: WatchEvent[] = [];
    const err: unknown = await (async () => {
      for await (const ev of decodeWatchEvents<KubernetesObject>(ndjson(frames))) seen.push(ev);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } }]);
    expect(isExpired(err)).toBe(true);
    expect(err).toMatchObject({ code: 410, message: 'too old resource version: 1 (5)' });
  });

  it('rejects an unknown event type', async () => {
    await expect(collect(decodeWatchEvents(chunks({ type: 'WHAT' } as never)))).rejects.toSatisfy(isStatusError);
  });
});

describe('watch over HTTP', () => {
  let server: FakeApiServer;
  let client: Client;
  beforeEach(async () => {
    server = await new FakeApiServer().start();
    client = createClient({ server: server.url });
  });
  afterEach(async () => {
    client.close();
    await server.stop();
  });

  it('without a resourceVersion gets synthetic ADDED, then live changes, then ends when the server closes', async () => {
    server.put('pods', pod('a'));
    const it = client.pods.watch('default')[Symbol.asyncIterator]();
    expect((await take(it, 1)).map((e) => [e.type, e.object.metadata?.name])).toEqual([['ADDED', 'a']]);
    server.put('pods', { ...pod('a'), metadata: { ...pod('a').metadata, labels: { x: 'y' } } });
    server.remove('pods', 'default', 'a');
    expect((await take(it, 2)).map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    server.endWatches();
    expect((await it.next()).done).toBe(true);
  });

  it('sends watch options as query parameters', async () => {
    const ac = new AbortController();
    const it = client.pods.watch('default', { resourceVersion: '5', labelSelector: 'a=b', fieldSelector: 'spec.nodeName=n', allowWatchBookmarks: true, timeoutSeconds: 30, signal: ac.signal })[Symbol.asyncIterator]();
    const next = it.next();
    await until(() => server.watcherCount === 1);
    expect(Object.fromEntries(server.requests.at(-1)?.url.searchParams ?? [])).toEqual({
      watch: 'true',
      resourceVersion: '5',
      labelSelector: 'a=b',
      fieldSelector: 'spec.nodeName=n',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '30',
    });
    ac.abort();
    expect((await next).done).toBe(true);
  });

  it('delivers bookmarks', async () => {
    const it = client.pods.watch('default', { resourceVersion: server.resourceVersion, allowWatchBookmarks: true })[Symbol.asyncIterator]();
    const next = it.next();
    await until(() => server.watcherCount === 1);
    server.bookmark();
    expect((await next).value).toMatchObject({ type: 'BOOKMARK', object: { metadata: { resourceVersion: server.resourceVersion } } });
    await it.return?.();
  });

  it.each(['event', 'http'] as const)('an expired resourceVersion (as %s) throws an Expired StatusError', async (mode) => {
    server.expiredAs = mode;
    const old = server.resourceVersion;
    server.put('pods', pod('a'));
    server.compact();
    const err: unknown = await collect(client.pods.watch('default', { resourceVersion: old })).catch((e: unknown) => e);
    expect(isExpired(err)).toBe(true);
  });

  it('breaking out of the loop closes the connection', async () => {
    server.put('pods', pod('a'));
    for await (const ev of client.pods.watch('default')) {
      expect(ev.type).toBe('ADDED');
      break;
    }
    await until(() => server.watcherCount === 0);
  });

  it('a dropped connection is thrown as an error (not a clean end)', async () => {
    const it = client.pods.watch('default', { resourceVersion: server.resourceVersion })[Symbol.asyncIterator]();
    const next = it.next();
    await until(() => server.watcherCount === 1);
    server.dropWatches();
    await expect(next).rejects.toSatisfy(isStatusError);
  });
});

describe('watchWithResume', () => {
  let server: FakeApiServer;
  let client: Client;
  beforeEach(async () => {
    server = await new FakeApiServer().start();
    client = createClient({ server: server.url, maxGetRetries: 0 });
  });
  afterEach(async () => {
    client.close();
    await server.stop();
  });

  it('resumes from the last resourceVersion after a dropped connection and a clean end, missing nothing', async () => {
    const ac = new AbortController();
    const it = watchWithResume((o) => client.pods.watch('default', o), { resourceVersion: server.resourceVersion, signal: ac.signal, initialBackoffMs: 1 })[Symbol.asyncIterator]();
    const first = it.next();
    await until(() => server.watcherCount === 1);
    server.put('pods', pod('a'));
    expect((await first).value?.object.metadata?.name).toBe('a');
    const rvA = server.resourceVersion;

    server.dropWatches();
    server.put('pods', pod('b')); // written while nobody watches
    expect((await take(it, 1))[0]?.object.metadata?.name).toBe('b');
    const rvB = server.resourceVersion;

    server.endWatches();
    server.put('pods', pod('c'));
    expect((await take(it, 1))[0]?.object.metadata?.name).toBe('c');

    const resumedFrom = server.requests.filter((r) => r.url.searchParams.get('watch')).map((r) => r.url.searchParams.get('resourceVersion'));
    expect(resumedFrom.slice(1, 3)).toEqual([rvA, rvB]);
    ac.abort();
    expect((await it.next()).done).toBe(true);
  });

  it('a bookmark advances the resume point', async () => {
    const ac = new AbortController();
    const it = watchWithResume((o) => client.pods.watch('default', { ...o, allowWatchBookmarks: true }), { resourceVersion: server.resourceVersion, signal: ac.signal, initialBackoffMs: 1 })[Symbol.asyncIterator]();
    const first = it.next();
    await until(() => server.watcherCount === 1);
    server.putSilently('pods', pod('elsewhere')); // bumps the resourceVersion without an event for us
    server.bookmark();
    expect((await first).value?.type).toBe('BOOKMARK');
    server.dropWatches();
    const second = it.next();
    await until(() => server.watcherCount === 1);
    expect(server.requests.at(-1)?.url.searchParams.get('resourceVersion')).toBe(server.resourceVersion);
    ac.abort();
    await second;
  });

  it('surfaces 410 Expired to the caller instead of retrying', async () => {
    const old = server.resourceVersion;
    server.put('pods', pod('a'));
    server.compact();
    const err: unknown = await collect(watchWithResume((o) => client.pods.watch('default', o), { resourceVersion: old, initialBackoffMs: 1 })).catch((e: unknown) => e);
    expect(isExpired(err)).toBe(true);
  });

  it('backs off 1 s doubling to the max between failed attempts (fake clock)', async () => {
    const clock = new FakeClock();
    const attempts: number[] = [];
    const failing = (_o: WatchOptions): AsyncIterable<WatchEvent<Pod>> => ({
      [Symbol.asyncIterator]: () => ({
        next: () => {
          attempts.push(clock.now());
          return Promise.reject(new StatusError('ServiceUnavailable', 'down'));
        },
      }),
    });
    const ac = new AbortController();
    const done = collect(watchWithResume(failing, { resourceVersion: '1', signal: ac.signal, clock, maxBackoffMs: 4000 }));
    await clock.advanceAsync(1000 + 2000 + 4000 + 4000);
    ac.abort();
    await done;
    expect(attempts).toEqual([0, 1000, 3000, 7000, 11000]);
  });
});
