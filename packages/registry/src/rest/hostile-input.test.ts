/**
 * Bodies built to exhaust the server (reliability.md §6.5, §7): YAML aliases of aliases, deep
 * nesting in every body format, oversized JSON patches and patches that grow the object. Each is
 * refused with a 4xx Status, quickly, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH } from './depth.js';
import type { StoredObject } from '../cache/types.js';
import { applyPatch, MAX_JSON_PATCH_OPERATIONS } from './patch/index.js';
import { podBody, startTestApi, type TestApi } from './test-helpers.js';

let api: TestApi;
const PODS = '/api/v1/namespaces/default/pods';

beforeAll(async () => {
  api = await startTestApi();
  expect((await api.call(PODS, { method: 'POST', body: podBody('target') })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

/** "Billion laughs": each anchor is a list of nine aliases of the one before; 9^9 strings if expanded. */
function billionLaughs(levels = 9): string {
  const lines = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: lol}', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n');
}

const deepJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** A pod with an unknown field nested so that the whole object is `depth` deep. */
const podNestedJson = (depth: number) =>
  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":{"containers":[{"name":"c","image":"i"}]},"x":${deepJson(depth - 1)}}`;
const podNestedYamlFlow = (depth: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nx: ${deepJson(depth - 1)}\n`;
const podNestedYamlBlock = (depth: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nx:\n  ${'- '.repeat(depth - 1)}leaf\n`;

describe('YAML aliases', () => {
  it('a billion-laughs body is refused with 400 without being expanded', async () => {
    const res = await api.call(PODS, { method: 'POST', body: billionLaughs(), type: 'application/yaml' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringContaining('excessive aliasing') });
  });

  it('a few aliases are fine', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: anchored, labels: &l {app: web}}',
      'spec:',
      '  containers:',
      '  - {name: a, image: i, env: &env [{name: A, value: "1"}]}',
      '  - {name: b, image: i, env: *env}',
      '  nodeSelector: *l',
    ].join('\n');
    const res = await api.call(`${PODS}?dryRun=All`, { method: 'POST', body: yaml, type: 'application/yaml' });
    expect(res.status).toBe(201);
    expect(res.body.spec.containers[1].env).toEqual([{ name: 'A', value: '1' }]);
  });
});

describe('deep nesting', () => {
  it.each([
    ['a JSON array 100 000 deep', deepJson(100_000), 'application/json'],
    ['a JSON object 100 000 deep', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), 'application/json'],
    ['an unknown JSON field past the limit', podNestedJson(MAX_NESTING_DEPTH + 1), 'application/json'],
    ['YAML flow 100 000 deep', podNestedYamlFlow(100_000), 'application/yaml'],
    ['YAML block sequences 20 000 deep', podNestedYamlBlock(20_000), 'application/yaml'],
    ['YAML block maps 2 000 deep', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1', 'application/yaml'],
  ])('%s: 400 "exceeded max depth"', async (_, body, type) => {
    const res = await api.call(PODS, { method: 'POST', body, type });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringContaining('exceeded max depth') });
  });

  // Around the limit, and far past it, every format answers without a 5xx (no stack overflow).
  const depths = [MAX_NESTING_DEPTH - 2, MAX_NESTING_DEPTH, MAX_NESTING_DEPTH + 1, 400, 800, 1_600, 10_000];
  it.each(depths.flatMap((d) => [
    ['JSON', d, podNestedJson(d), 'application/json'],
    ['YAML flow', d, podNestedYamlFlow(d), 'application/yaml'],
    ['YAML block', d, podNestedYamlBlock(d), 'application/yaml'],
  ]))('%s %i deep: answered below 500', async (_, depth, body, type) => {
    const res = await api.call(`${PODS}?dryRun=All`, { method: 'POST', body, type });
    expect(res.status).toBeLessThan(500);
    if ((depth as number) > MAX_NESTING_DEPTH) expect(res.status).toBe(400);
  });

  it('well inside the limit, an unknown deep field is accepted and dropped', async () => {
    const res = await api.call(`${PODS}?dryRun=All`, { method: 'POST', body: podNestedJson(MAX_NESTING_DEPTH / 2) });
    expect(res.status).toBe(201);
    expect(res.body.x).toBeUndefined();
  });

  it.each(['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'])(
    'a %s patch nested 100 000 deep: 400',
    async (type) => {
      const body = type.includes('json-patch')
        ? `[{"op":"add","path":"/metadata/annotations","value":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]`
        : `{"metadata":{"annotations":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}`;
      const res = await api.call(`${PODS}/target`, { method: 'PATCH', body, type });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ kind: 'Status', message: expect.stringContaining('exceeded max depth') });
    },
  );

  it('a merge patch just past the limit (through an unknown field): 4xx', async () => {
    const body = `{"x":${deepJson(MAX_NESTING_DEPTH)}}`;
    const res = await api.call(`${PODS}/target`, { method: 'PATCH', body, type: 'application/merge-patch+json' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('found by the B1 fuzz (e2e/apiserver/fuzz.test.ts)', () => {
  const pod = () => podBody('nulls') as unknown as { spec: { containers: Record<string, unknown>[] } };
  it.each([
    ['a null container', (p: ReturnType<typeof pod>) => (p.spec.containers = [null as never])],
    ['a null port', (p: ReturnType<typeof pod>) => (p.spec.containers[0]!.ports = [null])],
    ['a null env var', (p: ReturnType<typeof pod>) => (p.spec.containers[0]!.env = [null])],
  ])('%s in a list is a 4xx as Go decodes it (the zero value), not a crash', async (_, mutate) => {
    const p = pod();
    mutate(p);
    const res = await api.call(`${PODS}?dryRun=All`, { method: 'POST', body: p });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('a null service port and a null template container: 4xx', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [null] } };
    expect((await api.call('/api/v1/namespaces/default/services?dryRun=All', { method: 'POST', body: svc })).status).toBe(422);
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: { selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [null] } } },
    };
    expect((await api.call('/api/v1/namespaces/default/replicationcontrollers?dryRun=All', { method: 'POST', body: rc })).status).toBe(422);
  });

  it.each([
    ['\u0000', '\\\\u0000'], // JSON-escaped once in the message, once more in the header
    ['ü', '\\u00fc'],
    ['€', '\\u20ac'],
    ['\u007f', '\\u007f'],
    ['日本', '\\u65e5\\u672c'],
    ['\n', '\\\\n'],
  ])('an unknown field named %j: accepted, its Warning header escaped to ASCII', async (name, escaped) => {
    const res = await api.call(`${PODS}?dryRun=All`, { method: 'POST', body: { ...podBody('warned'), [name]: 1 } });
    expect(res.status).toBe(201);
    expect(res.headers.get('warning')).toBe(`299 - "unknown field \\"${escaped}\\""`);
  });
});

describe('JSON patch limits (CVE-2019-1002100)', () => {
  /** Why the patch does not apply to a pod: the 422's cause (upstream hides it behind a fixed message too). */
  const whyNot = (ops: object[]): string => {
    try {
      applyPatch('json', podBody('target') as unknown as StoredObject, ops, 'Pod');
    } catch (err) {
      return ((err as Error).cause as Error).message;
    }
    throw new Error('the patch applied');
  };
  const test = { op: 'test', path: '/metadata/name', value: 'target' };

  it(`${MAX_JSON_PATCH_OPERATIONS + 1} operations: 413 RequestEntityTooLarge`, async () => {
    const res = await api.call(`${PODS}/target`, {
      method: 'PATCH',
      body: Array(MAX_JSON_PATCH_OPERATIONS + 1).fill(test),
      type: 'application/json-patch+json',
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      kind: 'Status',
      reason: 'RequestEntityTooLarge',
      message: `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${MAX_JSON_PATCH_OPERATIONS + 1}`,
    });
  });

  it(`${MAX_JSON_PATCH_OPERATIONS} operations are allowed`, async () => {
    const res = await api.call(`${PODS}/target`, { method: 'PATCH', body: Array(MAX_JSON_PATCH_OPERATIONS).fill(test), type: 'application/json-patch+json' });
    expect(res.status).toBe(200);
  });

  it('copies that double the object each time: 422 once they add more than 3 MiB', async () => {
    // /metadata/annotations grows ~2^k: k1 copies it once, k2 copies k1 too, ...
    const ops: object[] = [{ op: 'add', path: '/metadata/annotations', value: { seed: 'x'.repeat(1000) } }];
    for (let i = 0; i < 40; i++) ops.push({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/k${i}` });
    const res = await api.call(`${PODS}/target`, { method: 'PATCH', body: ops, type: 'application/json-patch+json' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid' });
    expect(whyNot(ops)).toMatch(/^json patch operation \d+: Unable to copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728$/);
  });

  it('nesting built operation by operation: refused at the depth limit, not a stack overflow', async () => {
    const ops: object[] = [];
    let path = '/metadata/annotations';
    for (let i = 0; i < 2 * MAX_NESTING_DEPTH; i++) {
      ops.push({ op: 'add', path, value: {} });
      path += '/m';
    }
    const res = await api.call(`${PODS}/target`, { method: 'PATCH', body: ops, type: 'application/json-patch+json' });
    expect(res.status).toBe(422);
    expect(whyNot(ops)).toBe(`json patch operation ${MAX_NESTING_DEPTH - 2}: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  });

  it('the server still serves afterwards', async () => {
    expect((await api.call(`${PODS}/target`)).status).toBe(200);
    expect((await api.call('/readyz')).status).toBe(200);
  });
});
