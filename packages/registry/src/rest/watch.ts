/**
 * Watch streams: one JSON WatchEvent per line, written as produced over a chunked 200 response.
 * A watch that cannot continue (410 Expired, ...) ends with one ERROR event carrying the Status,
 * then the stream closes, as upstream's watch cache does.
 */
import type { ServerResponse } from 'node:http';
import { toStatusError, type Table } from '@tskube/api-types';
import type { Logger } from '@tskube/component-base';
import type { CacheWatcher, StoredObject } from '../cache/types.js';

export interface WatchStreamOptions {
  /** Converts an event's object for the client (e.g. to a one-row Table); `first` is true for the first object. */
  transform?: (obj: StoredObject, first: boolean) => StoredObject | Table;
  /** Closes the stream after this long (timeoutSeconds). */
  timeoutMs: number;
  logger: Logger;
  /** Called with a function that ends the stream (server shutdown); returns the unregister function. */
  register: (stop: () => void) => () => void;
}

/** Streams `watcher` into `res` until it ends, times out, the client goes away or the server stops. */
export async function streamWatch(res: ServerResponse, watcher: CacheWatcher<StoredObject>, options: WatchStreamOptions): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  let closed = false;
  const stop = () => {
    closed = true;
    watcher.close();
  };
  const timer = setTimeout(stop, options.timeoutMs);
  timer.unref();
  res.on('close', stop);
  const unregister = options.register(stop);
  let first = true;

  const write = async (line: string): Promise<void> => {
    if (closed || res.writableEnded || res.destroyed) return;
    if (!res.write(line)) {
      // Backpressure: wait for the client rather than buffer; the cache drops a watcher that lags too far.
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };

  try {
    for await (const ev of watcher) {
      if (closed) break;
      let object: StoredObject | Table = ev.object;
      if (options.transform && ev.type !== 'BOOKMARK') {
        object = options.transform(ev.object, first);
        first = false;
      }
      await write(`${JSON.stringify({ type: ev.type, object })}\n`);
    }
  } catch (err) {
    const status = toStatusError(err);
    if (status.code >= 500) options.logger.error({ err }, 'watch failed');
    await write(`${JSON.stringify({ type: 'ERROR', object: status.toStatus() })}\n`);
  } finally {
    clearTimeout(timer);
    unregister();
    res.off('close', stop);
    watcher.close();
    if (!res.writableEnded) res.end();
  }
}
