import { isNotFound, microTime, type Endpoints, type Lease } from '@tskube/api-types';
import { silentLogger, systemClock, type Clock, type Logger, type TimerHandle } from '@tskube/component-base';
import type { ResourceClient } from './rest-client.js';

/** Where the record lives on the lock object (upstream's legacy EndpointsLock/ConfigMapLock). */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** client-go's LeaderElectionRecord: what a lock object says about its holder. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
  strategy?: string;
  preferredHolder?: string;
}

/** What a lock object currently holds: its record (undefined when it carries none) and the raw text for change detection. */
export interface LockState {
  record: LeaderElectionRecord | undefined;
  raw: string | undefined;
}

/**
 * client-go's resourcelock.Interface: one object the candidates compete for. `update` writes onto
 * the object last read by `get` (or written by `create`), guarded by its resourceVersion, so a
 * concurrent writer makes it fail with a 409.
 */
export interface ResourceLock {
  /** `leases kube-system/kube-scheduler`, for logs. */
  readonly description: string;
  /** The current state; undefined when the object does not exist. Other failures throw. */
  get(signal?: AbortSignal): Promise<LockState | undefined>;
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** acquireTime/renewTime text for `ms` (a MicroTime on a Lease). */
  formatTime(ms: number): string;
}

export interface LockRef {
  namespace: string;
  name: string;
}

type LeaseVerbs = Pick<ResourceClient<Lease>, 'get' | 'create' | 'update'>;
type EndpointsVerbs = Pick<ResourceClient<Endpoints>, 'get' | 'create' | 'update'>;

/** The spec a record becomes on a Lease (upstream LeaderElectionRecordToLeaseSpec). */
export function leaseSpecOf(record: LeaderElectionRecord): NonNullable<Lease['spec']> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime,
    renewTime: record.renewTime,
    leaseTransitions: record.leaderTransitions,
    ...(record.strategy ? { strategy: record.strategy } : {}),
    ...(record.preferredHolder ? { preferredHolder: record.preferredHolder } : {}),
  };
}

/** The record a Lease's spec says (upstream LeaseSpecToLeaderElectionRecord). */
export function recordOfLease(spec: Lease['spec']): LeaderElectionRecord {
  const s = spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaderTransitions: s.leaseTransitions ?? 0,
    ...(s.strategy ? { strategy: s.strategy } : {}),
    ...(s.preferredHolder ? { preferredHolder: s.preferredHolder } : {}),
  };
}

/** upstream LeaseLock: the record is a coordination.k8s.io/v1 Lease's spec (what kube-scheduler uses). */
export function leaseLock(leases: LeaseVerbs, ref: LockRef): ResourceLock {
  const { namespace, name } = ref;
  let last: Lease | undefined;
  return {
    description: `leases ${namespace}/${name}`,
    async get(signal) {
      try {
        last = await leases.get(namespace, name, { signal });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const record = recordOfLease(last.spec);
      return { record, raw: JSON.stringify(record) };
    },
    async create(record, signal) {
      last = await leases.create(
        namespace,
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: leaseSpecOf(record) },
        { signal },
      );
    },
    async update(record, signal) {
      if (!last) throw new Error('lease not initialized, call get or create first');
      // metadata.resourceVersion stays as read: the update is conditional on nobody else writing first.
      last = await leases.update(namespace, { ...last, spec: leaseSpecOf(record) }, { signal });
    },
    formatTime: microTime,
  };
}

/** The legacy EndpointsLock: the record as JSON in an annotation of an Endpoints object. */
export function endpointsLock(endpoints: EndpointsVerbs, ref: LockRef): ResourceLock {
  const { namespace, name } = ref;
  let last: Endpoints | undefined;
  const withRecord = (obj: Endpoints, record: LeaderElectionRecord): Endpoints => ({
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [LEADER_ANNOTATION]: JSON.stringify(record) } },
  });
  return {
    description: `endpoints ${namespace}/${name}`,
    async get(signal) {
      try {
        last = await endpoints.get(namespace, name, { signal });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const raw = last.metadata?.annotations?.[LEADER_ANNOTATION];
      return { record: parseRecord(raw), raw };
    },
    async create(record, signal) {
      last = await endpoints.create(namespace, withRecord({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } }, record), { signal });
    },
    async update(record, signal) {
      if (!last) throw new Error('endpoints not initialized, call get or create first');
      last = await endpoints.update(namespace, withRecord(structuredClone(last), record), { signal });
    },
    // metav1.Time: whole seconds.
    formatTime: (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

export interface LeaderElectorConfig {
  /**
   * The lock: a ResourceLock, or where it is — a Lease (default, as upstream's
   * `--leader-elect-resource-lock=leases`) or a legacy Endpoints — read through `client`.
   */
  lock: ResourceLock | (LockRef & { resource?: 'leases' | 'endpoints' });
  /** The verbs used (get, create, update) of the lock's resource, when `lock` is not a ResourceLock. */
  client?: { leases?: LeaseVerbs; endpoints?: EndpointsVerbs };
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called on becoming leader; the signal aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading(): void;
  /** Called whenever a different holder is observed (including ourselves). */
  onNewLeader?(identity: string): void;
  /** Give the lease up when run's signal aborts, so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  clock?: Clock;
  logger?: Logger;
}

export interface LeaderElector {
  /** Campaigns, leads while it can renew; resolves when leadership is lost or the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
  isLeader(): boolean;
  /** The last observed holder ('' if none). */
  getLeader(): string;
}

const isResourceLock = (lock: LeaderElectorConfig['lock']): lock is ResourceLock => typeof (lock as Partial<ResourceLock>).get === 'function';

function resolveLock(config: LeaderElectorConfig): ResourceLock {
  const { lock } = config;
  if (isResourceLock(lock)) return lock;
  const resource = lock.resource ?? 'leases';
  const verbs = resource === 'leases' ? config.client?.leases : config.client?.endpoints;
  if (!verbs) throw new TypeError(`leader election over ${resource} needs client.${resource}`);
  return resource === 'leases' ? leaseLock(verbs as LeaseVerbs, lock) : endpointsLock(verbs as EndpointsVerbs, lock);
}

/**
 * client-go's LeaderElector over a ResourceLock (a Lease by default). Every acquire and renew is
 * an update guarded by the object's resourceVersion, so a lost race is a 409 and two electors
 * never both succeed. Expiry is judged on the local clock from when a record change was observed
 * (no cross-host clock comparison). The leader stops leading once renewDeadline has passed since
 * the start of its last successful renew; as renewDeadline < leaseDuration, that is before any
 * other candidate may consider the lease expired.
 */
export function createLeaderElector(config: LeaderElectorConfig): LeaderElector {
  const clock = config.clock ?? systemClock;
  const lock = resolveLock(config);
  const logger = (config.logger ?? silentLogger()).child({ lock: lock.description, identity: config.identity });
  const leaseDurationMs = config.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = config.retryPeriodMs ?? 2_000;
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
    throw new RangeError('leader election needs leaseDuration > renewDeadline > retryPeriod > 0');
  }
  let observedRaw: string | undefined;
  let observedRecord: LeaderElectionRecord | undefined;
  let observedTime = 0;
  let leading = false;

  const observe = (raw: string | undefined, record: LeaderElectionRecord | undefined, now: number): void => {
    if (raw === observedRaw) return;
    const before = observedRecord?.holderIdentity ?? '';
    observedRaw = raw;
    observedRecord = record;
    observedTime = now;
    const holder = record?.holderIdentity ?? '';
    if (holder && holder !== before) {
      logger.info({ leader: holder }, 'new leader observed');
      config.onNewLeader?.(holder);
    }
  };

  /** One attempt to take or keep the lease; false when someone else holds it or the write lost. */
  const tryAcquireOrRenew = async (signal: AbortSignal): Promise<boolean> => {
    const now = clock.now();
    const mine = (old: LeaderElectionRecord | undefined): LeaderElectionRecord => {
      const keep = old && old.holderIdentity === config.identity;
      return {
        holderIdentity: config.identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: keep && old.acquireTime ? old.acquireTime : lock.formatTime(now),
        renewTime: lock.formatTime(now),
        // As client-go: a new lock starts at 0, and every acquisition by someone not leading counts one.
        leaderTransitions: keep ? old.leaderTransitions : old ? old.leaderTransitions + 1 : 0,
      };
    };
    let state: LockState | undefined;
    try {
      state = await lock.get(signal);
    } catch (err) {
      logger.warn({ err }, 'cannot read the lock');
      return false;
    }
    if (!state) {
      const record = mine(undefined);
      try {
        await lock.create(record, signal);
      } catch (createErr) {
        logger.info({ err: createErr }, 'creating the lock failed');
        return false;
      }
      observe(JSON.stringify(record), record, now);
      return true;
    }

    const old = state.record;
    observe(state.raw, old, now);
    const holder = old?.holderIdentity ?? '';
    const leaseMs = (old?.leaseDurationSeconds || Math.ceil(leaseDurationMs / 1000)) * 1000;
    if (holder && holder !== config.identity && observedTime + leaseMs > now) return false;

    const record = mine(old);
    try {
      await lock.update(record, signal);
    } catch (err) {
      logger.info({ err }, 'updating the lock failed');
      return false;
    }
    // What the next get will read back (both locks store the record as written).
    observe(JSON.stringify(record), record, now);
    return true;
  };

  const release = async (): Promise<void> => {
    try {
      const state = await lock.get();
      const old = state?.record;
      if (!old || old.holderIdentity !== config.identity) return;
      const now = lock.formatTime(clock.now());
      await lock.update({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaderTransitions: old.leaderTransitions });
    } catch (err) {
      logger.info({ err }, 'releasing the lock failed');
    }
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    // Campaign.
    for (;;) {
      if (signal.aborted) return;
      if (await tryAcquireOrRenew(signal).catch(() => false)) break;
      try {
        await clock.sleep(retryPeriodMs, signal);
      } catch {
        return;
      }
    }

    // Lead until a renew misses the deadline, someone else shows up as holder, or we are told to stop.
    leading = true;
    logger.info('became leader');
    const lead = new AbortController();
    const stopOnCancel = (): void => lead.abort(signal.reason);
    signal.addEventListener('abort', stopOnCancel, { once: true });
    let lastRenewStart = clock.now();
    let watchdog: TimerHandle = clock.setTimeout(() => lead.abort(new Error('renew deadline exceeded')), renewDeadlineMs);
    void Promise.resolve()
      .then(() => config.onStartedLeading(lead.signal))
      .catch((err: unknown) => logger.error({ err }, 'onStartedLeading failed'));
    try {
      while (!lead.signal.aborted) {
        try {
          await clock.sleep(retryPeriodMs, lead.signal);
        } catch {
          break;
        }
        const start = clock.now();
        const ok = await tryAcquireOrRenew(lead.signal).catch(() => false);
        if (lead.signal.aborted) break;
        if (ok) {
          lastRenewStart = start;
          clock.clearTimeout(watchdog);
          watchdog = clock.setTimeout(() => lead.abort(new Error('renew deadline exceeded')), lastRenewStart + renewDeadlineMs - clock.now());
        } else if (observedRecord?.holderIdentity && observedRecord.holderIdentity !== config.identity) {
          lead.abort(new Error(`lease taken by ${observedRecord.holderIdentity}`));
        }
      }
    } finally {
      clock.clearTimeout(watchdog);
      signal.removeEventListener('abort', stopOnCancel);
      leading = false;
      logger.info({ reason: String(lead.signal.reason) }, 'stopped leading');
      if (signal.aborted && config.releaseOnCancel !== false) await release();
      try {
        config.onStoppedLeading();
      } catch (err) {
        logger.error({ err }, 'onStoppedLeading failed');
      }
    }
  };

  return { run, isLeader: () => leading, getLeader: () => observedRecord?.holderIdentity ?? '' };
}

function parseRecord(raw: string | undefined): LeaderElectionRecord | undefined {
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw) as Partial<LeaderElectionRecord>;
    return {
      holderIdentity: typeof r.holderIdentity === 'string' ? r.holderIdentity : '',
      leaseDurationSeconds: typeof r.leaseDurationSeconds === 'number' ? r.leaseDurationSeconds : 0,
      acquireTime: typeof r.acquireTime === 'string' ? r.acquireTime : '',
      renewTime: typeof r.renewTime === 'string' ? r.renewTime : '',
      leaderTransitions: typeof r.leaderTransitions === 'number' ? r.leaderTransitions : 0,
    };
  } catch {
    return undefined;
  }
}
