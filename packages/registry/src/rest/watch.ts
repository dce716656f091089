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

/**
 * The JSON of objects the watch cache fans out. One event object is shared by every watcher it
 * reaches (and is never mutated), so it is serialized once, not once per watcher.
 */
const serialized = new WeakMap<object, string>();

function objectJson(obj: object): string {
  let json = serialized.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    serialized.set(obj, json);
  }
  return json;
}

/** The wire line of one watch event: the same bytes as `JSON.stringify({ type, object })`. */
export function watchEventLine(type: string, object: object, shared: boolean): string {
  return `{"type":${JSON.stringify(type)},"object":${shared ? objectJson(object) : JSON.stringify(object)}}\n`;
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
      if (options.transform && ev.type !== 'BOOKMARK') {
        await write(watchEventLine(ev.type, options.transform(ev.object, first), false));
        first = false;
      } else {
        // Bookmarks are made per watcher; everything else is the cache's shared object.
        await write(watchEventLine(ev.type, ev.object, ev.type !== 'BOOKMARK'));
      }
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
