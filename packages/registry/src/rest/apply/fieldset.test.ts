import { describe, expect, it } from 'vitest';
import { FieldSet, pathString } from './fieldset.js';

// FieldsV1 as upstream apiservers write it (kubernetes.io "Server-Side Apply" and live objects).
const upstream = [
  { name: 'configmap from the docs', v1: { 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } } },
  {
    name: 'deployment containers and ports',
    v1: {
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              },
            },
          },
        },
      },
    },
  },
  { name: 'a set list', v1: { 'f:metadata': { 'f:finalizers': { '.': {}, 'v:"kubernetes"': {} } } } },
  { name: 'a map that is itself owned', v1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } } },
];

describe('FieldsV1', () => {
  it.each(upstream)('round-trips $name', ({ v1 }) => {
    expect(JSON.stringify(FieldSet.fromFieldsV1(v1).toFieldsV1())).toBe(JSON.stringify(v1));
  });

  it('sorts fields before keys before values, as upstream serializes', () => {
    const set = new FieldSet([['f:spec', 'v:"b"'], ['f:spec', 'k:{"name":"a"}'], ['f:spec', 'f:z'], ['f:spec', 'f:a'], ['f:spec']]);
    expect(Object.keys(set.toFieldsV1()['f:spec'] as object)).toEqual(['.', 'f:a', 'f:z', 'k:{"name":"a"}', 'v:"b"']);
  });

  it.each([
    { v1: [], why: 'not an object' },
    { v1: { 'x:bad': {} }, why: 'unknown element' },
    { v1: { 'k:[1]': {} }, why: 'key that is not an object' },
  ])('refuses $why', ({ v1 }) => {
    expect(() => FieldSet.fromFieldsV1(v1)).toThrow();
  });
});

describe('FieldSet', () => {
  const a = new FieldSet([['f:spec', 'f:replicas'], ['f:metadata', 'f:labels', 'f:app']]);
  const b = new FieldSet([['f:spec', 'f:replicas'], ['f:spec', 'f:selector']]);

  it('has set operations', () => {
    expect(a.union(b).size).toBe(3);
    expect(a.intersection(b).paths()).toEqual([['f:spec', 'f:replicas']]);
    expect(a.difference(b).paths()).toEqual([['f:metadata', 'f:labels', 'f:app']]);
    expect(a.without([['f:metadata']]).paths()).toEqual([['f:spec', 'f:replicas']]);
    expect(b.hasBelow(['f:spec'])).toBe(true);
    expect(b.hasBelow(['f:spec', 'f:replicas'])).toBe(false);
  });

  it.each([
    { path: ['f:spec', 'f:replicas'], want: '.spec.replicas' },
    { path: ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'], want: '.spec.containers[name="web"].image' },
    { path: ['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'], want: '.ports[containerPort=80,protocol="TCP"]' },
    { path: ['f:finalizers', 'v:"x"'], want: '.finalizers[="x"]' },
    { path: ['f:args', 'i:2'], want: '.args[2]' },
  ])('prints $want', ({ path, want }) => {
    expect(pathString(path)).toBe(want);
  });
});
