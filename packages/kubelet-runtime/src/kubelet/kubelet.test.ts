import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from '@tskube/api-types';
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

  describe('init containers', () => {
    const initPod = (name: string, restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always') =>
      testPod(name, { restartPolicy, initContainers: [{ name: 'a', image: 'img:1' }, { name: 'b', image: 'img:1' }] });
    const live = async (runtime: FakeRuntime) => (await runtime.listContainers()).filter((c) => c.state === 'running').map((c) => c.name);
    const finish = async (kubelet: Kubelet, runtime: FakeRuntime, name: string, exitCode: number) => {
      const c = (await runtime.listContainers()).find((x) => x.name === name && x.state === 'running')!;
      runtime.exitContainer(c.id, exitCode);
      await settle(kubelet);
    };

    it('run one at a time, in order, before the app containers', async () => {
      const { kubelet, runtime, api } = await setup();
      api.pods.set(initPod('init'));
      await settle(kubelet);
      expect(await live(runtime)).toEqual(['a']);
      let s = lastStatus(api, 'init');
      expect(s?.phase).toBe('Pending');
      expect(s?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [a b]' });
      expect(s?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
      await finish(kubelet, runtime, 'a', 0);
      expect(await live(runtime)).toEqual(['b']);
      await finish(kubelet, runtime, 'b', 0);
      expect(await live(runtime)).toEqual(['app']);
      s = lastStatus(api, 'init');
      expect(s?.phase).toBe('Running');
      expect(s?.initContainerStatuses?.map((c) => [c.name, c.ready, c.state?.terminated?.reason])).toEqual([
        ['a', true, 'Completed'],
        ['b', true, 'Completed'],
      ]);
      expect(s?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
      // An app container restart does not run the init containers again.
      await finish(kubelet, runtime, 'app', 1);
      expect(await live(runtime)).toEqual(['app']);
      expect((await runtime.listContainers()).filter((c) => c.name !== 'app')).toHaveLength(2);
    });

    it('a failed init container restarts with backoff under Always, and fails the pod under Never', async () => {
      const { kubelet, runtime, api, clock } = await setup();
      api.pods.set(initPod('retry'));
      api.pods.set(initPod('never', 'Never'));
      await settle(kubelet);
      const fail = async (pod: string) => {
        const uid = api.pods.lister.list().find((p) => p.metadata?.name === pod)!.metadata!.uid;
        const c = (await runtime.listContainers()).find((x) => x.podUid === uid && x.state === 'running')!;
        runtime.exitContainer(c.id, 1);
        await settle(kubelet);
      };
      await fail('retry');
      expect(lastStatus(api, 'retry')?.initContainerStatuses?.[0]).toMatchObject({ restartCount: 1, state: { running: {} } });
      await fail('retry');
      expect(lastStatus(api, 'retry')?.initContainerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
      expect(lastStatus(api, 'retry')?.phase).toBe('Pending');
      clock.advance(10_100);
      await settle(kubelet);
      expect(lastStatus(api, 'retry')?.initContainerStatuses?.[0]).toMatchObject({ restartCount: 2, state: { running: {} } });

      await fail('never');
      expect(lastStatus(api, 'never')?.phase).toBe('Failed');
      const neverUid = api.pods.lister.list().find((p) => p.metadata?.name === 'never')!.metadata!.uid;
      expect((await runtime.listPodSandboxes()).find((s) => s.podUid === neverUid)?.state).toBe('notready');
      expect((await runtime.listContainers()).filter((c) => c.podUid === neverUid).map((c) => c.name)).toEqual(['a']);
    });

    it('a recreated sandbox runs the init containers again', async () => {
      const { kubelet, runtime, api } = await setup();
      api.pods.set(initPod('again'));
      await settle(kubelet);
      await finish(kubelet, runtime, 'a', 0);
      await finish(kubelet, runtime, 'b', 0);
      const first = (await runtime.listPodSandboxes())[0]!;
      await runtime.stopPodSandbox(first.id);
      kubelet.resyncAll();
      await settle(kubelet);
      expect(await live(runtime)).toEqual(['a']);
      const a = lastStatus(api, 'again')?.initContainerStatuses?.[0];
      expect(a).toMatchObject({ restartCount: 1, state: { running: {} } });
      expect(lastStatus(api, 'again')?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('False');
      await finish(kubelet, runtime, 'a', 0);
      await finish(kubelet, runtime, 'b', 0);
      expect(await live(runtime)).toEqual(['app']);
    });
  });

  describe('sidecars', () => {
    const sidecarPod = (name: string, restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always', proxy: Partial<Container> = {}) =>
      testPod(name, {
        restartPolicy,
        initContainers: [{ name: 'proxy', image: 'img:1', restartPolicy: 'Always', ...proxy }, { name: 'setup', image: 'img:1' }],
        containers: [{ name: 'app', image: 'img:1' }],
      });
    const live = async (runtime: FakeRuntime) => (await runtime.listContainers()).filter((c) => c.state === 'running').map((c) => c.name).sort();
    const finish = async (kubelet: Kubelet, runtime: FakeRuntime, name: string, exitCode: number) => {
      const c = (await runtime.listContainers()).find((x) => x.name === name && x.state === 'running')!;
      runtime.exitContainer(c.id, exitCode);
      await settle(kubelet);
    };

    it('start before the next init container, keep running beside the app, and count toward readiness', async () => {
      const { kubelet, runtime, api } = await setup();
      api.pods.set(sidecarPod('side'));
      await settle(kubelet);
      // The sidecar started, so the next init container runs beside it.
      expect(await live(runtime)).toEqual(['proxy', 'setup']);
      let s = lastStatus(api, 'side');
      expect(s?.phase).toBe('Pending');
      expect(s?.initContainerStatuses?.map((c) => [c.name, c.started, c.ready])).toEqual([
        ['proxy', true, true],
        ['setup', true, false],
      ]);
      await finish(kubelet, runtime, 'setup', 0);
      expect(await live(runtime)).toEqual(['app', 'proxy']);
      s = lastStatus(api, 'side');
      expect(s?.phase).toBe('Running');
      expect(s?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(s?.initContainerStatuses?.[0]).toMatchObject({ name: 'proxy', started: true, ready: true, state: { running: {} } });
    });

    it('a sidecar that exits is restarted, even under restartPolicy Never, with the backoff', async () => {
      const { kubelet, runtime, api, clock } = await setup();
      api.pods.set(sidecarPod('crashy', 'Never'));
      await settle(kubelet);
      await finish(kubelet, runtime, 'setup', 0);
      await finish(kubelet, runtime, 'proxy', 0);
      expect(await live(runtime)).toEqual(['app', 'proxy']);
      expect(lastStatus(api, 'crashy')?.initContainerStatuses?.[0]).toMatchObject({ restartCount: 1, state: { running: {} } });
      await finish(kubelet, runtime, 'proxy', 1);
      const s = lastStatus(api, 'crashy');
      expect(s?.initContainerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
      expect(s?.phase).toBe('Running');
      expect(s?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', message: 'containers with unready status: [proxy]' });
      clock.advance(10_100);
      await settle(kubelet);
      expect(lastStatus(api, 'crashy')?.initContainerStatuses?.[0]).toMatchObject({ restartCount: 2, state: { running: {} } });
    });

    it.each<['Never' | 'OnFailure', number, string]>([
      ['Never', 0, 'Succeeded'],
      ['Never', 3, 'Failed'],
      ['OnFailure', 0, 'Succeeded'],
    ])('restartPolicy %s, app exits %i: the sidecar is stopped and the pod %s', async (policy, exitCode, phase) => {
      const { kubelet, runtime, api } = await setup();
      api.pods.set(sidecarPod('job', policy));
      await settle(kubelet);
      await finish(kubelet, runtime, 'setup', 0);
      await finish(kubelet, runtime, 'app', exitCode);
      expect(await live(runtime)).toEqual([]);
      const s = lastStatus(api, 'job');
      expect(s?.phase).toBe(phase);
      expect(s?.initContainerStatuses?.[0]?.state?.terminated).toBeDefined();
      expect(s?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(exitCode);
      // Not started again afterwards.
      kubelet.resyncAll();
      await settle(kubelet);
      expect(await live(runtime)).toEqual([]);
    });

    it('the next init container waits for the sidecar startup probe', async () => {
      const { kubelet, runtime, api, clock } = await setup();
      let healthy = false;
      vi.spyOn(runtime, 'execSync').mockImplementation(async () => ({ exitCode: healthy ? 0 : 1, output: '' }));
      api.pods.set(sidecarPod('probed', 'Always', { startupProbe: { exec: { command: ['ready'] }, periodSeconds: 1, failureThreshold: 30 } }));
      await settle(kubelet);
      expect(await live(runtime)).toEqual(['proxy']);
      expect(lastStatus(api, 'probed')?.initContainerStatuses?.[0]).toMatchObject({ started: false, ready: false });
      healthy = true;
      clock.advance(1_000);
      await settle(kubelet);
      expect(await live(runtime)).toEqual(['proxy', 'setup']);
      expect(lastStatus(api, 'probed')?.initContainerStatuses?.[0]).toMatchObject({ started: true, ready: true });
    });

    it('on deletion, sidecars are stopped after the app containers', async () => {
      const { kubelet, runtime, api } = await setup();
      const pod = sidecarPod('bye2');
      api.pods.set(pod);
      await settle(kubelet);
      await finish(kubelet, runtime, 'setup', 0);
      const names = new Map((await runtime.listContainers()).map((c) => [c.id, c.name]));
      const stopped: string[] = [];
      const stop = runtime.stopContainer.bind(runtime);
      vi.spyOn(runtime, 'stopContainer').mockImplementation(async (id, grace) => {
        stopped.push(names.get(id) ?? id);
        await stop(id, grace);
      });
      api.pods.set({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 } });
      await settle(kubelet);
      expect(stopped).toEqual(['app', 'proxy']);
      expect(api.deletes.map((d) => d.name)).toEqual(['bye2']);
    });
  });
});
