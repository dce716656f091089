/**
 * The apiserver process over plain HTTP (its insecure loopback port): optimistic concurrency,
 * watch resume and expiry, and hostile input — always a 4xx with a Status, never a 5xx or a
 * crash.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEtcdStorage } from '@tskube/registry';
import { startApiServer, type ApiServerProcess } from './harness.js';

const ns = 'e2e-robust';
let server: ApiServerProcess;

beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
  expect((await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status).toBe(201);
});
afterAll(async () => {
  await server?.dispose();
});

interface Obj {
  kind?: string;
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
  [k: string]: unknown;
}
interface WatchEvent {
  type: string;
  object: Obj & { code?: number; reason?: string };
}

const json = { 'content-type': 'application/json' };
const podsPath = `/api/v1/namespaces/${ns}/pods`;
const pod = (name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'tskube/busybox:latest' }] },
});
const post = (path: string, body: unknown): Promise<Response> =>
  server.api(path, { method: 'POST', headers: json, body: JSON.stringify(body) });

/** Reads newline-delimited watch events until `until` says stop, or `timeoutMs` passes. */
async function readEvents(res: Response, until: (events: WatchEvent[]) => boolean, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: WatchEvent[] = [];
  let buf = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line) as WatchEvent);
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

describe('optimistic concurrency', () => {
  it('two concurrent PUTs with the same resourceVersion: one 200, one 409 Conflict', async () => {
    const created = (await (await post(podsPath, pod('race'))).json()) as Obj;
    const put = (label: string): Promise<Response> =>
      server.api(`${podsPath}/race`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ ...created, metadata: { ...created.metadata, labels: { winner: label } } }),
      });
    const results = await Promise.all([put('a'), put('b')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    const status = (await loser.json()) as { kind: string; reason: string; message: string };
    expect(status).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    expect(status.message).toContain('Operation cannot be fulfilled on pods "race"');
    const winner = (await results.find((r) => r.status === 200)!.json()) as Obj;
    const stored = (await (await server.api(`${podsPath}/race`)).json()) as Obj;
    expect(stored.metadata.labels).toEqual(winner.metadata.labels);
  });
});

describe('watch', () => {
  it('from a recent resourceVersion gets every later event, in order, once', async () => {
    const created = (await (await post(podsPath, pod('w1'))).json()) as Obj;
    const res = await server.api(`${podsPath}?watch=true&resourceVersion=${created.metadata.resourceVersion}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);

    const written: string[] = [];
    let current = created;
    for (let i = 1; i <= 5; i++) {
      const r = await server.api(`${podsPath}/w1`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { labels: { step: String(i) } } }),
      });
      expect(r.status).toBe(200);
      current = (await r.json()) as Obj;
      written.push(`MODIFIED ${current.metadata.resourceVersion} ${i}`);
    }
    const other = (await (await post(podsPath, pod('w2'))).json()) as Obj;
    written.push(`ADDED ${other.metadata.resourceVersion} -`);
    const del = await server.api(`${podsPath}/w1`, { method: 'DELETE' });
    expect(del.status).toBe(200);

    const events = await readEvents(res, (e) => e.some((x) => x.type === 'DELETED'));
    const seen = events.map((e) => `${e.type} ${e.type === 'DELETED' ? '' : e.object.metadata.resourceVersion} ${e.object.metadata.labels?.['step'] ?? '-'}`);
    expect(seen.slice(0, -1)).toEqual(written);
    expect(events.at(-1)).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'w1' } } });
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    expect(new Set(rvs).size).toBe(rvs.length);
  });

  it('from a compacted resourceVersion gets 410 Expired', async () => {
    const first = (await (await post(podsPath, pod('old'))).json()) as Obj;
    const oldRv = first.metadata.resourceVersion;
    let last = first;
    for (let i = 0; i < 5; i++) {
      const r = await server.api(`${podsPath}/old`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { labels: { n: String(i) } } }),
      });
      last = (await r.json()) as Obj;
    }
    // Compact etcd past oldRv, and restart so the apiserver's own event window starts after it too.
    const storage = createEtcdStorage({ endpoints: [server.etcdEndpoint] });
    try {
      await storage.compact(Number(last.metadata.resourceVersion));
    } finally {
      await storage.close();
    }
    expect(await server.restart()).toBe(0);

    const res = await server.api(`${podsPath}?watch=true&resourceVersion=${oldRv}`);
    // Either form is what clients accept: HTTP 410, or 200 with one ERROR event, then close.
    let status: { kind?: string; reason?: string; code?: number };
    if (res.status === 200) {
      const events = await readEvents(res, (e) => e.length > 0);
      expect(events).toHaveLength(1);
      expect(events[0]?.type).toBe('ERROR');
      status = events[0]!.object;
    } else {
      expect(res.status).toBe(410);
      status = (await res.json()) as typeof status;
    }
    expect(status).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });

    // A list gives a fresh resourceVersion to watch from.
    const list = (await (await server.api(podsPath)).json()) as { metadata: { resourceVersion: string } };
    const fresh = await server.api(`${podsPath}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    expect(fresh.status).toBe(200);
    await server.api(`${podsPath}/old`, { method: 'DELETE' });
    const events = await readEvents(fresh, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'old' } } });
  });
});

describe('bad input gets a 4xx Status, never a 5xx', () => {
  const big = 'x'.repeat(3 * 1024 * 1024 + 1024);
  const withPod = (mutate: (p: { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } }) => void): string => {
    const p = pod('bad-input') as { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } };
    mutate(p);
    return JSON.stringify(p);
  };
  // [what, the code upstream answers, method, path, request]
  const cases: [string, number, string, string, RequestInit][] = [
    ['malformed JSON', 400, 'POST', podsPath, { headers: json, body: '{"apiVersion": "v1", "kind": "Pod", "metadata": {' }],
    ['a JSON array instead of an object', 400, 'POST', podsPath, { headers: json, body: '[]' }],
    ['a wrong type (containers is a string)', 400, 'POST', podsPath, { headers: json, body: withPod((p) => ((p.spec as unknown as Record<string, unknown>)['containers'] = 'web')) }],
    ['a wrong type (name is a number)', 400, 'POST', podsPath, { headers: json, body: withPod((p) => (p.metadata['name'] = 42)) }],
    ['a bad name', 422, 'POST', podsPath, { headers: json, body: withPod((p) => (p.metadata['name'] = 'Bad_Name')) }],
    ['a bad label key', 422, 'POST', podsPath, { headers: json, body: withPod((p) => (p.metadata['labels'] = { 'bad key!': 'v' })) }],
    ['a label value too long', 422, 'POST', podsPath, { headers: json, body: withPod((p) => (p.metadata['labels'] = { k: 'v'.repeat(64) })) }],
    ['a bad quantity', 422, 'POST', podsPath, { headers: json, body: withPod((p) => (p.spec.containers[0]!['resources'] = { limits: { cpu: '2 cores' } })) }],
    ['a body over 3 MiB', 413, 'POST', podsPath, { headers: json, body: withPod((p) => (p.metadata['annotations'] = { big })) }],
    ['an unknown field with fieldValidation=Strict', 400, 'POST', `${podsPath}?fieldValidation=Strict`, { headers: json, body: withPod((p) => (p.spec.containers[0]!['imagee'] = 'x')) }],
    ['malformed YAML', 400, 'POST', podsPath, { headers: { 'content-type': 'application/yaml' }, body: 'kind: Pod\nmetadata: [unclosed\n' }],
    ['an unsupported content type', 415, 'POST', podsPath, { headers: { 'content-type': 'application/xml' }, body: '<pod/>' }],
    ['a bad JSON patch', 422, 'PATCH', `${podsPath}/race`, { headers: { 'content-type': 'application/json-patch+json' }, body: '[{"op":"frobnicate","path":"/x"}]' }],
    ['a JSON patch on a missing path', 422, 'PATCH', `${podsPath}/race`, { headers: { 'content-type': 'application/json-patch+json' }, body: '[{"op":"replace","path":"/spec/nope/deeper","value":1}]' }],
    ['a merge patch that is not JSON', 400, 'PATCH', `${podsPath}/race`, { headers: { 'content-type': 'application/merge-patch+json' }, body: '{nope' }],
    ['a bad label selector', 400, 'GET', `${podsPath}?labelSelector=${encodeURIComponent('a in (')}`, {}],
    ['an unsupported field selector', 400, 'GET', `${podsPath}?fieldSelector=spec.nope%3Dx`, {}],
    ['a resourceVersion that is not a number', 400, 'GET', `${podsPath}?watch=true&resourceVersion=abc`, {}],
    ['a body in a namespace that does not exist', 404, 'POST', '/api/v1/namespaces/no-such-ns/pods', { headers: json, body: JSON.stringify(pod('x')) }],
  ];

  it.each(cases)('%s: %i', async (_what, code, method, path, init) => {
    const res = await server.api(path, { ...init, method });
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(code);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const status = JSON.parse(text) as { kind: string; apiVersion: string; status: string; code: number };
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: res.status });
  });

  it('the process still serves afterwards, and exits 0 on SIGTERM', async () => {
    expect((await server.api('/readyz')).status).toBe(200);
    expect((await post(podsPath, pod('after'))).status).toBe(201);
    expect(await server.stop()).toBe(0);
  });
});
