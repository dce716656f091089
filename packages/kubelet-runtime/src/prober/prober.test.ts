import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, HTTPHeader, Pod, Probe } from '@tskube/api-types';
import { FakeClock, silentLogger } from '@tskube/component-base';
import { ProbeManager } from './manager.js';
import type { ProbeKind, ProbeResult } from './probe-state.js';
import { PROBE_USER_AGENT, probeHeaders, resolvePort, runProbe, type ProbeTarget } from './prober.js';

interface Seen {
  scheme: string;
  path?: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  /** The TLS server name the client sent (SNI), if any. */
  servername?: string | false | null;
}

let web: http.Server;
let webPort: number;
let tls: https.Server;
let tlsPort: number;
let closedPort: number;
let certDir: string;
const seen: Seen[] = [];

/** Both servers answer the same way: /ok 200, /moved 302, anything else 500. */
const handler = (scheme: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
  const socket = req.socket as Partial<TLSSocket>;
  seen.push({ scheme, path: req.url, headers: req.headers, rawHeaders: req.rawHeaders, servername: socket.servername });
  res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 500;
  res.end();
};

const listen = async (server: http.Server | Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  web = http.createServer(handler('http'));
  webPort = await listen(web);
  // A self-signed certificate for a name the prober never asks for: it must not verify it.
  certDir = mkdtempSync(join(tmpdir(), 'tskube-probe-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/CN=not-the-pod', '-days', '1'], {
    cwd: certDir,
    stdio: 'ignore',
  });
  tls = https.createServer({ cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) }, handler('https'));
  tlsPort = await listen(tls);
  // A port that was just free: nothing listens there any more.
  const probeServer: Server = createServer();
  closedPort = await listen(probeServer);
  await new Promise((resolve) => probeServer.close(resolve));
});
afterAll(async () => {
  for (const s of [web, tls]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  rmSync(certDir, { recursive: true, force: true });
});

const container: Container = { name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 0 }] };
const target = (exitCode = 0): ProbeTarget => ({
  podIP: '127.0.0.1',
  container: { ...container, ports: [{ name: 'http', containerPort: webPort }, { name: 'https', containerPort: tlsPort }] },
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
    ['httpGet with an unknown scheme', () => ({ httpGet: { path: '/ok', port: webPort, scheme: 'FTP' } }), 'failure'],
    ['tcpSocket open', () => ({ tcpSocket: { port: webPort } }), 'success'],
    ['tcpSocket closed', () => ({ tcpSocket: { port: closedPort } }), 'failure'],
  ] as [string, () => Probe, string][])('%s → %s', async (_name, probe, want) => {
    expect(await runProbe(probe(), target())).toBe(want);
  });

  it.each([
    ['200 over TLS, certificate not verified', () => ({ httpGet: { path: '/ok', port: tlsPort, scheme: 'HTTPS' } }), 'success'],
    ['302 over TLS', () => ({ httpGet: { path: '/moved', port: tlsPort, scheme: 'HTTPS' } }), 'success'],
    ['500 over TLS', () => ({ httpGet: { path: '/broken', port: tlsPort, scheme: 'HTTPS' } }), 'failure'],
    ['named port over TLS', () => ({ httpGet: { path: '/ok', port: 'https', scheme: 'HTTPS' } }), 'success'],
    ['HTTPS where nothing listens', () => ({ httpGet: { path: '/ok', port: closedPort, scheme: 'HTTPS' } }), 'failure'],
    ['HTTPS to a plain HTTP server', () => ({ httpGet: { path: '/ok', port: webPort, scheme: 'HTTPS' } }), 'failure'],
    ['HTTP to a TLS server', () => ({ httpGet: { path: '/ok', port: tlsPort, scheme: 'HTTP' } }), 'failure'],
  ] as [string, () => Probe, string][])('HTTPS: %s → %s', async (_name, probe, want) => {
    expect(await runProbe(probe(), target())).toBe(want);
  });

  const probed = async (scheme: 'HTTP' | 'HTTPS', httpHeaders: HTTPHeader[]): Promise<Seen> => {
    const before = seen.length;
    const port = scheme === 'HTTPS' ? tlsPort : webPort;
    expect(await runProbe({ httpGet: { path: '/ok', port, scheme, httpHeaders } }, target())).toBe('success');
    expect(seen).toHaveLength(before + 1);
    return seen.at(-1)!;
  };

  // [case, headers given, header checked, value the server gets (undefined: not sent)]
  it.each<[string, HTTPHeader[], string, string | ((port: number) => string) | undefined]>([
    ['a custom header reaches the server', [{ name: 'X-Probe', value: 'yes' }], 'x-probe', 'yes'],
    ['repeated names are all sent', [{ name: 'X-Probe', value: 'a' }, { name: 'x-probe', value: 'b' }], 'x-probe', 'a, b'],
    ['the default User-Agent', [], 'user-agent', PROBE_USER_AGENT],
    ['a given User-Agent wins (any case)', [{ name: 'user-agent', value: 'mine/1' }], 'user-agent', 'mine/1'],
    ['the default Accept', [], 'accept', '*/*'],
    ['a given Accept wins', [{ name: 'Accept', value: 'application/json' }], 'accept', 'application/json'],
    ['an empty Accept removes it', [{ name: 'Accept', value: '' }], 'accept', undefined],
    ['Host defaults to the pod IP and port', [], 'host', (port) => `127.0.0.1:${port}`],
    ['a Host header sets the Host', [{ name: 'Host', value: 'example.com' }], 'host', 'example.com'],
    ['the first of two Host headers wins', [{ name: 'host', value: 'a.example' }, { name: 'Host', value: 'b.example' }], 'host', 'a.example'],
  ])('%s (HTTP and HTTPS)', async (_name, headers, name, want) => {
    for (const scheme of ['HTTP', 'HTTPS'] as const) {
      const got = await probed(scheme, headers);
      expect(got.scheme).toBe(scheme.toLowerCase());
      expect(got.path).toBe('/ok');
      const expected = typeof want === 'function' ? want(scheme === 'HTTPS' ? tlsPort : webPort) : want;
      expect(got.headers[name]).toBe(expected);
    }
  });

  it('sends one Host header, and over TLS no server name even when Host is set', async () => {
    const got = await probed('HTTPS', [{ name: 'Host', value: 'example.com' }]);
    expect(got.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')).toHaveLength(1);
    expect(got.servername).toBeFalsy();
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

  it('probeHeaders brackets an IPv6 pod IP in the default Host', () => {
    expect(probeHeaders({}, 'fd00::5', 8443)['Host']).toBe('[fd00::5]:8443');
  });
});

describe('HTTPS probes through the probe manager', () => {
  /** Runs one HTTPS probe of `kind` against `path` and returns what the manager then says. */
  async function outcome(kind: ProbeKind, path: string) {
    const clock = new FakeClock(1_000);
    const changes: ProbeResult[] = [];
    let changed!: () => void;
    const firstChange = new Promise<void>((resolve) => (changed = resolve));
    const probe: Probe = { httpGet: { path, port: tlsPort, scheme: 'HTTPS', httpHeaders: [{ name: 'X-Kind', value: kind }] }, failureThreshold: 1, periodSeconds: 1 };
    const spec: Container = { name: 'app', image: 'i', [`${kind}Probe`]: probe };
    const pod = { metadata: { uid: `u-${kind}-${path}`, namespace: 'default', name: 'p' }, spec: { containers: [spec] } } as Pod;
    const manager = new ProbeManager({
      runtime: { execSync: async () => ({ exitCode: 0, output: '' }) },
      clock,
      logger: silentLogger(),
      onChange: (_uid, _kind, _name, result) => {
        changes.push(result);
        changed();
      },
    });
    const before = seen.length;
    manager.sync(pod, '127.0.0.1', [{ id: 'c1', name: 'app', startedAt: clock.now() }]);
    await firstChange;
    const state = { started: manager.started('c1'), ready: manager.ready('c1'), livenessFailed: manager.livenessFailed('c1') };
    manager.stopAll();
    const request = seen.slice(before).find((s) => s.headers['x-kind'] === kind);
    return { changes, state, request };
  }

  it.each<[ProbeKind, string, ProbeResult, { started: boolean; ready: boolean; livenessFailed: boolean }]>([
    ['readiness', '/ok', 'success', { started: true, ready: true, livenessFailed: false }],
    ['liveness', '/broken', 'failure', { started: true, ready: true, livenessFailed: true }],
    ['startup', '/ok', 'success', { started: true, ready: true, livenessFailed: false }],
    ['startup', '/broken', 'failure', { started: false, ready: false, livenessFailed: true }],
  ])('%s on %s → %s', async (kind, path, result, want) => {
    const got = await outcome(kind, path);
    expect(got.changes).toEqual([result]);
    expect(got.request).toMatchObject({ scheme: 'https', path });
    expect(got.state).toEqual(want);
  });
});
