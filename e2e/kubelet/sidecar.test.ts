/**
 * Sidecar containers (init containers with restartPolicy Always) on real Docker: started before
 * the app container, sharing an emptyDir with it, counted in stock kubectl's READY column,
 * restarted when they exit whatever the pod's restartPolicy, stopped when a Never pod's app
 * container completed (the pod Succeeds), and removed with the pod.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StatusError, type Container, type Pod } from '@tskube/api-types';
import type { RunningKubelet } from '@tskube/kubelet';
import { BUSYBOX_IMAGE, ensureImages } from '@tskube/tools';
import { useDocker } from '../setup/docker.js';
import { deleteAllPods, startCluster, until, type Cluster } from './harness.js';

const NODE = `sidecar-node-${randomUUID().slice(0, 6)}`;
let cluster: Cluster;
let kubelet: RunningKubelet;

const shared = { volumeMounts: [{ name: 'shared', mountPath: '/shared' }] };
const box = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: BUSYBOX_IMAGE,
  imagePullPolicy: 'IfNotPresent',
  command: ['sh', '-c', script],
  ...shared,
  ...extra,
});

/** Appends a line every 0.2 s; exits 1 once /shared/stop-writer appears (which it removes first). */
const writer = box(
  'writer',
  'trap "exit 0" TERM; rm -f /shared/stop-writer; i=0; while [ ! -f /shared/stop-writer ]; do echo tick-$i >> /shared/log; i=$((i+1)); sleep 0.2; done; rm -f /shared/stop-writer; exit 1',
  { restartPolicy: 'Always', startupProbe: { exec: { command: ['test', '-s', '/shared/log'] }, periodSeconds: 1, failureThreshold: 30 } },
);

const pod = (name: string, app: Container, restartPolicy: 'Always' | 'Never'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName: NODE,
    restartPolicy,
    terminationGracePeriodSeconds: 2,
    volumes: [{ name: 'shared', emptyDir: {} }],
    initContainers: [writer],
    containers: [app],
  },
});

const get = (name: string) => cluster.client.pods.get('default', name);
/** READY and STATUS of `kubectl get pod <name>`. */
const row = async (name: string): Promise<{ ready: string; status: string; restarts: string }> => {
  const r = await cluster.kubectl(['get', 'pod', name, '--no-headers']);
  const [, ready = '', status = '', restarts = ''] = r.stdout.trim().split(/\s+/);
  return { ready, status, restarts };
};

beforeAll(async () => {
  const docker = await useDocker();
  await ensureImages(docker.host);
  cluster = await startCluster(inject('etcdEndpoint'));
  kubelet = await cluster.startKubelet(NODE, [`--docker-endpoint=${docker.host}`]);
}, 150_000);

afterAll(async () => {
  if (!cluster) return;
  await deleteAllPods(cluster);
  await cluster.dispose();
}, 60_000);

describe('sidecar containers on Docker', () => {
  it('run beside the app container, count in READY, restart under restartPolicy Never, and go with the pod', async () => {
    // The reader needs the file the sidecar writes: it only exists if the sidecar started first.
    const reader = box('reader', 'test -s /shared/log || exit 7; exec tail -f /shared/log');
    await cluster.client.pods.create('default', pod('tail', reader, 'Never'));
    await until('READY 2/2 Running', async () => {
      const r = await row('tail');
      return r.ready === '2/2' && r.status === 'Running' ? r : undefined;
    }, 60_000, 200);
    let p = await get('tail');
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.initContainerStatuses?.[0]).toMatchObject({ name: 'writer', started: true, ready: true, restartCount: 0, state: { running: {} } });
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: 'reader', ready: true, restartCount: 0 });
    expect(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    const logs = await until('reader logs the sidecar lines', async () => {
      const r = await cluster.kubectl(['logs', 'tail', '-c', 'reader']);
      return /tick-\d+/.test(r.stdout) ? r.stdout : undefined;
    });
    expect(logs.split('\n').filter(Boolean).every((l) => /^tick-\d+$/.test(l))).toBe(true);

    // The sidecar exits 1: the pod's restartPolicy Never does not apply to it.
    expect((await cluster.kubectl(['exec', 'tail', '-c', 'reader', '--', 'touch', '/shared/stop-writer'])).code).toBe(0);
    p = await until('sidecar restarted', async () => {
      const q = await get('tail');
      const s = q.status?.initContainerStatuses?.[0];
      return s?.restartCount === 1 && s.state?.running && s.ready ? q : undefined;
    }, 60_000, 200);
    expect(p.status?.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(await until('READY 2/2 again', async () => {
      const r = await row('tail');
      return r.ready === '2/2' ? r : undefined;
    })).toMatchObject({ status: 'Running', restarts: expect.stringMatching(/^1/) });

    const uid = p.metadata?.uid;
    const del = await cluster.kubectl(['delete', 'pod', 'tail', '--wait=true', '--timeout=30s']);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain('pod "tail" deleted');
    await until('pod object gone', async () => {
      try {
        await get('tail');
        return undefined;
      } catch (err) {
        return err instanceof StatusError && err.code === 404 ? true : undefined;
      }
    }, 30_000);
    expect((await kubelet.runtime.listContainers()).filter((c) => c.podUid === uid)).toEqual([]);
    expect((await kubelet.runtime.listPodSandboxes()).filter((s) => s.podUid === uid)).toEqual([]);
  });

  it('a restartPolicy Never pod Succeeds once its app container completed, its sidecar stopped', async () => {
    const app = box('job', 'until [ "$(wc -l < /shared/log)" -ge 3 ]; do sleep 0.2; done; echo done');
    await cluster.client.pods.create('default', pod('job', app, 'Never'));
    const p = await until('job Succeeded', async () => {
      const q = await get('job');
      return q.status?.phase === 'Succeeded' ? q : undefined;
    }, 60_000, 200);
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated).toBeDefined();
    expect(p.status?.initContainerStatuses?.[0]?.restartCount).toBe(0);
    expect((await row('job')).status).toBe('Completed');
    const running = (await kubelet.runtime.listContainers()).filter((c) => c.podUid === p.metadata?.uid && c.state === 'running');
    expect(running).toEqual([]);
  });
});
