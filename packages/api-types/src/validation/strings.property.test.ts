// Property tests (reliability.md §8.5 B2): our name and label validators against an independent
// statement of upstream's rules, written out here from
// k8s.io/apimachinery/pkg/util/validation/validation.go and pkg/api/validate/content/{dns,kube}.go:
//   dns1123LabelFmt      = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"           DNS1123LabelMaxLength     = 63
//   dns1123SubdomainFmt  = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
//                                                                   DNS1123SubdomainMaxLength = 253
//   dns1035LabelFmt      = "[a-z]([-a-z0-9]*[a-z0-9])?"              DNS1035LabelMaxLength     = 63
//   qualifiedNameFmt (labelKeyFmt) = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
//                                                                   qualifiedNameMaxLength    = 63
//   labelValueFmt        = "(" + qualifiedNameFmt + ")?"             LabelValueMaxLength       = 63
// Upstream measures with Go's len(), i.e. UTF-8 bytes, and its regexes are anchored with ^…$.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
} from './strings.js';

const RUNS = { seed: 0x5eed_1123, numRuns: 400 };

const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QNAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Go's len(s) for a string decoded from JSON (a lone surrogate becomes U+FFFD, 3 bytes). */
const goLen = (s: string): number => Buffer.byteLength(s, 'utf8');

const refSubdomain = (s: string): boolean => goLen(s) <= 253 && SUBDOMAIN_RE.test(s);
/** IsQualifiedName: `[prefix/]name`, prefix a non-empty DNS-1123 subdomain. */
const refQualifiedName = (s: string): boolean => {
  const parts = s.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1) ?? '';
  if (parts.length === 2 && !refSubdomain(parts[0] ?? '')) return false;
  return goLen(name) <= 63 && QNAME_RE.test(name);
};

// ---- arbitraries ----

const chars = (set: string) => fc.constantFrom(...set);
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = `${LOWER_ALNUM}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
/**
 * Characters that sit on the edges of the grammars: separators, case, whitespace, and
 * non-ASCII look-alikes (Kelvin sign, dotless i, full-width a, é, a lone surrogate, an emoji).
 */
const EDGE = [...'aAzZ09-._/ \t\n', '\u212a', '\u0131', '\uff41', 'é', '\ud800', '\u{1f600}', '\u0000'];

/** Mostly near-valid strings (grammar characters plus edge characters), around the limits. */
const nearValid = fc.string({ unit: fc.oneof(chars(`${LOWER_ALNUM}-.`), fc.constantFrom(...EDGE)), maxLength: 300 });
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  nearValid,
  // long runs of a valid character, to straddle 63 and 253 exactly
  fc.tuple(fc.constantFrom('a', 'é', 'A', '\u{1f600}'), fc.integer({ min: 0, max: 260 })).map(([c, n]) => c.repeat(n)),
);

/** `first (mid* last)?` with the total length at most max. */
const framed = (first: string, mid: string, last: string, max: number) =>
  fc
    .tuple(chars(first), fc.string({ unit: chars(mid), maxLength: max - 2 }), chars(last), fc.boolean())
    .map(([f, m, l, single]) => (single ? f : `${f}${m}${l}`));

const dns1123Label = framed(LOWER_ALNUM, `${LOWER_ALNUM}-`, LOWER_ALNUM, 63);
const dns1035Label = framed('abcdefghijklmnopqrstuvwxyz', `${LOWER_ALNUM}-`, LOWER_ALNUM, 63);
/** Labels joined by dots, cut to at most 253 characters at a label boundary. */
const dns1123Subdomain = fc.array(dns1123Label, { minLength: 1, maxLength: 8 }).map((labels) => {
  let out = labels[0] ?? 'a';
  for (const l of labels.slice(1)) {
    if (out.length + 1 + l.length > 253) break;
    out += `.${l}`;
  }
  return out;
});
const qualifiedNamePart = framed(ALNUM, `${ALNUM}-_.`, ALNUM, 63);
const qualifiedName = fc
  .tuple(fc.option(dns1123Subdomain), qualifiedNamePart)
  .map(([prefix, name]) => (prefix === null ? name : `${prefix}/${name}`));
const labelValue = fc.oneof(fc.constant(''), qualifiedNamePart);

// ---- properties ----

describe('name validators agree with upstream regexes and byte limits on arbitrary strings', () => {
  const table: [string, (s: string) => string[], RegExp, number][] = [
    ['isDNS1123Label', isDNS1123Label, LABEL_RE, 63],
    ['isDNS1123Subdomain', isDNS1123Subdomain, SUBDOMAIN_RE, 253],
    ['isDNS1035Label', isDNS1035Label, DNS1035_RE, 63],
    ['isValidLabelValue', isValidLabelValue, LABEL_VALUE_RE, 63],
  ];
  it.each(table)('%s', (_, validate, re, max) => {
    fc.assert(
      fc.property(anyString, (s) => {
        const errs = validate(s);
        expect(errs.length === 0).toBe(goLen(s) <= max && re.test(s));
        // The length message appears exactly when upstream's len() check fails.
        expect(errs.includes(maxLenError(max))).toBe(goLen(s) > max);
      }),
      RUNS,
    );
  });

  it('isQualifiedName', () => {
    const keyish = fc.oneof(
      anyString,
      fc.tuple(anyString, anyString).map(([a, b]) => `${a}/${b}`),
      fc.tuple(dns1123Subdomain, anyString).map(([a, b]) => `${a}/${b}`),
      fc.tuple(anyString, qualifiedNamePart).map(([a, b]) => `${a}/${b}`),
    );
    fc.assert(
      fc.property(keyish, (s) => {
        const errs = isQualifiedName(s);
        expect(errs.length === 0).toBe(refQualifiedName(s));
        const name = s.split('/').at(-1) ?? '';
        if (s.split('/').length <= 2) expect(errs.includes(`name part ${maxLenError(63)}`)).toBe(goLen(name) > 63);
      }),
      RUNS,
    );
  });
});

describe('name validators accept every string generated from the grammar', () => {
  it.each([
    ['isDNS1123Label', isDNS1123Label, dns1123Label],
    ['isDNS1123Subdomain', isDNS1123Subdomain, dns1123Subdomain],
    ['isDNS1035Label', isDNS1035Label, dns1035Label],
    ['isQualifiedName', isQualifiedName, qualifiedName],
    ['isValidLabelValue', isValidLabelValue, labelValue],
  ] as const)('%s', (_, validate, arb) => {
    fc.assert(
      fc.property(arb, (s) => {
        expect(validate(s)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('a label is a subdomain, and a subdomain is a valid key prefix', () => {
    fc.assert(
      fc.property(dns1123Label, dns1123Subdomain, qualifiedNamePart, (label, sub, name) => {
        expect(isDNS1123Subdomain(label)).toEqual([]);
        expect(isQualifiedName(`${sub}/${name}`)).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('regressions found by the properties', () => {
  // 32 × 'é' is 32 UTF-16 units but 64 bytes: upstream's len() says too long.
  it.each([
    [isValidLabelValue, 'é'.repeat(32), 63],
    [isDNS1123Label, '\u{1f600}'.repeat(16), 63],
    [isDNS1123Subdomain, 'é'.repeat(127), 253],
  ])('counts UTF-8 bytes for the length limit (%#)', (validate, value, max) => {
    expect(validate(value)).toContain(maxLenError(max));
  });
  it('counts UTF-8 bytes in the name part of a qualified name', () => {
    expect(isQualifiedName(`a/${'é'.repeat(32)}`)).toContain(`name part ${maxLenError(63)}`);
  });
});
