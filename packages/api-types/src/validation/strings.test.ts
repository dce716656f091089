import { describe, expect, it } from 'vitest';
import {
  isCIdentifier,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidIPv4,
  isValidIPv6,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  parseIPv6,
  regexError,
} from './strings.js';

const ok = <T>(fn: (v: T) => string[]) => (v: T) => expect(fn(v)).toEqual([]);
const bad = <T>(fn: (v: T) => string[]) => (v: T) => expect(fn(v).length).toBeGreaterThan(0);

describe('isDNS1123Label', () => {
  it.each(['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)])(
    'accepts %s',
    ok(isDNS1123Label),
  );
  it.each(['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)])(
    'rejects %j',
    bad(isDNS1123Label),
  );
  it('words the regex error as upstream does', () => {
    expect(isDNS1123Label('My_Name')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
  it('says dots are the problem when the value is a valid subdomain', () => {
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
  });
  it('reports length and pattern separately', () => {
    expect(isDNS1123Label(`${'a'.repeat(63)}-`)).toHaveLength(2);
  });
});

describe('isDNS1123Subdomain', () => {
  it.each(['a', 'a.b', 'a.b.c', '1.a', 'a-1.b-2', '0.0.0.0', 'example.com', `${'a'.repeat(63)}.${'b'.repeat(63)}`, 'a'.repeat(253)])(
    'accepts %s',
    ok(isDNS1123Subdomain),
  );
  it.each(['', 'A', 'a..b', '.a', 'a.', '-a.b', 'a-.b', 'a.-b', 'a_b', 'a b', 'a'.repeat(254)])('rejects %j', bad(isDNS1123Subdomain));
  it('cites upstream example and regex', () => {
    expect(isDNS1123Subdomain('Foo')[0]).toContain(
      "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  });
  it('reports the length limit', () => {
    expect(isDNS1123Subdomain('a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });
});

describe('isDNS1035Label', () => {
  it.each(['a', 'ab', 'a-1', 'a--b', 'a'.repeat(63)])('accepts %s', ok(isDNS1035Label));
  it.each(['', '0', '1a', 'A', 'a-', '-a', 'a.b', 'a_b', 'a'.repeat(64)])('rejects %j', bad(isDNS1035Label));
});

describe('isQualifiedName', () => {
  it.each([
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    '1234',
    'simple/simple',
    'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes',
    'now.with.dots/simple',
    'now-with.dashes-and.dots/simple',
    '1-num.2-num/3-num',
    '1234/5678',
    '1.2.3.4/5678',
    'Uppercase_Is_OK_123',
    'example.com/Uppercase_Is_OK_123',
    'requests.storage-foo',
    'a'.repeat(63),
    `${'a'.repeat(253)}/${'b'.repeat(63)}`,
  ])('accepts %s', ok(isQualifiedName));
  it.each([
    'nospecialchars%^=@',
    'cantendwithadash-',
    '-cantstartwithadash-',
    'only/one/slash',
    'Example.com/abc',
    'example_com/abc',
    'example.com/',
    '/simple',
    'a'.repeat(64),
    `${'a'.repeat(254)}/abc`,
  ])('rejects %j', bad(isQualifiedName));
  it('prefixes messages with the part at fault', () => {
    expect(isQualifiedName('/simple')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('example.com/')[0]).toBe('name part must be non-empty');
    expect(isQualifiedName('Example.com/abc')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of .* \(e\.g\. 'example\.com\/MyName'\)$/);
  });
});

describe('isValidLabelValue', () => {
  it.each(['', 'simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), 'Uppercase_Is_OK_123', 'now.with.dots'])(
    'accepts %j',
    ok(isValidLabelValue),
  );
  it.each(['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a/b', 'a'.repeat(64)])(
    'rejects %j',
    bad(isValidLabelValue),
  );
});

describe('isValidPortNum', () => {
  it.each([1, 80, 65535])('accepts %d', ok(isValidPortNum));
  it.each([0, -1, 65536, 1.5, Number.NaN])('rejects %d', bad(isValidPortNum));
  it('words the range', () => {
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
  });
});

describe('isValidPortName', () => {
  it.each(['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3', 'abcdefghijklmno'])('accepts %s', ok(isValidPortName));
  it.each([
    ['', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['1234', ['must contain at least one letter (a-z)']],
    ['-http', ['must not begin or end with a hyphen']],
    ['http-', ['must not begin or end with a hyphen']],
    ['ht--tp', ['must not contain consecutive hyphens']],
    ['Http', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    ['h_ttp', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    ['abcdefghijklmnop', ['must be no more than 15 characters']],
  ])('rejects %j', (v, want) => {
    expect(isValidPortName(v)).toEqual(want);
  });
});

describe('isCIdentifier', () => {
  it.each(['a', 'ab', 'abc', 'a1', '_a', 'a_', 'a_b', 'a_1', 'a__1__2__b', '__123_abc', '_', '_abc', 'A', 'AB', 'AbC', 'A1', '_A', 'A_', 'A_B', 'A_1', 'A__1__2__B', '__123_ABC'])(
    'accepts %s',
    ok(isCIdentifier),
  );
  it.each(['', '1', '123', '1a', '-', 'a-', '-a', 'a-b', 'a b', '1-', '-1', '1_', '1_2', '.', 'a.b', '#', 'a#', '#a'])('rejects %j', bad(isCIdentifier));
});

describe('isEnvVarName (relaxed)', () => {
  it.each(['HOME', 'a', '_', '1', 'A-B', 'a.b', 'my env', '!"#$%&()*+', '1ABC', '.', '..', '~'])('accepts %j', ok(isEnvVarName));
  it.each(['', 'A=B', '=', 'tab\t', 'nl\n', 'café', '\x7f'])('rejects %j', bad(isEnvVarName));
  it('names the empty case', () => {
    expect(isEnvVarName('')).toEqual(['environment variable name must be non-empty']);
  });
});

describe('IP addresses', () => {
  it.each(['0.0.0.0', '1.1.1.1', '255.255.255.255', '10.9.8.7', '010.001.0.1'])('isValidIPv4 accepts %s', ok(isValidIPv4));
  it.each(['', '1.1.1', '1.1.1.1.1', '256.0.0.0', '1.1.1.-1', 'a.b.c.d', '1.1.1.1/24', ' 1.1.1.1', '::1', '1..1.1', '0x1.1.1.1'])(
    'isValidIPv4 rejects %j',
    bad(isValidIPv4),
  );
  it.each(['::', '::1', '2001:db8::ffff', '1:2:3:4:5:6:7:8', '1::8', '1:2:3:4:5:6::', 'fe80::1', 'FE80::ABCD', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4'])(
    'isValidIPv6 accepts %s',
    ok(isValidIPv6),
  );
  it.each(['', '1.2.3.4', ':', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', '12345::', 'g::', 'fe80::1%eth0', '1:2:3:4:5:6:7::8', ':1::', '::1.2.3', '1.2.3.4::'])(
    'isValidIPv6 rejects %j',
    bad(isValidIPv6),
  );
  it.each(['10.9.8.7', '2001:db8::ffff', '::'])('isValidIP accepts %s', ok(isValidIP));
  it.each(['', 'a', '1.2.3', '1:2', '2001:db8::ffff/64', 'localhost'])('isValidIP rejects %j', bad(isValidIP));
  it('expands IPv6 with an embedded IPv4 tail', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  });
});

describe('isValidCIDR', () => {
  it.each(['10.9.8.0/24', '0.0.0.0/0', '1.2.3.4/32', '2001:db8::/64', '::/0', '::1/128', '::ffff:1.2.3.4/120'])('accepts %s', ok(isValidCIDR));
  it.each(['', '10.9.8.0', '10.9.8.0/33', '10.9.8.0/', '/24', '10.9.8.0/-1', '2001:db8::/129', '10.9.8.0/2a', 'a.b.c.d/8', '1.2.3.4/24/1'])(
    'rejects %j',
    bad(isValidCIDR),
  );
});

describe('regexError', () => {
  it.each([
    [[], "bad (regex used for validation is 'x')"],
    [['a'], "bad (e.g. 'a', regex used for validation is 'x')"],
    [['a', 'b'], "bad (e.g. 'a',  or 'b', regex used for validation is 'x')"],
  ])('formats examples %j', (examples, want) => {
    expect(regexError('bad', 'x', ...examples)).toBe(want);
  });
});
