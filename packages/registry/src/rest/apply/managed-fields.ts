/**
 * `metadata.managedFields`: one entry per manager and operation, each with the fields it owns
 * (FieldsV1). Decoded into a map keyed like upstream's manager identifier (manager, operation,
 * the apiVersion of Update entries, subresource: never the time), and encoded back sorted as
 * upstream sorts them.
 */
import { badRequest } from '@tskube/api-types';
import { FieldSet } from './fieldset.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ManagerFields {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

export type Managers = Map<string, ManagerFields>;

/** Upstream BuildManagerIdentifier: an applier keeps one identity across apiVersions. */
export function managerKey(m: Pick<ManagerFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);
}

/** How a conflict names a manager: `"kubectl"`, `"x" with subresource "scale" using v1`. */
export function describeManager(m: ManagerFields): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

export function decodeManagedFields(entries: unknown): Managers {
  const out: Managers = new Map();
  if (!Array.isArray(entries)) return out;
  entries.forEach((raw: unknown, i) => {
    const e = (raw ?? {}) as ManagedFieldsEntry;
    const operation = e.operation;
    if (operation !== 'Apply' && operation !== 'Update') {
      throw badRequest(`error decoding managed fields: managedFields[${i}]: invalid operation ${JSON.stringify(operation ?? '')}`);
    }
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') {
      throw badRequest(`error decoding managed fields: managedFields[${i}]: invalid fieldsType ${JSON.stringify(e.fieldsType)}`);
    }
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw badRequest(`error decoding managed fields: managedFields[${i}]: ${(err as Error).message}`);
    }
    const m: ManagerFields = { manager: e.manager ?? '', operation, apiVersion: e.apiVersion ?? '', set };
    if (e.subresource) m.subresource = e.subresource;
    if (e.time) m.time = e.time;
    const key = managerKey(m);
    const prev = out.get(key);
    out.set(key, prev ? { ...m, set: prev.set.union(set) } : m);
  });
  return out;
}

export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const seconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...managers.values()]
    .filter((m) => !m.set.isEmpty())
    .sort(
      (p, q) =>
        cmp(p.operation, q.operation) ||
        seconds(p.time) - seconds(q.time) ||
        cmp(p.manager, q.manager) ||
        cmp(p.apiVersion, q.apiVersion) ||
        cmp(p.subresource ?? '', q.subresource ?? ''),
    )
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: m.set.toFieldsV1(),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

/**
 * The manager of a write that names none: the user agent's program (`kubectl/v1.32.0 (…)` →
 * `kubectl`), as upstream. Throws Invalid for a name upstream refuses.
 */
export function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const given = query.get('fieldManager');
  if (given !== null && given !== '') return given;
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  return prefix.length > 128 ? prefix.slice(0, 128) : prefix;
}

/** RFC 3339 to the second, as metav1.Time. */
export const rfc3339Seconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
