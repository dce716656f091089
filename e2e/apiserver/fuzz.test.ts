/**
 * B1 (reliability.md §8.5), bounded: 2 000 seeded, deterministic mutations of valid pod, service
 * and replication-controller bodies, JSON and YAML (truncations, type swaps, unknown and repeated
 * fields, huge strings, deep nesting, bad names, labels, quantities and numbers, wrong content
 * types, random protobuf), sent as create, update, patch (merge, strategic, JSON patch) and delete
 * to the real bin. Invariants: no answer is a 5xx; every 4xx is a v1 Status with the same code;
 * the process is the same one at the end and /readyz is 200. Counts of each code are printed,
 * not asserted: which mutations happen to stay valid is not the point.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiServer, type ApiServerProcess } from './harness.js';

/** Fixed, so every run sends the same requests; TSKUBE_FUZZ_SEED explores others. */
const SEED = Number(process.env['TSKUBE_FUZZ_SEED'] ?? 0x5eed_b1);
const REQUESTS = 2000;
const NS = 'fuzz';

let server: ApiServerProcess;

beforeAll(async () => {
  server = await startApiServer({ etcdEndpoint: inject('etcdEndpoint') });
  const post = async (path: string, body: object) => {
    const res = await server.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.text()).toBe(201);
  };
  await post('/api/v1/namespaces', { metadata: { name: NS } });
  for (const kind of KINDS) await post(`/api/v1/namespaces/${NS}/${kind.plural}`, kind.base('base'));
}, 60_000);
afterAll(async () => {
  await server?.dispose();
});

// --- the seeded generator ------------------------------------------------------------------------

/** mulberry32: tiny, fast and the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const container = (): Obj => ({
  name: 'c',
  image: 'busybox:1.36',
  command: ['sh', '-c', 'sleep 3600'],
  ports: [{ containerPort: 80, protocol: 'TCP' }],
  resources: { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '50m' } },
  env: [{ name: 'A', value: '1' }],
});
const KINDS = [
  {
    plural: 'pods',
    base: (name: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'fuzz' } }, spec: { containers: [container()], restartPolicy: 'Always' } }),
  },
  {
    plural: 'services',
    base: (name: string): Obj => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: { app: 'fuzz' } },
      spec: { selector: { app: 'fuzz' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], sessionAffinity: 'None' },
    }),
  },
  {
    plural: 'replicationcontrollers',
    base: (name: string): Obj => ({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name, labels: { app: 'fuzz' } },
      spec: { replicas: 0, selector: { app: 'fuzz' }, template: { metadata: { labels: { app: 'fuzz' } }, spec: { containers: [container()] } } },
    }),
  },
] as const;

const BAD_NAMES = ['', 'UPPER', 'under_score', '-lead', 'trail-', 'a'.repeat(254), '..', 'a/b', 'ünï', 'a b', '%2F', '\u0000', 'x'.repeat(64)];
const BAD_LABEL_KEYS = ['', 'bad key', '-x', 'a/b/c', `${'p'.repeat(254)}/k`, `k${'k'.repeat(63)}`, '/x', 'UPPER.example.com/ok', 'ok/'];
const BAD_LABEL_VALUES = ['v'.repeat(64), 'bad value', '-x', 'x-', 'ü', '\n'];
const BAD_QUANTITIES = ['2 cores', '1e400', '-1', '0.0001m', '9223372036854775808', 'Infinity', 'NaN', '1Ki1', '', '1.5.5', 'm', '0x10', ' 1', '1 ', '1Ei0'];
const ODD_NUMBERS = [-1, 0, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 70000];
const HUGE = [1000, 70_000, 1_100_000, 3_200_000];
const CONTENT_TYPES = [
  'application/xml',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/vnd.kubernetes.protobuf',
  'application/yaml',
  'application/json-patch+json',
  '*/*',
  'application/',
  ';;;',
];

/** Every path to a value in `v`, as key lists. */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}
function getAt(v: Json, path: readonly (string | number)[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, Json>)[k] : undefined;
  return cur;
}
function setAt(v: Json, path: readonly (string | number)[], value: Json | undefined): void {
  if (path.length === 0) return;
  const parent = getAt(v, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object' || parent === undefined) return;
  const key = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Obj)[key];
  } else (parent as Record<string | number, Json>)[key] = value;
}

function randomValue(r: Rng, depth = 0): Json {
  switch (r.int(depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 1e21, 42, 2 ** 63]);
    case 3:
      return r.pick(['', 'x', '100m', 'ü', '"', '{}', '\\', 'a'.repeat(300)]);
    case 4:
      return r.pick([[], {}]);
    case 5:
      return [randomValue(r, depth + 1), randomValue(r, depth + 1)];
    default:
      return { [r.pick(['a', 'name', 'image', 'zz'])]: randomValue(r, depth + 1) };
  }
}
/**
 * Deep values are spliced into the text (JSON, or YAML flow style) after serialization: building
 * them as objects would overflow this test's own stack in JSON.stringify.
 */
const deepMarker = (depth: number): string => `@@DEEP${depth}@@`;
const nestedText = (depth: number): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"n":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}"leaf"${close}`;
};
const spliceDeep = (text: string): string => text.replace(/"@@DEEP(\d+)@@"/g, (_, n: string) => nestedText(Number(n)));

/** Structural mutations of an object (in place). */
const OBJECT_MUTATIONS: [string, (o: Obj, r: Rng) => void][] = [
  ['type swap', (o, r) => {
    const p = r.pick(paths(o).slice(1));
    setAt(o, p, randomValue(r));
  }],
  ['unknown field', (o, r) => {
    const objs = paths(o).filter((p) => { const v = getAt(o, p); return v !== null && typeof v === 'object' && !Array.isArray(v); });
    const at = getAt(o, r.pick(objs)) as Obj;
    at[r.pick(['zz', 'imagee', 'specs', 'apiversion', '$patch', '__proto__', 'constructor'])] = randomValue(r);
  }],
  ['remove field', (o, r) => setAt(o, r.pick(paths(o).slice(1)), undefined)],
  ['null field', (o, r) => setAt(o, r.pick(paths(o).slice(1)), null)],
  ['huge string', (o, r) => {
    const strings = paths(o).filter((p) => typeof getAt(o, p) === 'string');
    setAt(o, r.pick(strings), 'x'.repeat(r.pick(HUGE)));
  }],
  ['bad name', (o, r) => ((o.metadata as Obj).name = r.pick(BAD_NAMES))],
  ['bad labels', (o, r) => ((o.metadata as Obj).labels = { [r.pick(BAD_LABEL_KEYS)]: r.chance(0.5) ? 'ok' : r.pick(BAD_LABEL_VALUES) })],
  ['bad quantity', (o, r) => {
    const res = paths(o).filter((p) => p[p.length - 1] === 'cpu' || p[p.length - 1] === 'memory');
    if (res.length > 0) setAt(o, r.pick(res), r.pick(BAD_QUANTITIES));
    else (o.metadata as Obj).name = r.pick(BAD_NAMES);
  }],
  ['odd number', (o, r) => {
    const nums = paths(o).filter((p) => typeof getAt(o, p) === 'number');
    if (nums.length > 0) setAt(o, r.pick(nums), r.pick(ODD_NUMBERS));
  }],
  ['wrong kind', (o, r) => {
    if (r.chance(0.5)) o.kind = r.pick(['Service', 'Pod', 'Status', 'List', '', 'pod']);
    else o.apiVersion = r.pick(['v2', 'apps/v1', '', 'v1beta1']);
  }],
  ['deep nesting', (o, r) => {
    const objs = paths(o).filter((p) => { const v = getAt(o, p); return v !== null && typeof v === 'object' && !Array.isArray(v); });
    (getAt(o, r.pick(objs)) as Obj).deep = deepMarker(r.pick([20, 99, 150, 5000, 100_000]));
  }],
];

/** Turns a value into block YAML (JSON-quoted scalars and keys: always valid YAML). */
function toYaml(v: Json, indent = 0): string {
  const pad = ' '.repeat(indent);
  const scalar = (x: Json) => JSON.stringify(x);
  if (Array.isArray(v)) {
    if (v.length === 0) return `${pad}[]\n`;
    return v.map((x) => (x !== null && typeof x === 'object' && Object.keys(x).length > 0 ? `${pad}-\n${toYaml(x, indent + 2)}` : `${pad}- ${scalar(x)}\n`)).join('');
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries
      .map(([k, x]) => (x !== null && typeof x === 'object' && Object.keys(x).length > 0 ? `${pad}${scalar(k)}:\n${toYaml(x, indent + 2)}` : `${pad}${scalar(k)}: ${scalar(x)}\n`))
      .join('');
  }
  return `${pad}${scalar(v)}\n`;
}

/** Mutations of the text itself. */
const TEXT_MUTATIONS: [string, (t: string, r: Rng) => string][] = [
  ['truncate', (t, r) => t.slice(0, r.int(t.length))],
  ['flip a character', (t, r) => {
    const i = r.int(t.length);
    return t.slice(0, i) + r.pick(['{', '}', '[', ']', '"', ':', ',', '\\', '\u0000', '\t', 'é', '\ud800', '&a', '*a', '!!binary ', '- ', '\n  ']) + t.slice(i + 1);
  }],
  ['repeat a field', (t, r) => {
    const keys = [...t.matchAll(/\{"([^"\\]+)":/g)];
    if (keys.length === 0) return t;
    const m = r.pick(keys);
    const at = m.index! + 1;
    return `${t.slice(0, at)}"${m[1]}":${JSON.stringify(randomValue(r))},${t.slice(at)}`;
  }],
  ['append garbage', (t, r) => t + r.pick(['}', ']', ' {"a":1}', '\u0000', '\n---\nkind: Pod\n', ',', 'null'])],
];

const YAML_BOMB = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`)].join('\n');

interface Case {
  label: string;
  method: string;
  path: string;
  contentType?: string;
  body?: string | Uint8Array;
}

function jsonPatchOps(r: Rng, base: Obj): Json {
  const ptrs = paths(base).map((p) => '/' + p.map((k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1')).join('/'));
  const junk = ['', '/', '/spec/containers/-', '/metadata/labels/a~1b', '/~2', '/spec/containers/99', '/metadata/name/x', 'metadata', '/__proto__/x'];
  const op = (): Json => {
    const o: Obj = { op: r.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']), path: r.chance(0.7) ? r.pick(ptrs) : r.pick(junk) };
    if (r.chance(0.7)) o.value = randomValue(r);
    if (r.chance(0.3)) o.from = r.pick(ptrs);
    if (r.chance(0.05)) o.extra = 1;
    return o;
  };
  if (r.chance(0.01)) return Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata/name', value: 'base' }));
  if (r.chance(0.05)) return randomValue(r);
  return Array.from({ length: 1 + r.int(5) }, op);
}

function strategicPatch(r: Rng, mutated: Obj): Json {
  const spec = (mutated.spec ?? {}) as Obj;
  const directives: Json[] = [
    { $patch: r.pick(['replace', 'delete', 'merge', 'bogus']) },
    { 'spec': { 'containers': [{ name: 'c', $patch: r.pick(['delete', 'replace', 'x']) }] } },
    { 'spec': { '$setElementOrder/containers': [{ name: r.pick(['c', 'zz']) }, 5] } },
    { 'metadata': { '$deleteFromPrimitiveList/finalizers': ['a', 1] } },
    { 'spec': { $retainKeys: r.pick([['x'], 5, 'x']) } },
    { 'spec': { 'containers': r.pick([[[1]], 'c', [{ noName: true }], [null]]) } },
  ];
  return r.chance(0.5) ? r.pick(directives) : { metadata: mutated.metadata ?? null, spec };
}

function makeCase(r: Rng, i: number): Case {
  const kind = r.pick(KINDS);
  const collection = `/api/v1/namespaces/${NS}/${kind.plural}`;
  const obj = kind.base(`f${i}`);
  const mutation = r.pick(OBJECT_MUTATIONS);
  if (r.chance(0.85)) mutation[1](obj, r);
  let labels = [mutation[0]];
  const yaml = r.chance(0.3);
  let text = spliceDeep(yaml ? toYaml(obj) : JSON.stringify(obj));
  if (r.chance(0.35)) {
    const t = r.pick(TEXT_MUTATIONS);
    text = t[1](text, r);
    labels.push(t[0]);
  }
  if (yaml && r.chance(0.03)) {
    text = `${YAML_BOMB}\n${text}`;
    labels.push('billion laughs');
  }
  let contentType: string | undefined = yaml ? 'application/yaml' : 'application/json';
  let body: string | Uint8Array = text;
  if (r.chance(0.08)) {
    contentType = r.pick(CONTENT_TYPES);
    labels.push(`content type ${contentType}`);
    if (contentType.includes('protobuf') && r.chance(0.7)) {
      const bytes = Uint8Array.from({ length: 1 + r.int(200) }, () => r.int(256));
      body = r.chance(0.6) ? Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytes]) : bytes;
    }
  } else if (r.chance(0.03)) contentType = undefined;
  const query = [r.chance(0.6) ? 'dryRun=All' : '', r.chance(0.3) ? `fieldValidation=${r.pick(['Strict', 'Warn', 'Ignore', 'bogus'])}` : '']
    .filter(Boolean)
    .join('&');
  const qs = query ? `?${query}` : '';
  const verb = r.pick(['create', 'create', 'update', 'patch', 'patch', 'delete']);
  labels = [verb, kind.plural, yaml ? 'yaml' : 'json', ...labels];
  const label = labels.join(' / ');
  switch (verb) {
    case 'create':
      return { label, method: 'POST', path: collection + qs, contentType, body };
    case 'update': {
      // Updates go to the base object; a dry run mostly, so it stays valid for the patches.
      if ((obj.metadata as Obj | undefined)?.name === `f${i}`) (obj.metadata as Obj).name = 'base';
      const t = spliceDeep(yaml ? toYaml(obj) : JSON.stringify(obj));
      return { label, method: 'PUT', path: `${collection}/base${qs || '?dryRun=All'}`, contentType, body: typeof body === 'string' && body !== text ? body : t };
    }
    case 'patch': {
      const type = r.pick(['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml']);
      const base = kind.base('base');
      const patch = type.includes('json-patch') ? jsonPatchOps(r, base) : type.includes('strategic') ? strategicPatch(r, obj) : ({ metadata: obj.metadata ?? null, spec: obj.spec ?? null } as Json);
      let p = spliceDeep(JSON.stringify(patch));
      if (r.chance(0.3)) p = r.pick(TEXT_MUTATIONS)[1](p, r);
      return { label: `${label} / ${type}`, method: 'PATCH', path: `${collection}/base${qs.includes('dryRun') ? qs : `?dryRun=All${query ? `&${query}` : ''}`}`, contentType: r.chance(0.9) ? type : contentType, body: p };
    }
    default: {
      const options: Json = r.pick([
        { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: r.pick(ODD_NUMBERS) },
        { propagationPolicy: r.pick(['Orphan', 'Foreground', 'Nope', 5]) },
        { preconditions: { uid: randomValue(r), resourceVersion: randomValue(r) } },
        { dryRun: r.pick([['All'], ['Nope'], 'All', [1]]) },
        { orphanDependents: true, propagationPolicy: 'Background' },
        randomValue(r),
      ]);
      let t = JSON.stringify(options);
      if (r.chance(0.3)) t = r.pick(TEXT_MUTATIONS)[1](t, r);
      return { label, method: 'DELETE', path: `${collection}/${r.pick(['base', `f${i}`, 'BAD_NAME'])}?dryRun=All`, contentType: 'application/json', body: t };
    }
  }
}

describe('malformed-input fuzz against the real bin (B1)', () => {
  it(`${REQUESTS} seeded mutations: never a 5xx, every 4xx a Status, same process, ready at the end`, async () => {
    const pid = server.pid();
    expect(pid).toBeDefined();
    const r = prng(SEED);
    const counts = new Map<number, number>();
    const violations: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const c = makeCase(r, i);
      const headers: Record<string, string> = c.contentType === undefined ? {} : { 'content-type': c.contentType };
      let status: number;
      let text: string;
      let contentType: string;
      try {
        const res = await server.api(c.path, { method: c.method, headers, body: c.body });
        status = res.status;
        contentType = res.headers.get('content-type') ?? '';
        text = await res.text();
      } catch (err) {
        violations.push(`#${i} ${c.label}: ${c.method} ${c.path}: no answer (${(err as Error).message})`);
        if (server.pid() === undefined || !alive(pid!)) break;
        continue;
      }
      counts.set(status, (counts.get(status) ?? 0) + 1);
      if (status >= 500) violations.push(`#${i} ${c.label}: ${c.method} ${c.path} → ${status} ${text.slice(0, 300)}`);
      else if (status >= 400) {
        const parsed = contentType.startsWith('application/json') ? (JSON.parse(text) as { kind?: string; code?: number; status?: string }) : undefined;
        if (parsed?.kind !== 'Status' || parsed.code !== status || parsed.status !== 'Failure') {
          violations.push(`#${i} ${c.label}: ${c.method} ${c.path} → ${status} without a Status: ${text.slice(0, 200)}`);
        }
      }
    }
    const summary = [...counts.entries()].sort(([a], [b]) => a - b).map(([code, n]) => `${code}×${n}`).join(' ');
    console.log(`B1 fuzz, seed ${SEED.toString(16)}, ${REQUESTS} requests: ${summary}`);
    // The server's own account of any 5xx (its error log has the stack).
    if (violations.length > 0) console.log(server.logs().split('\n').filter((l) => l.includes('request failed')).map((l) => l.slice(0, 1500)).join('\n'));
    expect(violations).toEqual([]);
    expect(server.pid()).toBe(pid);
    expect(alive(pid!)).toBe(true);
    expect((await server.api('/readyz')).status).toBe(200);
  }, 300_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
