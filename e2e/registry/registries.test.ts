/** The registries on the real etcd of the run, isolated under a key prefix of their own. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isStatusError, type StatusError } from '@tskube/api-types';
import { createEtcdStorage, createRegistries, type Registries, type Storage, type StoredPod } from '@tskube/registry';

let storage: Storage;
let r: Registries;

beforeAll(async () => {
  storage = createEtcdStorage({ endpoints: [inject('etcdEndpoint')], prefix: `/tskube-test/registries-${randomUUID()}` });
  r = createRegistries({ storage });
  await r.ready();
});

afterAll(async () => {
  r.stop();
  await storage.close();
});

async function caught(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error('expected a StatusError, got success');
}

const pod = (name: string): StoredPod => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

describe('registries on etcd', () => {
  it('gives 200 services created concurrently 200 distinct portal IPs, and frees them on delete', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'svc-load' } });
    const names = Array.from({ length: 200 }, (_, i) => `svc-${i}`);
    const created = await Promise.all(
      names.map((name) => r.services.create('svc-load', { metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: name } } })),
    );
    const ips = created.map((s) => s.spec?.clusterIP ?? '');
    expect(new Set(ips).size).toBe(200);
    expect(ips.every((ip) => r.allocator.contains(ip))).toBe(true);
    expect((await r.allocator.allocated()).sort()).toEqual([...ips].sort());

    await Promise.all(names.map((name) => r.services.delete('svc-load', name)));
    expect(await r.allocator.allocated()).toEqual([]);
    expect((await r.services.list('svc-load')).items).toEqual([]);
  });

  it('rejects an invalid pod with one Invalid error listing every bad field, writing nothing to etcd', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'invalid' } });
    const err = await caught(
      r.pods.create('invalid', {
        metadata: { name: 'Not_A_Name' },
        spec: { restartPolicy: 'Sometimes' as never, containers: [{ name: 'c', image: '' }] },
      }),
    );
    expect(err).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(err.details?.causes?.map((c) => c.field)).toEqual(
      expect.arrayContaining(['metadata.name', 'spec.restartPolicy', 'spec.containers[0].image']),
    );
    expect((await storage.list('/registry/pods/invalid/')).items).toEqual([]);
  });

  it('turns a value that does not decode into an InternalError for that object only', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'corrupt' } });
    await r.pods.create('corrupt', pod('a'));
    const watcher = r.pods.watch('corrupt', { resourceVersion: (await r.pods.list('corrupt')).metadata.resourceVersion });
    await storage.create('/registry/pods/corrupt/broken', '{"metadata": {"name": "broken", oops');
    await r.pods.create('corrupt', pod('c'));

    const err = await caught(r.pods.get('corrupt', 'broken'));
    expect(err).toMatchObject({ reason: 'InternalError', code: 500 });
    expect(err.message).toContain('pods "broken"');
    expect((await r.pods.list('corrupt')).items.map((p) => p.metadata.name)).toEqual(['a', 'c']);
    expect((await r.pods.list('corrupt', { limit: 1 })).items.map((p) => p.metadata.name)).toEqual(['a']);

    // The watch skips the broken value and carries on with the next change.
    for await (const ev of watcher) {
      expect(`${ev.type} ${ev.object.metadata.name}`).toBe('ADDED c');
      break;
    }
    watcher.close();

    await r.pods.delete('corrupt', 'broken');
    expect(await storage.get('/registry/pods/corrupt/broken')).toBeUndefined();
  });

  it('binds a pod once: a second or concurrent binding gets 409, a missing pod 404', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'bind' } });
    await Promise.all(['p1', 'p2'].map((n) => r.pods.create('bind', pod(n))));
    const binding = (name: string, node: string) => ({ metadata: { name }, target: { kind: 'Node', name: node } });

    await r.bindings.create('bind', binding('p1', 'n1'));
    expect((await r.pods.get('bind', 'p1')).spec?.nodeName).toBe('n1');
    expect(await caught(r.bindings.create('bind', binding('p1', 'n2')))).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods/binding "p1": pod p1 is already assigned to node "n1"',
    });

    const results = await Promise.allSettled(['n1', 'n2', 'n3'].map((n) => r.bindings.create('bind', binding('p2', n))));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    for (const x of results) if (x.status === 'rejected') expect(x.reason).toMatchObject({ reason: 'Conflict' });

    expect(await caught(r.bindings.create('bind', binding('nope', 'n1')))).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
  });

  it('answers stale resourceVersions with 409 and serialises read-modify-write updates', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'rv' } });
    const v1 = await r.pods.create('rv', pod('p'));
    const results = await Promise.allSettled(
      ['a', 'b'].map((v) => r.pods.update('rv', 'p', { ...v1, metadata: { ...v1.metadata, labels: { v } } })),
    );
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: { reason: 'Conflict', code: 409 } });

    await Promise.all(
      Array.from({ length: 20 }, () =>
        r.pods.guaranteedUpdate('rv', 'p', (p) => {
          const n = Number(p.metadata.annotations?.['count'] ?? '0');
          return { ...p, metadata: { ...p.metadata, annotations: { count: String(n + 1) } } };
        }),
      ),
    );
    expect((await r.pods.get('rv', 'p')).metadata.annotations).toEqual({ count: '20' });
  });

  it('pages a list with continue tokens, each item once', async () => {
    await r.namespaces.create(undefined, { metadata: { name: 'paging' } });
    const names = Array.from({ length: 23 }, (_, i) => `p-${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((n) => r.pods.create('paging', pod(n))));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await r.pods.list('paging', { limit: 5, continue: token });
      seen.push(...page.items.map((p) => p.metadata.name!));
      token = page.metadata.continue;
    } while (token);
    expect(seen).toEqual(names);
  });
});
