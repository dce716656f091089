/**
 * Accept negotiation. We produce JSON only; the one alternative representation is the
 * server-side Table (`application/json;as=Table;v=v1;g=meta.k8s.io`). Never 406: anything we
 * cannot produce gets plain JSON.
 */
import { badRequest } from '@tskube/api-types';

export interface TableRequest {
  /** meta.k8s.io version the client asked for (`v1` or `v1beta1`). */
  version: 'v1' | 'v1beta1';
  includeObject: 'None' | 'Metadata' | 'Object';
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type, ...rest] = part.split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    out.push({ type: (type ?? '').trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  // Stable: equal q keeps the client's order.
  return out.filter((m) => m.q > 0).sort((a, b) => b.q - a.q);
}

/**
 * The Table the client asked for, or undefined for plain JSON. The first acceptable media range
 * wins, so `application/json` listed before the Table means JSON.
 */
export function negotiateTable(accept: string | undefined, includeObject: unknown): TableRequest | undefined {
  for (const m of parseAccept(accept)) {
    const isJson = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (!isJson) continue;
    if (m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
      return { version: m.params.v, includeObject: includeObjectOf(includeObject) };
    }
    if (m.params.as === undefined) return undefined;
    // Another `as=` (PartialObjectMetadata, ...): not served; try the next range.
  }
  return undefined;
}

function includeObjectOf(value: unknown): TableRequest['includeObject'] {
  if (value === undefined || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  throw badRequest(`includeObject must be one of "None", "Metadata", or "Object", got ${JSON.stringify(value)}`);
}
