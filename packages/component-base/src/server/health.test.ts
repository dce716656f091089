import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheck } from './health.js';
import { healthHandler, runChecks } from './health.js';

describe('healthHandler on a server of its own', () => {
  const checks: HealthCheck[] = [{ name: 'etcd', check: () => {} }];
  // An express-style mount: `app.use('/readyz', handler)` strips the prefix from req.url.
  const handler = healthHandler(() => checks, { name: 'readyz' });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/mounted')) req.url = req.url.slice('/mounted'.length) || '/';
    handler(req, res);
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['/readyz?verbose', '/mounted?verbose', '/mounted/?verbose'])('serves the aggregate at %s', async (path) => {
    const res = await fetch(base + path);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('[+]etcd ok\nreadyz check passed\n');
  });

  it('reads a check list given as a function on every request', async () => {
    checks.push({ name: 'late', check: () => Promise.reject(new Error('not yet')) });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('[+]etcd ok\n[-]late failed: reason withheld\nreadyz check failed\n');
    checks.pop();
  });

  it('answers HEAD with the status and no body', async () => {
    const res = await fetch(`${base}/readyz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('runChecks', () => {
  it('treats a synchronous throw like a rejection and keeps the order', async () => {
    const results = await runChecks([
      { name: 'sync-throw', check: () => { throw new Error('boom'); } },
      { name: 'ok', check: async () => {} },
    ]);
    expect(results.map((r) => [r.check.name, (r.error as Error | undefined)?.message])).toEqual([
      ['sync-throw', 'boom'],
      ['ok', undefined],
    ]);
  });

  it('fails a check that never settles once its timeout passes, so the probe cannot hang', async () => {
    const results = await runChecks([
      { name: 'hung', check: () => new Promise<void>(() => {}), timeoutMs: 20 },
      { name: 'ok', check: () => {} },
    ]);
    expect(results.map((r) => [r.check.name, (r.error as Error | undefined)?.message])).toEqual([
      ['hung', 'timed out after 20ms'],
      ['ok', undefined],
    ]);
  });
});
