import { describe, expect, it } from 'vitest';
import { defaultNamespaceOnCreate, defaultNode } from '../defaults/index.js';
import type { Binding, Event, Namespace, Node } from '../types/index.js';
import { validateBinding, validateEvent } from './event.js';
import { validateNamespace, validateNamespaceStatusUpdate, validateNamespaceUpdate } from './namespace.js';
import { validateNode, validateNodeUpdate } from './node.js';

const expectResult = (errs: { field: string; type: string }[], path?: string, type?: string) => {
  if (path === undefined) expect(errs).toEqual([]);
  else expect(errs).toContainEqual(expect.objectContaining({ field: path, ...(type ? { type } : {}) }));
};

const validNode = (): Node =>
  defaultNode({
    metadata: { name: 'node-1.example', resourceVersion: '1' },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
    status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
  });

describe('validateNode', () => {
  it.each<[string, (n: Node) => void, string?, string?]>([
    ['a valid node', () => {}],
    ['a namespace', (n) => (n.metadata!.namespace = 'default'), 'metadata.namespace', 'FieldValueForbidden'],
    ['a bad name', (n) => (n.metadata!.name = 'Node_1'), 'metadata.name', 'FieldValueInvalid'],
    ['a taint without effect', (n) => (n.spec!.taints![0]!.effect = ''), 'spec.taints[0].effect', 'FieldValueRequired'],
    ['an unknown taint effect', (n) => (n.spec!.taints![0]!.effect = 'NoLunch'), 'spec.taints[0].effect', 'FieldValueNotSupported'],
    ['a bad taint key', (n) => (n.spec!.taints![0]!.key = 'a b'), 'spec.taints[0].key', 'FieldValueInvalid'],
    ['a duplicate taint', (n) => n.spec!.taints!.push({ key: 'dedicated', effect: 'NoSchedule' }), 'spec.taints[1]', 'FieldValueDuplicate'],
    ['a bad podCIDR', (n) => (n.spec!.podCIDRs = ['10.244.1.0/33']), 'spec.podCIDRs[0]', 'FieldValueInvalid'],
    ['a bad capacity', (n) => (n.status!.capacity!.cpu = 'four'), 'status.capacity.cpu', 'FieldValueInvalid'],
    ['a negative allocatable', (n) => (n.status!.allocatable!.memory = '-1Gi'), 'status.allocatable.memory', 'FieldValueInvalid'],
  ])('%s', (_name, change, path, type) => {
    const n = validNode();
    change(n);
    expectResult(validateNode(n), path, type);
  });

  it.each<[string, (n: Node) => void, string?]>([
    ['setting unschedulable', (n) => (n.spec!.unschedulable = true)],
    ['changing podCIDRs', (n) => Object.assign(n.spec!, { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] }), 'spec.podCIDRs'],
  ])('update: %s', (_name, change, path) => {
    const prev = validNode();
    const next = structuredClone(prev);
    change(next);
    expectResult(validateNodeUpdate(next, prev), path, 'FieldValueForbidden');
  });
});

const validNamespace = (): Namespace => defaultNamespaceOnCreate({ metadata: { name: 'team-a', resourceVersion: '1' } });

describe('validateNamespace', () => {
  it.each<[string, (n: Namespace) => void, string?, string?]>([
    ['a valid namespace', () => {}],
    ['a dotted name', (n) => (n.metadata!.name = 'team.a'), 'metadata.name', 'FieldValueInvalid'],
    ['a qualified finalizer', (n) => n.spec!.finalizers!.push('example.com/cleanup')],
    ['an unqualified non-standard finalizer', (n) => n.spec!.finalizers!.push('cleanup'), 'spec.finalizers', 'FieldValueInvalid'],
  ])('%s', (_name, change, path, type) => {
    const n = validNamespace();
    change(n);
    expectResult(validateNamespace(n), path, type);
  });

  it('keeps name immutable on update', () => {
    const prev = validNamespace();
    expectResult(validateNamespaceUpdate({ ...prev, metadata: { ...prev.metadata, name: 'team-b' } }, prev), 'metadata.name');
  });

  it.each<[string, Namespace['metadata'], string, string?]>([
    ['Active while live', {}, 'Active'],
    ['Terminating while live', {}, 'Terminating', 'status.Phase'],
    ['Terminating when deleting', { deletionTimestamp: '2024-01-01T00:00:00Z' }, 'Terminating'],
  ])('status update: %s', (_name, meta, phase, path) => {
    const prev = validNamespace();
    prev.metadata = { ...prev.metadata, ...meta };
    const next = structuredClone(prev);
    next.status = { phase };
    expectResult(validateNamespaceStatusUpdate(next, prev), path);
  });
});

const legacyEvent = (): Event => ({
  metadata: { name: 'web-0.17a', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'default' },
  reason: 'Scheduled',
  message: 'Successfully assigned default/web-0 to node-1',
  type: 'Normal',
  count: 1,
});

describe('validateEvent', () => {
  it.each<[string, (e: Event) => void, string?, string?]>([
    ['a legacy event', () => {}],
    ['an event about a node in default', (e) => (e.involvedObject = { kind: 'Node', name: 'node-1' })],
    ['a namespace mismatch', (e) => (e.involvedObject.namespace = 'other'), 'involvedObject.namespace', 'FieldValueInvalid'],
    ['a new-style event without reportingComponent', (e) => Object.assign(e, { eventTime: '2024-01-01T00:00:00.000000Z', action: 'Binding', reportingInstance: 'sched-1' }), 'reportingComponent', 'FieldValueRequired'],
    ['a complete new-style event', (e) => Object.assign(e, { eventTime: '2024-01-01T00:00:00.000000Z', action: 'Binding', reportingInstance: 'sched-1', reportingComponent: 'default-scheduler' })],
    ['a missing name', (e) => (e.metadata.name = ''), 'metadata.name', 'FieldValueRequired'],
  ])('%s', (_name, change, path, type) => {
    const e = legacyEvent();
    change(e);
    expectResult(validateEvent(e), path, type);
  });
});

describe('validateBinding', () => {
  it.each<[string, Binding['target'], string?, string?]>([
    ['a node target', { kind: 'Node', name: 'node-1' }],
    ['a target without kind', { name: 'node-1' }],
    ['a pod target', { kind: 'Pod', name: 'x' }, 'target.kind', 'FieldValueNotSupported'],
    ['a target without name', { kind: 'Node' }, 'target.name', 'FieldValueRequired'],
  ])('%s', (_name, target, path, type) => {
    expectResult(validateBinding({ metadata: { name: 'web-0', namespace: 'default' }, target }), path, type);
  });
});
