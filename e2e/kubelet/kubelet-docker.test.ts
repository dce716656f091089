/**
 * The kubelet on real Docker, through an in-process apiserver: pods are bound by setting
 * spec.nodeName (the scheduler is not part of this). Covers the shared network namespace and
 * emptyDir, hostPort, liveness restarts with backoff, readiness, a kubelet killed and started
 * again, graceful deletion, and the stock kubectl's logs and exec.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StatusError, type Container, type Pod } from '@tskube/api-types';
import type { RunningKubelet } from '@tskube/kubelet';
import { ensureImages, freePort } from '@tskube/tools';
import { useDocker } from '../setup/docker.js';
import { box, deleteAllPods, isReady, startCluster, until, type Cluster } from './harness.js';

const NODE = `docker-node-${randomUUID().slice(0, 6)}`;
let cluster: Cluster;
let kubelet: RunningKubelet;
let dockerHost: string;
let hostPort: number;

const pod = (name: string, containers: Container[], spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers, ...spec },
});

const get = (name: string) => cluster.client.pods.get('default', name);
const running = (name: string, timeoutMs = 60_000) =>
  until(`${name} Running`, async () => {
    const p = await get(name);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
  }, timeoutMs);

beforeAll(async () => {
  dockerHost = (await useDocker()).host;
  await ensureImages(dockerHost);
  cluster = await startCluster(inject('etcdEndpoint'));
  kubelet = await cluster.startKubelet(NODE, [`--docker-endpoint=${dockerHost}`]);
  hostPort = await freePort();
  await Promise.all([
    cluster.client.pods.create(
      'default',
      pod(
        'two',
        [
          box('web', 'echo hello > /data/x && exec httpd -f -p 8080 -h /data', { ports: [{ containerPort: 8080, hostPort }], volumeMounts: [{ name: 'shared', mountPath: '/data' }] }),
          box('client', 'until wget -qO /data/y http://127.0.0.1:8080/x; do sleep 0.2; done; exec sleep 3600', { volumeMounts: [{ name: 'shared', mountPath: '/data' }] }),
        ],
        { volumes: [{ name: 'shared', emptyDir: {} }] },
      ),
    ),
    cluster.client.pods.create('default', pod('logger', [box('log', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.5; done')])),
    cluster.client.pods.create(
      'default',
      pod('unhealthy', [box('app', 'exec sleep 3600', { livenessProbe: { tcpSocket: { port: 9 }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 1 } })]),
    ),
    cluster.client.pods.create(
      'default',
      pod('ready', [
        box('app', 'mkdir -p /www && exec httpd -f -p 8080 -h /www', { readinessProbe: { httpGet: { path: '/ok', port: 8080 }, periodSeconds: 1, failureThreshold: 1 } }),
      ]),
    ),
  ]);
}, 150_000);

afterAll(async () => {
  if (!cluster) return;
  await deleteAllPods(cluster);
  await cluster.dispose();
}, 60_000);

/** GET on the kubelet's HTTPS API (its certificate is self-signed), with or without a client certificate. */
const kubeletGet = (path: string, cert?: { cert: Buffer; key: Buffer }): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = https.get(`${kubelet.url}${path}`, { rejectUnauthorized: false, ...(cert ?? {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });

/** GET of a JSON document from the kubelet API, as the admin (a certificate from the kubelet's CA). */
const kubeletJson = <T>(path: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const admin = { cert: readFileSync(cluster.pki.adminCert), key: readFileSync(cluster.pki.adminKey) };
    const req = https.get(`${kubelet.url}${path}`, { rejectUnauthorized: false, ...admin }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`${path}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
  });

interface Summary {
  node: { nodeName: string };
  pods: { podRef: { name: string; uid: string }; containers: { name: string; memory?: { workingSetBytes?: number } }[]; memory: { workingSetBytes: number } }[];
}

describe('kubelet on Docker', () => {
  it('serves the pods it runs and their usage from Docker stats (/pods, /stats/summary)', async () => {
    const two = await running('two');
    const list = await kubeletJson<{ kind: string; items: Pod[] }>('/pods');
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata?.uid)).toContain(two.metadata?.uid);
    const summary = await kubeletJson<Summary>('/stats/summary');
    expect(summary.node.nodeName).toBe(NODE);
    const stats = summary.pods.find((p) => p.podRef.uid === two.metadata?.uid);
    expect(stats?.containers.map((c) => c.name).sort()).toEqual(['client', 'web']);
    expect(stats?.memory.workingSetBytes).toBeGreaterThan(0);
  });

  it('attaches stock kubectl to a running container: stdin in, output back', async () => {
    // stdinOnce: kubectl closing its stdin closes the container's, so cat exits and attach returns.
    await cluster.client.pods.create('default', pod('catter', [box('cat', 'exec cat', { stdin: true, stdinOnce: true })], { restartPolicy: 'Never' }));
    await running('catter');
    const r = await cluster.kubectl(['attach', '-i', 'catter', '-c', 'cat'], 'through attach\n');
    expect(r.stdout).toContain('through attach');
    expect(r.code).toBe(0);
  });

  it('lets only clients with a certificate from its CA use its API', async () => {
    expect(await kubeletGet('/pods')).toBe(401);
    const admin = { cert: readFileSync(cluster.pki.adminCert), key: readFileSync(cluster.pki.adminKey) };
    expect(await kubeletGet('/pods', admin)).toBe(200);
  });

  it('runs a two-container pod whose containers share localhost and an emptyDir, with a hostPort', async () => {
    const p = await running('two');
    expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(p.status?.containerStatuses?.[0]?.containerID).toMatch(/^docker:\/\//);
    const copied = await until('the client container’s copy', async () => {
      const r = await cluster.kubectl(['exec', 'two', '-c', 'client', '--', 'cat', '/data/y']);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(copied.trim()).toBe('hello');
    const res = await until('the hostPort', async () => {
      const r = await fetch(`http://127.0.0.1:${hostPort}/x`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    });
    expect(res.trim()).toBe('hello');
  });

  it('serves stock kubectl logs and logs -f', async () => {
    await running('logger');
    const first = await until('log lines', async () => {
      const r = await cluster.kubectl(['logs', 'logger']);
      return r.code === 0 && r.stdout.includes('line-1') ? r.stdout : undefined;
    });
    expect(first).toContain('line-0');
    const seen = first.trim().split('\n').length;
    const follow = cluster.kubectlStream(['logs', '-f', 'logger', '--tail=1']);
    try {
      await until('a new line through logs -f', async () => (follow.output().includes(`line-${seen + 2}`) ? true : undefined), 20_000);
    } finally {
      follow.stop();
    }
  });

  it('propagates exec output and exit codes to stock kubectl', async () => {
    await running('logger');
    const hi = await cluster.kubectl(['exec', 'logger', '--', 'echo', 'hi']);
    expect(hi).toMatchObject({ code: 0 });
    expect(hi.stdout).toBe('hi\n');
    const three = await cluster.kubectl(['exec', 'logger', '--', 'sh', '-c', 'exit 3']);
    expect(three.code).toBe(3);
    const stdin = await cluster.kubectl(['exec', '-i', 'logger', '--', 'cat'], 'from stdin');
    expect(stdin.stdout).toBe('from stdin');
  });

  it('restarts a container whose liveness probe fails, backing off', async () => {
    const reasons = new Set<string>();
    const p = await until(
      'two restarts and a CrashLoopBackOff',
      async () => {
        const p = await get('unhealthy');
        const c = p.status?.containerStatuses?.[0];
        if (c?.state?.waiting?.reason) reasons.add(c.state.waiting.reason);
        return (c?.restartCount ?? 0) >= 2 && reasons.has('CrashLoopBackOff') ? p : undefined;
      },
      60_000,
      200,
    );
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    const events = await cluster.client.events.list('default', { fieldSelector: 'involvedObject.name=unhealthy' });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['Unhealthy', 'Killing', 'BackOff']));
  });

  it('flips Ready with the readiness probe, both ways', async () => {
    await running('ready');
    expect(isReady(await get('ready'))).toBe(false);
    expect((await cluster.kubectl(['exec', 'ready', '--', 'touch', '/www/ok'])).code).toBe(0);
    await until('Ready=True', async () => (isReady(await get('ready')) ? true : undefined));
    expect((await cluster.kubectl(['exec', 'ready', '--', 'rm', '/www/ok'])).code).toBe(0);
    await until('Ready=False', async () => (!isReady(await get('ready')) ? true : undefined));
  });

  it('a killed and restarted kubelet adopts the containers: same ids, same restart counts', async () => {
    const before = await running('two');
    const ids = before.status?.containerStatuses?.map((c) => [c.containerID, c.restartCount]);
    await kubelet.kill();
    kubelet = await cluster.startKubelet(NODE, [`--docker-endpoint=${dockerHost}`]);
    // The restarted kubelet reports the pod current again within 10 s (readiness is re-probed).
    const after = await until('status current again', async () => {
      const p = await get('two');
      return p.status?.phase === 'Running' && isReady(p) ? p : undefined;
    }, 10_000);
    expect(after.status?.containerStatuses?.map((c) => [c.containerID, c.restartCount])).toEqual(ids);
    const list = await kubelet.runtime.listContainers();
    expect(list.filter((c) => c.podUid === before.metadata?.uid && c.state === 'running')).toHaveLength(2);
  });

  it('deleting a pod removes its containers within the grace period and then the object', async () => {
    const p = await running('two');
    await cluster.client.pods.delete('default', 'two', { gracePeriodSeconds: 2 });
    await until('pod object gone', async () => {
      try {
        await get('two');
        return undefined;
      } catch (err) {
        return err instanceof StatusError && err.code === 404 ? true : undefined;
      }
    }, 15_000);
    const left = (await kubelet.runtime.listContainers()).filter((c) => c.podUid === p.metadata?.uid);
    expect(left).toEqual([]);
    expect((await kubelet.runtime.listPodSandboxes()).filter((s) => s.podUid === p.metadata?.uid)).toEqual([]);
  });

  it('runs init containers in order to completion before the app container, as stock kubectl shows', async () => {
    const work = { volumeMounts: [{ name: 'work', mountPath: '/work' }] };
    await cluster.client.pods.create(
      'default',
      pod('init', [box('app', 'cat /work/a /work/b && exec sleep 3600', work)], {
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [box('first', 'sleep 1 && echo 1 > /work/a && echo first-done', work), box('second', 'test -f /work/a && echo 2 > /work/b', work)],
      }),
    );
    const seen = new Set<string>();
    const p = await until('init pod Running', async () => {
      const r = await cluster.kubectl(['get', 'pod', 'init', '--no-headers']);
      const status = r.stdout.trim().split(/\s+/)[2];
      if (status) seen.add(status);
      const p = await get('init');
      return status === 'Running' && p.status?.phase === 'Running' ? p : undefined;
    }, 60_000, 200);
    expect([...seen].every((s) => /^(Pending|ContainerCreating|Init:[01]\/2|PodInitializing|Running)$/.test(s))).toBe(true);
    expect(p.status?.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.reason, c.state?.terminated?.exitCode, c.ready])).toEqual([
      ['first', 'Completed', 0, true],
      ['second', 'Completed', 0, true],
    ]);
    expect(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    const read = await cluster.kubectl(['exec', 'init', '-c', 'app', '--', 'cat', '/work/a', '/work/b']);
    expect(read.stdout.split('\n').filter(Boolean)).toEqual(['1', '2']);
    expect((await cluster.kubectl(['logs', 'init', '-c', 'first'])).stdout.trim()).toBe('first-done');
  });
});

