import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { StatusError, reasonForCode, type Status } from '@tskube/api-types';
import { systemClock, type Clock } from '@tskube/component-base';
import type { ClientConfig } from './config.js';
import { TokenBucket } from './rate-limit.js';

export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  query?: Query;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  /** Defaults to `application/json` when there is a body. */
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

const VERSION = '0.1.0';
const connectionErrors = new WeakSet<object>();

/** True for the StatusError a client builds when it could not reach the server at all. */
export function isConnectionError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && connectionErrors.has(err);
}

function connectionError(server: string, cause: unknown): StatusError {
  const why = cause instanceof Error ? cause.message : String(cause);
  const err = new StatusError('ServiceUnavailable', `unable to connect to the server ${server}: ${why}`, undefined, { cause });
  connectionErrors.add(err);
  return err;
}

/** Reads a (possibly non-Status) error body into a StatusError, as client-go's NewGenericServerResponse. */
export function errorFromResponse(code: number, method: string, body: string): StatusError {
  try {
    const parsed = JSON.parse(body) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') return StatusError.fromStatus({ ...parsed, code: parsed.code ?? code });
  } catch {
    // not JSON: fall through to a generic error for the code
  }
  const reason = code === 409 && method === 'POST' ? 'AlreadyExists' : reasonForCode(code);
  const message =
    code === 404
      ? 'the server could not find the requested resource'
      : `the server responded with status ${code}${body ? `: ${body.slice(0, 200)}` : ''}`;
  return new StatusError(reason, message);
}

export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** How often a request the server asked to retry later (429 or 5xx with Retry-After) is sent again, as client-go. */
export const MAX_RETRY_AFTER_RETRIES = 10;

/** Seconds to wait from a Retry-After header of a 429 or 5xx answer (client-go's checkWait), else undefined. */
export function retryAfterSeconds(status: number, header: string | string[] | undefined): number | undefined {
  if (status !== 429 && status < 500) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * HTTP(S) to one apiserver: auth headers, TLS, the client-side rate limit, retries of GETs
 * that failed to connect, and of any request the server answered 429 (or 5xx) with a
 * Retry-After (the server did not act on it; client-go does the same). Everything else is the
 * caller's.
 */
export class Transport {
  readonly server: string;
  readonly clock: Clock;
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #headers: Record<string, string>;
  readonly #bucket: TokenBucket;
  readonly #maxGetRetries: number;

  constructor(config: ClientConfig & { maxGetRetries?: number }) {
    this.server = config.server;
    this.#base = new URL(config.server);
    this.clock = config.clock ?? systemClock;
    this.#bucket = new TokenBucket(config.qps ?? 50, config.burst ?? 100, this.clock);
    this.#maxGetRetries = config.maxGetRetries ?? 2;
    const read = (file: string | undefined): Buffer | undefined => (file ? readFileSync(file) : undefined);
    const token = config.token ?? (config.tokenFile ? readFileSync(config.tokenFile, 'utf8').trim() : undefined);
    this.#headers = { 'user-agent': config.userAgent ?? `tskube-client/${VERSION} (node ${process.version})` };
    // As client-go: credentials only ever travel over TLS, never in the clear.
    if (token && this.#base.protocol === 'https:') this.#headers['authorization'] = `Bearer ${token}`;
    if (this.#base.protocol === 'https:') {
      const ca = config.ca ?? read(config.caFile);
      const cert = config.cert ?? read(config.certFile);
      const key = config.key ?? read(config.keyFile);
      this.#agent = new https.Agent({
        keepAlive: true,
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        rejectUnauthorized: !config.insecureSkipTLSVerify,
      });
    } else if (this.#base.protocol === 'http:') {
      this.#agent = new http.Agent({ keepAlive: true });
    } else {
      throw new Error(`server URL must be http or https: ${config.server}`);
    }
  }

  /** Sends a request and resolves once the response headers arrive; the body is the caller's to read. */
  async open(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const { body, contentType } = encodeBody(opts.body, opts.contentType);
    let retriesAfter = 0;
    for (let attempt = 0; ; attempt++) {
      await this.#bucket.take(this.clock, opts.signal);
      try {
        const res = await this.#send(method, path, opts, body, contentType);
        const wait = retryAfterSeconds(res.statusCode ?? 0, res.headers['retry-after']);
        if (wait === undefined || retriesAfter >= MAX_RETRY_AFTER_RETRIES) return res;
        retriesAfter++;
        attempt--;
        res.resume();
        await this.clock.sleep(wait * 1000, opts.signal);
        continue;
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        const retryable = err instanceof StaleSocketError || (method === 'GET' && attempt < this.#maxGetRetries);
        if (!retryable || attempt >= Math.max(1, this.#maxGetRetries)) {
          throw connectionError(this.server, err instanceof StaleSocketError ? err.cause : err);
        }
        if (!(err instanceof StaleSocketError)) await this.clock.sleep(100 * 2 ** attempt, opts.signal);
      }
    }
  }

  /** A whole response body as text; non-2xx becomes a StatusError. */
  async requestText(method: string, path: string, opts: RequestOptions = {}): Promise<{ text: string; contentType: string }> {
    const res = await this.open(method, path, opts);
    const text = await readBody(res, opts.signal, this.server);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw errorFromResponse(code, method, text);
    return { text, contentType: String(res.headers['content-type'] ?? '') };
  }

  /** JSON in, JSON out (non-JSON responses are returned as text). */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const { text, contentType } = await this.requestText(method, path, { accept: 'application/json', ...opts });
    if (text === '') return undefined as T;
    // Logs and other text stay text; a JSON body without a content type is still parsed.
    const isJson = /json/i.test(contentType) || (!contentType && /^\s*[[{]/.test(text));
    return (isJson ? JSON.parse(text) : text) as T;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #send(method: string, path: string, opts: RequestOptions, body: Buffer | undefined, contentType: string | undefined): Promise<IncomingMessage> {
    const prefix = this.#base.pathname.replace(/\/+$/, '');
    const headers: Record<string, string> = { ...this.#headers, accept: opts.accept ?? 'application/json, */*' };
    if (body) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(body.length);
    }
    const mod = this.#base.protocol === 'https:' ? https : http;
    return new Promise<IncomingMessage>((resolvePromise, reject) => {
      if (opts.signal?.aborted) {
        reject(opts.signal.reason);
        return;
      }
      const req = mod.request({
        protocol: this.#base.protocol,
        hostname: this.#base.hostname.replace(/^\[|\]$/g, ''),
        port: this.#base.port || undefined,
        method,
        path: prefix + path + buildQuery(opts.query),
        headers,
        agent: this.#agent,
      });
      const onAbort = (): void => {
        req.destroy();
        reject(opts.signal?.reason);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        // Once the body is consumed (or destroyed) the abort listener has nothing left to cancel.
        res.once('close', () => opts.signal?.removeEventListener('abort', onAbort));
        resolvePromise(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        opts.signal?.removeEventListener('abort', onAbort);
        // A keep-alive socket the server had just closed: the request never reached it (Node docs).
        reject(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError(err) : err);
      });
      req.end(body);
    });
  }
}

class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

function encodeBody(body: unknown, contentType: string | undefined): { body?: Buffer; contentType?: string } {
  if (body === undefined) return {};
  if (Buffer.isBuffer(body)) return { body, ...(contentType ? { contentType } : {}) };
  if (typeof body === 'string') return { body: Buffer.from(body), contentType: contentType ?? 'application/json' };
  return { body: Buffer.from(JSON.stringify(body)), contentType: contentType ?? 'application/json' };
}

async function readBody(res: IncomingMessage, signal: AbortSignal | undefined, server: string): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw connectionError(server, err);
  }
  return Buffer.concat(chunks).toString('utf8');
}
