import { describe, expect, it } from 'vitest';
import { isStatusError } from '@tskube/api-types';
import type { JsonMap } from './json.js';
import type { FieldMeta } from './patch-meta.js';
import { strategicMergePatch } from './strategic-merge.js';

// The `MergeItem` test type of upstream's patch_test.go, as a schema (it is recursive).
const mergeItem: Record<string, FieldMeta> = {};
Object.assign(mergeItem, {
  mergingList: { strategy: 'merge', mergeKey: 'name', fields: mergeItem },
  mergingIntList: { strategy: 'merge' },
  retainKeysMergingList: { strategy: 'merge', retainKeys: true, mergeKey: 'name', fields: mergeItem },
  retainKeysMap: {
    fields: { mergingIntList: { strategy: 'merge' }, mergingList: { strategy: 'merge', mergeKey: 'name', fields: mergeItem } },
  },
});

const apply = (original: JsonMap, patch: JsonMap): JsonMap => strategicMergePatch(structuredClone(original), patch, mergeItem);

/**
 * Vectors from apimachinery `pkg/util/strategicpatch/patch_test.go` (YAML there, JSON here): the
 * two-way patch applied to `original` gives `modified`, the three-way one applied to `current`
 * gives `result`. `names` are numbers there too.
 */
describe('upstream strategic merge patch vectors', () => {
  it.each<{ name: string; doc: JsonMap; patch: JsonMap; want: JsonMap }>([
    { name: 'unique scalars when merging lists', doc: { mergingIntList: [1, 2] }, patch: { mergingIntList: [2, 3] }, want: { mergingIntList: [1, 2, 3] } },
    {
      name: 'delete all items from merging list',
      doc: { mergingList: [{ name: 1 }, { name: 2 }] },
      patch: { mergingList: [{ $patch: 'replace' }] },
      want: { mergingList: [] },
    },
    { name: 'delete all keys from map', doc: { name: 1, value: 1 }, patch: { $patch: 'replace' }, want: {} },
    { name: 'add key and delete all keys from map', doc: { name: 1, value: 1 }, patch: { other: 'a', $patch: 'replace' }, want: { other: 'a' } },
    {
      name: 'delete all duplicate entries in a merging list',
      doc: { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }] },
      patch: { mergingList: [{ name: 1, $patch: 'delete' }, { name: 3, $patch: 'delete' }] },
      want: { mergingList: [{ name: 2, value: 'a' }] },
    },
    {
      name: 'retainKeys list can add a field when no retainKeys directive present',
      doc: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo' }] },
      patch: { retainKeysMergingList: [{ name: 'foo', value: 'a' }] },
      want: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
    },
    {
      name: 'retainKeys list can delete a field when no retainKeys directive present',
      doc: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
      patch: { retainKeysMergingList: [{ name: 'foo', value: null }] },
      want: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo' }] },
    },
    {
      name: 'preserve the order from the patch in a merging list',
      doc: { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
      patch: { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, other: 'x' }] },
      want: { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, value: 'b', other: 'x' }] },
    },
    {
      name: 'preserve the order from the patch in a merging list 2',
      doc: { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
      patch: { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }] },
      want: { mergingList: [{ name: 2, value: 'b' }, { name: 3, value: 'c' }, { name: 1, value: 'a' }] },
    },
    { name: 'preserve the order from the patch in a merging int list', doc: { mergingIntList: [1, 2, 3] }, patch: { mergingIntList: [3, 1, 2] }, want: { mergingIntList: [3, 1, 2] } },
    { name: 'preserve the order from the patch in a merging int list 2', doc: { mergingIntList: [1, 2, 3] }, patch: { mergingIntList: [3, 1] }, want: { mergingIntList: [2, 3, 1] } },
    {
      name: '$setElementOrder contains item that is not present in the list to be merged',
      doc: { mergingList: [{ name: 1 }, { name: 3 }] },
      patch: { '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
      want: { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
    },
    {
      name: '$setElementOrder contains item that is not present in the int list to be merged',
      doc: { mergingIntList: [1, 3] },
      patch: { '$setElementOrder/mergingIntList': [3, 2, 1] },
      want: { mergingIntList: [3, 1] },
    },
    { name: '$deleteFromPrimitiveList of nonexistent item', doc: { mergingIntList: [1, 2] }, patch: { '$deleteFromPrimitiveList/mergingIntList': [3] }, want: { mergingIntList: [1, 2] } },
    { name: '$deleteFromPrimitiveList on nonexistent primitive list', doc: { foo: ['bar'] }, patch: { '$deleteFromPrimitiveList/mergingIntList': [3] }, want: { foo: ['bar'] } },
    { name: '$deleteFromPrimitiveList on a merge list', doc: { mergingIntList: [1, 2, 3] }, patch: { '$deleteFromPrimitiveList/mergingIntList': [2] }, want: { mergingIntList: [1, 3] } },
    { name: '$deleteFromPrimitiveList on a non-merge list', doc: { nonMergingIntList: [1, 2, 3] }, patch: { '$deleteFromPrimitiveList/nonMergingIntList': [2] }, want: { nonMergingIntList: [1, 3] } },
    {
      name: 'delete items in lists of scalars (three-way)',
      doc: { mergingIntList: [1, 2, 3, 4] },
      patch: { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: [1, 2, 4] },
    },
    {
      name: 'add and delete items in lists of scalars (two-way)',
      doc: { mergingIntList: [1, 2, 3] },
      patch: { '$setElementOrder/mergingIntList': [1, 2, 4], '$deleteFromPrimitiveList/mergingIntList': [3], mergingIntList: [4] },
      want: { mergingIntList: [1, 2, 4] },
    },
    {
      name: 'merge lists of maps (three-way)',
      doc: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
      patch: { '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }] },
      want: { mergingList: [{ name: 4, value: 4 }, { name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] },
    },
    {
      name: 'add field to map in merging list with conflict (three-way)',
      doc: { mergingList: [{ name: 1, other: 'a' }, { name: 3, value: 2, other: 'b' }] },
      patch: { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, value: 1 }, { name: 2, value: 2 }] },
      want: { mergingList: [{ name: 1, other: 'a', value: 1 }, { name: 2, value: 2 }, { name: 3, value: 2, other: 'b' }] },
    },
    {
      name: 'add map and delete map from merging list (three-way)',
      doc: { mergingList: [{ name: 1 }, { name: 2, other: 'b' }, { name: 4, other: 'c' }] },
      patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 3 }], mergingList: [{ name: 3 }, { name: 1, $patch: 'delete' }] },
      want: { mergingList: [{ name: 2, other: 'b' }, { name: 4, other: 'c' }, { name: 3 }] },
    },
    {
      name: 'add map and delete map from merging list with conflict (three-way)',
      doc: { mergingList: [{ name: 1, other: 'a' }, { name: 4, other: 'c' }] },
      patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 3 }], mergingList: [{ name: 2 }, { name: 3 }, { name: 1, $patch: 'delete' }] },
      want: { mergingList: [{ name: 4, other: 'c' }, { name: 2 }, { name: 3 }] },
    },
    {
      name: 'delete missing map from merging list with conflict (three-way)',
      doc: { mergingList: [{ name: 3, other: 'a' }] },
      patch: { '$setElementOrder/mergingList': [{ name: 2 }], mergingList: [{ name: 2 }, { name: 1, $patch: 'delete' }] },
      want: { mergingList: [{ name: 2 }, { name: 3, other: 'a' }] },
    },
    {
      name: 'nested patch merge with empty list (two-way)',
      doc: { name: 'hi' },
      patch: { mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }] },
      want: { name: 'hi', mergingList: [{ name: 'hello' }] },
    },
    {
      name: 'nested patch merge with empty list (three-way)',
      doc: { name: 'hi', mergingList: [{ name: 'hello2' }] },
      patch: {
        '$setElementOrder/mergingList': [{ name: 'hello' }, { name: 'doesntexist' }],
        mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }],
      },
      want: { name: 'hi', mergingList: [{ name: 'hello' }, { name: 'hello2' }] },
    },
    {
      name: 'replace non merging list nested in merging list (three-way)',
      doc: { mergingList: [{ name: 1, other: 'a', nonMergingList: [{ name: 1 }, { name: 2, value: 2 }] }, { name: 2, other: 'b' }] },
      patch: { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, nonMergingList: [{ name: 1, value: 1 }] }] },
      want: { mergingList: [{ name: 1, other: 'a', nonMergingList: [{ name: 1, value: 1 }] }, { name: 2, other: 'b' }] },
    },
    {
      name: 'defined null values remove current fields',
      doc: { name: 'a', other: 'a' },
      patch: { name: 1, value: 1, other: null },
      want: { name: 1, value: 1 },
    },
  ])('$name', ({ doc, patch, want }) => {
    expect(apply(doc, patch)).toEqual(want);
  });

  it.each<{ name: string; doc: JsonMap; patch: JsonMap; message: string }>([
    {
      name: 'order in $setElementOrder and patch list must match',
      doc: { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
      patch: { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
      message: "doesn't match",
    },
    {
      name: 'order in $setElementOrder and patch int list must match',
      doc: { mergingIntList: [1, 3, 2] },
      patch: { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] },
      message: "doesn't match",
    },
    {
      name: 'missing merge key',
      doc: { mergingList: [{ name: 1, value: 'a' }] },
      patch: { mergingList: [{ value: 'b' }] },
      message: 'does not contain declared merge key',
    },
  ])('rejects: $name', ({ doc, patch, message }) => {
    expect(() => apply(doc, patch)).toThrow(message);
  });
});

describe('strategic merge patch directives', () => {
  it.each<{ name: string; patch: JsonMap; code: number; message: string }>([
    { name: 'unknown $patch on a map', patch: { simpleMap: { $patch: 'bogus' } }, code: 400, message: 'unknown patch type: bogus' },
    { name: 'unknown $patch in a list', patch: { mergingList: [{ name: 1, $patch: 'bogus' }] }, code: 400, message: 'unknown patch type: bogus' },
    { name: '$patch: merge in a list', patch: { mergingList: [{ name: 1, $patch: 'merge' }] }, code: 400, message: 'merging lists cannot yet be specified' },
    { name: '$patch: delete without merge key', patch: { mergingList: [{ $patch: 'delete' }] }, code: 400, message: 'does not contain declared merge key: name' },
    { name: '$retainKeys that is not a list', patch: { retainKeysMap: { $retainKeys: 'name' } }, code: 400, message: 'invalid patch format of retainKeys' },
    { name: 'a patched field missing from $retainKeys', patch: { retainKeysMap: { $retainKeys: ['name'], value: 'x' } }, code: 400, message: 'invalid patch format of retainKeys' },
    { name: '$setElementOrder without a field', patch: { $setElementOrder: [1] }, code: 400, message: 'invalid patch format of setElementOrder list' },
    { name: '$setElementOrder that is not a list', patch: { '$setElementOrder/mergingIntList': 1 }, code: 400, message: 'invalid patch format of setElementOrder list' },
    { name: '$deleteFromPrimitiveList without a field', patch: { $deleteFromPrimitiveList: [1] }, code: 400, message: 'invalid patch format of primitive list' },
    { name: '$deleteFromPrimitiveList of maps', patch: { '$deleteFromPrimitiveList/mergingIntList': [{ a: 1 }] }, code: 400, message: 'invalid patch format of primitive list' },
    { name: 'a merge list of lists', patch: { mergingIntList: [[1]] }, code: 422, message: 'the server rejected our request due to an error in our request' },
    { name: 'a merge list mixing element types', patch: { mergingIntList: ['a'] }, code: 400, message: 'list element types are not identical' },
  ])('$name → $code', ({ patch, code, message }) => {
    const doc = { mergingIntList: [1], mergingList: [{ name: 1 }], retainKeysMap: { name: 'a' }, simpleMap: { a: 'b' } };
    let caught: unknown;
    try {
      apply(doc, patch);
    } catch (err) {
      caught = err;
    }
    expect(isStatusError(caught)).toBe(true);
    expect(caught).toMatchObject({ code });
    expect((caught as Error).message).toContain(message);
  });

  it.each<{ name: string; doc: JsonMap; patch: JsonMap; want: JsonMap }>([
    { name: '$patch: delete on a map removes it', doc: { simpleMap: { a: 'b' }, name: 'x' }, patch: { simpleMap: { $patch: 'delete' } }, want: { name: 'x' } },
    { name: '$patch: replace on a nested map', doc: { simpleMap: { a: 'b', c: 'd' } }, patch: { simpleMap: { $patch: 'replace', e: 'f' } }, want: { simpleMap: { e: 'f' } } },
    { name: '$patch: merge on a map is the default', doc: { simpleMap: { a: 'b' } }, patch: { simpleMap: { $patch: 'merge', c: 'd' } }, want: { simpleMap: { a: 'b', c: 'd' } } },
    {
      name: '$patch: replace element replaces the merge list',
      doc: { mergingList: [{ name: 1, value: 'a' }, { name: 2 }] },
      patch: { mergingList: [{ name: 3 }, { name: 1 }, { $patch: 'replace' }] },
      want: { mergingList: [{ name: 3 }, { name: 1 }] },
    },
    {
      name: '$retainKeys clears the unlisted fields, then merges',
      doc: { retainKeysMap: { name: 'a', value: 'b', other: 'c' } },
      patch: { retainKeysMap: { $retainKeys: ['name', 'other'], other: 'd' } },
      want: { retainKeysMap: { name: 'a', other: 'd' } },
    },
    {
      name: 'directives inside a value added wholesale are applied, not stored',
      doc: {},
      patch: { simpleMap: { a: 'b', gone: null, $retainKeys: ['a'] }, mergingIntList: [1], '$setElementOrder/mergingIntList': [1] },
      want: { simpleMap: { a: 'b' }, mergingIntList: [1] },
    },
    { name: 'a value of another type is replaced', doc: { simpleMap: ['x'] }, patch: { simpleMap: { a: 'b' } }, want: { simpleMap: { a: 'b' } } },
    { name: 'a primitive merge list is a set', doc: { mergingIntList: [1, 2] }, patch: { mergingIntList: [2, 2, 5] }, want: { mergingIntList: [1, 2, 5] } },
    { name: 'a null patch value of an absent field does nothing', doc: { name: 'a' }, patch: { value: null }, want: { name: 'a' } },
  ])('$name', ({ doc, patch, want }) => {
    expect(apply(doc, patch)).toEqual(want);
  });
});
