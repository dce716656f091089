// Parse and match vectors follow upstream k8s.io/apimachinery pkg/labels/selector_test.go.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors/index.js';
import {
  LabelSelector,
  labelsMatchSet,
  newLabelRequirement,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
} from './labels.js';

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    return (err as StatusError).message;
  }
  throw new Error('expected a BadRequest');
}

describe('parseLabelSelector: good input and canonical form', () => {
  it.each([
    ['', ''],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['\rx', 'x'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    ['this-is-another-dns.domain.com/key-with-dash in (so,what)', 'this-is-another-dns.domain.com/key-with-dash in (so,what)'],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tock.clock)', '0.1.2.domain/99 notin (10.10.100.1,tick.tock.clock)'],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (def,abc,abc)', 'x in (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in ()', 'x in ()'],
    ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['x==a', 'x==a'],
    ['x<7', 'x<7'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x notin ( )', 'x notin ()'],
    ['x notin (, a)', 'x notin (,a)'],
    ['a ', 'a'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['notin=in', 'notin=in'],
    ['in in (in)', 'in in (in)'],
    ['z=1,a=2,m', 'a=2,m,z=1'],
    ['app=web,app!=db', 'app=web,app!=db'],
    ['example.com/Tier=Front_End', 'example.com/Tier=Front_End'],
  ])('%j → %j', (input, canonical) => {
    const sel = parseLabelSelector(input);
    expect(sel.toString()).toBe(canonical);
    expect(parseLabelSelector(canonical).toString()).toBe(canonical);
  });

  it('exposes requirements with upstream operator names', () => {
    expect(parseLabelSelector('b notin (y,x),a,!c,d==e').requirements).toEqual([
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: 'notin', values: ['x', 'y'] },
      { key: 'c', operator: '!', values: [] },
      { key: 'd', operator: '==', values: ['e'] },
    ]);
  });
});

describe('parseLabelSelector: bad input', () => {
  it.each([
    ['x=a||y=b', 'unable to parse requirement: invalid label value: "a||y": at key: "x":'],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x<a', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['x,,y', "found ',', expected: identifier after ','"],
    [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
    ['x nott in (y)', "found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
    ['a in (xyz abc)', "found 'abc', expected: ',' or ')'"],
    ['a notin(', "found '', expected: ',', ')' or identifier"],
    ['a (', "found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['x in a', "found 'a' expected: '('"],
    ['x=(', "found '(', expected: identifier"],
    ['!', "found '', expected: identifier"],
    ['-x=a', 'invalid label key "-x"'],
    ['a/b/c', 'invalid label key "a/b/c"'],
    [`x=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
  ])('%j fails with a BadRequest naming the problem', (input, fragment) => {
    expect(badRequestMessage(() => parseLabelSelector(input))).toContain(fragment);
  });
});

describe('LabelSelector.matches (upstream TestSelectorMatches)', () => {
  it.each([
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x!=y', {}],
    ['x notin (a)', {}],
    ['x in (a,b)', { x: 'b' }],
    ['x=', { x: '' }],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ])('%j matches %j', (sel, labels) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(true);
  });
  it.each([
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['x>1', { x: 'two' }],
    ['x in (a,b)', { x: 'c' }],
    ['x notin (a,b)', { x: 'a' }],
    ['x=', {}],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ])('%j does not match %j', (sel, labels) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(false);
  });
  it('treats undefined labels as none', () => {
    expect(parseLabelSelector('!x').matches(undefined)).toBe(true);
    expect(parseLabelSelector('x').matches(undefined)).toBe(false);
  });
  it('does not read inherited properties as labels', () => {
    expect(parseLabelSelector('constructor').matches({})).toBe(false);
  });
});

describe('LabelSelector helpers', () => {
  it('empty() is true only for the match-everything selector', () => {
    expect(parseLabelSelector('').empty()).toBe(true);
    expect(parseLabelSelector('a').empty()).toBe(false);
    expect(LabelSelector.nothing().empty()).toBe(false);
  });
  it.each([
    ['app=web', 'web'],
    ['app==web', 'web'],
    ['app in (web)', 'web'],
    ['app in (web,db)', undefined],
    ['app!=web', undefined],
    ['tier=x', undefined],
  ])('requiresExactMatch("app") of %j is %j', (sel, want) => {
    expect(parseLabelSelector(sel).requiresExactMatch('app')).toBe(want);
  });
  it('add() keeps key order', () => {
    const sel = parseLabelSelector('b=1').add(newLabelRequirement('a', 'exists', []));
    expect(sel.toString()).toBe('a,b=1');
  });
  it.each([
    ['x', 'in', [], "values set can't be empty"],
    ['x', '=', ['a', 'b'], 'exact-match compatibility requires one single value'],
    ['x', 'exists', ['a'], 'values set must be empty'],
    ['x', 'gt', ['1', '2'], 'exactly one value is required'],
    ['x y', '=', ['a'], 'invalid label key "x y"'],
  ] as const)('newLabelRequirement(%j, %j, %j) fails: %s', (key, op, values, fragment) => {
    expect(badRequestMessage(() => newLabelRequirement(key, op, values))).toContain(fragment);
  });
});

describe('selectorFromSet and labelsMatchSet', () => {
  it.each([
    [{ app: 'web', tier: 'fe' }, { app: 'web', tier: 'fe', extra: 'x' }, true],
    [{ app: 'web', tier: 'fe' }, { app: 'web' }, false],
    [{ app: 'web' }, { app: 'db' }, false],
    [{}, { app: 'db' }, true],
    [{ app: '' }, {}, false],
  ])('%j against %j → %s', (set, labels, want) => {
    expect(selectorFromSet(set).matches(labels)).toBe(want);
    expect(labelsMatchSet(set, labels)).toBe(want);
  });
  it('renders the set sorted', () => {
    expect(selectorFromSet({ z: '1', a: '2' }).toString()).toBe('a=2,z=1');
    expect(selectorFromSet(undefined).empty()).toBe(true);
  });
});

describe('selectorFromLabelSelector (metav1.LabelSelectorAsSelector)', () => {
  it('selects nothing for a missing selector and everything for an empty one', () => {
    expect(selectorFromLabelSelector(undefined).matches({ a: 'b' })).toBe(false);
    expect(selectorFromLabelSelector(null).matches({})).toBe(false);
    expect(selectorFromLabelSelector({}).matches({ a: 'b' })).toBe(true);
  });
  it('combines matchLabels and matchExpressions', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'track', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(sel.toString()).toBe('app=web,env notin (prod),!legacy,tier in (be,fe),track');
    expect(sel.matches({ app: 'web', tier: 'fe', track: 'stable' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'fe', track: 'stable', env: 'prod' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'fe', track: 'stable', legacy: 'y' })).toBe(false);
  });
  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }, '"Equals" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] }, 'values set must be empty'],
    [{ matchLabels: { 'bad key': 'v' } }, 'invalid label key "bad key"'],
    [{ matchLabels: { k: 'bad value' } }, 'invalid label value: "bad value"'],
  ])('rejects %j', (spec, fragment) => {
    expect(badRequestMessage(() => selectorFromLabelSelector(spec))).toContain(fragment);
  });
});
