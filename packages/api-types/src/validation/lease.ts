/** coordination.k8s.io/v1 Lease validation (upstream pkg/apis/coordination/validation). */
import type { FieldError } from '../errors/index.js';
import type { Lease, LeaseSpec } from '../types/index.js';
import { field } from './field.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName } from './strings.js';

/** The strategies Kubernetes itself defines; others must be qualified names (`example.com/mine`). */
export const LEASE_STRATEGIES: readonly string[] = ['OldestEmulationVersion'];

/** A strategy without a slash must be a Kubernetes one; with one, a qualified name. */
export function validateCoordinatedLeaseStrategy(strategy: string, path: string): FieldError[] {
  if (!strategy.includes('/')) return LEASE_STRATEGIES.includes(strategy) ? [] : [field.notSupported(path, strategy, LEASE_STRATEGIES)];
  const msgs = isQualifiedName(strategy);
  return msgs.length > 0 ? [field.invalid(path, strategy, msgs.join(','))] : [];
}

export function validateLeaseSpec(spec: LeaseSpec | undefined, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec ?? {};
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0) {
    errs.push(field.invalid(`${path}.leaseDurationSeconds`, s.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0) {
    errs.push(field.invalid(`${path}.leaseTransitions`, s.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (s.strategy !== undefined) errs.push(...validateCoordinatedLeaseStrategy(s.strategy, `${path}.strategy`));
  if (s.preferredHolder && !s.strategy) errs.push(field.forbidden(`${path}.preferredHolder`, 'may only be specified if `strategy` is defined'));
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  return [...validateObjectMeta(lease.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateLeaseSpec(lease.spec)];
}

export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata), ...validateLeaseSpec(lease.spec)];
}
