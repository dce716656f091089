import { describe, expect, it } from 'vitest';
import { isStatusError } from '@tskube/api-types';
import { applyPatch, MAX_JSON_PATCH_OPERATIONS } from './index.js';

type Obj = Record<string, unknown>;

const pod = (): Obj => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'web',
    labels: { app: 'web', 'example.com/tier': 'front' },
    annotations: { 'a~b': 'tilde' },
  },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.25', args: ['-a'] },
      { name: 'sidecar', image: 'busybox' },
    ],
    nodeSelector: { disk: 'ssd' },
  },
});

/** Runs `fn` and returns the StatusError it throws (fails the test if it does not throw one). */
function statusErrorOf(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('JSON patch (RFC 6902)', () => {
  it.each<{ name: string; ops: unknown[]; path: (o: Obj) => unknown; want: unknown }>([
    {
      name: 'add a label with a ~1-escaped key',
      ops: [{ op: 'add', path: '/metadata/labels/example.com~1env', value: 'prod' }],
      path: (o) => (o.metadata as Obj).labels,
      want: { app: 'web', 'example.com/tier': 'front', 'example.com/env': 'prod' },
    },
    {
      name: 'replace a ~0-escaped annotation',
      ops: [{ op: 'replace', path: '/metadata/annotations/a~0b', value: 'x' }],
      path: (o) => (o.metadata as Obj).annotations,
      want: { 'a~b': 'x' },
    },
    {
      name: 'remove a label with a ~1-escaped key',
      ops: [{ op: 'remove', path: '/metadata/labels/example.com~1tier' }],
      path: (o) => (o.metadata as Obj).labels,
      want: { app: 'web' },
    },
    {
      name: 'append to a list with -',
      ops: [{ op: 'add', path: '/spec/containers/0/args/-', value: '-b' }],
      path: (o) => ((o.spec as Obj).containers as Obj[])[0]?.args,
      want: ['-a', '-b'],
    },
    {
      name: 'insert into a list by index',
      ops: [{ op: 'add', path: '/spec/containers/1', value: { name: 'mid', image: 'x' } }],
      path: (o) => ((o.spec as Obj).containers as Obj[]).map((c) => c.name),
      want: ['nginx', 'mid', 'sidecar'],
    },
    {
      name: 'test then replace an image',
      ops: [
        { op: 'test', path: '/spec/containers/0/image', value: 'nginx:1.25' },
        { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.27' },
      ],
      path: (o) => ((o.spec as Obj).containers as Obj[])[0]?.image,
      want: 'nginx:1.27',
    },
    {
      name: 'move a field',
      ops: [{ op: 'move', from: '/spec/nodeSelector', path: '/metadata/annotations/moved' }],
      path: (o) => [(o.spec as Obj).nodeSelector, (o.metadata as Obj).annotations],
      want: [undefined, { 'a~b': 'tilde', moved: { disk: 'ssd' } }],
    },
    {
      name: 'copy a container',
      ops: [{ op: 'copy', from: '/spec/containers/1', path: '/spec/containers/-' }],
      path: (o) => ((o.spec as Obj).containers as Obj[]).map((c) => c.name),
      want: ['nginx', 'sidecar', 'sidecar'],
    },
    { name: 'an empty patch', ops: [], path: (o) => o, want: pod() },
  ])('$name', ({ ops, path, want }) => {
    expect(path(applyPatch('json', pod(), ops, 'Pod'))).toEqual(want);
  });

  it.each<{ name: string; ops: unknown }>([
    { name: 'a failed test', ops: [{ op: 'test', path: '/spec/containers/0/image', value: 'other' }] },
    { name: 'replace on a missing path', ops: [{ op: 'replace', path: '/spec/missing', value: 1 }] },
    { name: 'remove on a missing path', ops: [{ op: 'remove', path: '/metadata/labels/nope' }] },
    { name: 'add under a missing parent', ops: [{ op: 'add', path: '/spec/a/b', value: 1 }] },
    { name: 'add past the end of a list', ops: [{ op: 'add', path: '/spec/containers/5', value: {} }] },
    { name: 'replace at a non-numeric list index', ops: [{ op: 'replace', path: '/spec/containers/abc', value: {} }] },
    { name: 'replace at a list index with a leading zero', ops: [{ op: 'replace', path: '/spec/containers/01', value: {} }] },
    { name: 'add inside a string', ops: [{ op: 'add', path: '/metadata/name/x', value: 1 }] },
    { name: 'a path without a leading slash', ops: [{ op: 'add', path: 'metadata/x', value: 1 }] },
    { name: 'an invalid ~ escape', ops: [{ op: 'add', path: '/metadata/labels/a~2', value: 'x' }] },
    { name: 'an unknown op', ops: [{ op: 'frobnicate', path: '/metadata' }] },
    { name: 'an op without value', ops: [{ op: 'add', path: '/metadata/x' }] },
    { name: 'move without from', ops: [{ op: 'move', path: '/metadata/x' }] },
    { name: 'a __proto__ path', ops: [{ op: 'add', path: '/__proto__/polluted', value: 1 }] },
  ])('rejects $name with 422 Invalid, as upstream', ({ ops }) => {
    const err = statusErrorOf(() => applyPatch('json', pod(), ops, 'Pod'));
    expect(err).toMatchObject({ code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
    expect(({} as Obj).polluted).toBeUndefined();
  });

  it('is atomic: a failing operation leaves nothing half-applied', () => {
    const original = pod();
    expect(() =>
      applyPatch('json', original, [
        { op: 'add', path: '/metadata/labels/new', value: 'x' },
        { op: 'test', path: '/metadata/name', value: 'other' },
      ], 'Pod'),
    ).toThrow();
    expect(original).toEqual(pod());
  });

  it.each<{ name: string; patch: unknown; message: string }>([
    { name: 'an object', patch: { op: 'add' }, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
    { name: 'a string', patch: 'x', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Patch' },
    { name: 'a list of numbers', patch: [1], message: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation' },
  ])('rejects $name as a malformed patch (400)', ({ patch, message }) => {
    expect(statusErrorOf(() => applyPatch('json', pod(), patch, 'Pod'))).toMatchObject({ code: 400, reason: 'BadRequest', message });
  });

  it('rejects more than the maximum number of operations with 413', () => {
    const op = { op: 'test', path: '/kind', value: 'Pod' };
    expect(() => applyPatch('json', pod(), Array(MAX_JSON_PATCH_OPERATIONS).fill(op), 'Pod')).not.toThrow();
    expect(statusErrorOf(() => applyPatch('json', pod(), Array(MAX_JSON_PATCH_OPERATIONS + 1).fill(op), 'Pod'))).toMatchObject({
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${MAX_JSON_PATCH_OPERATIONS + 1}`,
    });
  });
});

describe('merge patch (RFC 7386)', () => {
  it.each<{ name: string; patch: Obj; path: (o: Obj) => unknown; want: unknown }>([
    {
      name: '`kubectl label`: add and remove labels',
      patch: { metadata: { labels: { env: 'prod', app: null } } },
      path: (o) => (o.metadata as Obj).labels,
      want: { 'example.com/tier': 'front', env: 'prod' },
    },
    {
      name: '`kubectl annotate`: maps merge',
      patch: { metadata: { annotations: { note: 'x' } } },
      path: (o) => (o.metadata as Obj).annotations,
      want: { 'a~b': 'tilde', note: 'x' },
    },
    {
      name: 'lists are replaced, not merged',
      patch: { spec: { containers: [{ name: 'only', image: 'x' }] } },
      path: (o) => (o.spec as Obj).containers,
      want: [{ name: 'only', image: 'x' }],
    },
    { name: 'null deletes a whole map', patch: { spec: { nodeSelector: null } }, path: (o) => 'nodeSelector' in (o.spec as Obj), want: false },
    {
      name: 'nulls inside a new map are dropped',
      patch: { spec: { securityContext: { runAsUser: 1, fsGroup: null } } },
      path: (o) => (o.spec as Obj).securityContext,
      want: { runAsUser: 1 },
    },
    {
      name: '`kubectl scale` on /scale',
      patch: { spec: { replicas: 3 } },
      path: (o) => (o.spec as Obj).replicas,
      want: 3,
    },
  ])('$name', ({ patch, path, want }) => {
    expect(path(applyPatch('merge', pod(), patch, 'Pod'))).toEqual(want);
  });

  it.each([[[1]], ['x'], [null]])('rejects a non-object patch %j with 400', (patch) => {
    expect(statusErrorOf(() => applyPatch('merge', pod(), patch, 'Pod'))).toMatchObject({ code: 400, message: 'Invalid JSON Patch' });
  });
});

describe('applyPatch', () => {
  const patches: Array<[type: 'json' | 'merge' | 'strategic', patch: unknown]> = [
    ['json', [{ op: 'replace', path: '/spec/containers/0/image', value: 'x' }, { op: 'remove', path: '/metadata/labels/app' }]],
    ['merge', { metadata: { labels: { app: null, x: 'y' } }, spec: { containers: [] } }],
    ['strategic', { metadata: { labels: { app: null } }, spec: { containers: [{ name: 'nginx', $patch: 'delete' }], nodeSelector: { $patch: 'replace' } } }],
  ];

  it.each(patches)('%s: never mutates the original or the patch, and shares nothing with them', (type, patch) => {
    const original = pod();
    const patchCopy = structuredClone(patch);
    const got = applyPatch(type, original, patch, 'Pod');
    expect(original).toEqual(pod());
    expect(patch).toEqual(patchCopy);
    (got.metadata as Obj).resourceVersion = '9';
    expect((original.metadata as Obj).resourceVersion).toBeUndefined();
  });

  it.each<[type: 'json' | 'merge' | 'strategic', patch: unknown]>([
    ['json', [{ op: 'replace', path: '/kind', value: 'Service' }]],
    ['json', [{ op: 'replace', path: '/apiVersion', value: 'v2' }]],
    ['merge', { kind: 'Service' }],
    ['strategic', { apiVersion: 'apps/v1' }],
  ])('%s: a patch changing kind or apiVersion is a 400', (type, patch) => {
    expect(statusErrorOf(() => applyPatch(type, pod(), patch, 'Pod'))).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it.each<[type: 'json' | 'merge' | 'strategic', patch: unknown]>([
    ['json', [{ op: 'remove', path: '/kind' }, { op: 'remove', path: '/apiVersion' }]],
    ['merge', { kind: null, apiVersion: null }],
    ['strategic', { kind: null, apiVersion: null }],
  ])('%s: removing kind/apiVersion puts them back', (type, patch) => {
    expect(applyPatch(type, pod(), patch, 'Pod')).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
  });

  it('fills kind from the resource when the stored object has none', () => {
    const { kind: _kind, ...bare } = pod();
    expect(applyPatch('merge', bare, { metadata: { labels: { x: 'y' } } }, 'Pod')).toMatchObject({ kind: 'Pod' });
  });

  it.each<[patch: unknown, message: string]>([
    [[{ a: 1 }], 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['x', 'json: cannot unmarshal string into Go value of type map[string]interface {}'],
  ])('strategic: rejects the non-object patch %j with 400', (patch, message) => {
    expect(statusErrorOf(() => applyPatch('strategic', pod(), patch, 'Pod'))).toMatchObject({ code: 400, message });
  });

  it('strategic: a null patch changes nothing, as Go decodes it to an empty map', () => {
    expect(applyPatch('strategic', pod(), null, 'Pod')).toEqual(pod());
  });

  it('ignores __proto__ keys instead of polluting prototypes', () => {
    const patch = JSON.parse('{"metadata":{"__proto__":{"polluted":true},"labels":{"ok":"1"}}}') as unknown;
    for (const type of ['merge', 'strategic'] as const) {
      const got = applyPatch(type, pod(), patch, 'Pod');
      expect(((got.metadata as Obj).labels as Obj).ok).toBe('1');
      expect(Object.getPrototypeOf(got.metadata)).toBe(Object.prototype);
      expect(({} as Obj).polluted).toBeUndefined();
    }
  });
});
