import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podBody, startTestApi, type TestApi } from './test-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const PODS = '/api/v1/namespaces/default/pods';

describe('request bodies', () => {
  it('accepts YAML', async () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox\n';
    const res = await api.call(PODS, { method: 'POST', body: yaml, type: 'application/yaml' });
    expect(res.status).toBe(201);
    expect(res.body.spec.containers[0].image).toBe('busybox');
  });

  it('accepts JSON without a content type', async () => {
    // A Buffer body makes fetch send no Content-Type at all.
    const res = await fetch(api.url + PODS, { method: 'POST', body: Buffer.from(JSON.stringify(podBody('no-ctype'))) });
    expect(res.status).toBe(201);
  });

  it('drops nulls as Go would (kubectl sends creationTimestamp: null)', async () => {
    const res = await api.call(PODS, { method: 'POST', body: { ...podBody('nulls'), metadata: { name: 'nulls', creationTimestamp: null, labels: null } } });
    expect(res.status).toBe(201);
  });

  it.each([
    ['malformed JSON', '{"apiVersion": "v1", "kind": "Pod",', 'application/json', 400, 'json parse error'],
    ['malformed YAML', 'metadata: [name', 'application/yaml', 400, 'yaml'],
    ['duplicate YAML keys', 'kind: Pod\nkind: Pod\n', 'application/yaml', 400, 'unique'],
    ['a JSON array', '[]', 'application/json', 400, 'must be of type Pod'],
    ['an empty body', '', 'application/json', 400, 'empty body'],
    ['malformed protobuf', 'xx', 'application/vnd.kubernetes.protobuf', 400, 'must be of type Pod'],
    ['an unknown media type', 'xx', 'application/cbor', 415, 'unknown format'],
    ['another kind', JSON.stringify({ ...podBody('k'), kind: 'Service' }), 'application/json', 400, 'does not match the expected kind'],
    ['another version', JSON.stringify({ ...podBody('k'), apiVersion: 'v2' }), 'application/json', 400, 'API version'],
    [
      'a wrong type',
      JSON.stringify(podBody('t', { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'eighty' }] }] } })),
      'application/json',
      400,
      'Pod in version "v1" cannot be handled as a Pod: spec.containers[0].ports[0].containerPort',
    ],
    ['a string spec', JSON.stringify({ ...podBody('t'), spec: 'nope' }), 'application/json', 400, 'cannot be handled as a Pod'],
  ])('%s → %i', async (_what, body, type, code, message) => {
    const res = await api.call(PODS, { method: 'POST', body, type });
    expect(res.status).toBe(code);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', code });
    expect(res.body.message).toContain(message);
  });

  describe('fieldValidation', () => {
    const withUnknown = () => podBody('unknown', { spec: { containers: [{ name: 'c', image: 'i', imagePullPolcy: 'Always' }] }, extra: 1 });

    it('Strict rejects unknown fields (400) naming each', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Strict&fieldManager=kubectl-client-side-apply`, { method: 'POST', body: withUnknown() });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^strict decoding error: /);
      expect(res.body.message).toContain('unknown field "extra"');
      expect(res.body.message).toContain('unknown field "spec.containers[0].imagePullPolcy"');
    });

    it('Warn stores without them and sends Warning headers', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Warn`, { method: 'POST', body: { ...withUnknown(), metadata: { name: 'warned' } } });
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toContain('299 - "unknown field \\"extra\\""');
      expect(res.body.extra).toBeUndefined();
      expect(res.body.spec.containers[0].imagePullPolcy).toBeUndefined();
    });

    it('Ignore (or none) drops them silently', async () => {
      const res = await api.call(PODS, { method: 'POST', body: { ...withUnknown(), metadata: { name: 'ignored' } } });
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toBeNull();
      expect(res.body.extra).toBeUndefined();
    });

    it('any other value is a 400', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Loose`, { method: 'POST', body: podBody('x') });
      expect(res.status).toBe(400);
    });
  });

  it('ignores unknown query parameters', async () => {
    const res = await api.call(`${PODS}?pretty=true&whatever=1&fieldManager=x`, { method: 'POST', body: podBody('unknown-params') });
    expect(res.status).toBe(201);
  });
});

describe('oversize bodies', () => {
  const limit = 3 * 1024 * 1024;

  /** Sends `total` bytes (declared or chunked) and returns the status the server answered with and how much it took. */
  function send(total: number, declared: boolean): Promise<{ status: number; body: string; sent: number }> {
    return new Promise((resolve, reject) => {
      const url = new URL(api.url + PODS);
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(declared ? { 'content-length': String(total) } : {}) },
      });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      pump();
    });
  }

  it.each([
    ['with Content-Length', true],
    ['chunked', false],
  ])('are refused with 413 (%s) before the server reads them all', async (_how, declared) => {
    const total = limit * 8;
    const res = await send(total, declared);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413, message: `Request entity too large: limit is ${limit}` });
    expect(res.sent).toBeLessThan(total);
  });
});
