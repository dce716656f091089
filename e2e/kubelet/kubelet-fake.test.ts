// A fake-runtime kubelet (kwok-style: no processes) runs 100 pods to Running and Ready.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '@tskube/api-types';
import { isReady, startCluster, until, type Cluster } from './harness.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(inject('etcdEndpoint'));
  await cluster.startKubelet('fake-node', ['--runtime=fake', '--kubelet-insecure-http']);
}, 60_000);
afterAll(async () => cluster?.dispose());

describe('kubelet with the fake runtime', () => {
  it('runs 100 pods to Running', async () => {
    const pod = (i: number): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `fake-${i}`, namespace: 'default' },
      spec: { nodeName: 'fake-node', containers: [{ name: 'app', image: 'tskube/busybox:latest' }] },
    });
    for (let i = 0; i < 100; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => cluster.client.pods.create('default', pod(i + j))));
    const pods = await until(
      '100 running pods',
      async () => {
        const list = await cluster.client.pods.list('default');
        const running = list.items.filter((p) => p.status?.phase === 'Running' && isReady(p));
        return running.length === 100 ? list.items : undefined;
      },
      90_000,
      1000,
    );
    expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(100);
    const node = await cluster.client.nodes.get(undefined, 'fake-node');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.status?.capacity).toMatchObject({ pods: '110' });
  }, 120_000);
});
