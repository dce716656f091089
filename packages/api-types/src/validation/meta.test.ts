import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../types/index.js';
import { formatValue } from './field.js';
import { nameIsDNSLabel, TOTAL_ANNOTATION_SIZE_LIMIT, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

const base = (): ObjectMeta => ({ name: 'web', namespace: 'default' });
type Row = [string, Partial<ObjectMeta>, Partial<ObjectMeta>, string, string];

describe('validateObjectMeta', () => {
  // [rule, passing overrides, failing overrides, field, type]
  const rows: Row[] = [
    ['name required', { name: 'a' }, { name: '' }, 'metadata.name', 'FieldValueRequired'],
    ['name is a DNS subdomain', { name: 'a.b-c' }, { name: 'A_b' }, 'metadata.name', 'FieldValueInvalid'],
    // The registry generates the name before validating, as upstream, so name is set here too.
    ['generateName may end with a dash', { name: 'web-x7k2p', generateName: 'web-' }, { generateName: 'Web-' }, 'metadata.generateName', 'FieldValueInvalid'],
    ['namespace required', { namespace: 'kube-system' }, { namespace: '' }, 'metadata.namespace', 'FieldValueRequired'],
    ['namespace is a DNS label', { namespace: 'ns-1' }, { namespace: 'ns.1' }, 'metadata.namespace', 'FieldValueInvalid'],
    ['label keys', { labels: { 'app.kubernetes.io/name': 'x' } }, { labels: { 'a/b/c': 'x' } }, 'metadata.labels', 'FieldValueInvalid'],
    ['label values', { labels: { app: 'my_value.1' } }, { labels: { app: '-bad' } }, 'metadata.labels', 'FieldValueInvalid'],
    ['annotation keys', { annotations: { 'example.com/Note': 'anything at all' } }, { annotations: { 'bad key': 'x' } }, 'metadata.annotations', 'FieldValueInvalid'],
    [
      'annotation total size',
      { annotations: { a: 'x'.repeat(1000) } },
      { annotations: { a: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT) } },
      'metadata.annotations',
      'FieldValueTooLong',
    ],
    ['ownerReference uid required', { ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'u' }] }, { ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: '' }] }, 'metadata.ownerReferences.uid', 'FieldValueInvalid'],
    ['ownerReference apiVersion required', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u' }] }, { ownerReferences: [{ apiVersion: '', kind: 'ReplicaSet', name: 'rs', uid: 'u' }] }, 'metadata.ownerReferences.apiVersion', 'FieldValueInvalid'],
    ['ownerReference kind and name required', { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u' }] }, { ownerReferences: [{ apiVersion: 'v1', kind: '', name: 'n', uid: 'u' }] }, 'metadata.ownerReferences.kind', 'FieldValueInvalid'],
    [
      'one controller reference',
      { ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true }, { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2' }] },
      { ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true }, { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true }] },
      'metadata.ownerReferences',
      'FieldValueInvalid',
    ],
    ['finalizers are qualified names', { finalizers: ['example.com/cleanup', 'kubernetes'] }, { finalizers: ['example.com/bad name'] }, 'metadata.finalizers', 'FieldValueInvalid'],
  ];

  it.each(rows)('%s: passes', (_rule, pass) => {
    expect(validateObjectMeta({ ...base(), ...pass }, { namespaced: true })).toEqual([]);
  });
  it.each(rows)('%s: fails', (_rule, _pass, fail, path, type) => {
    expect(validateObjectMeta({ ...base(), ...fail }, { namespaced: true })).toContainEqual(
      expect.objectContaining({ field: path, type }),
    );
  });

  it('forbids a namespace on cluster-scoped kinds and uses the given name check', () => {
    const errs = validateObjectMeta({ name: 'a.b', namespace: 'x' }, { namespaced: false, nameFn: nameIsDNSLabel });
    expect(errs.map((e) => [e.field, e.type])).toEqual([
      ['metadata.name', 'FieldValueInvalid'],
      ['metadata.namespace', 'FieldValueForbidden'],
    ]);
    expect(errs[0]?.message).toBe('Invalid value: "a.b": must not contain dots');
  });

  it('says "Required value: name or generateName is required"', () => {
    const [err] = validateObjectMeta({ namespace: 'default' }, { namespaced: true });
    expect(err).toEqual({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '3', creationTimestamp: '2024-01-01T00:00:00Z' };
  it.each<[string, Partial<ObjectMeta>, string | undefined]>([
    ['labels may change', { labels: { a: 'b' } }, undefined],
    ['name is immutable', { name: 'other' }, 'metadata.name'],
    ['namespace is immutable', { namespace: 'other' }, 'metadata.namespace'],
    ['uid is immutable', { uid: 'u2' }, 'metadata.uid'],
    ['creationTimestamp is immutable', { creationTimestamp: '2025-01-01T00:00:00Z' }, 'metadata.creationTimestamp'],
    ['resourceVersion is required', { resourceVersion: '' }, 'metadata.resourceVersion'],
  ])('%s', (_name, change, path) => {
    const errs = validateObjectMetaUpdate({ ...old, ...change }, old);
    if (path === undefined) expect(errs).toEqual([]);
    else expect(errs).toContainEqual(expect.objectContaining({ field: path, message: expect.stringMatching(/immutable|must be specified/) }));
  });

  it('forbids new finalizers once deletion started', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x'] };
    const errs = validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'a.io/y'] }, deleting);
    expect(errs.map((e) => [e.field, e.type])).toEqual([['metadata.finalizers', 'FieldValueForbidden']]);
  });
});

describe('formatValue', () => {
  it.each<[unknown, string]>([
    ['Foo', '"Foo"'],
    [-1, '-1'],
    [true, 'true'],
    [null, 'null'],
    [{ a: 1 }, '{"a":1}'],
  ])('%j → %s', (v, s) => expect(formatValue(v)).toBe(s));
});
