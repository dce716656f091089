import net from 'node:net';
import { parseFlags, silentLogger } from '@tskube/component-base';
import { describe, expect, it } from 'vitest';
import { apiServerFlags, startApiServer, validateApiServerConfig } from './index.js';

const parse = (argv: string[]) => parseFlags(apiServerFlags, argv, {}, { validate: validateApiServerConfig });

describe('apiServerFlags', () => {
  it('has the documented defaults', () => {
    const c = parseFlags(apiServerFlags, [], {});
    expect(c).toMatchObject({
      storage: 'etcd',
      'etcd-prefix': '',
      'bind-address': '0.0.0.0',
      'secure-port': 6443,
      'insecure-port': 8080,
      'service-cluster-ip-range': '10.0.0.0/16',
      'authorization-mode': 'AlwaysAllow',
      'event-ttl': 3_600_000,
      'max-requests-inflight': 400,
      'max-mutating-requests-inflight': 200,
    });
  });

  it('reads the in-flight limits, 0 meaning none', () => {
    const c = parse(['--storage=memory', '--secure-port=0', '--max-requests-inflight=0', '--max-mutating-requests-inflight=3']);
    expect(c).toMatchObject({ 'max-requests-inflight': 0, 'max-mutating-requests-inflight': 3 });
  });

  it.each([
    [['--event-ttl=2s'], 2_000],
    [['--event_ttl=1h30m0s'], 5_400_000],
    [['--event-ttl', '0'], 0],
  ])('reads the event TTL from %j', (argv, ms) => {
    expect(parse([...argv, '--storage=memory', '--secure-port=0'])['event-ttl']).toBe(ms);
  });

  it.each([
    [['--etcd-servers=http://127.0.0.1:2379,http://127.0.0.1:22379']],
    [['--etcd_servers=http://127.0.0.1:2379,http://127.0.0.1:22379']],
    [['--etcd_servers', 'http://127.0.0.1:2379', '--etcd-servers', 'http://127.0.0.1:22379']],
  ])('reads etcd servers from %j', (argv) => {
    const c = parse([...argv, '--secure-port=0']);
    expect(c['etcd-servers']).toEqual(['http://127.0.0.1:2379', 'http://127.0.0.1:22379']);
  });

  it.each([
    [['--storage=memory'], '--secure-port needs --tls-cert-file'],
    [['--secure-port=0'], '--etcd-servers is required'],
    [['--storage=memory', '--secure-port=0', '--insecure-port=0'], 'nothing to serve'],
    [['--storage=memory', '--secure-port=0', '--authorization-mode=RBAC'], 'only AlwaysAllow'],
    [['--storage=sqlite', '--secure-port=0'], 'expected one of etcd, memory'],
    [['--storage=memory', '--secure-port=0', '--insecure-port=70000'], 'not a port'],
    [['--storage=memory', '--secure-port=0', '--token-auth-file=/x'], 'need the secure port'],
    [['--storage=memory', '--secure-port=0', '--kubelet-client-certificate=/c.crt'], 'go together'],
    [['--storage=memory', '--secure-port=0', '--event-ttl=1500ms'], 'whole number of seconds'],
    [['--storage=memory', '--secure-port=0', '--event-ttl=-1m'], 'whole number of seconds'],
    [['--storage=memory', '--secure-port=0', '--event-ttl=1day'], 'expected a duration'],
    [['--storage=memory', '--secure-port=0', '--max-requests-inflight=-1'], '--max-requests-inflight: must be 0'],
    [['--storage=memory', '--secure-port=0', '--max-mutating-requests-inflight=-5'], '--max-mutating-requests-inflight: must be 0'],
  ])('%j is refused: %s', (argv, problem) => {
    expect(() => parse(argv)).toThrow(problem);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('startApiServer', () => {
  it('serves the API on the insecure loopback port over memory storage and stops cleanly', async () => {
    const port = await freePort();
    const config = parse(['--storage=memory', '--secure-port=0', `--insecure-port=${port}`]);
    const server = await startApiServer(config, { logger: silentLogger() });
    try {
      expect(server.insecureUrl).toBe(`http://127.0.0.1:${port}`);
      expect(server.secureUrl).toBeUndefined();
      const ns = await fetch(`${server.insecureUrl}/api/v1/namespaces`);
      expect(ns.status).toBe(200);
      const names = ((await ns.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
      expect(names).toEqual(expect.arrayContaining(['default', 'kube-system']));
      expect((await fetch(`${server.insecureUrl}/readyz`)).status).toBe(200);
      // An open watch must not keep stop() from finishing.
      const watch = await fetch(`${server.insecureUrl}/api/v1/pods?watch=true`);
      expect(watch.status).toBe(200);
    } finally {
      await server.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/version`)).rejects.toThrow();
  });
});
