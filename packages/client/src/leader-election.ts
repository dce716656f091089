import { isNotFound, type Endpoints } from '@tskube/api-types';
import { silentLogger, systemClock, type Clock, type Logger, type TimerHandle } from '@tskube/component-base';
import type { ResourceClient } from './rest-client.js';

/** Where the record lives on the lock object (upstream's legacy EndpointsLock/ConfigMapLock). */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
}

export interface LeaderElectorConfig {
  /** Only the Endpoints verbs used: get, create, update. */
  client: { endpoints: Pick<ResourceClient<Endpoints>, 'get' | 'create' | 'update'> };
  lock: { namespace: string; name: string };
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

/**
 * client-go's LeaderElector over a record annotation on an Endpoints object. Every acquire and
 * renew is an update guarded by the object's resourceVersion, so a lost race is a 409 and two
 * electors never both succeed. Expiry is judged on the local clock from when a record change was
 * observed (no cross-host clock comparison). The leader stops leading once renewDeadline has
 * passed since the start of its last successful renew; as renewDeadline < leaseDuration, that is
 * before any other candidate may consider the lease expired.
 */
export function createLeaderElector(config: LeaderElectorConfig): LeaderElector {
  const clock = config.clock ?? systemClock;
  const logger = (config.logger ?? silentLogger()).child({ lock: `${config.lock.namespace}/${config.lock.name}`, identity: config.identity });
  const leaseDurationMs = config.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = config.retryPeriodMs ?? 2_000;
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
    throw new RangeError('leader election needs leaseDuration > renewDeadline > retryPeriod > 0');
  }
  const { namespace, name } = config.lock;
  const endpoints = config.client.endpoints;
  let observedRaw: string | undefined;
  let observedRecord: LeaderElectionRecord | undefined;
  let observedTime = 0;
  let leading = false;

  const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

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
        acquireTime: keep ? old.acquireTime : stamp(now),
        renewTime: stamp(now),
        leaderTransitions: keep ? old.leaderTransitions : (old?.leaderTransitions ?? -1) + 1,
      };
    };
    let current: Endpoints;
    try {
      current = await endpoints.get(namespace, name, { signal });
    } catch (err) {
      if (!isNotFound(err)) {
        logger.warn({ err }, 'cannot read the lock');
        return false;
      }
      const record = mine(undefined);
      const raw = JSON.stringify(record);
      try {
        await endpoints.create(namespace, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, annotations: { [LEADER_ANNOTATION]: raw } } }, { signal });
      } catch (createErr) {
        logger.info({ err: createErr }, 'creating the lock failed');
        return false;
      }
      observe(raw, record, now);
      return true;
    }

    const oldRaw = current.metadata?.annotations?.[LEADER_ANNOTATION];
    const old = parseRecord(oldRaw);
    observe(oldRaw, old, now);
    const holder = old?.holderIdentity ?? '';
    const leaseMs = (old?.leaseDurationSeconds ?? Math.ceil(leaseDurationMs / 1000)) * 1000;
    if (holder && holder !== config.identity && observedTime + leaseMs > now) return false;

    const record = mine(old);
    const raw = JSON.stringify(record);
    const updated: Endpoints = structuredClone(current);
    updated.metadata = { ...updated.metadata, annotations: { ...updated.metadata?.annotations, [LEADER_ANNOTATION]: raw } };
    try {
      // metadata.resourceVersion stays as read: the update is conditional on nobody else writing first.
      await endpoints.update(namespace, updated, { signal });
    } catch (err) {
      logger.info({ err }, 'updating the lock failed');
      return false;
    }
    observe(raw, record, now);
    return true;
  };

  const release = async (): Promise<void> => {
    try {
      const current = await endpoints.get(namespace, name);
      const old = parseRecord(current.metadata?.annotations?.[LEADER_ANNOTATION]);
      if (old?.holderIdentity !== config.identity) return;
      const now = stamp(clock.now());
      const record: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaderTransitions: old.leaderTransitions };
      const updated: Endpoints = structuredClone(current);
      updated.metadata = { ...updated.metadata, annotations: { ...updated.metadata?.annotations, [LEADER_ANNOTATION]: JSON.stringify(record) } };
      await endpoints.update(namespace, updated);
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
