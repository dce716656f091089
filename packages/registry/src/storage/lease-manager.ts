/**
 * Hands out etcd leases for keys written with a TTL, as upstream's etcd3 LeaseManager
 * (staging/src/k8s.io/apiserver/pkg/storage/etcd3/lease_manager.go): one lease serves every key
 * written within a short window, so a burst of events costs one LeaseGrant, not one each. The
 * lease is granted a little longer than asked (the reuse window), so each key lives at least its
 * TTL and at most TTL + window.
 */
import type { Clock } from '@tskube/component-base';

export interface LeaseManagerOptions {
  /** Grants a lease of `ttlSeconds` and returns its ID (etcd: LeaseGrant). */
  grant(ttlSeconds: number): Promise<string>;
  clock?: Pick<Clock, 'now'>;
  /** The reuse window as a fraction of the TTL (upstream: 0.05). */
  reusePercent?: number;
  /** The reuse window's cap in seconds (upstream: 60). */
  maxReuseSeconds?: number;
  /** Keys attached to one lease at most, so revoking it deletes a bounded batch (upstream: 1000). */
  maxAttachedKeys?: number;
}

export interface LeaseManager {
  /** A lease under which a key lives at least `ttlSeconds` (whole seconds, > 0). */
  getLease(ttlSeconds: number): Promise<string>;
  /** Forgets the lease in hand (e.g. etcd no longer knows it), so the next call grants afresh. */
  reset(): void;
}

export function createLeaseManager(options: LeaseManagerOptions): LeaseManager {
  const clock = options.clock ?? { now: () => Date.now() };
  const reusePercent = options.reusePercent ?? 0.05;
  const maxReuseSeconds = options.maxReuseSeconds ?? 60;
  const maxAttachedKeys = options.maxAttachedKeys ?? 1000;
  let prev: { id: string; expiresAt: number; attached: number } | undefined;
  // Callers queue behind one another (upstream holds a mutex across the grant), so a burst that
  // arrives while the first grant is in flight reuses that lease instead of granting its own.
  let queue: Promise<unknown> = Promise.resolve();

  async function next(ttlSeconds: number): Promise<string> {
    const now = clock.now();
    const reuseSeconds = Math.min(Math.floor(reusePercent * ttlSeconds), maxReuseSeconds);
    if (prev) {
      // Reusable if it outlives this key's TTL, but by no more than the reuse window (upstream's
      // strict After() would refuse a lease granted in the same instant; we allow it).
      const valid = now + ttlSeconds * 1000 < prev.expiresAt;
      const sufficient = now + (ttlSeconds + reuseSeconds) * 1000 >= prev.expiresAt;
      if (valid && sufficient && prev.attached < maxAttachedKeys) {
        prev.attached++;
        return prev.id;
      }
    }
    const ttl = ttlSeconds + reuseSeconds;
    const id = await options.grant(ttl);
    prev = { id, expiresAt: now + ttl * 1000, attached: 1 };
    return id;
  }

  return {
    getLease(ttlSeconds) {
      const lease = queue.then(() => next(ttlSeconds));
      queue = lease.catch(() => {});
      return lease;
    },
    reset() {
      prev = undefined;
    },
  };
}
