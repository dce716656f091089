/**
 * PATCH with `Content-Type: application/apply-patch+yaml`: server-side apply through the store
 * (created when absent, answered 201 then), and the Update tracking every other write passes to
 * the store (`trackFields`).
 */
import { badRequest, conflict, isStatusError, OBJECT_MODIFIED, StatusError } from '@tskube/api-types';
import type { StoredObject } from '../../cache/types.js';
import type { Store } from '../../store/types.js';
import { apiVersionOf, checkObject, decodeBodyFields, fieldValidationOf } from '../body.js';
import type { JsonMap } from '../patch/json.js';
import { applyConfiguration, recordUpdate, type FieldManagerContext } from './apply.js';
import { fieldManagerOf } from './managed-fields.js';

export interface ApplyRequest {
  store: Store<StoredObject>;
  kind: string;
  group: string;
  resource: string;
  namespace: string | undefined;
  name: string;
  query: URLSearchParams;
  body: Buffer;
  dryRun: boolean;
}

export interface ApplyResult {
  obj: StoredObject;
  created: boolean;
  warnings: string[];
}

const patchOptionsInvalid = (field: string, type: string, detail: string): StatusError =>
  new StatusError('Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${detail}`, {
    group: 'meta.k8s.io',
    kind: 'PatchOptions',
    name: '',
    causes: [{ reason: type, message: detail, field }],
  });

/** Upstream ValidatePatchOptions for apply: a fieldManager is required, at most 128 bytes. */
function applyManager(query: URLSearchParams): string {
  const m = query.get('fieldManager') ?? '';
  if (m === '') throw patchOptionsInvalid('fieldManager', 'FieldValueRequired', 'Required value: is required for apply patch');
  if (Buffer.byteLength(m) > 128) throw patchOptionsInvalid('fieldManager', 'FieldValueTooLong', 'Too long: may not be more than 128 bytes');
  return m;
}

/** `force` may only come with apply (upstream), and is a boolean. */
export function forceParam(query: URLSearchParams, apply: boolean): boolean {
  const v = query.get('force');
  if (v === null) return false;
  if (!apply) throw patchOptionsInvalid('force', 'FieldValueForbidden', 'Forbidden: may not be specified for non-apply patch');
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid value for force: ${JSON.stringify(v)}`);
}

/** Update-or-create races retried before giving up. */
const MAX_APPLY_ATTEMPTS = 5;

export async function serverSideApply(req: ApplyRequest): Promise<ApplyResult> {
  const manager = applyManager(req.query);
  const force = forceParam(req.query, true);
  const validation = fieldValidationOf(req.query.get('fieldValidation') ?? undefined);
  const text = req.body.toString('utf8');
  // kubectl sends JSON in this media type; YAML is accepted as upstream does.
  const bodyType = /^\s*\{/.test(text) ? 'application/json' : 'application/yaml';
  const { value, fields } = decodeBodyFields(req.body, bodyType, req.kind);
  const { obj: config, warnings } = checkObject(value, req.kind, validation, { fields });
  const meta = (config.metadata ??= {});
  if (meta.name !== undefined && meta.name !== req.name) {
    throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${req.name})`);
  }
  meta.name = req.name;
  if (req.namespace !== undefined) {
    if (meta.namespace !== undefined && meta.namespace !== req.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = req.namespace;
  }
  const ctx = { kind: req.kind, manager, apiVersion: apiVersionOf(req.kind), force };
  const precondition = typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '' ? meta.resourceVersion : undefined;
  delete meta.managedFields;

  for (let attempt = 1; ; attempt++) {
    try {
      const obj = await req.store.guaranteedUpdate(
        req.namespace,
        req.name,
        (current) => {
          if (precondition !== undefined && precondition !== current.metadata.resourceVersion) {
            throw conflict({ group: req.group, resource: req.resource }, req.name, OBJECT_MODIFIED);
          }
          return applyConfiguration(current as unknown as JsonMap, structuredClone(config) as JsonMap, ctx) as unknown as StoredObject;
        },
        { dryRun: req.dryRun },
      );
      return { obj, created: false, warnings };
    } catch (err) {
      if (!isStatusError(err) || err.reason !== 'NotFound' || precondition !== undefined) throw err;
    }
    const fresh = applyConfiguration(undefined, structuredClone(config) as JsonMap, ctx) as unknown as StoredObject;
    try {
      return { obj: await req.store.create(req.namespace, fresh, { dryRun: req.dryRun }), created: true, warnings };
    } catch (err) {
      // Created meanwhile: apply to that one.
      if (!isStatusError(err) || err.reason !== 'AlreadyExists' || req.dryRun || attempt >= MAX_APPLY_ATTEMPTS) throw err;
    }
  }
}

/**
 * The `trackFields` hook of a non-apply write: records it as an `Update` by its manager.
 * `kind` is the stored object's kind (a scale write changes its ReplicationController).
 */
export function updateTracker(
  kind: string,
  query: URLSearchParams,
  userAgent: string | undefined,
  subresource?: FieldManagerContext['subresource'],
): (next: StoredObject, old: StoredObject | undefined) => void {
  const ctx: FieldManagerContext = { kind, manager: fieldManagerOf(query, userAgent), apiVersion: apiVersionOf(kind), ...(subresource ? { subresource } : {}) };
  return (next, old) => recordUpdate(next as unknown as JsonMap, old as unknown as JsonMap | undefined, ctx);
}
