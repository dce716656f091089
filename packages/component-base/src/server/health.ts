import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/create-logger.js';

/** A named health check: it passes unless it throws (or its promise rejects). */
export interface HealthCheck {
  name: string;
  check: () => Promise<void> | void;
  /** A check still running after this long fails, so a hung dependency cannot hang the probe. Default 5 s. */
  timeoutMs?: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

/** Checks as a fixed list, or a function read on every request for lists that grow. */
export type HealthChecks = readonly HealthCheck[] | (() => readonly HealthCheck[]);

export interface HealthHandlerOptions {
  /** Endpoint name used in the trailing line (`healthz check failed`) and as the path prefix. */
  name?: string;
  /** Failed checks are logged here with their real reasons (the response withholds them). */
  logger?: Logger;
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Always passes: answers "is the server serving at all", as upstream's `ping` check. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => {} };

/**
 * A node:http handler (also usable as an express handler) in upstream's healthz format:
 * `ok` when every check passes; `?verbose` lists `[+]name ok` lines and `<name> check passed`;
 * on failure 500 with `[-]name failed: reason withheld` and `<name> check failed`.
 * `?exclude=name` skips checks, and `/<name>/<check>` runs a single check.
 */
export function healthHandler(checks: HealthChecks, options: HealthHandlerOptions = {}): NodeHandler {
  const name = options.name ?? 'healthz';
  const list = typeof checks === 'function' ? checks : () => checks;
  return (req, res) => {
    serveHealth(req, res, name, list(), options.logger).catch((err: unknown) => {
      options.logger?.error({ err }, `${name} handler failed`);
      if (!res.headersSent) send(req, res, 500, 'internal server error\n');
    });
  };
}

async function serveHealth(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  checks: readonly HealthCheck[],
  logger: Logger | undefined,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // Mounted at `/healthz` by exact path the URL keeps the prefix; under express `app.use` it does not.
  let rest = url.pathname.startsWith(`/${name}`) ? url.pathname.slice(name.length + 1) : url.pathname;
  rest = rest.replace(/\/+$/, '');

  if (rest !== '') {
    const single = checks.find((c) => `/${c.name}` === rest);
    if (!single) return send(req, res, 404, '404 page not found\n');
    const [result] = await runChecks([single]);
    if (result?.error === undefined) return send(req, res, 200, 'ok');
    return send(req, res, 500, `internal server error: ${describe(result.error)}\n`);
  }

  const excluded = new Set(url.searchParams.getAll('exclude').flatMap((v) => v.split(',')).filter(Boolean));
  const lines: string[] = [];
  const failures: string[] = [];
  const results = await runChecks(checks.filter((c) => !excluded.has(c.name)));
  for (const check of checks) {
    if (excluded.delete(check.name)) {
      lines.push(`[+]${check.name} excluded: ok`);
      continue;
    }
    const error = results.find((r) => r.check === check)?.error;
    if (error === undefined) {
      lines.push(`[+]${check.name} ok`);
    } else {
      lines.push(`[-]${check.name} failed: reason withheld`);
      failures.push(`[-]${check.name} failed: ${describe(error)}`);
    }
  }
  if (excluded.size > 0) {
    lines.push(`warn: some health checks cannot be excluded: no matches for ${[...excluded].map((e) => `"${e}"`).join(',')}`);
  }
  const output = lines.map((l) => `${l}\n`).join('');
  if (failures.length > 0) {
    logger?.warn({ endpoint: name, failures }, `${name} check failed`);
    return send(req, res, 500, `${output}${name} check failed\n`);
  }
  if (!url.searchParams.has('verbose')) return send(req, res, 200, 'ok');
  return send(req, res, 200, `${output}${name} check passed\n`);
}

interface CheckResult {
  check: HealthCheck;
  /** Undefined when the check passed. */
  error: unknown;
}

/** Runs checks concurrently; a synchronous throw, a rejection or a timeout counts as a failure. */
export async function runChecks(checks: readonly HealthCheck[]): Promise<CheckResult[]> {
  const settled = await Promise.allSettled(checks.map((c) => withTimeout(c)));
  return settled.map((s, i) => ({
    check: checks[i]!,
    error: s.status === 'rejected' ? (s.reason ?? new Error('check failed')) : undefined,
  }));
}

async function withTimeout(c: HealthCheck): Promise<void> {
  const ms = c.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms);
    timer.unref();
  });
  try {
    await Promise.race([(async () => c.check())(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
