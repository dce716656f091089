import { randomInt } from 'node:crypto';

/** Upstream's alphabet for generated name suffixes (no vowels, no confusable characters). */
export const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
/** Names are at most 63 characters; upstream trims the base to leave room for the suffix. */
const MAX_BASE = 63 - SUFFIX_LENGTH;

export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return base.slice(0, MAX_BASE) + suffix;
}

/** RFC 3339 with second precision and a `Z`, as Kubernetes serialises metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
