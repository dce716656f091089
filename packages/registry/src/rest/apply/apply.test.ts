import { describe, expect, it } from 'vitest';
import { isStatusError } from '@tskube/api-types';
import type { JsonMap } from '../patch/json.js';
import { applyConfiguration, recordUpdate, type ApplyOptions } from './apply.js';
import { decodeManagedFields } from './managed-fields.js';

type Obj = JsonMap & { metadata: JsonMap };
const NOW = () => new Date('2026-01-02T03:04:05.678Z');
const opts = (manager: string, force = false): ApplyOptions => ({ kind: 'ReplicationController', manager, apiVersion: 'v1', force, now: NOW });

const rc = (spec: Record<string, unknown>, labels: Record<string, string> = { app: 'web' }): Obj =>
  ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web', namespace: 'default', labels }, spec }) as Obj;
const template = (image: string, ports: unknown[] = [{ containerPort: 80 }]) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image, ports }] },
});

/** Manager → FieldsV1 of the object's managedFields. */
const owners = (o: JsonMap) =>
  Object.fromEntries([...decodeManagedFields((o.metadata as JsonMap).managedFields).values()].map((m) => [`${m.manager}/${m.operation}`, m.set.toFieldsV1()]));

function conflictOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error('expected a conflict');
}

describe('applyConfiguration', () => {
  it('creates from the config and owns what it sets, keyed lists by their keys', () => {
    const created = applyConfiguration(undefined, rc({ replicas: 2, template: template('nginx:1') }), opts('kubectl'));
    expect(created.metadata!.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2026-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
    expect((created.spec as JsonMap).replicas).toBe(2);
  });

  it('re-apply changes what it sets and removes what it no longer applies', () => {
    const first = applyConfiguration(undefined, rc({ replicas: 2, template: template('nginx:1') }, { app: 'web', tier: 'front' }), opts('kubectl'));
    const second = applyConfiguration(first, rc({ replicas: 2, template: template('nginx:2') }), opts('kubectl'));
    expect(second.metadata!.labels).toEqual({ app: 'web' });
    const containers = ((second.spec as JsonMap).template as { spec: { containers: JsonMap[] } }).spec.containers;
    expect(containers.map((c) => c.image)).toEqual(['nginx:2']);
    expect(owners(second)['kubectl/Apply']).not.toHaveProperty(['f:metadata', 'f:labels', 'f:tier']);
  });

  it('keeps a dropped field another manager also owns', () => {
    const first = applyConfiguration(undefined, rc({ replicas: 2 }, { app: 'web', tier: 'front' }), opts('a'));
    const both = applyConfiguration(first, rc({}, { tier: 'front' }), opts('b'));
    const after = applyConfiguration(both, rc({ replicas: 2 }), opts('a'));
    expect(after.metadata!.labels).toEqual({ app: 'web', tier: 'front' });
  });

  it('merges associative lists by key and keeps items of others', () => {
    const first = applyConfiguration(undefined, rc({ template: template('nginx:1') }), opts('a'));
    const second = applyConfiguration(
      first,
      rc({ template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } }, {}),
      opts('b'),
    );
    const containers = ((second.spec as JsonMap).template as { spec: { containers: JsonMap[] } }).spec.containers;
    expect(containers.map((c) => c.name)).toEqual(['web', 'side']);
  });

  it('conflicts on a field another applier set to another value; force moves it', () => {
    const first = applyConfiguration(undefined, rc({ replicas: 2 }), opts('alice'));
    const err = conflictOf(() => applyConfiguration(first, rc({ replicas: 3 }), opts('bob')));
    expect(err.code).toBe(409);
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    expect(err.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);

    const same = applyConfiguration(first, rc({ replicas: 2 }), opts('bob'));
    expect(owners(same)['alice/Apply']).toHaveProperty(['f:spec', 'f:replicas']);
    expect(owners(same)['bob/Apply']).toHaveProperty(['f:spec', 'f:replicas']);

    const forced = applyConfiguration(first, rc({ replicas: 3 }), opts('bob', true));
    expect((forced.spec as JsonMap).replicas).toBe(3);
    expect(owners(forced)['alice/Apply']).not.toHaveProperty(['f:spec', 'f:replicas']);
    expect(owners(forced)['bob/Apply']).toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('lists several conflicts by manager', () => {
    const first = applyConfiguration(undefined, rc({ replicas: 2, minReadySeconds: 1 }), opts('alice'));
    const err = conflictOf(() => applyConfiguration(first, rc({ replicas: 3, minReadySeconds: 2 }), opts('bob')));
    expect(err.message).toBe('Apply failed with 2 conflicts: conflict with "alice":\n- .spec.minReadySeconds\n- .spec.replicas');
  });

  it('conflicts with a scale (Update) after it, naming the subresource', () => {
    const applied = applyConfiguration(undefined, rc({ replicas: 2 }), opts('kubectl'));
    const scaled = structuredClone(applied);
    (scaled.spec as JsonMap).replicas = 3;
    recordUpdate(scaled, applied, { kind: 'ReplicationController', manager: 'kubectl', apiVersion: 'v1', subresource: 'scale', now: NOW });
    expect(scaled.metadata!.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }),
    );
    // The scale took replicas from the applier.
    expect(owners(scaled)['kubectl/Apply']).not.toHaveProperty(['f:spec', 'f:replicas']);
    const err = conflictOf(() => applyConfiguration(scaled, rc({ replicas: 2 }), opts('kubectl')));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using v1: .spec.replicas');
    const forced = applyConfiguration(scaled, rc({ replicas: 2 }), opts('kubectl', true));
    expect(forced.metadata!.managedFields).toHaveLength(1);
  });
});

describe('taking over from client-side apply', () => {
  /** An object `kubectl apply` (client side) created: its last-applied annotation and an Update entry. */
  function clientSideApplied(liveReplicas: number): Obj {
    const config = rc({ replicas: 2, template: template('nginx:1') });
    const obj = structuredClone(config);
    obj.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(config)}\n` };
    recordUpdate(obj, undefined, { kind: 'ReplicationController', manager: 'kubectl-client-side-apply', apiVersion: 'v1', now: NOW });
    (obj.spec as JsonMap).replicas = liveReplicas;
    return obj;
  }

  it('kubectl may take the fields its last-applied configuration still holds', () => {
    const applied = applyConfiguration(clientSideApplied(2), rc({ replicas: 4, template: template('nginx:2') }), opts('kubectl'));
    expect((applied.spec as JsonMap).replicas).toBe(4);
    const last = JSON.parse((applied.metadata!.annotations as Record<string, string>)['kubectl.kubernetes.io/last-applied-configuration']!);
    expect(last.spec.replicas).toBe(4);
  });

  it.each([
    { name: 'another manager', manager: 'helm', liveReplicas: 2 },
    { name: 'a field changed since the last apply', manager: 'kubectl', liveReplicas: 5 },
  ])('conflicts for $name', ({ manager, liveReplicas }) => {
    const err = conflictOf(() => applyConfiguration(clientSideApplied(liveReplicas), rc({ replicas: 4, template: template('nginx:1') }), opts(manager)));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.replicas');
  });
});

describe('recordUpdate', () => {
  const ctx = { kind: 'ReplicationController', manager: 'kubectl-edit', apiVersion: 'v1', now: NOW };

  it('owns what a create sets, not server fields or status', () => {
    const obj = rc({ replicas: 1 });
    Object.assign(obj.metadata, { uid: 'u', resourceVersion: '5' });
    obj.status = { replicas: 0 };
    recordUpdate(obj, undefined, ctx);
    expect(owners(obj)).toEqual({ 'kubectl-edit/Update': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } } });
  });

  it('leaves managedFields alone when nothing tracked changed', () => {
    const obj = rc({ replicas: 1 });
    recordUpdate(obj, undefined, ctx);
    const next = structuredClone(obj);
    next.metadata.resourceVersion = '9';
    recordUpdate(next, obj, { ...ctx, manager: 'other' });
    expect(next.metadata.managedFields).toEqual(obj.metadata.managedFields);
  });

  it('an explicitly empty list resets them', () => {
    const obj = rc({ replicas: 1 });
    recordUpdate(obj, undefined, ctx);
    const next = structuredClone(obj);
    next.metadata.managedFields = [];
    (next.spec as JsonMap).replicas = 2;
    recordUpdate(next, obj, ctx);
    expect(next.metadata).not.toHaveProperty('managedFields');
  });
});

describe('recordUpdate with managedFields a client got wrong', () => {
  it('falls back to the live ones instead of failing', () => {
    const ctx = { kind: 'ReplicationController', manager: 'a', apiVersion: 'v1', now: NOW };
    const old = rc({ replicas: 1 });
    recordUpdate(old, undefined, ctx);
    const next = structuredClone(old);
    next.metadata.managedFields = [{ operation: 'Bogus' }];
    (next.spec as JsonMap).replicas = 2;
    recordUpdate(next, old, { ...ctx, manager: 'b' });
    expect(Object.keys(owners(next))).toEqual(['a/Update', 'b/Update']);
  });

  it('keeps the live ones when the write changes nothing else', () => {
    const ctx = { kind: 'ReplicationController', manager: 'a', apiVersion: 'v1', now: NOW };
    const old = rc({ replicas: 1 });
    recordUpdate(old, undefined, ctx);
    const next = structuredClone(old);
    next.metadata.managedFields = [{ operation: 'Bogus' }];
    recordUpdate(next, old, ctx);
    expect(next.metadata.managedFields).toEqual(old.metadata.managedFields);
  });
});
