/**
 * @tskube/client against the real apiserver on the shared etcd: CRUD, and an informer that sees
 * ADDED/MODIFIED/DELETED and keeps working across an apiserver restart (same etcd, same port).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '@tskube/api-types';
import { isNotFound } from '@tskube/api-types';
import { apiServerFlags, startApiServer, type RunningApiServer } from '@tskube/apiserver';
import { createClient, type Client } from '@tskube/client';
import { parseFlags, silentLogger } from '@tskube/component-base';
import { freePort } from '@tskube/tools';
import { until } from '../setup/wait.js';

const NS = 'client-e2e';
const logger = silentLogger();

let port: number;
let prefix: string;
let server: RunningApiServer | undefined;
let client: Client;

async function start(): Promise<RunningApiServer> {
  const config = parseFlags(
    apiServerFlags,
    ['--storage=etcd', `--etcd-servers=${inject('etcdEndpoint')}`, `--etcd-prefix=${prefix}`, `--insecure-port=${port}`, '--secure-port=0'],
    {},
  );
  return startApiServer(config, { logger });
}


const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels },
  spec: { containers: [{ name: 'c', image: 'tskube/busybox:latest' }] },
});

beforeAll(async () => {
  port = await freePort();
  prefix = `/e2e-client-${randomBytes(4).toString('hex')}`;
  server = await start();
  client = createClient({ server: server.insecureUrl ?? '' });
  await client.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }).catch(() => undefined);
});

afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('client against the real apiserver', () => {
  it('creates, reads, patches and deletes a pod; errors are StatusErrors', async () => {
    const created = await client.pods.create(NS, pod('crud', { app: 'x' }));
    expect(created.metadata?.uid).toBeTruthy();
    const patched = await client.pods.patch(NS, 'crud', { metadata: { labels: { app: 'y' } } }, 'merge');
    expect(patched.metadata?.labels).toEqual({ app: 'y' });
    expect((await client.pods.list(NS, { labelSelector: 'app=y' })).items.map((p) => p.metadata?.name)).toEqual(['crud']);
    await client.pods.delete(NS, 'crud', { gracePeriodSeconds: 0 });
    await expect(client.pods.get(NS, 'crud')).rejects.toSatisfy(isNotFound);
  });

  it('an informer sees ADDED/MODIFIED/DELETED and keeps working across an apiserver restart', async () => {
    const log: string[] = [];
    const informer = client.pods.informer(NS, { labelSelector: 'informer=yes', logger });
    informer.addEventHandler({
      onAdd: (p) => log.push(`ADDED ${p.metadata?.name}`),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) log.push(`MODIFIED ${n.metadata?.name}`);
      },
      onDelete: (p) => log.push(`DELETED ${p.metadata?.name}`),
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      expect(await informer.waitForSync(AbortSignal.timeout(30_000))).toBe(true);

      await client.pods.create(NS, pod('a', { informer: 'yes' }));
      await until('ADDED a', () => log.includes('ADDED a'));
      await client.pods.patch(NS, 'a', { metadata: { labels: { informer: 'yes', v: '2' } } }, 'merge');
      await until('MODIFIED a', () => log.includes('MODIFIED a'));
      await client.pods.delete(NS, 'a', { gracePeriodSeconds: 0 });
      await until('DELETED a', () => log.includes('DELETED a'));
      expect(informer.lister.get(`${NS}/a`)).toBeUndefined();

      await server?.stop();
      server = undefined;
      server = await start();
      await client.pods.create(NS, pod('b', { informer: 'yes' }));
      await until('ADDED b after the restart', () => log.includes('ADDED b'));
      await client.pods.delete(NS, 'b', { gracePeriodSeconds: 0 });
      await until('DELETED b after the restart', () => log.includes('DELETED b'));
      expect(log).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED b', 'DELETED b']);
    } finally {
      ac.abort();
      await running;
    }
  });
});
