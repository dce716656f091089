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

    it('Strict rejects unknown fields (400) naming each, in document order', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Strict&fieldManager=kubectl-client-side-apply`, { method: 'POST', body: withUnknown() });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: ' +
          'unknown field "spec.containers[0].imagePullPolcy", unknown field "extra"',
      );
    });

    it('Warn stores without them and sends Warning headers', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Warn`, { method: 'POST', body: { ...withUnknown(), metadata: { name: 'warned' } } });
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toContain('299 - "unknown field \\"extra\\""');
      expect(res.body.extra).toBeUndefined();
      expect(res.body.spec.containers[0].imagePullPolcy).toBeUndefined();
    });

    it('Ignore drops them silently', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Ignore`, { method: 'POST', body: { ...withUnknown(), metadata: { name: 'ignored' } } });
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toBeNull();
      expect(res.body.extra).toBeUndefined();
    });

    it('none means Warn, as upstream', async () => {
      const res = await api.call(PODS, { method: 'POST', body: { ...withUnknown(), metadata: { name: 'defaulted' } } });
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toContain('unknown field');
    });

    // Written out as text: a JS object cannot hold a key twice.
    const dupPod = (name: string) =>
      `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dup","name":"${name}","bogus":1},` +
      `"spec":{"containers":[{"name":"c","image":"a","image":"b","imagePullPolicy":"Always"}],"bogus2":{"x":1,"x":2}}}`;

    it('Strict rejects repeated keys with unknown fields, in document order', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Strict`, { method: 'POST', body: dupPod('dup-strict') });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
      // A repeat inside an unknown field is not reported, as upstream's typed decoding.
      expect(res.body.message).toBe(
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata.name", ' +
          'unknown field "metadata.bogus", duplicate field "spec.containers[0].image", unknown field "spec.bogus2"',
      );
      expect((await api.call(`${PODS}/dup-strict`)).status).toBe(404);
    });

    it('Warn keeps the last of repeated keys and sends a Warning for each', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Warn`, { method: 'POST', body: dupPod('dup-warn') });
      expect(res.status).toBe(201);
      expect(res.body.metadata.name).toBe('dup-warn');
      expect(res.body.spec.containers[0].image).toBe('b');
      expect(res.headers.get('warning')).toBe(
        ['duplicate field "metadata.name"', 'unknown field "metadata.bogus"', 'duplicate field "spec.containers[0].image"', 'unknown field "spec.bogus2"']
          .map((w) => `299 - ${JSON.stringify(w)}`)
          .join(', '),
      );
    });

    it('Ignore accepts repeated keys silently', async () => {
      const res = await api.call(`${PODS}?fieldValidation=Ignore`, { method: 'POST', body: dupPod('dup-ignore') });
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toBeNull();
    });

    it('YAML: repeated keys as go-yaml words them, then the unknown fields sorted', async () => {
      const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup-yaml\n  name: dup-yaml\n  zzz: 1\nspec:\n  aaa: 1\n  containers:\n  - {name: c, image: a}\n';
      const strict = await api.call(`${PODS}?fieldValidation=Strict`, { method: 'POST', body: yaml, type: 'application/yaml' });
      expect(strict.status).toBe(400);
      expect(strict.body.message).toBe(
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: yaml: unmarshal errors:\n' +
          '  line 5: key "name" already set in map, unknown field "metadata.zzz", unknown field "spec.aaa"',
      );
      const warn = await api.call(`${PODS}?fieldValidation=Warn`, { method: 'POST', body: yaml, type: 'application/yaml' });
      expect(warn.status).toBe(201);
      expect(warn.headers.get('warning')).toContain('299 - "line 5: key \\"name\\" already set in map"');
    });

    it('PUT applies the same rules', async () => {
      const created = await api.call(PODS, { method: 'POST', body: podBody('dup-put') });
      const rv = created.body.metadata.resourceVersion as string;
      const body = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dup-put","resourceVersion":"${rv}","labels":{"a":"1","a":"2"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`;
      const res = await api.call(`${PODS}/dup-put?fieldValidation=Strict`, { method: 'PUT', body });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('strict decoding error: duplicate field "metadata.labels.a"');
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
