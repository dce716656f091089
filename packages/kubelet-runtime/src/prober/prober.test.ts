import http from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Probe } from '@tskube/api-types';
import { resolvePort, runProbe, type ProbeTarget } from './prober.js';

let web: http.Server;
let webPort: number;
let closedPort: number;
const seen: { path?: string; header?: string }[] = [];

beforeAll(async () => {
  web = http.createServer((req, res) => {
    seen.push({ path: req.url, header: req.headers['x-probe'] as string | undefined });
    res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 500;
    res.end();
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webPort = (web.address() as AddressInfo).port;
  // A port that was just free: nothing listens there any more.
  const probeServer: Server = createServer();
  await new Promise<void>((resolve) => probeServer.listen(0, '127.0.0.1', resolve));
  closedPort = (probeServer.address() as AddressInfo).port;
  await new Promise((resolve) => probeServer.close(resolve));
});
afterAll(() => new Promise((resolve) => web.close(resolve)));

const container: Container = { name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 0 }] };
const target = (exitCode = 0): ProbeTarget => ({
  podIP: '127.0.0.1',
  container: { ...container, ports: [{ name: 'http', containerPort: webPort }] },
  containerId: 'c1',
  runtime: { execSync: async () => ({ exitCode, output: '' }) },
});

describe('runProbe', () => {
  it.each([
    ['httpGet 200', () => ({ httpGet: { path: '/ok', port: webPort } }), 'success'],
    ['httpGet 302 counts as success', () => ({ httpGet: { path: '/moved', port: webPort } }), 'success'],
    ['httpGet 500', () => ({ httpGet: { path: '/broken', port: webPort } }), 'failure'],
    ['httpGet on a named port', () => ({ httpGet: { path: '/ok', port: 'http' } }), 'success'],
    ['httpGet where nothing listens', () => ({ httpGet: { path: '/ok', port: closedPort } }), 'failure'],
    ['tcpSocket open', () => ({ tcpSocket: { port: webPort } }), 'success'],
    ['tcpSocket closed', () => ({ tcpSocket: { port: closedPort } }), 'failure'],
    ['HTTPS is not probed here', () => ({ httpGet: { path: '/ok', port: webPort, scheme: 'HTTPS' } }), 'unknown'],
  ] as [string, () => Probe, string][])('%s → %s', async (_name, probe, want) => {
    expect(await runProbe(probe(), target())).toBe(want);
  });

  it('sends the probe headers to the path', async () => {
    await runProbe({ httpGet: { path: '/ok', port: webPort, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, target());
    expect(seen.at(-1)).toEqual({ path: '/ok', header: 'yes' });
  });

  it.each([
    [0, 'success'],
    [1, 'failure'],
  ])('exec exiting %i → %s', async (exitCode, want) => {
    expect(await runProbe({ exec: { command: ['true'] } }, target(exitCode))).toBe(want);
  });

  it('an unknown named port fails the probe instead of throwing', async () => {
    expect(() => resolvePort('metrics', container)).toThrow('not a named port');
    expect(await runProbe({ tcpSocket: { port: 'metrics' } }, target())).toBe('failure');
  });
});
