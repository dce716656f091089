import { describe, expect, it } from 'vitest';
import type { Lease } from '../types/index.js';
import { validateLease, validateLeaseUpdate } from './lease.js';

const validLease = (): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'node-1', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.123456Z', leaseTransitions: 0 },
});
const spec = (l: Lease) => l.spec!;
type Mutator = (l: Lease) => void;

describe('validateLease', () => {
  it('accepts a node lease, and an empty spec', () => {
    expect(validateLease(validLease())).toEqual([]);
    expect(validateLease({ metadata: { name: 'x', namespace: 'default' }, spec: {} })).toEqual([]);
  });

  // [rule, a valid change, an invalid change, the field, the reason, the message]
  const rows: [string, Mutator, Mutator, string, string, string][] = [
    ['name is a DNS subdomain', (l) => (l.metadata!.name = 'kube-scheduler.x'), (l) => (l.metadata!.name = 'Node_1'), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "Node_1"'],
    ['leaseDurationSeconds > 0', (l) => (spec(l).leaseDurationSeconds = 1), (l) => (spec(l).leaseDurationSeconds = 0), 'spec.leaseDurationSeconds', 'FieldValueInvalid', 'Invalid value: 0: must be greater than 0'],
    ['leaseTransitions >= 0', (l) => (spec(l).leaseTransitions = 0), (l) => (spec(l).leaseTransitions = -1), 'spec.leaseTransitions', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0'],
    ['strategy: a Kubernetes one', (l) => (spec(l).strategy = 'OldestEmulationVersion'), (l) => (spec(l).strategy = 'Newest'), 'spec.strategy', 'FieldValueNotSupported', 'Unsupported value: "Newest": supported values: "OldestEmulationVersion"'],
    ['strategy: or a qualified name', (l) => (spec(l).strategy = 'example.com/mine'), (l) => (spec(l).strategy = 'example.com/'), 'spec.strategy', 'FieldValueInvalid', 'Invalid value: "example.com/"'],
    ['preferredHolder needs a strategy', (l) => Object.assign(spec(l), { strategy: 'OldestEmulationVersion', preferredHolder: 'b' }), (l) => (spec(l).preferredHolder = 'b'), 'spec.preferredHolder', 'FieldValueForbidden', 'Forbidden: may only be specified if `strategy` is defined'],
  ];
  it.each(rows)('%s: passes', (_rule, pass) => {
    const l = validLease();
    pass(l);
    expect(validateLease(l)).toEqual([]);
  });
  it.each(rows)('%s: fails', (_rule, _pass, fail, path, type, message) => {
    const l = validLease();
    fail(l);
    const errs = validateLease(l);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ field: path, type });
    expect(errs[0]!.message.startsWith(message)).toBe(true);
  });

  it('requires a namespace', () => {
    const l = validLease();
    delete l.metadata!.namespace;
    expect(validateLease(l).map((e) => e.field)).toContain('metadata.namespace');
  });
});

describe('validateLeaseUpdate', () => {
  it('checks the spec and the metadata rules', () => {
    const old = { ...validLease(), metadata: { ...validLease().metadata, uid: 'u1', resourceVersion: '5', creationTimestamp: '2025-01-01T00:00:00Z' } };
    const next = structuredClone(old);
    next.spec!.leaseDurationSeconds = -5;
    next.metadata!.name = 'other';
    const fields = validateLeaseUpdate(next, old).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.leaseDurationSeconds']));
  });
});
