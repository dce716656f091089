/**
 * Continue tokens for paged lists, shaped as upstream's (apiserver/pkg/storage/continue.go):
 * base64 of `{"v":"meta.k8s.io/v1","rv":<list revision>,"start":"<key after the prefix>"}`.
 */
import { badRequest } from '@tskube/api-types';

const VERSION = 'meta.k8s.io/v1';

export interface ContinueState {
  /** The revision the first page was read at; later pages read at the same one. */
  revision: number;
  /** The last returned key, relative to the list prefix; the next page starts after it. */
  start: string;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: VERSION, rv: state.revision, start: state.start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: the token is not valid base64-encoded JSON');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown } | null;
  if (!p || p.v !== VERSION || typeof p.rv !== 'number' || !Number.isInteger(p.rv) || p.rv <= 0 || typeof p.start !== 'string') {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion or key (version meta.k8s.io/v1)');
  }
  // The start key is relative to the list prefix; a token may not climb out of it.
  if (p.start.startsWith('/') || p.start.split('/').includes('..')) {
    throw badRequest('continue key is not valid: the key is not a relative path');
  }
  return { revision: p.rv, start: p.start };
}
