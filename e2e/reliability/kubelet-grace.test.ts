/**
 * reliability.md §8.3 K6: the kubelet killed with SIGKILL in the middle of a pod's graceful
 * termination. The real kubelet bin (apps/kubelet/dist/main.js, build first) runs on our dockerd
 * against an in-process apiserver; the pod's container traps SIGTERM and keeps running. Verdicts
 * come from what Docker recorded (its event stream and container logs, with their timestamps):
 * SIGTERM arrived, no SIGKILL and no exit before the grace period was over, and in the end the
 * pod object and every container of it are gone.
 */
import { randomUUID } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { StatusError, type Pod } from '@tskube/api-types';
import { ensureImages } from '@tskube/tools';
import { box, kubeletProcess, startCluster, until, type Cluster, type KubeletProcess } from '../kubelet/harness.js';
import { dockerApi, useDocker, type TestDocker } from '../setup/docker.js';

const NODE = `grace-node-${randomUUID().slice(0, 6)}`;
const POD = 'graceful';
const GRACE_SECONDS = 20;

let docker: TestDocker;
let cluster: Cluster | undefined;
let kubelet: KubeletProcess | undefined;
let podUid: string | undefined;

interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

/** Docker's event stream for the containers of one pod, collected until stop(). */
function watchDockerEvents(uid: string): { events: DockerEvent[]; stop(): void } {
  const events: DockerEvent[] = [];
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], label: [`io.kubernetes.pod.uid=${uid}`] }));
  let req: ClientRequest | undefined = request({ ...docker.connection, method: 'GET', path: `/events?filters=${filters}` }, (res) => {
    let buf = '';
    res.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line) as DockerEvent);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return {
    events,
    stop() {
      req?.destroy();
      req = undefined;
    },
  };
}

interface DockerContainer {
  Id: string;
}

const podContainerIds = async (uid: string): Promise<string[]> => {
  const filters = encodeURIComponent(JSON.stringify({ label: [`io.kubernetes.pod.uid=${uid}`] }));
  return (await dockerApi<DockerContainer[]>('GET', `/containers/json?all=true&filters=${filters}`)).map((c) => c.Id);
};

/** The container's output with Docker's timestamps (the multiplexing headers do not matter here). */
const logsOf = (id: string): Promise<string> => dockerApi<string>('GET', `/containers/${id}/logs?stdout=1&stderr=1&timestamps=1`).then(String);

const gone = async (ns: string, name: string): Promise<boolean> => {
  try {
    await cluster!.client.pods.get(ns, name);
    return false;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return true;
    throw err;
  }
};

beforeAll(async () => {
  docker = await useDocker();
  await ensureImages(docker.host);
  cluster = await startCluster(inject('etcdEndpoint'));
  kubelet = await kubeletProcess(cluster, NODE, docker.host);
  await kubelet.start();
}, 90_000);

afterAll(async () => {
  if (!cluster) return;
  try {
    await kubelet?.dispose();
  } finally {
    // Whatever a failed run left behind: only this pod's containers.
    if (podUid) for (const id of await podContainerIds(podUid).catch(() => [])) await dockerApi('DELETE', `/containers/${id}?force=true&v=true`).catch(() => undefined);
    await cluster.dispose();
  }
}, 60_000);

it('a kubelet killed mid-grace and started again neither cuts the grace period short nor leaves anything behind', async () => {
  const c = cluster!;
  await c.client.pods.create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: GRACE_SECONDS,
      // `wait` lets the trap run as soon as SIGTERM arrives; the loop goes on afterwards.
      containers: [box('app', `trap 'echo got TERM' TERM; echo started; while :; do sleep 1 & wait $!; done`)],
    },
  });
  const running = await until('the pod running', async () => {
    const p = await c.client.pods.get('default', POD);
    return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  }, 30_000);
  const uid = (podUid = running.metadata!.uid!);
  const appId = running.status!.containerStatuses![0]!.containerID!.replace(/^docker:\/\//, '');
  await until('the trap installed', async () => (await logsOf(appId)).includes('started'), 10_000);
  const dockerEvents = watchDockerEvents(uid);
  let finishedAt: string | undefined;
  let deleting: Pod;
  try {
    await c.client.pods.delete('default', POD);
    deleting = await c.client.pods.get('default', POD);
    expect(deleting.metadata?.deletionGracePeriodSeconds).toBe(GRACE_SECONDS);

    // The kubelet has begun the termination: SIGTERM reached the app. Now kill the kubelet.
    const term = await until('SIGTERM in the app’s log', async () => /(\d{4}-\d\d-\d\dT[\d:.]+Z) got TERM/.exec(await logsOf(appId)) ?? undefined, 15_000);
    await kubelet!.signal('SIGKILL');
    const termAt = Date.parse(term[1]!);
    // The container is still in its grace period while no kubelet runs.
    expect((await dockerApi<{ State: { Running: boolean } }>('GET', `/containers/${appId}/json`)).State.Running).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    await kubelet!.start();

    // Docker's record of the end, read before the kubelet removes the container.
    finishedAt = await until('the app container to exit', async () => {
      const inspected = await dockerApi<{ State: { Running: boolean; FinishedAt: string } }>('GET', `/containers/${appId}/json`).catch(() => undefined);
      if (inspected && !inspected.State.Running) return inspected.State.FinishedAt;
      // Removed already: the die event carries the same time.
      const die = dockerEvents.events.find((e) => e.Action === 'die' && e.Actor.ID === appId);
      return die ? new Date(die.timeNano / 1e6).toISOString() : undefined;
    }, (GRACE_SECONDS + 20) * 1000, 50);

    await until('the pod object removed', () => gone('default', POD), 30_000);
    await until('no container of the pod left', async () => (await podContainerIds(uid)).length === 0, 20_000);

    const appEvents = dockerEvents.events.filter((e) => e.Actor.ID === appId);
    const kills = appEvents.filter((e) => e.Action === 'kill').map((e) => ({ signal: e.Actor.Attributes['signal'], at: e.timeNano / 1e6 }));
    const deadline = Date.parse(deleting.metadata!.deletionTimestamp!);
    // SIGTERM first; a SIGKILL, if any, only once the grace period was over.
    expect(kills[0]?.signal, `kill events: ${JSON.stringify(kills)}`).toBe('15');
    expect(kills.filter((k) => k.signal === '9' && (k.at < deadline || k.at < termAt + GRACE_SECONDS * 1000)), 'SIGKILLs before the grace period ended').toEqual([]);
    // The container ended no earlier than the pod's deletionTimestamp (delete time + grace, at
    // one-second resolution) nor than GRACE_SECONDS after its SIGTERM.
    const finished = Date.parse(finishedAt);
    expect(finished).toBeGreaterThanOrEqual(deadline);
    expect(finished).toBeGreaterThanOrEqual(termAt + GRACE_SECONDS * 1000);
    console.info(`K6: kill signals ${kills.map((k) => k.signal).join(',')}; exit ${appEvents.find((e) => e.Action === 'die')?.Actor.Attributes['exitCode'] ?? '?'}`);
  } catch (err) {
    throw new Error(`${String(err)}\n--- tskubelet output ---\n${kubelet?.output().slice(-4000) ?? ''}`, { cause: err });
  } finally {
    dockerEvents.stop();
  }
}, 90_000);
