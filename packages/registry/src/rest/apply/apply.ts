/**
 * Field ownership, as the apiserver's field manager (structured-merge-diff `merge.Updater`):
 * `applyConfiguration` for server-side apply (merge, prune what the applier dropped, conflicts)
 * and `recordUpdate` for every other write (the writer takes the fields it changed).
 */
import { isDeepStrictEqual } from 'node:util';
import { StatusError, type StatusCause } from '@tskube/api-types';
import { isMap, type JsonMap } from '../patch/json.js';
import { FieldSet, pathString, type FieldPath } from './fieldset.js';
import { decodeManagedFields, describeManager, encodeManagedFields, managerKey, rfc3339Seconds, type ManagerFields, type Managers } from './managed-fields.js';
import { compareObjects, fieldSetOf, membersOf, mergeApplied, removeFields } from './typed.js';

export interface FieldManagerContext {
  /** The kind written, e.g. `ReplicationController` (its schema decides list semantics). */
  kind: string;
  /** The `fieldManager`, or the user agent's program (managed-fields.ts fieldManagerOf). */
  manager: string;
  /** The apiVersion the writer used, e.g. `v1`. */
  apiVersion: string;
  /** A write through a subresource: `status` owns only status, `scale` the parent's replicas. */
  subresource?: 'status' | 'scale';
  now?: () => Date;
}

/** Fields nobody owns (upstream stripMeta), the server sets them. */
const SERVER_FIELDS: readonly FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'].map(
    (f) => ['f:metadata', `f:${f}`],
  ),
];
const STATUS: readonly FieldPath[] = [['f:status']];

/** The part of a field set a write through `subresource` can own (upstream: the strategy's reset fields). */
function tracked(set: FieldSet, subresource: FieldManagerContext['subresource']): FieldSet {
  const s = set.without(SERVER_FIELDS);
  return subresource === 'status' ? s.only(STATUS) : s.without(STATUS);
}

type Obj = JsonMap & { metadata?: JsonMap };
const metaOf = (o: Obj): JsonMap => (isMap(o.metadata) ? o.metadata : (o.metadata = {}));
const now = (ctx: FieldManagerContext) => rfc3339Seconds((ctx.now ?? (() => new Date()))());

function setManagedFields(obj: Obj, managers: Managers): void {
  const entries = encodeManagedFields(managers);
  const meta = metaOf(obj);
  if (entries.length > 0) meta.managedFields = entries as unknown as JsonMap[];
  else delete meta.managedFields;
}

/**
 * Records a non-apply write (operation `Update`) in `next.metadata.managedFields`, in place:
 * the manager takes every field the write added or changed, other managers lose those, and
 * removed fields leave everyone. A write that changes nothing tracked leaves them untouched;
 * an explicitly empty `managedFields` resets them (upstream).
 */
export function recordUpdate(next: Obj, old: Obj | undefined, ctx: FieldManagerContext): void {
  const given = next.metadata?.managedFields;
  if (Array.isArray(given) && given.length === 0) {
    delete metaOf(next).managedFields;
    return;
  }
  if (given !== undefined && !decodes(given)) {
    // Undecodable (a client that got them wrong): keep the live ones instead.
    const live = old?.metadata?.managedFields;
    if (live !== undefined) metaOf(next).managedFields = structuredClone(live);
    else delete metaOf(next).managedFields;
  }
  const { changed: c, removed: r } = compareObjects(old, next, ctx.kind);
  const changed = tracked(c, ctx.subresource);
  const removed = tracked(r, ctx.subresource);
  if (changed.isEmpty() && removed.isEmpty()) return;
  const managers = updateBase(given, old?.metadata?.managedFields);
  const mine: ManagerFields = {
    manager: ctx.manager,
    operation: 'Update',
    apiVersion: ctx.apiVersion,
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
    set: new FieldSet(),
  };
  const key = managerKey(mine);
  for (const [k, m] of managers) if (k !== key) m.set = m.set.difference(changed).difference(removed);
  mine.set = (managers.get(key)?.set ?? new FieldSet()).difference(removed).union(changed);
  mine.time = now(ctx);
  managers.delete(key);
  managers.set(key, mine);
  setManagedFields(next, managers);
}

/**
 * The managers a non-apply write starts from (upstream FieldManager.Update): the ones it sent,
 * else (none, or undecodable: clients that do not know managedFields) the live ones; never an
 * error, at worst a reset.
 */
function decodes(entries: unknown): boolean {
  try {
    decodeManagedFields(entries);
    return true;
  } catch {
    return false;
  }
}

function updateBase(given: unknown, live: unknown): Managers {
  for (const candidate of [given, live]) {
    try {
      const managers = decodeManagedFields(candidate);
      if (managers.size > 0) return managers;
    } catch {
      // try the next
    }
  }
  return new Map();
}

export interface ApplyOptions extends FieldManagerContext {
  /** `force=true`: take conflicting fields instead of failing. */
  force: boolean;
}

/**
 * Server-side apply of `config` onto `live` (absent: the object is created from the config).
 * Returns the new object with its managedFields; throws a 409 Conflict Status (upstream's message
 * and FieldManagerConflict causes) when the config changes fields another manager owns, unless forced.
 */
export function applyConfiguration(live: Obj | undefined, config: Obj, opts: ApplyOptions): Obj {
  const applier: ManagerFields = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    set: tracked(fieldSetOf(config, opts.kind), opts.subresource),
    time: now(opts),
  };
  const key = managerKey(applier);
  if (!live) {
    const created = structuredClone(config);
    setManagedFields(created, new Map([[key, applier]]));
    return created;
  }
  const managers = updateBase(live.metadata?.managedFields, undefined);
  const previous = managers.get(key);
  let others = new FieldSet();
  for (const [k, m] of managers) if (k !== key) others = others.union(m.set);

  const merged: Obj = mergeApplied(live, config, opts.kind);
  // What this applier set before and no longer does goes, unless someone still owns it.
  if (previous) removeFields(merged, previous.set.difference(applier.set).difference(others), others.union(applier.set), opts.kind);

  const cmp = compareObjects(live, merged, opts.kind);
  const changed = tracked(cmp.changed, opts.subresource);
  const removed = tracked(cmp.removed, opts.subresource);
  const conflicts: { manager: ManagerFields; path: FieldPath }[] = [];
  for (const [k, m] of managers) {
    if (k === key) continue;
    for (const path of m.set.intersection(changed).paths()) conflicts.push({ manager: m, path });
  }
  let force = opts.force;
  if (conflicts.length > 0 && !force) {
    const allowed = allowedByLastApplied(live, opts);
    const left = conflicts.filter((c) => !allowed.has(c.path));
    if (left.length > 0) throw conflictError(left);
    force = true;
  }
  for (const [k, m] of managers) {
    if (k === key) continue;
    if (force) m.set = m.set.difference(changed);
    m.set = m.set.difference(removed);
  }
  if (opts.manager === KUBECTL) updateLastApplied(merged, config);

  if (previous && changed.isEmpty() && removed.isEmpty() && previous.set.equals(applier.set) && previous.time) applier.time = previous.time;
  managers.delete(key);
  managers.set(key, applier);
  setManagedFields(merged, managers);
  return merged;
}

const KUBECTL = 'kubectl';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const lastAppliedOf = (o: Obj): string | undefined => {
  const annotations = o.metadata?.annotations;
  const v = isMap(annotations) ? annotations[LAST_APPLIED] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/**
 * Upstream lastAppliedManager: `kubectl apply --server-side` taking over an object that client-side
 * apply managed may take, without force, the fields of its last-applied configuration that nobody
 * changed since (their live value is still the last-applied one).
 */
function allowedByLastApplied(live: Obj, opts: ApplyOptions): FieldSet {
  const text = opts.manager === KUBECTL ? lastAppliedOf(live) : undefined;
  if (text === undefined) return new FieldSet();
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isMap(last)) return new FieldSet();
  const liveMembers = membersOf(live, opts.kind);
  const allowed = new FieldSet();
  for (const [k, m] of membersOf(last, opts.kind)) {
    const l = liveMembers.get(k);
    if (l && (m.item || isDeepStrictEqual(l.value, m.value))) allowed.insert(m.path);
  }
  return allowed;
}

/** Upstream lastAppliedUpdater: kubectl's server-side applies keep an existing last-applied annotation current. */
function updateLastApplied(merged: Obj, config: Obj): void {
  if (lastAppliedOf(merged) === undefined) return;
  const last = structuredClone(config);
  const annotations = last.metadata?.annotations;
  if (isMap(annotations)) {
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete last.metadata!.annotations;
  }
  (metaOf(merged).annotations as JsonMap)[LAST_APPLIED] = `${JSON.stringify(last)}\n`;
}

/** Upstream fieldmanager NewConflictError. */
function conflictError(conflicts: { manager: ManagerFields; path: FieldPath }[]): StatusError {
  const rows = conflicts
    .map((c) => ({ who: describeManager(c.manager), path: pathString(c.path) }))
    .sort((a, b) => (a.who < b.who ? -1 : a.who > b.who ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const causes: StatusCause[] = rows.map((r) => ({ reason: 'FieldManagerConflict', message: `conflict with ${r.who}`, field: r.path }));
  let message: string;
  if (rows.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${rows[0]!.who}: ${rows[0]!.path}`;
  } else {
    const lines: string[] = [];
    let last: string | undefined;
    for (const r of rows) {
      if (r.who !== last) lines.push(`conflict with ${r.who}:`);
      last = r.who;
      lines.push(`- ${r.path}`);
    }
    message = `Apply failed with ${rows.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError('Conflict', message, { causes });
}
