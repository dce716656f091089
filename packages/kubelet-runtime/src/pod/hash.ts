import { createHash } from 'node:crypto';
import type { Container } from '@tskube/api-types';

/** JSON with object keys sorted, so equal values always serialize the same way. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * The container spec's hash, stored on the runtime container as a label: a container whose
 * spec changed (e.g. its image) is restarted, and a restarted kubelet recognises unchanged ones.
 */
export function containerHash(container: Container): string {
  return createHash('sha256').update(stableJson(container)).digest('hex').slice(0, 16);
}
