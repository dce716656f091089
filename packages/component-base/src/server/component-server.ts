import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/create-logger.js';
import type { HealthCheck } from './health.js';
import { healthHandler, pingCheck } from './health.js';

export interface ComponentServerOptions {
  /** 0 picks a free port; read the chosen one from the result. */
  port: number;
  /** Defaults to loopback; pass `0.0.0.0` explicitly to serve other hosts. */
  host?: string;
  logger: Logger;
  /** Checks served on /healthz, /livez and /readyz (`ping` is always included). */
  checks?: readonly HealthCheck[];
  /** Checks added to /livez only. */
  liveChecks?: readonly HealthCheck[];
  /** Checks added to /readyz only (e.g. informers synced); `addReadyCheck` appends here. */
  readyChecks?: readonly HealthCheck[];
  /** Served on /metrics; without one, /metrics is 404. */
  registry?: Registry;
  /** When given, /readyz fails with a `shutdown` check once it aborts, so traffic drains first. */
  signal?: AbortSignal;
  /** Extra handlers by exact path (e.g. `/configz`, `/proxyMode`). */
  routes?: Readonly<Record<string, RequestListener>>;
}

export interface ComponentServer {
  readonly port: number;
  readonly server: Server;
  /** Stops listening and drops open connections; safe to call more than once. */
  close(): Promise<void>;
  /** Adds a check to /readyz; names must be unique. */
  addReadyCheck(check: HealthCheck): void;
}

/** The small HTTP server every daemon runs for probes and scraping (upstream's healthz/metrics port). */
export async function startComponentServer(options: ComponentServerOptions): Promise<ComponentServer> {
  const { logger, registry, routes = {} } = options;
  const host = options.host ?? '127.0.0.1';
  const common = [pingCheck, ...(options.checks ?? [])];
  const live = [...common, ...(options.liveChecks ?? [])];
  const ready = [...common, ...(options.readyChecks ?? [])];
  const { signal } = options;
  if (signal) {
    ready.push({
      name: 'shutdown',
      check: () => {
        if (signal.aborted) throw new Error('process is shutting down');
      },
    });
  }
  for (const list of [live, ready]) assertUniqueNames(list);

  const endpoints = new Map<string, RequestListener>([
    ['healthz', healthHandler(common, { name: 'healthz', logger })],
    ['livez', healthHandler(live, { name: 'livez', logger })],
    ['readyz', healthHandler(() => ready, { name: 'readyz', logger })],
  ]);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const extra = routes[path];
    if (extra) return extra(req, res);
    const endpoint = endpoints.get(path.split('/')[1] ?? '');
    if (endpoint) return endpoint(req, res);
    if (path === '/metrics' && registry) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          logger.error({ err }, 'collecting metrics failed');
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('collecting metrics failed\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('404 page not found\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'component server error'));
  const port = (server.address() as AddressInfo).port;
  logger.info({ address: `${host}:${port}` }, 'serving health and metrics');

  let closing: Promise<void> | undefined;
  return {
    port,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Probes and scrapers keep connections alive; do not wait for them to go away.
        server.closeAllConnections();
      });
      return closing;
    },
    addReadyCheck(check) {
      assertUniqueNames([...ready, check]);
      ready.push(check);
    },
  };
}

function assertUniqueNames(checks: readonly HealthCheck[]): void {
  const seen = new Set<string>();
  for (const { name } of checks) {
    if (seen.has(name)) throw new Error(`duplicate health check "${name}"`);
    seen.add(name);
  }
}
