import { afterEach, describe, expect, it } from 'vitest';
import { alreadyExists, conflict, notFound, OBJECT_MODIFIED, StatusError, type Lease, type Node } from '@tskube/api-types';
import type { Client } from '@tskube/client';
import { FakeClock, silentLogger } from '@tskube/component-base';
import { NODE_LEASE_NAMESPACE, NodeLeaseController } from './node-lease.js';

const GR = { group: 'coordination.k8s.io', resource: 'leases' };
const START = Date.UTC(2026, 0, 1);

/** Leases with resourceVersion-guarded updates, and the one Node; every call is recorded. */
class FakeApi {
  readonly leases = new Map<string, Lease>();
  readonly calls: string[] = [];
  node: Node | undefined = { metadata: { name: 'node-1', uid: 'node-uid-1' } };
  #rv = 1;

  /** Someone else writes the lease (e.g. a previous kubelet): the next guarded update conflicts. */
  touch(name: string): void {
    const l = this.leases.get(name);
    if (l) l.metadata = { ...l.metadata, resourceVersion: String(++this.#rv) };
  }

  client(): Pick<Client, 'leases' | 'nodes'> {
    const store = (l: Lease): Lease => {
      const stored = structuredClone(l);
      stored.metadata = { ...stored.metadata, resourceVersion: String(++this.#rv) };
      this.leases.set(stored.metadata.name!, stored);
      return structuredClone(stored);
    };
    return {
      leases: {
        get: async (ns: string, name: string) => {
          this.calls.push(`get ${ns}/${name}`);
          const l = this.leases.get(name);
          if (!l) throw notFound(GR, name);
          return structuredClone(l);
        },
        create: async (ns: string, l: Lease) => {
          this.calls.push(`create ${ns}/${l.metadata?.name}`);
          if (this.leases.has(l.metadata!.name!)) throw alreadyExists(GR, l.metadata!.name!);
          return store(l);
        },
        update: async (ns: string, l: Lease) => {
          this.calls.push(`update ${ns}/${l.metadata?.name}`);
          const cur = this.leases.get(l.metadata!.name!);
          if (!cur) throw notFound(GR, l.metadata!.name!);
          if (l.metadata?.resourceVersion !== cur.metadata?.resourceVersion) throw conflict(GR, l.metadata!.name!, OBJECT_MODIFIED);
          return store(l);
        },
      },
      nodes: {
        get: async (_ns: undefined, name: string) => {
          if (!this.node) throw new StatusError('ServiceUnavailable', 'unreachable');
          return { ...this.node, metadata: { ...this.node.metadata, name } };
        },
      },
    } as unknown as Pick<Client, 'leases' | 'nodes'>;
  }
}

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

function setup() {
  const api = new FakeApi();
  const clock = new FakeClock(START);
  const controller = new NodeLeaseController(api.client(), { nodeName: 'node-1' }, silentLogger(), clock);
  return { api, clock, controller };
}

describe('NodeLeaseController', () => {
  it('creates the node lease as upstream: held by the node, 40 s, renewed now, owned by its Node', async () => {
    const { api, controller } = setup();
    await controller.sync();
    expect(api.leases.get('node-1')).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'node-1',
        namespace: NODE_LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-uid-1' }],
      },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' },
    });
    expect(controller.renewIntervalMs).toBe(10_000);
  });

  it('renews every interval by an update guarded by the resourceVersion it last wrote', async () => {
    const { api, clock, controller } = setup();
    const stop = new AbortController();
    stops.push(stop);
    const running = controller.run(stop.signal);
    await clock.advanceAsync(0);
    await clock.advanceAsync(10_000);
    await clock.advanceAsync(10_000);
    expect(api.leases.get('node-1')?.spec?.renewTime).toBe('2026-01-01T00:00:20.000000Z');
    // Created once, then renewed from what was written: no read in between.
    expect(api.calls).toEqual(['get kube-node-lease/node-1', 'create kube-node-lease/node-1', 'update kube-node-lease/node-1', 'update kube-node-lease/node-1']);
    stop.abort();
    await running;
  });

  it('on a conflict reads the lease again and renews that', async () => {
    const { api, clock, controller } = setup();
    await controller.sync();
    api.touch('node-1');
    clock.advance(10_000);
    api.calls.length = 0;
    await controller.sync();
    expect(api.calls).toEqual(['update kube-node-lease/node-1', 'get kube-node-lease/node-1', 'update kube-node-lease/node-1']);
    expect(api.leases.get('node-1')?.spec?.renewTime).toBe('2026-01-01T00:00:10.000000Z');
  });

  it('takes over an existing lease of its name (a kubelet restart) and recreates a deleted one', async () => {
    const { api, clock, controller } = setup();
    api.leases.set('node-1', { metadata: { name: 'node-1', namespace: NODE_LEASE_NAMESPACE, resourceVersion: '1' }, spec: { holderIdentity: 'old', leaseTransitions: 2 } });
    await controller.sync();
    expect(api.leases.get('node-1')?.spec).toMatchObject({ holderIdentity: 'node-1', leaseTransitions: 2, renewTime: '2026-01-01T00:00:00.000000Z' });
    api.leases.delete('node-1');
    clock.advance(10_000);
    await controller.sync();
    expect(api.leases.get('node-1')?.spec?.renewTime).toBe('2026-01-01T00:00:10.000000Z');
  });

  it('goes without an owner while its Node cannot be read, and adds it on a later renewal', async () => {
    const { api, controller } = setup();
    const node = api.node;
    api.node = undefined;
    await controller.sync();
    expect(api.leases.get('node-1')?.metadata?.ownerReferences).toBeUndefined();
    api.node = node;
    await controller.sync();
    expect(api.leases.get('node-1')?.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-uid-1' }]);
  });
});
