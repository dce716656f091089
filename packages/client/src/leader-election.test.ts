import { describe, expect, it } from 'vitest';
import { alreadyExists, conflict, notFound, OBJECT_MODIFIED, StatusError, type Endpoints, type KubernetesObject, type Lease } from '@tskube/api-types';
import { FakeClock } from '@tskube/component-base';
import {
  createLeaderElector,
  LEADER_ANNOTATION,
  leaseSpecOf,
  recordOfLease,
  type LeaderElectionRecord,
  type LeaderElector,
  type LeaderElectorConfig,
} from './leader-election.js';

type LockResource = 'leases' | 'endpoints';

/** One store of lock objects with resourceVersion-guarded updates, shared by the electors under test. */
class FakeLockStore<T extends KubernetesObject> {
  readonly objects = new Map<string, T>();
  conflicts = 0;
  #rv = 1;

  constructor(readonly resource: LockResource) {}

  /** The verbs an elector sees; `reachable()` false makes every call fail like a partition. */
  verbs(reachable: () => boolean) {
    const gr = { resource: this.resource };
    const guard = (): void => {
      if (!reachable()) throw new StatusError('ServiceUnavailable', 'unable to connect to the server');
    };
    return {
      get: async (ns: string | undefined, name: string) => {
        guard();
        const obj = this.objects.get(`${ns}/${name}`);
        if (!obj) throw notFound(gr, name);
        return structuredClone(obj);
      },
      create: async (ns: string | undefined, obj: T) => {
        guard();
        const key = `${ns}/${obj.metadata?.name}`;
        if (this.objects.has(key)) throw alreadyExists(gr, obj.metadata?.name ?? '');
        return this.#store(key, obj);
      },
      update: async (ns: string | undefined, obj: T) => {
        guard();
        const key = `${ns}/${obj.metadata?.name}`;
        const current = this.objects.get(key);
        if (!current) throw notFound(gr, obj.metadata?.name ?? '');
        if (obj.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
          this.conflicts++;
          throw conflict(gr, obj.metadata?.name ?? '', OBJECT_MODIFIED);
        }
        return this.#store(key, obj);
      },
    };
  }

  clientFor(reachable: () => boolean): NonNullable<LeaderElectorConfig['client']> {
    const verbs = this.verbs(reachable);
    return this.resource === 'leases'
      ? { leases: verbs as unknown as NonNullable<LeaderElectorConfig['client']>['leases'] }
      : { endpoints: verbs as unknown as NonNullable<LeaderElectorConfig['client']>['endpoints'] };
  }

  record(): LeaderElectionRecord | undefined {
    const obj = this.objects.get('kube-system/lock');
    if (!obj) return undefined;
    if (this.resource === 'leases') return recordOfLease((obj as Lease).spec);
    const raw = (obj as Endpoints).metadata?.annotations?.[LEADER_ANNOTATION];
    return raw ? (JSON.parse(raw) as LeaderElectionRecord) : undefined;
  }

  #store(key: string, obj: T): T {
    const stored = structuredClone(obj);
    stored.metadata = { ...stored.metadata, resourceVersion: String(++this.#rv) };
    this.objects.set(key, stored);
    return structuredClone(stored);
  }
}

interface Candidate {
  elector: LeaderElector;
  started: number[];
  stopped: number[];
  leaders: string[];
  leadSignal?: AbortSignal;
  online: boolean;
  ac: AbortController;
  done?: Promise<void>;
}

function candidate(store: FakeLockStore<KubernetesObject>, clock: FakeClock, identity: string): Candidate {
  const c: Candidate = { started: [], stopped: [], leaders: [], online: true, ac: new AbortController() } as unknown as Candidate;
  c.elector = createLeaderElector({
    client: store.clientFor(() => c.online),
    lock: { namespace: 'kube-system', name: 'lock', resource: store.resource },
    identity,
    clock,
    onStartedLeading: (signal) => {
      c.started.push(clock.now());
      c.leadSignal = signal;
    },
    onStoppedLeading: () => c.stopped.push(clock.now()),
    onNewLeader: (id) => c.leaders.push(id),
  });
  return c;
}

/** Advances in small steps, checking at every step that there is never more than one leader. */
async function advance(clock: FakeClock, ms: number, candidates: Candidate[]): Promise<void> {
  for (let t = 0; t < ms; t += 250) {
    await clock.advanceAsync(250);
    expect(candidates.filter((c) => c.elector.isLeader()).length).toBeLessThanOrEqual(1);
  }
}

// The time format of each lock: a Lease's MicroTime, the annotation's whole seconds.
const START = Date.UTC(2026, 0, 1);
const acquireText: Record<LockResource, string> = { leases: '2026-01-01T00:00:00.000000Z', endpoints: '2026-01-01T00:00:00Z' };

describe.each<LockResource>(['leases', 'endpoints'])('leader election over %s', (resource) => {
  const newStore = () => new FakeLockStore<KubernetesObject>(resource);

  it('two electors: exactly one leads and keeps renewing the record', async () => {
    const store = newStore();
    const clock = new FakeClock(START);
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.done = a.elector.run(a.ac.signal);
    b.done = b.elector.run(b.ac.signal);
    await advance(clock, 60_000, [a, b]);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.getLeader()).toBe('a');
    expect(b.leaders).toEqual(['a']);
    const record = store.record();
    expect(record).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaderTransitions: 0, acquireTime: acquireText[resource] });
    expect(Date.parse(record?.renewTime ?? '')).toBeGreaterThan(Date.parse(record?.acquireTime ?? ''));
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);
  });

  it('a leader that cannot renew steps down before the other takes over, and the other then leads', async () => {
    const store = newStore();
    const clock = new FakeClock(START);
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.done = a.elector.run(a.ac.signal);
    await clock.advanceAsync(0);
    b.done = b.elector.run(b.ac.signal);
    await advance(clock, 10_000, [a, b]);
    expect(a.elector.isLeader()).toBe(true);

    a.online = false; // a is cut off from the apiserver
    await advance(clock, 30_000, [a, b]);
    await a.done; // run ends once leadership is lost
    expect(a.leadSignal?.aborted).toBe(true);
    expect(b.elector.isLeader()).toBe(true);
    expect(a.stopped).toHaveLength(1);
    expect(b.started).toHaveLength(1);
    expect(a.stopped[0]).toBeLessThan(b.started[0] as number);
    expect(store.record()).toMatchObject({ holderIdentity: 'b', leaderTransitions: 1 });
    b.ac.abort();
    await b.done;
  });

  it('when both race for a free lock, the resourceVersion guard makes one lose with a 409', async () => {
    const store = newStore();
    await store.verbs(() => true).create('kube-system', { metadata: { name: 'lock', namespace: 'kube-system' } });
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.done = a.elector.run(a.ac.signal);
    b.done = b.elector.run(b.ac.signal);
    await clock.advanceAsync(0);
    expect(store.conflicts).toBe(1);
    expect([a, b].filter((c) => c.elector.isLeader())).toHaveLength(1);
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);
  });

  it('a leader told to stop releases the lock, so the other takes over at its next retry', async () => {
    const store = newStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.done = a.elector.run(a.ac.signal);
    await clock.advanceAsync(0);
    b.done = b.elector.run(b.ac.signal);
    await advance(clock, 5_000, [a, b]);
    a.ac.abort();
    await a.done;
    expect(a.stopped).toHaveLength(1);
    expect(store.record()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    const releasedAt = clock.now();
    await advance(clock, 2_000, [a, b]);
    expect(b.elector.isLeader()).toBe(true);
    expect((b.started[0] as number) - releasedAt).toBeLessThanOrEqual(2_000);
    b.ac.abort();
    await b.done;
  });
});

describe('the Lease lock', () => {
  it('keeps the record in the Lease spec, as upstream LeaseLock', async () => {
    const store = new FakeLockStore<KubernetesObject>('leases');
    const clock = new FakeClock(START);
    const a = candidate(store, clock, 'a');
    a.done = a.elector.run(a.ac.signal);
    await clock.advanceAsync(0);
    expect(store.objects.get('kube-system/lock')).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lock', namespace: 'kube-system' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0, acquireTime: acquireText.leases, renewTime: acquireText.leases },
    });
    a.ac.abort();
    await a.done;
  });

  it('maps records to specs and back without loss', () => {
    const record: LeaderElectionRecord = {
      holderIdentity: 'x',
      leaseDurationSeconds: 40,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:10.000000Z',
      leaderTransitions: 3,
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'y',
    };
    expect(recordOfLease(leaseSpecOf(record))).toEqual(record);
    expect(recordOfLease(undefined)).toEqual({ holderIdentity: '', leaseDurationSeconds: 0, acquireTime: '', renewTime: '', leaderTransitions: 0 });
  });
});

describe('configuration', () => {
  it('rejects timings where a leader could not step down before its lease expires', () => {
    const store = new FakeLockStore<KubernetesObject>('leases');
    expect(() =>
      createLeaderElector({
        client: store.clientFor(() => true),
        lock: { namespace: 'kube-system', name: 'lock' },
        identity: 'a',
        leaseDurationMs: 10_000,
        renewDeadlineMs: 10_000,
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
      }),
    ).toThrow(RangeError);
  });

  it('needs the client of the lock resource it is given', () => {
    const store = new FakeLockStore<KubernetesObject>('endpoints');
    expect(() =>
      createLeaderElector({
        client: store.clientFor(() => true),
        lock: { namespace: 'kube-system', name: 'lock' }, // leases by default
        identity: 'a',
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
      }),
    ).toThrow('needs client.leases');
  });
});
