/** Namespace validation. */
import type { FieldError } from '../errors/index.js';
import type { Namespace } from '../types/index.js';
import { field, invalidEach } from './field.js';
import { nameIsDNSLabel, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName } from './strings.js';

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** spec.finalizers: qualified names, and a name without a domain must be a standard one. */
function validateSpecFinalizers(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ns.spec?.finalizers ?? []) {
    const msgs = isQualifiedName(f);
    errs.push(...invalidEach('spec.finalizers', f, msgs));
    if (!msgs.length && !f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(field.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export function validateNamespace(ns: Namespace): FieldError[] {
  return [...validateObjectMeta(ns.metadata, { namespaced: false, nameFn: nameIsDNSLabel }), ...validateSpecFinalizers(ns)];
}

/** Spec changes other than through finalize are dropped by the strategy, as upstream. */
export function validateNamespaceUpdate(next: Namespace, prev: Namespace): FieldError[] {
  return validateObjectMetaUpdate(next.metadata, prev.metadata);
}

/** Phase follows deletion: Active until deletionTimestamp is set, Terminating after. */
export function validateNamespaceStatusUpdate(next: Namespace, prev: Namespace): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata, prev.metadata);
  const phase = next.status?.phase ?? '';
  if (!next.metadata?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(field.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(field.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

/** The finalize subresource: only spec.finalizers may change, and they must be valid. */
export function validateNamespaceFinalizeUpdate(next: Namespace, prev: Namespace): FieldError[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateSpecFinalizers(next)];
}
