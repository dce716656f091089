/**
 * `kill -9` the kubelet and start it again (issue 5): the real bin (apps/kubelet/dist/main.js,
 * build first) runs as a child process on our dockerd, against the in-process apiserver. While it
 * is dead, one container becomes ready (its readiness file appears); the restarted kubelet must
 * adopt every container (same ids, same start times, same restart counts) and report the change,
 * plus a fresh node heartbeat, within 10 s of being started again.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { StatusError, type Container, type Pod } from '@tskube/api-types';
import { BUSYBOX_IMAGE, ensureImages } from '@tskube/tools';
import { dockerApi, useDocker } from '../setup/docker.js';
import { isReady, kubeletProcess, startCluster, until, type Cluster, type KubeletProcess } from './harness.js';

const NODE = `restart-node-${randomUUID().slice(0, 6)}`;
const POD = 'adopted';

let cluster: Cluster;
let kubelet: KubeletProcess;

const box = (name: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: BUSYBOX_IMAGE,
  imagePullPolicy: 'IfNotPresent',
  command: ['sh', '-c', 'exec sleep 3600'],
  ...extra,
});

interface DockerContainer {
  Id: string;
  State: string;
}
interface DockerInspect {
  Id: string;
  RestartCount: number;
  State: { Running: boolean; StartedAt: string; Pid: number };
}

/** Every container (pause included) Docker holds for the pod, with its start time. */
async function podContainers(uid: string): Promise<{ id: string; running: boolean; startedAt: string; restarts: number }[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`io.kubernetes.pod.uid=${uid}`] }));
  const list = await dockerApi<DockerContainer[]>('GET', `/containers/json?all=true&filters=${filters}`);
  const inspected = await Promise.all(list.map((c) => dockerApi<DockerInspect>('GET', `/containers/${c.Id}/json`)));
  return inspected
    .map((c) => ({ id: c.Id, running: c.State.Running, startedAt: c.State.StartedAt, restarts: c.RestartCount }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** `docker exec` behind the kubelet's back; waits for the command to finish. */
async function dockerExec(containerId: string, cmd: string[]): Promise<number> {
  const { Id } = await dockerApi<{ Id: string }>('POST', `/containers/${containerId}/exec`, { body: { Cmd: cmd } });
  await dockerApi('POST', `/exec/${Id}/start`, { body: { Detach: true } });
  return until('the docker exec', async () => {
    const e = await dockerApi<{ Running: boolean; ExitCode: number | null }>('GET', `/exec/${Id}/json`);
    return e.Running ? undefined : (e.ExitCode ?? -1);
  }, 10_000, 100);
}

const heartbeat = async (): Promise<string | undefined> =>
  (await cluster.client.nodes.get(undefined, NODE)).status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;

const containerId = (p: Pod, name: string): string => p.status?.containerStatuses?.find((c) => c.name === name)?.containerID?.replace(/^docker:\/\//, '') ?? '';

beforeAll(async () => {
  const docker = await useDocker();
  await ensureImages(docker.host);
  cluster = await startCluster(inject('etcdEndpoint'));
  kubelet = await kubeletProcess(cluster, NODE, docker.host);
  await kubelet.start();
  await cluster.client.pods.create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        // Ready only once /tmp/ready exists: the test creates it while the kubelet is dead.
        box('app', { readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } }),
        box('side'),
      ],
    },
  });
}, 90_000);

afterAll(async () => {
  if (!cluster) return;
  try {
    // Through the kubelet, so it removes the containers; then stop it gracefully.
    await cluster.client.pods.delete('default', POD, { gracePeriodSeconds: 1 }).catch(() => undefined);
    await until('the pod deleted', async () => {
      try {
        await cluster.client.pods.get('default', POD);
        return undefined;
      } catch (err) {
        return err instanceof StatusError && err.code === 404 ? true : undefined;
      }
    }, 20_000).catch(() => undefined);
    await kubelet?.dispose();
  } finally {
    await cluster.dispose();
  }
}, 60_000);

it('a kubelet killed with SIGKILL and started again adopts its containers and reports their state within 10 s', async () => {
  const before = await until('the pod Running, app not ready', async () => {
    const p = await cluster.client.pods.get('default', POD);
    const statuses = p.status?.containerStatuses ?? [];
    return p.status?.phase === 'Running' && statuses.length === 2 && statuses.every((c) => c.state?.running) && !isReady(p) ? p : undefined;
  }, 30_000);
  const uid = before.metadata!.uid!;
  const counts = (p: Pod) => Object.fromEntries((p.status?.containerStatuses ?? []).map((c) => [c.name, [c.containerID, c.restartCount]]));
  const docker = await podContainers(uid);
  expect(docker).toHaveLength(3); // pause + app + side
  expect(docker.every((c) => c.running)).toBe(true);

  expect(await kubelet.signal('SIGKILL')).toBeNull();
  expect(kubelet.child?.signalCode).toBe('SIGKILL');
  const lastBeat = await heartbeat();
  // While nobody watches, app becomes ready; the kubelet stays down a moment (heartbeats have 1 s resolution).
  expect(await dockerExec(containerId(before, 'app'), ['touch', '/tmp/ready'])).toBe(0);
  await new Promise((r) => setTimeout(r, 1_000));

  const restartedAt = Date.now();
  await kubelet.start();
  // The bin's own startup counts against the 10 s.
  const after = await until(
    'the pod Ready and a fresh heartbeat',
    async () => {
      const p = await cluster.client.pods.get('default', POD);
      const beat = await heartbeat();
      return isReady(p) && p.status?.containerStatuses?.every((c) => c.ready && c.state?.running) && beat !== lastBeat ? p : undefined;
    },
    10_000 - (Date.now() - restartedAt),
    200,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n--- tskubelet output ---\n${kubelet.output().slice(-4000)}`);
  });

  expect(counts(after)).toEqual(counts(before));
  expect(after.status?.podIP).toBe(before.status?.podIP);
  // Docker agrees: the very same containers, never restarted (start times unchanged).
  expect(await podContainers(uid)).toEqual(docker);
});
