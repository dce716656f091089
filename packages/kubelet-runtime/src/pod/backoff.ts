import type { Clock } from '@tskube/component-base';

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;
/** A container that ran this long between two failures starts its backoff over (upstream: 2 × max). */
export const BACKOFF_RESET_MS = 600_000;

interface Entry {
  backoffMs: number;
  /** When the container whose restart set this entry had finished. */
  lastUpdate: number;
}

/**
 * Crash-loop backoff per key (pod uid + container name), as upstream's flowcontrol.Backoff:
 * a restart after a failure at `finishedAt` may happen once `backoff` has passed since then;
 * each restart doubles the backoff up to the max, and a long clean run resets it.
 */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = INITIAL_BACKOFF_MS,
    readonly maxMs = MAX_BACKOFF_MS,
    readonly resetMs = BACKOFF_RESET_MS,
  ) {}

  /** The ms left before a restart of a container that finished at `finishedAt` may happen (0: now). */
  remaining(key: string, finishedAt: number): number {
    const e = this.entries.get(key);
    if (!e || finishedAt - e.lastUpdate > this.resetMs) return 0;
    return Math.max(0, finishedAt + e.backoffMs - this.clock.now());
  }

  /** The ms left of the backoff since the last recorded failure (image pulls). */
  remainingSinceLast(key: string): number {
    const e = this.entries.get(key);
    return e ? this.remaining(key, e.lastUpdate) : 0;
  }

  /** The current delay for `key` (for messages), 0 when none. */
  current(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a restart of a container that finished at `finishedAt`; returns the next delay. */
  next(key: string, finishedAt: number): number {
    const e = this.entries.get(key);
    const backoffMs = !e || finishedAt - e.lastUpdate > this.resetMs ? this.initialMs : Math.min(e.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdate: finishedAt });
    return backoffMs;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key starting with `prefix` (a pod's uid). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
