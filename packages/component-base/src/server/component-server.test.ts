import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/create-logger.js';
import type { ComponentServer, ComponentServerOptions } from './component-server.js';
import { startComponentServer } from './component-server.js';
import type { HealthCheck } from './health.js';
import { Counter, createMetricsRegistry } from './metrics.js';

const logger = silentLogger();
const passing = (name: string): HealthCheck => ({ name, check: () => {} });
const failing = (name: string, reason: string): HealthCheck => ({
  name,
  check: async () => {
    throw new Error(reason);
  },
});

let servers: ComponentServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(options: Omit<ComponentServerOptions, 'port' | 'logger'>) {
  const server = await startComponentServer({ port: 0, logger, ...options });
  servers.push(server);
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };
  return { server, get };
}

describe('startComponentServer health endpoints', () => {
  it.each(['/healthz', '/livez', '/readyz'])('%s answers ok when every check passes', async (path) => {
    const { get } = await start({ checks: [passing('etcd')] });
    expect(await get(path)).toEqual({ status: 200, body: 'ok', type: 'text/plain; charset=utf-8' });
  });

  it('lists every check with ?verbose', async () => {
    const { get } = await start({ checks: [passing('etcd')] });
    expect(await get('/healthz?verbose')).toMatchObject({
      status: 200,
      body: '[+]ping ok\n[+]etcd ok\nhealthz check passed\n',
    });
  });

  it('fails with 500 in the upstream format, withholding the reason', async () => {
    const { get } = await start({ checks: [passing('etcd'), failing('informer-sync', 'pods not synced')] });
    const res = await get('/healthz');
    expect(res.status).toBe(500);
    expect(res.body).toBe('[+]ping ok\n[+]etcd ok\n[-]informer-sync failed: reason withheld\nhealthz check failed\n');
  });

  it('runs a single check under /<endpoint>/<check>, showing its reason', async () => {
    const { get } = await start({ checks: [passing('etcd'), failing('informer-sync', 'pods not synced')] });
    expect(await get('/healthz/etcd')).toMatchObject({ status: 200, body: 'ok' });
    expect(await get('/readyz/informer-sync')).toMatchObject({
      status: 500,
      body: 'internal server error: pods not synced\n',
    });
    expect((await get('/healthz/nope')).status).toBe(404);
  });

  it('skips checks named in ?exclude and warns about unknown ones', async () => {
    const { get } = await start({ checks: [failing('etcd', 'down')] });
    const res = await get('/livez?verbose&exclude=etcd&exclude=missing');
    expect(res.status).toBe(200);
    expect(res.body).toBe(
      '[+]ping ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "missing"\nlivez check passed\n',
    );
  });

  it('serves different lists on /livez and /readyz, and grows /readyz with addReadyCheck', async () => {
    const { server, get } = await start({
      checks: [passing('etcd')],
      liveChecks: [passing('deadlock')],
      readyChecks: [passing('informer-sync')],
    });
    expect((await get('/livez?verbose')).body).toBe('[+]ping ok\n[+]etcd ok\n[+]deadlock ok\nlivez check passed\n');
    expect((await get('/readyz?verbose')).body).toBe('[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\nreadyz check passed\n');

    server.addReadyCheck(failing('leader', 'not leading'));
    expect((await get('/readyz')).status).toBe(500);
    expect((await get('/livez')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    expect(() => server.addReadyCheck(passing('leader'))).toThrow(/duplicate/);
  });

  it('fails /readyz but not /livez once the shutdown signal aborts', async () => {
    const controller = new AbortController();
    const { get } = await start({ signal: controller.signal });
    expect((await get('/readyz')).status).toBe(200);
    controller.abort();
    expect(await get('/readyz')).toMatchObject({ status: 500, body: expect.stringContaining('[-]shutdown failed') });
    expect((await get('/livez')).status).toBe(200);
  });

  it('serves extra routes and 404s for anything else', async () => {
    const { get } = await start({ routes: { '/proxyMode': (_req, res) => res.end('iptables') } });
    expect(await get('/proxyMode')).toMatchObject({ status: 200, body: 'iptables' });
    expect(await get('/constructor')).toMatchObject({ status: 404, body: '404 page not found\n' });
    expect((await get('/metrics')).status).toBe(404); // no registry given
  });

  it('rejects when the port is taken', async () => {
    const { server } = await start({});
    await expect(startComponentServer({ port: server.port, logger })).rejects.toThrow(/EADDRINUSE/);
  });

  it('close is idempotent', async () => {
    const server = await startComponentServer({ port: 0, logger });
    await server.close();
    await expect(server.close()).resolves.toBeUndefined();
  });
});

describe('/metrics', () => {
  it('serves process metrics and registered metrics in the registry content type', async () => {
    const registry = createMetricsRegistry({ component: 'kube-scheduler', version: 'v0.1.0' });
    const scheduled = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods.',
      labelNames: ['result'],
      registers: [registry],
    });
    scheduled.inc({ result: 'scheduled' }, 3);
    const { get } = await start({ registry });

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe(registry.contentType);
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('nodejs_heap_size_used_bytes');
    expect(res.body).toContain('scheduler_schedule_attempts_total{result="scheduled"} 3');
    expect(res.body).toContain('tskube_build_info{component="kube-scheduler",version="v0.1.0"} 1');
  });

  it('gives each daemon its own registry, so two in one process do not clash', async () => {
    const make = (component: string) => {
      const registry = createMetricsRegistry({ component });
      new Counter({ name: 'workqueue_adds_total', help: 'adds', registers: [registry] }).inc(component === 'a' ? 1 : 2);
      return registry;
    };
    const [a, b] = [make('a'), make('b')];
    expect(await a.metrics()).toContain('workqueue_adds_total 1');
    expect(await b.metrics()).toContain('workqueue_adds_total 2');
  });
});
