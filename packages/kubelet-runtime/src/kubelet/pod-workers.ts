/**
 * One worker per pod uid (upstream PodWorkers): syncs of one pod never overlap; an update that
 * arrives during a sync makes the worker sync once more afterwards, so bursts coalesce. A
 * failed sync is retried after `retryMs`. At most `concurrency` pods sync at once.
 */
import type { Clock, Logger } from '@tskube/component-base';

interface WorkerState {
  running: boolean;
  again: boolean;
}

export class PodWorkers {
  private readonly states = new Map<string, WorkerState>();
  private readonly idle = new Set<() => void>();
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly sync: (uid: string) => Promise<void>,
    private readonly opts: { clock: Clock; logger: Logger; retryMs?: number; concurrency?: number },
  ) {}

  update(uid: string): void {
    if (this.stopped) return;
    let s = this.states.get(uid);
    if (!s) {
      s = { running: false, again: false };
      this.states.set(uid, s);
    }
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    void this.loop(uid, s);
  }

  /** Syncs `uid` again after `ms` (backoff expiry, retries). */
  updateAfter(uid: string, ms: number): void {
    this.opts.clock.setTimeout(() => this.update(uid), Math.max(0, ms));
  }

  private async slot(): Promise<void> {
    const max = this.opts.concurrency ?? 32;
    if (this.active < max) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  private async loop(uid: string, s: WorkerState): Promise<void> {
    do {
      s.again = false;
      await this.slot();
      try {
        await this.sync(uid);
      } catch (err) {
        this.opts.logger.warn({ err, podUid: uid }, 'pod sync failed; retrying');
        this.updateAfter(uid, this.opts.retryMs ?? 2000);
      } finally {
        this.release();
      }
    } while (s.again && !this.stopped);
    s.running = false;
    this.states.delete(uid);
    if (this.states.size === 0) for (const fn of this.idle) fn();
  }

  /** Stops taking updates and waits for syncs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.whenIdle();
  }

  /** Resolves once no sync is running. */
  whenIdle(): Promise<void> {
    if (this.states.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const fn = (): void => {
        this.idle.delete(fn);
        resolve();
      };
      this.idle.add(fn);
    });
  }
}
