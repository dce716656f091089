import type { IncomingMessage } from 'node:http';
import { StatusError, isExpired, isStatusError, type KubernetesObject, type Status } from '@tskube/api-types';
import { silentLogger, systemClock, type Clock, type Logger } from '@tskube/component-base';
import { errorFromResponse, isConnectionError, type Transport } from './transport.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubernetesObject> {
  type: Exclude<WatchEventType, 'ERROR'>;
  object: T;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Aborting ends the iteration quietly. */
  signal?: AbortSignal;
}

/** A function that opens one watch stream (what informers and watchWithResume consume). */
export type WatchFn<T> = (opts: WatchOptions) => AsyncIterable<WatchEvent<T>>;

/**
 * Splits a byte stream into lines, whatever the chunk boundaries (mid-line, mid-character),
 * and parses each non-empty line as JSON.
 */
export async function* ndjson(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield JSON.parse(line);
    }
  }
  const rest = (pending + decoder.decode()).trim();
  if (rest) yield JSON.parse(rest);
}

/**
 * Turns raw watch frames into events: ERROR frames become thrown StatusErrors (an expired
 * resourceVersion satisfies `isExpired`), unknown types are a protocol error.
 */
export async function* decodeWatchEvents<T>(frames: AsyncIterable<unknown>): AsyncGenerator<WatchEvent<T>> {
  for await (const frame of frames) {
    const { type, object } = (frame ?? {}) as { type?: string; object?: unknown };
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
      case 'BOOKMARK':
        yield { type, object: object as T };
        break;
      case 'ERROR': {
        const status = (object ?? {}) as Partial<Status>;
        throw StatusError.fromStatus({ ...status, code: status.code ?? 500 });
      }
      default:
        throw new StatusError('InternalError', `watch: unexpected event type ${JSON.stringify(type)}`);
    }
  }
}

/**
 * One watch stream on a collection path (`/api/v1/namespaces/ns/pods`): yields events until
 * the server closes the stream or the signal aborts. Non-200 answers (an HTTP 410 included)
 * and ERROR events are thrown as StatusErrors; a dropped connection as a connection error.
 */
export async function* watchPath<T>(transport: Transport, path: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
  const local = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, local.signal]) : local.signal;
  let res: IncomingMessage;
  try {
    res = await transport.open('GET', path, {
      query: {
        watch: 'true',
        resourceVersion: opts.resourceVersion || undefined,
        labelSelector: opts.labelSelector || undefined,
        fieldSelector: opts.fieldSelector || undefined,
        allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal,
    });
  } catch (err) {
    if (opts.signal?.aborted) return;
    throw err;
  }
  try {
    const code = res.statusCode ?? 0;
    if (code !== 200) {
      let text = '';
      for await (const chunk of res) text += String(chunk);
      throw errorFromResponse(code, 'GET', text);
    }
    yield* decodeWatchEvents<T>(ndjson(res));
  } catch (err) {
    if (opts.signal?.aborted) return;
    if (isStatusError(err) || isConnectionError(err)) throw err;
    if (err instanceof SyntaxError) throw new StatusError('InternalError', `watch: malformed event: ${err.message}`, undefined, { cause: err });
    throw new StatusError('ServiceUnavailable', `watch stream broken: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    // Closing the iteration early (break, throw) must close the connection too.
    local.abort();
    res.destroy();
  }
}

export interface WatchWithResumeOptions extends WatchOptions {
  clock?: Clock;
  logger?: Logger;
  /** Backoff between failed attempts: initial, doubling to max (defaults 1 s → 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

const PERMANENT = new Set(['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'MethodNotAllowed', 'Invalid', 'NotAcceptable']);

/**
 * client-go's RetryWatcher: keeps one logical watch going across stream ends and dropped
 * connections by re-watching from the last resourceVersion seen (bookmarks advance it too,
 * and are passed on). An expired resourceVersion (410) and permanent errors (400/401/403/404)
 * are thrown: the caller must relist. Ends only when the signal aborts.
 */
export async function* watchWithResume<T extends KubernetesObject>(
  watch: WatchFn<T>,
  opts: WatchWithResumeOptions = {},
): AsyncGenerator<WatchEvent<T>> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger();
  const initial = opts.initialBackoffMs ?? 1000;
  const max = opts.maxBackoffMs ?? 30_000;
  const { clock: _c, logger: _l, initialBackoffMs: _i, maxBackoffMs: _m, ...watchOpts } = opts;
  let resourceVersion = opts.resourceVersion;
  let backoff = initial;
  while (!opts.signal?.aborted) {
    let received = 0;
    try {
      for await (const event of watch({ ...watchOpts, resourceVersion })) {
        received++;
        backoff = initial;
        const rv = event.object?.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        yield event;
      }
      if (opts.signal?.aborted) return;
      // A stream closed at once, again and again, must not become a busy loop.
      if (received > 0) continue;
      logger.debug({ resourceVersion }, 'watch closed without events; backing off');
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (isExpired(err) || (isStatusError(err) && PERMANENT.has(err.reason) && !isConnectionError(err))) throw err;
      logger.info({ err, resourceVersion, backoffMs: backoff }, 'watch failed; resuming');
    }
    try {
      await clock.sleep(backoff, opts.signal);
    } catch {
      return;
    }
    backoff = Math.min(backoff * 2, max);
  }
}
