import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@tskube/component-base';
import { isStatusError, type Event, type Pod, type ReplicationController, type Service, type StatusError } from '@tskube/api-types';
import { createMemoryStorage } from '../storage/memory.js';
import type { Storage } from '../storage/types.js';
import { createRegistries, type Registries } from './registries.js';
import type { StoredPod, StoredService } from './types.js';

async function caught(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error('expected a StatusError, got success');
}

const NOW = Date.parse('2025-03-04T05:06:07Z');

const pod = (name: string, extra: Partial<Pod['spec']> = {}): StoredPod => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
});

const service = (name: string, spec: Partial<NonNullable<Service['spec']>> = {}): StoredService => ({
  metadata: { name },
  spec: { ports: [{ port: 80 }], selector: { app: name }, ...spec },
});

const rc = (name: string, replicas = 1): ReplicationController & { metadata: { name: string } } => ({
  metadata: { name },
  spec: {
    replicas,
    selector: { app: name },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

let storage: Storage;
let r: Registries;

beforeEach(async () => {
  storage = createMemoryStorage();
  r = createRegistries({ storage, cache: false, clock: { now: () => NOW } });
  await r.ready();
});

afterEach(() => r.stop());

describe('pods', () => {
  it('starts a new pod Pending with its QoS class, whatever status the client sent', async () => {
    const created = await r.pods.create('default', { ...pod('p'), status: { phase: 'Running', podIP: '1.2.3.4' } });
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(created.metadata.generation).toBe(1);
  });

  it('rejects an invalid pod with ONE Invalid error listing every bad field, and writes nothing', async () => {
    const bad: StoredPod = {
      metadata: { name: 'Bad_Name' },
      spec: { restartPolicy: 'Sometimes' as never, containers: [{ name: 'c', image: '' }, { name: 'c', image: 'busybox' }] },
    };
    const err = await caught(r.pods.create('default', bad));
    expect(err).toMatchObject({ reason: 'Invalid', code: 422 });
    const fields = err.details?.causes?.map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.restartPolicy', 'spec.containers[0].image', 'spec.containers[1].name']));
    expect(err.message).toMatch(/^Pod "Bad_Name" is invalid: \[/);
    expect((await storage.list('/registry/pods/')).items).toEqual([]);
    expect((await r.pods.list(undefined)).items).toEqual([]);
  });

  it('lists by spec.nodeName and status.phase field selectors', async () => {
    await r.pods.create('default', pod('bound', { nodeName: 'n1' }));
    await r.pods.create('default', pod('unbound'));
    const names = async (fieldSelector: string) => (await r.pods.list(undefined, { fieldSelector })).items.map((p) => p.metadata.name);
    expect(await names('spec.nodeName=')).toEqual(['unbound']);
    expect(await names('spec.nodeName=n1')).toEqual(['bound']);
    expect(await names('status.phase!=Succeeded,status.phase!=Failed')).toEqual(['bound', 'unbound']);
  });

  it('cannot change status through the main resource nor spec through pods/status', async () => {
    const v1 = await r.pods.create('default', pod('p'));
    const main = await r.pods.update('default', 'p', { ...v1, status: { phase: 'Running' } });
    expect(main.status?.phase).toBe('Pending');
    const status = await r.pods.update(
      'default',
      'p',
      { ...main, spec: { ...main.spec!, activeDeadlineSeconds: 5 }, status: { ...main.status, phase: 'Running' } },
      { subresource: 'status' },
    );
    expect(status.status?.phase).toBe('Running');
    expect(status.spec?.activeDeadlineSeconds).toBeUndefined();
  });

  it.each([
    ['an unbound pod goes at once', pod('p'), undefined, undefined, false],
    ['a bound pod is deleted gracefully (spec grace)', pod('p', { nodeName: 'n1', terminationGracePeriodSeconds: 12 }), undefined, undefined, 12],
    ['a bound pod defaults to 30 s', pod('p', { nodeName: 'n1' }), undefined, undefined, 30],
    ['the request grace wins', pod('p', { nodeName: 'n1' }), 5, undefined, 5],
    ['grace 0 is immediate', pod('p', { nodeName: 'n1' }), 0, undefined, false],
    ['a finished pod goes at once', pod('p', { nodeName: 'n1' }), undefined, 'Succeeded' as const, false],
  ])('graceful deletion: %s', async (_, p, gracePeriodSeconds, phase, grace) => {
    const v1 = await r.pods.create('default', p);
    if (phase) await r.pods.update('default', 'p', { ...v1, status: { ...v1.status, phase } }, { subresource: 'status' });
    const out = await r.pods.delete('default', 'p', { gracePeriodSeconds });
    if (typeof grace !== 'number') {
      expect((await caught(r.pods.get('default', 'p'))).reason).toBe('NotFound');
    } else {
      expect(out.metadata.deletionGracePeriodSeconds).toBe(grace);
      expect(Date.parse(out.metadata.deletionTimestamp!) - NOW).toBe(grace * 1000);
      expect((await r.pods.get('default', 'p')).metadata.deletionTimestamp).toBe(out.metadata.deletionTimestamp);
    }
  });

  it('completes a graceful deletion with a uid-preconditioned delete at grace 0 (the kubelet’s)', async () => {
    const v1 = await r.pods.create('default', pod('p', { nodeName: 'n1' }));
    await r.pods.delete('default', 'p');
    await r.pods.delete('default', 'p', { gracePeriodSeconds: 0, preconditions: { uid: v1.metadata.uid } });
    expect((await caught(r.pods.get('default', 'p'))).reason).toBe('NotFound');
  });
});

describe('bindings', () => {
  const binding = (name: string, node: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name, ...extra },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });

  it('binds a pod: nodeName, annotations and PodScheduled, answering a 201 Status', async () => {
    await r.pods.create('default', { ...pod('p'), metadata: { name: 'p', annotations: { keep: 'me' } } });
    const status = await r.bindings.create('default', binding('p', 'n1', { annotations: { 'scheduler/note': 'x' } }), { name: 'p' });
    expect(status).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const bound = await r.pods.get('default', 'p');
    expect(bound.spec?.nodeName).toBe('n1');
    expect(bound.metadata.annotations).toEqual({ keep: 'me', 'scheduler/note': 'x' });
    expect(bound.status?.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
  });

  it('refuses a second binding with 409 naming the node', async () => {
    await r.pods.create('default', pod('p'));
    await r.bindings.create('default', binding('p', 'n1'));
    const err = await caught(r.bindings.create('default', binding('p', 'n2')));
    expect(err).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message: 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"',
    });
    expect((await r.pods.get('default', 'p')).spec?.nodeName).toBe('n1');
  });

  it('lets exactly one of two concurrent bindings win', async () => {
    await r.pods.create('default', pod('p'));
    const results = await Promise.allSettled([r.bindings.create('default', binding('p', 'n1')), r.bindings.create('default', binding('p', 'n2'))]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });

  it.each([
    ['a missing pod', 'nope', {}, undefined, 'NotFound', 'pods "nope" not found'],
    ['a URL name that differs', 'p', {}, 'q', 'BadRequest', 'name in URL does not match name in Binding object'],
    ['a stale uid precondition', 'p', { uid: 'other' }, undefined, 'Conflict', undefined],
  ])('refuses %s', async (_, name, meta, urlName, reason, message) => {
    await r.pods.create('default', pod('p'));
    const err = await caught(r.bindings.create('default', binding(name, 'n1', meta), { name: urlName }));
    expect(err.reason).toBe(reason);
    if (message) expect(err.message).toBe(message);
  });

  it('refuses to bind a pod that is being deleted', async () => {
    await r.pods.create('default', { ...pod('p'), metadata: { name: 'p', finalizers: ['x/hold'] } });
    await r.pods.delete('default', 'p');
    expect((await caught(r.bindings.create('default', binding('p', 'n1')))).reason).toBe('Conflict');
  });
});

describe('namespaces', () => {
  it('exist for default, kube-system and kube-node-lease after ready()', async () => {
    const names = (await r.namespaces.list(undefined)).items.map((n) => n.metadata.name);
    expect(names).toEqual(['default', 'kube-node-lease', 'kube-system']);
    expect((await r.namespaces.get(undefined, 'default')).status?.phase).toBe('Active');
    await r.ready(); // idempotent
  });

  it('refuse content in a namespace that does not exist', async () => {
    const err = await caught(r.pods.create('nope', pod('p')));
    expect(err).toMatchObject({ reason: 'NotFound', message: 'namespaces "nope" not found' });
  });

  it('go Terminating on delete, refuse new content, and leave once finalized', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'team' } });
    expect((await r.namespaces.get(undefined, 'team')).spec?.finalizers).toEqual(['kubernetes']);
    const marked = await r.namespaces.delete(undefined, 'team');
    expect(marked.status?.phase).toBe('Terminating');
    expect(marked.metadata.deletionTimestamp).toBeDefined();

    const err = await caught(r.services.create('team', service('s')));
    expect(err).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message: 'services "s" is forbidden: unable to create new content in namespace team because it is being terminated',
    });
    expect(await r.allocator.allocated()).toEqual([]);

    await r.namespaces.finalize('team', { metadata: { name: 'team' }, spec: { finalizers: [] } });
    await r.namespaces.delete(undefined, 'team');
    expect((await caught(r.namespaces.get(undefined, 'team'))).reason).toBe('NotFound');
  });

  it('refuse to delete the default namespace', async () => {
    expect((await caught(r.namespaces.delete(undefined, 'default'))).reason).toBe('Forbidden');
  });
});

describe('services', () => {
  it('allocate a portal IP in range and free it on delete', async () => {
    const created = await r.services.create('default', service('s'));
    const ip = created.spec?.clusterIP;
    expect(r.allocator.contains(ip!)).toBe(true);
    expect(created.spec?.clusterIPs).toEqual([ip]);
    expect(await r.allocator.allocated()).toEqual([ip]);
    await r.services.delete('default', 's');
    expect(await r.allocator.allocated()).toEqual([]);
  });

  it('honour a requested free IP and refuse it when taken or out of range', async () => {
    const created = await r.services.create('default', service('a', { clusterIP: '10.0.3.4' }));
    expect(created.spec?.clusterIP).toBe('10.0.3.4');
    const taken = await caught(r.services.create('default', service('b', { clusterIP: '10.0.3.4' })));
    expect(taken).toMatchObject({ reason: 'Invalid', message: 'Service "b" is invalid: spec.clusterIP: Invalid value: "10.0.3.4": provided IP is already allocated' });
    const outside = await caught(r.services.create('default', service('c', { clusterIP: '192.168.0.1' })));
    expect(outside.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIP',
        message: 'Invalid value: "192.168.0.1": provided IP is not in the valid range. The range of valid IPs is 10.0.0.0/16',
      },
    ]);
    expect(await r.allocator.allocated()).toEqual(['10.0.3.4']);
  });

  it.each([
    ['headless', service('h', { clusterIP: 'None' })],
    ['ExternalName', { metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'example.com' } } as StoredService],
  ])('give a %s service no portal IP', async (_, svc) => {
    await r.services.create('default', svc);
    expect(await r.allocator.allocated()).toEqual([]);
  });

  it('release the IP when the create fails after allocating', async () => {
    await r.services.create('default', service('s'));
    const before = await r.allocator.allocated();
    expect((await caught(r.services.create('default', service('s')))).reason).toBe('AlreadyExists');
    expect(await r.allocator.allocated()).toEqual(before);
  });

  it('keep clusterIP on an update that omits it and refuse to change it', async () => {
    const v1 = await r.services.create('default', service('s'));
    const ip = v1.spec!.clusterIP!;
    const kept = await r.services.update('default', 's', { metadata: { name: 's' }, spec: { ports: [{ port: 81 }] } });
    expect(kept.spec?.clusterIP).toBe(ip);
    const other = ip === '10.0.9.9' ? '10.0.9.8' : '10.0.9.9';
    const err = await caught(r.services.update('default', 's', { ...kept, spec: { ...kept.spec, clusterIP: other, clusterIPs: [other] } }));
    expect(err.reason).toBe('Invalid');
    expect(err.details?.causes?.map((c) => c.field)).toContain('spec.clusterIP');
  });
});

describe('replication controllers', () => {
  it('bump generation on spec changes only and keep status to /status', async () => {
    const v1 = await r.replicationControllers.create('default', rc('web'));
    expect(v1.metadata.generation).toBe(1);
    expect(v1.status?.replicas).toBe(0);
    const scaled = await r.replicationControllers.update('default', 'web', { ...v1, spec: { ...v1.spec, replicas: 3 }, status: { replicas: 9 } });
    expect(scaled.metadata.generation).toBe(2);
    expect(scaled.status?.replicas).toBe(0);
    const status = await r.replicationControllers.update(
      'default',
      'web',
      { ...scaled, status: { replicas: 3, observedGeneration: 2 } },
      { subresource: 'status' },
    );
    expect(status.metadata.generation).toBe(2);
    expect(status.status).toMatchObject({ replicas: 3, observedGeneration: 2 });
  });
});

describe('nodes', () => {
  it('are cluster-scoped and keep their registered status; status changes only through nodes/status', async () => {
    const created = await r.nodes.create(undefined, {
      metadata: { name: 'n1' },
      status: { capacity: { cpu: '2' }, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] },
    });
    expect(created.metadata.namespace).toBeUndefined();
    expect(created.status?.capacity).toEqual({ cpu: '2' });
    const main = await r.nodes.update(undefined, 'n1', { ...created, status: { capacity: { cpu: '8' } } });
    expect(main.status?.capacity).toEqual({ cpu: '2' });
    const status = await r.nodes.update(
      undefined,
      'n1',
      { ...main, spec: { unschedulable: true }, status: { ...main.status, capacity: { cpu: '4' } } },
      { subresource: 'status' },
    );
    expect(status.status?.capacity).toEqual({ cpu: '4' });
    expect(status.spec?.unschedulable).toBeUndefined();
  });
});

describe('endpoints and events', () => {
  it('create on update (upstream AllowCreateOnUpdate)', async () => {
    const ep = await r.endpoints.update('default', 's', { metadata: { name: 's' }, subsets: [] });
    expect(ep.metadata.uid).toBeDefined();
    expect((await r.endpoints.get('default', 's')).metadata.uid).toBe(ep.metadata.uid);
  });
});

describe('event TTL (--event-ttl)', () => {
  const event = (name: string): Event & { metadata: { name: string } } => ({
    metadata: { name },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
    reason: 'Scheduled',
    message: 'assigned',
  });

  it.each([
    ['expire after the TTL of their last write', 30, 'NotFound'],
    ['never expire with a TTL of 0', 0, undefined],
  ])('events %s; pods never do', async (_what, eventTTLSeconds, afterwards) => {
    const clock = new FakeClock(NOW);
    const reg = createRegistries({ storage: createMemoryStorage({ clock }), cache: false, clock, eventTTLSeconds });
    await reg.ready();
    try {
      await reg.pods.create('default', pod('p'));
      const created = await reg.events.create('default', event('e'));
      clock.advance(20_000);
      // PUT is an update (events allow create on update): it restarts the TTL.
      await reg.events.update('default', 'e', { ...created, message: 'assigned again' });
      clock.advance(20_000);
      expect((await reg.events.get('default', 'e')).message).toBe('assigned again');
      clock.advance(10_000);
      const gone = await reg.events.get('default', 'e').then(() => undefined, (err: StatusError) => err.reason);
      expect(gone).toBe(afterwards);
      expect((await reg.pods.get('default', 'p')).metadata.name).toBe('p');
    } finally {
      reg.stop();
    }
  });
});
