/** Event (core/v1, legacy rules) and Binding validation. */
import type { FieldError } from '../errors/index.js';
import type { Binding, Event } from '../types/index.js';
import { field, invalidEach } from './field.js';
import { nameIsDNSSubdomain, validateObjectMeta } from './meta.js';
import { isDNS1123Subdomain, isQualifiedName } from './strings.js';

const LENGTH_LIMIT = 128;
const NOTE_LENGTH_LIMIT = 1024;

/**
 * Old-style events (no eventTime) must sit in their object's namespace; new-style ones also need
 * reportingComponent, reportingInstance, action and reason.
 */
export function validateEvent(ev: Event): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const ns = ev.metadata?.namespace ?? '';
  const objNs = ev.involvedObject?.namespace ?? '';
  const mismatch = () => field.invalid('involvedObject.namespace', objNs, 'does not match event.namespace');
  if (!ev.eventTime) {
    if (!objNs) {
      if (ns !== '' && ns !== 'default') errs.push(mismatch());
    } else if (ns !== objNs) errs.push(mismatch());
  } else {
    if (!objNs && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    const rc = ev.reportingComponent ?? '';
    if (!rc) errs.push(field.required('reportingComponent'));
    errs.push(...invalidEach('reportingComponent', rc, rc ? isQualifiedName(rc) : []));
    if (!ev.reportingInstance) errs.push(field.required('reportingInstance'));
    else if (ev.reportingInstance.length > LENGTH_LIMIT) {
      errs.push(field.invalid('reportingInstance', '', `can have at most ${LENGTH_LIMIT} characters`));
    }
    if (!ev.action) errs.push(field.required('action'));
    else if (ev.action.length > LENGTH_LIMIT) errs.push(field.invalid('action', '', `can have at most ${LENGTH_LIMIT} characters`));
    if (!ev.reason) errs.push(field.required('reason'));
    else if (ev.reason.length > LENGTH_LIMIT) errs.push(field.invalid('reason', '', `can have at most ${LENGTH_LIMIT} characters`));
    if ((ev.message ?? '').length > NOTE_LENGTH_LIMIT) {
      errs.push(field.invalid('message', '', `can have at most ${NOTE_LENGTH_LIMIT} characters`));
    }
  }
  if (ns) errs.push(...invalidEach('namespace', ns, isDNS1123Subdomain(ns)));
  return errs;
}

/** POST pods/<name>/binding: the target must name a Node. */
export function validateBinding(b: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const kind = b.target?.kind ?? '';
  if (kind && kind !== 'Node') errs.push(field.notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!b.target?.name) errs.push(field.required('target.name'));
  return errs;
}
