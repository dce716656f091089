/** ObjectMeta validation (apimachinery's ValidateObjectMeta and ValidateObjectMetaUpdate). */
import type { FieldError } from '../errors/index.js';
import type { ObjectMeta, OwnerReference } from '../types/index.js';
import { field, immutable, invalidEach } from './field.js';
import { isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue } from './strings.js';

/** Checks a name (`prefix` true for generateName, whose trailing dash is ignored). */
export type NameValidator = (name: string, prefix: boolean) => string[];

const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? name.slice(0, -1) : name);
export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** 256 KiB, the upstream limit on the total size of an object's annotations. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** Defaults to nameIsDNSSubdomain. */
  nameFn?: NameValidator;
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    errs.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** As upstream, the path of a bad reference is the list's path, not the item's. */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let controller = '';
  for (const ref of refs ?? []) {
    const version = ref.apiVersion?.split('/').pop() ?? '';
    if (!version) errs.push(field.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(field.invalid(`${path}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(field.invalid(`${path}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(field.invalid(`${path}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(field.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller) {
      const name = `${ref.kind}/${ref.name}`;
      if (controller) {
        errs.push(
          field.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${name}`,
          ),
        );
      } else controller = name;
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const f of finalizers ?? []) {
    errs.push(...invalidEach(path, f, isQualifiedName(f)));
    seen.add(f);
  }
  if (seen.has('orphan') && seen.has('foregroundDeletion')) {
    errs.push(field.invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  opts: ObjectMetaOptions,
  path = 'metadata',
): FieldError[] {
  const m = meta ?? {};
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (m.generateName) errs.push(...invalidEach(`${path}.generateName`, m.generateName, nameFn(m.generateName, true)));
  if (!m.name) errs.push(field.required(`${path}.name`, 'name or generateName is required'));
  else errs.push(...invalidEach(`${path}.name`, m.name, nameFn(m.name, false)));
  if (opts.namespaced) {
    if (!m.namespace) errs.push(field.required(`${path}.namespace`));
    else errs.push(...invalidEach(`${path}.namespace`, m.namespace, isDNS1123Label(m.namespace)));
  } else if (m.namespace) {
    errs.push(field.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) {
    errs.push(field.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}

/**
 * Update rules. As upstream, the registry first copies the system fields the client may omit
 * (uid, creationTimestamp, generation; resourceVersion for unconditional updates) from the old
 * object, so what is left to differ here is a real change.
 */
export function validateObjectMetaUpdate(
  next: ObjectMeta | undefined,
  prev: ObjectMeta | undefined,
  path = 'metadata',
): FieldError[] {
  const n = next ?? {};
  const o = prev ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const old = new Set(o.finalizers ?? []);
    const added = (n.finalizers ?? []).filter((f) => !old.has(f));
    if (added.length) {
      errs.push(field.forbidden(`${path}.finalizers`, `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
    }
  }
  if (!n.resourceVersion) errs.push(field.invalid(`${path}.resourceVersion`, '', 'must be specified for an update'));
  if ((n.generation ?? 0) < (o.generation ?? 0)) {
    errs.push(field.invalid(`${path}.generation`, n.generation ?? 0, 'must not be decremented'));
  }
  errs.push(...immutable(`${path}.name`, n.name ?? '', o.name ?? ''));
  errs.push(...immutable(`${path}.namespace`, n.namespace ?? '', o.namespace ?? ''));
  errs.push(...immutable(`${path}.uid`, n.uid ?? '', o.uid ?? ''));
  errs.push(...immutable(`${path}.creationTimestamp`, n.creationTimestamp ?? null, o.creationTimestamp ?? null));
  errs.push(...immutable(`${path}.deletionTimestamp`, n.deletionTimestamp ?? null, o.deletionTimestamp ?? null));
  errs.push(
    ...immutable(
      `${path}.deletionGracePeriodSeconds`,
      n.deletionGracePeriodSeconds ?? null,
      o.deletionGracePeriodSeconds ?? null,
    ),
  );
  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(n.finalizers, `${path}.finalizers`));
  return errs;
}
