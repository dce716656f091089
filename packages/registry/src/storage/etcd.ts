/**
 * Storage over etcd v3 (the `etcd3` client). Every conditional write is one etcd transaction;
 * revisions are etcd's own. Writes are never retried: a write whose outcome is unknown
 * (timeout, lost connection) is reported as `Unreachable`, and the caller decides.
 */
import {
  ClientClosedError,
  CompareResult,
  CompareTarget,
  Etcd3,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
  type IKeyValue,
  type IOptions,
  type IRangeRequest,
  type IWatchResponse,
  type KVClient,
  type Watcher,
} from 'etcd3';
import { createLeaseManager, type LeaseManager } from './lease-manager.js';
import {
  StorageError,
  isStorageError,
  ttlSecondsOf,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageWatch,
  type WatchOptions,
  type WriteOptions,
} from './types.js';

/** The part of a pino logger the storage uses. */
export interface StorageLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface EtcdStorageOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`. */
  endpoints: string[];
  /** Namespace prepended to every key (default ''); lets tests share one etcd. */
  prefix?: string;
  /** Deadline of a health probe (default 2 000 ms). */
  dialTimeoutMs?: number;
  /** Deadline of every other call (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** How long a watch may stay disconnected before it ends with `Unreachable` (default 30 000 ms). */
  watchResumeTimeoutMs?: number;
  /** Events a watch buffers for a slow consumer before it ends with `Expired` (default 100 000). */
  maxBufferedEvents?: number;
  logger?: StorageLogger;
}

const COMPACTED = 'required revision has been compacted';
const LEASE_NOT_FOUND = 'requested lease not found';
const FUTURE = 'required revision is a future revision';
const ZERO_KEY = Buffer.from([0]);

export function createEtcdStorage(options: EtcdStorageOptions): Storage {
  return new EtcdStorage(options);
}

class EtcdStorage implements Storage {
  private readonly client: Etcd3;
  private readonly kv: KVClient;
  private readonly leases: LeaseManager;
  private readonly prefix: string;
  private readonly dialTimeoutMs: number;
  readonly watchResumeTimeoutMs: number;
  readonly maxBufferedEvents: number;
  readonly logger: StorageLogger | undefined;
  private readonly watches = new Set<EtcdWatch>();
  /** The highest compaction we did or learned of from an error; etcd does not report it. */
  private compacted = 0;

  constructor(options: EtcdStorageOptions) {
    if (options.endpoints.length === 0) throw new Error('createEtcdStorage: no endpoints');
    this.prefix = options.prefix ?? '';
    this.dialTimeoutMs = options.dialTimeoutMs ?? 2_000;
    this.watchResumeTimeoutMs = options.watchResumeTimeoutMs ?? 30_000;
    this.maxBufferedEvents = options.maxBufferedEvents ?? 100_000;
    this.logger = options.logger;
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const faultHandling: IOptions['faultHandling'] = {
      // The client's default global policy retries failed calls, writes included; we must not
      // retry a write whose outcome is unknown, so calls go through once and reads retry below.
      global: noRetry,
      watchBackoff: cappedBackoff(100, 2_000),
    };
    // With one endpoint there is nothing to fail over to, so the per-host circuit breaker would
    // only delay recovery after etcd comes back.
    if (options.endpoints.length === 1) faultHandling.host = () => noRetry;
    this.client = new Etcd3({
      hosts: options.endpoints,
      faultHandling,
      // Watch streams live on; unary calls get a deadline so a hung etcd cannot hang callers.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
      // gRPC's default 4 MiB receive limit fails an unpaged list of a few thousand pods; upstream's
      // etcd client allows MaxInt32, and so do we (each value is still capped by etcd at 1.5 MiB).
      grpcOptions: { 'grpc.max_receive_message_length': 2 ** 31 - 1 },
    });
    this.kv = this.client.kv;
    this.leases = createLeaseManager({
      grant: async (ttl) => (await this.write('', 'lease grant', () => this.client.leaseClient.leaseGrant({ TTL: ttl }))).ID,
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.read(key, 'get', () => this.kv.range({ key: this.encode(key) }));
    const kv = res.kvs[0];
    return kv && this.decode(kv);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const from = this.encode(prefix);
    const rangeStart = from.length === 0 ? ZERO_KEY : from;
    let start = rangeStart;
    if (options.startAfter !== undefined) {
      // The smallest key strictly after startAfter.
      const after = Buffer.concat([this.encode(options.startAfter), ZERO_KEY]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const req: IRangeRequest = { key: start, range_end: prefixEnd(from) };
    if (options.limit && options.limit > 0) req.limit = options.limit;
    if (options.revision && options.revision > 0) req.revision = options.revision;
    const res = await this.read(prefix, 'list', () => this.kv.range(req), options.revision);
    return {
      items: res.kvs.map((kv) => this.decode(kv)),
      revision: options.revision && options.revision > 0 ? options.revision : Number(res.header.revision),
      more: res.more,
    };
  }

  async create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    const k = this.encode(key);
    const res = await this.withLease(key, options, (lease) =>
      this.write(key, 'create', () =>
        this.kv.txn({
          compare: [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
          success: [{ request_put: { key: k, value: Buffer.from(value), ...lease } }],
        }),
      ),
    );
    if (!res.succeeded) throw new StorageError('KeyExists', key, `key ${key} already exists`);
    const revision = Number(res.header.revision);
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: string, expectedModRevision: number, options?: WriteOptions): Promise<KeyValue> {
    const k = this.encode(key);
    // A put without a lease detaches the key from any it had: the TTL is set afresh by every write.
    const res = await this.withLease(key, options, (lease) =>
      this.write(key, 'update', () =>
        this.kv.txn({
          compare: [{ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedModRevision }],
          success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true, ...lease } }],
          failure: [{ request_range: { key: k } }],
        }),
      ),
    );
    if (!res.succeeded) throw this.mismatch(key, expectedModRevision, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_put?.prev_kv;
    const revision = Number(res.header.revision);
    return { key, value, createRevision: prev ? Number(prev.create_revision) : revision, modRevision: revision };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const k = this.encode(key);
    const compare =
      expectedModRevision === undefined
        ? { key: k, target: CompareTarget.Create, result: CompareResult.Greater, create_revision: 0 }
        : { key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedModRevision };
    const res = await this.write(key, 'delete', () =>
      this.kv.txn({
        compare: [compare],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.mismatch(key, expectedModRevision, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StorageError('Internal', key, `etcd delete of ${key} returned no previous value`);
    return { ...this.decode(prev), modRevision: Number(res.header.revision) };
  }

  watch(key: string, options: WatchOptions): StorageWatch {
    const watch = new EtcdWatch(this, key, options.prefix !== false, options.afterRevision);
    this.watches.add(watch);
    watch.start();
    return watch;
  }

  async currentRevision(): Promise<number> {
    const res = await this.read('', 'currentRevision', () => this.kv.range({ key: ZERO_KEY, count_only: true }));
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    try {
      await this.kv.compact({ revision, physical: true });
    } catch (err) {
      // Someone compacted further already: the goal is met.
      if (!errorMessage(err).includes(COMPACTED)) throw toStorageError(err, '', 'compact');
    }
    this.noteCompacted(revision);
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async healthy(): Promise<boolean> {
    try {
      await this.kv.range({ key: ZERO_KEY, count_only: true }, { deadline: Date.now() + this.dialTimeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const watches = [...this.watches];
    for (const watch of watches) watch.close();
    // Let the cancels reach etcd before the channel closes, or etcd3 keeps reconnecting them.
    const cancels = Promise.all(watches.map((w) => w.cancelling));
    await Promise.race([cancels, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    this.client.close();
  }

  // --- used by EtcdWatch ---

  get knownCompacted(): number {
    return this.compacted;
  }

  noteCompacted(revision: number): void {
    this.compacted = Math.max(this.compacted, revision);
  }

  forget(watch: EtcdWatch): void {
    this.watches.delete(watch);
  }

  newWatcher(key: string, prefix: boolean, startRevision: number): Watcher {
    const k = this.encode(key);
    const builder = this.client.watch();
    if (prefix) builder.inRange({ start: k.length === 0 ? ZERO_KEY : k, end: prefixEnd(k) });
    else builder.key(k);
    // watcher() rather than create(): listeners must be attached before any event can arrive.
    return builder.withPreviousKV().startRevision(String(startRevision)).watcher();
  }

  /** Fails with Expired if history at `revision` is compacted, as a watch from it would miss events. */
  async checkNotCompacted(key: string, revision: number): Promise<void> {
    if (revision < this.compacted) {
      throw new StorageError('Expired', key, `revision ${revision} has been compacted (compacted through ${this.compacted})`);
    }
    if (revision <= 0) return;
    try {
      await this.read(key, 'watch', () => this.kv.range({ key: ZERO_KEY, count_only: true, revision }), revision);
    } catch (err) {
      if (isStorageError(err, 'Internal') && errorMessage(err.cause).includes(FUTURE)) return;
      throw err;
    }
  }

  decode(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.toString('utf8').slice(this.prefix.length),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  // --- internals ---

  private encode(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  private mismatch(key: string, expected: number | undefined, current: IKeyValue | undefined): StorageError {
    if (!current) return new StorageError('KeyNotFound', key, `key ${key} not found`);
    const kv = this.decode(current);
    return new StorageError('Conflict', key, `key ${key} is at revision ${kv.modRevision}, not ${expected}`, kv);
  }

  /** A read: retried a few times on connection errors (safe, unlike writes). */
  private async read<T>(key: string, op: string, call: () => Promise<T>, atRevision?: number): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const error = toStorageError(err, key, op);
        if (error.code === 'Expired' && atRevision) this.noteCompacted(atRevision + 1);
        if (error.code !== 'Unreachable' || attempt >= 3) throw error;
        await sleep(100 * attempt);
      }
    }
  }

  /**
   * Runs a put with the lease the TTL asks for (none without one). A lease etcd no longer knows
   * (it expired early, or etcd lost it) fails the put before anything is written, so that one
   * case is safe to retry with a fresh lease.
   */
  private async withLease<T>(key: string, options: WriteOptions | undefined, put: (lease: { lease?: string }) => Promise<T>): Promise<T> {
    const ttl = ttlSecondsOf(key, options);
    if (ttl === undefined) return put({});
    for (let attempt = 1; ; attempt++) {
      const lease = await this.leases.getLease(ttl);
      try {
        return await put({ lease });
      } catch (err) {
        if (attempt > 1 || !errorMessage(isStorageError(err) ? err.cause : err).includes(LEASE_NOT_FOUND)) throw err;
        this.leases.reset();
      }
    }
  }

  private async write<T>(key: string, op: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toStorageError(err, key, op);
    }
  }
}

/**
 * Bridges etcd3's event-emitting Watcher to an async iterator. Events are buffered until the
 * consumer takes them; reconnects resume from the last delivered revision, so nothing is lost
 * or repeated.
 */
class EtcdWatch implements StorageWatch {
  private readonly queue: StorageEvent[] = [];
  private head = 0;
  private failure: StorageError | undefined;
  private ended = false;
  private started = false;
  private wake: (() => void) | undefined;
  private watcher: Watcher | undefined;
  private resumeTimer: NodeJS.Timeout | undefined;
  /** The last revision handed to the queue (the afterRevision to resume from). */
  private lastRevision: number;
  /** Events below this revision are replays of ones already delivered. */
  private minRevision: number;

  constructor(
    private readonly storage: EtcdStorage,
    private readonly key: string,
    private readonly prefix: boolean,
    afterRevision: number,
  ) {
    this.lastRevision = afterRevision;
    this.minRevision = afterRevision + 1;
  }

  start(): void {
    this.storage
      .checkNotCompacted(this.key, this.lastRevision)
      .then(() => {
        if (!this.ended) this.attach();
      })
      .catch((err: unknown) => this.fail(toStorageError(err, this.key, 'watch')));
  }

  /** The cancel of the etcd watcher, once closed; storage.close() waits for it. */
  cancelling: Promise<void> | undefined;

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.head = 0;
    this.cleanup();
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
    if (this.started) throw new Error('a storage watch can be iterated only once');
    this.started = true;
    return this.events();
  }

  private async *events(): AsyncGenerator<StorageEvent> {
    try {
      for (;;) {
        if (this.head < this.queue.length) {
          const event = this.queue[this.head++]!;
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue.splice(0, this.head);
            this.head = 0;
          }
          yield event;
        } else if (this.failure) {
          throw this.failure;
        } else if (this.ended) {
          return;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
        }
      }
    } finally {
      this.close();
    }
  }

  private attach(): void {
    const watcher = this.storage.newWatcher(this.key, this.prefix, this.lastRevision + 1);
    this.watcher = watcher;
    watcher.on('connecting', (req) => {
      // etcd3 resumes from the last response's header revision, which can run ahead of the
      // events delivered when etcd splits a catch-up batch; resume from what we delivered.
      const create = req as { start_revision?: string | number };
      create.start_revision = this.lastRevision + 1;
      this.minRevision = this.lastRevision + 1;
    });
    watcher.on('connected', () => {
      clearTimeout(this.resumeTimer);
      this.resumeTimer = undefined;
    });
    watcher.on('data', (res: IWatchResponse) => this.onData(res));
    watcher.on('disconnected', (err: Error) => {
      if (this.resumeTimer) return; // etcd3 retries with backoff; one timer and one log line per outage
      this.storage.logger?.warn({ key: this.key, err: err.message }, 'etcd watch disconnected; resuming');
      this.resumeTimer = setTimeout(() => {
        this.fail(
          new StorageError('Unreachable', this.key, `etcd watch could not resume within ${this.storage.watchResumeTimeoutMs} ms`, undefined, { cause: err }),
        );
      }, this.storage.watchResumeTimeoutMs).unref();
    });
    watcher.on('error', (err: Error) => {
      // etcd cancels a watch whose start revision is compacted; etcd 3.4 gives no reason then.
      const message = err.message;
      const compacted = /canceled: *$/.test(message) || /compact/i.test(message);
      if (compacted) this.storage.noteCompacted(this.lastRevision + 1);
      this.watcher = undefined; // etcd3 dropped it already
      this.fail(
        compacted
          ? new StorageError('Expired', this.key, `watch from revision ${this.lastRevision}: history has been compacted`, undefined, { cause: err })
          : new StorageError('Internal', this.key, `etcd canceled the watch: ${message}`, undefined, { cause: err }),
      );
    });
  }

  private onData(res: IWatchResponse): void {
    if (this.ended) return;
    for (const ev of res.events) {
      const revision = Number(ev.kv.mod_revision);
      if (revision < this.minRevision) continue;
      const kv = this.storage.decode(ev.kv);
      const prev = ev.prev_kv && this.storage.decode(ev.prev_kv);
      let event: StorageEvent;
      if (ev.type === 'Delete') {
        event = { type: 'delete', key: kv.key, revision, value: prev?.value ?? '' };
        if (prev) event.prevValue = prev.value;
      } else if (kv.createRevision === kv.modRevision) {
        event = { type: 'create', key: kv.key, revision, value: kv.value };
      } else {
        event = { type: 'update', key: kv.key, revision, value: kv.value };
        if (prev) event.prevValue = prev.value;
      }
      this.queue.push(event);
      this.lastRevision = revision;
    }
    if (this.queue.length - this.head > this.storage.maxBufferedEvents) {
      this.fail(new StorageError('Expired', this.key, `watch consumer fell ${this.storage.maxBufferedEvents} events behind; relist`));
      return;
    }
    this.wake?.();
  }

  private fail(error: StorageError): void {
    if (this.ended) return;
    this.storage.logger?.debug({ key: this.key, code: error.code, err: error.message }, 'etcd watch ended');
    this.failure = error;
    this.ended = true;
    this.cleanup();
  }

  private cleanup(): void {
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    const watcher = this.watcher;
    this.watcher = undefined;
    // Drop every listener (a closed watch must not log 'disconnected' when etcd goes away later),
    // but keep a no-op 'error' one: an unhandled 'error' emit would throw inside etcd3.
    watcher?.removeAllListeners().on('error', () => {});
    this.cancelling = watcher?.cancel().catch(() => {});
    this.storage.forget(this);
    this.wake?.();
  }
}

/** The end of the key range holding every key that starts with `prefix`. */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return ZERO_KEY; // every key
}

function toStorageError(err: unknown, key: string, op: string): StorageError {
  if (isStorageError(err)) return err;
  const message = errorMessage(err);
  const what = `etcd ${op}${key ? ` ${key}` : ''}`;
  if (message.includes(COMPACTED)) {
    return new StorageError('Expired', key, `${what}: revision has been compacted`, undefined, { cause: err });
  }
  if (isConnectionError(err)) {
    return new StorageError('Unreachable', key, `${what}: etcd unreachable: ${message}`, undefined, { cause: err });
  }
  return new StorageError('Internal', key, `${what}: ${message}`, undefined, { cause: err });
}

function isConnectionError(err: unknown): boolean {
  return (
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof GRPCCancelledError ||
    err instanceof ClientClosedError ||
    (err instanceof Error && (err.name === 'BrokenCircuitError' || /ECONNREFUSED|No connection established/.test(err.message)))
  );
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
type Backoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/** A cockatiel policy that runs the call once (etcd3 only ever calls `execute`). */
const noRetry = {
  execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> =>
    fn({ signal: new AbortController().signal }),
} as unknown as Policy;

/** Exponential backoff for re-opening the watch stream, capped low so watches resume promptly. */
function cappedBackoff(initialMs: number, maxMs: number): Backoff {
  const at = (duration: number): Backoff => ({ duration, next: () => at(Math.min(maxMs, duration * 2)) });
  return at(initialMs);
}
