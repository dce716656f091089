import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@tskube/api-types';
import { FakeClock, silentLogger } from '@tskube/component-base';
import { createFakeRuntime, type FakeRuntime } from '../runtime/fake.js';
import { createFakeClient, testPod, type FakeClient } from '../testing/fake-api.js';
import { Kubelet } from './kubelet.js';

let dirs: string[] = [];
let kubelets: Kubelet[] = [];
afterEach(async () => {
  for (const k of kubelets) await k.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  kubelets = [];
  dirs = [];
});

async function setup(opts: { runtime?: FakeRuntime; api?: FakeClient; clock?: FakeClock } = {}) {
  const clock = opts.clock ?? new FakeClock(1_700_000_000_000);
  const runtime = opts.runtime ?? createFakeRuntime({ clock });
  const api = opts.api ?? createFakeClient();
  const rootDir = await mkdtemp(join(tmpdir(), 'tskubelet-unit-'));
  dirs.push(rootDir);
  const kubelet = new Kubelet({
    nodeName: 'node-1',
    client: api.client,
    runtime,
    rootDir,
    nodeIP: '127.0.0.1',
    logger: silentLogger(),
    clock,
    resyncIntervalMs: 3_600_000,
    podInformer: api.pods,
    serviceInformer: api.services,
  });
  kubelets.push(kubelet);
  await kubelet.start();
  return { kubelet, runtime, api, clock };
}

const lastStatus = (api: FakeClient, name: string) => api.statusUpdates.filter((p) => p.metadata?.name === name).at(-1)?.status;

async function settle(kubelet: Kubelet): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await kubelet.whenIdle();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Kubelet with the fake runtime', () => {
  it('starts a pod: sandbox, containers, Running status sent once', async () => {
    const { kubelet, runtime, api } = await setup();
    api.pods.set(testPod('web', { containers: [{ name: 'a', image: 'img:1' }, { name: 'b', image: 'img:1' }] }));
    await settle(kubelet);
    const status = lastStatus(api, 'web');
    expect(status?.phase).toBe('Running');
    expect(status?.containerStatuses?.map((c) => c.name)).toEqual(['a', 'b']);
    expect(status?.podIP).toMatch(/^10\.88\./);
    expect((await runtime.listContainers()).filter((c) => c.state === 'running')).toHaveLength(2);
    const sent = api.statusUpdates.length;
    kubelet.resyncAll();
    await settle(kubelet);
    expect(api.statusUpdates.length).toBe(sent); // unchanged status is not sent again
  });

  it('a restarted kubelet adopts running containers without restarting them', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const runtime = createFakeRuntime({ clock });
    const api = createFakeClient();
    const first = await setup({ runtime, api, clock });
    api.pods.set(testPod('web'));
    await settle(first.kubelet);
    const before = (await runtime.listContainers()).map((c) => c.id);
    await first.kubelet.stop();
    // The apiserver keeps the status the first kubelet sent.
    const pod = api.pods.lister.list()[0]!;
    api.pods.objects.set('default/web', { ...pod, status: lastStatus(api, 'web')! });
    const createSpy = vi.spyOn(runtime, 'createContainer');
    const second = await setup({ runtime, api, clock });
    await settle(second.kubelet);
    expect(createSpy).not.toHaveBeenCalled();
    expect((await runtime.listContainers()).map((c) => c.id)).toEqual(before);
  });

  it('restarts a crashed container with backoff: immediately, then CrashLoopBackOff until the delay passed', async () => {
    const { kubelet, runtime, api, clock } = await setup();
    api.pods.set(testPod('crash'));
    await settle(kubelet);
    const crash = async () => {
      const c = (await runtime.listContainers()).find((x) => x.state === 'running')!;
      runtime.exitContainer(c.id, 1);
      await settle(kubelet);
    };
    await crash();
    expect(lastStatus(api, 'crash')?.containerStatuses?.[0]).toMatchObject({ restartCount: 1, state: { running: {} } });
    await crash();
    const s = lastStatus(api, 'crash')?.containerStatuses?.[0];
    expect(s?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(s?.lastState?.terminated?.exitCode).toBe(1);
    clock.advance(10_100); // the 10 s backoff (plus the worker's small margin)
    await settle(kubelet);
    expect(lastStatus(api, 'crash')?.containerStatuses?.[0]).toMatchObject({ restartCount: 2, state: { running: {} } });
  });

  it('restartPolicy Never: a failed container makes the pod Failed and stays dead', async () => {
    const { kubelet, runtime, api } = await setup();
    api.pods.set(testPod('once', { restartPolicy: 'Never' }));
    await settle(kubelet);
    const c = (await runtime.listContainers())[0]!;
    runtime.exitContainer(c.id, 3);
    await settle(kubelet);
    expect(lastStatus(api, 'once')?.phase).toBe('Failed');
    expect(lastStatus(api, 'once')?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    expect((await runtime.listContainers()).filter((x) => x.name === 'app')).toHaveLength(1);
  });

  it('terminates gracefully: stop with the grace period, remove, then delete with grace 0 and a uid precondition', async () => {
    const { kubelet, runtime, api } = await setup();
    const pod = testPod('bye');
    api.pods.set(pod);
    await settle(kubelet);
    const stop = vi.spyOn(runtime, 'stopContainer');
    const removeSandbox = vi.spyOn(runtime, 'removePodSandbox');
    const terminating: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 7 } };
    api.pods.set(terminating);
    await settle(kubelet);
    expect(stop).toHaveBeenCalledWith(expect.any(String), 7);
    expect(removeSandbox).toHaveBeenCalled();
    expect(await runtime.listContainers()).toHaveLength(0);
    expect(api.deletes).toEqual([{ namespace: 'default', name: 'bye', options: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } } }]);
  });

  it('removes what runs for pods the apiserver no longer has', async () => {
    const { kubelet, runtime, api } = await setup();
    const pod = testPod('orphan');
    api.pods.set(pod);
    await settle(kubelet);
    api.pods.remove(pod);
    await settle(kubelet);
    expect(await runtime.listContainers()).toHaveLength(0);
    expect(await runtime.listPodSandboxes()).toHaveLength(0);
  });

  it('a changed container spec restarts the container', async () => {
    const { kubelet, runtime, api } = await setup();
    const pod = testPod('upd');
    api.pods.set(pod);
    await settle(kubelet);
    api.pods.set({ ...pod, spec: { ...pod.spec!, containers: [{ name: 'app', image: 'tskube/busybox:v2', imagePullPolicy: 'IfNotPresent' }] } });
    await settle(kubelet);
    const running = (await runtime.listContainers()).filter((c) => c.state === 'running');
    expect(running).toHaveLength(1);
    expect(running[0]!.restartCount).toBe(1);
  });

  it('Never pull policy with a missing image waits in ErrImageNeverPull', async () => {
    const { kubelet, runtime, api } = await setup();
    vi.spyOn(runtime, 'imageId').mockResolvedValue(undefined);
    api.pods.set(testPod('never', { containers: [{ name: 'app', image: 'missing:1', imagePullPolicy: 'Never' }] }));
    await settle(kubelet);
    expect(lastStatus(api, 'never')?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ErrImageNeverPull');
  });
});
