/**
 * Leases (upstream pkg/registry/coordination/lease/strategy.go): node heartbeats in
 * kube-node-lease and leader-election locks. No status; every update is a whole-object write,
 * guarded by resourceVersion when the client sends one.
 */
import { canonicalMicroTime, objectFields, validateLease, validateLeaseUpdate } from '@tskube/api-types';
import type { Strategy } from '../store/types.js';
import type { StoredLease } from './types.js';

/**
 * MicroTimes as Go stores them: decoding and re-encoding makes any RFC 3339 time UTC with six
 * fraction digits, so readers compare renewTime texts exactly as upstream clients see them.
 */
function canonicalTimes(lease: StoredLease): void {
  const spec = lease.spec;
  if (!spec) return;
  for (const key of ['acquireTime', 'renewTime'] as const) {
    const v = spec[key];
    if (v !== undefined) spec[key] = canonicalMicroTime(v) ?? v;
  }
}

export const leaseStrategy: Strategy<StoredLease> = {
  kind: 'Lease',
  resource: 'leases',
  group: 'coordination.k8s.io',
  version: 'v1',
  namespaced: true,
  hasSpec: false,
  allowCreateOnUpdate: false,
  default: (lease) => {
    canonicalTimes(lease);
    return lease;
  },
  prepareForCreate: () => {},
  prepareForUpdate: () => {},
  validate: (lease) => validateLease(lease),
  validateUpdate: (lease, old) => validateLeaseUpdate(lease, old),
  fields: (lease) => objectFields('Lease', lease),
};
