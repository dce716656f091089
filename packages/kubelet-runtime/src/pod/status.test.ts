import { describe, expect, it } from 'vitest';
import type { ContainerStatus as ApiContainerStatus } from '@tskube/api-types';
import type { ContainerStatus } from '../runtime/types.js';
import { testPod } from '../testing/fake-api.js';
import { buildPodStatus, getPhase, rfc3339, type StatusInput } from './status.js';

const running: ApiContainerStatus['state'] = { running: { startedAt: '2024-01-01T00:00:00Z' } };
const exited = (exitCode: number): ApiContainerStatus['state'] => ({ terminated: { exitCode } });
const waitingState: ApiContainerStatus['state'] = { waiting: { reason: 'ContainerCreating' } };
const cs = (name: string, state: ApiContainerStatus['state'], lastState: ApiContainerStatus['lastState'] = {}): ApiContainerStatus =>
  ({ name, state, lastState, ready: false, restartCount: 0, image: 'i', imageID: '' }) as ApiContainerStatus;

describe('getPhase', () => {
  const two = [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }];
  it.each<[string, 'Always' | 'OnFailure' | 'Never', ApiContainerStatus[], string]>([
    ['nothing reported yet', 'Always', [], 'Pending'],
    ['one waiting', 'Always', [cs('a', running), cs('b', waitingState)], 'Pending'],
    ['all running', 'Always', [cs('a', running), cs('b', running)], 'Running'],
    ['crash looping counts as stopped', 'Always', [cs('a', running), cs('b', { waiting: { reason: 'CrashLoopBackOff' } }, exited(1))], 'Running'],
    ['all exited, Always', 'Always', [cs('a', exited(0)), cs('b', exited(1))], 'Running'],
    ['all succeeded, Never', 'Never', [cs('a', exited(0)), cs('b', exited(0))], 'Succeeded'],
    ['all succeeded, OnFailure', 'OnFailure', [cs('a', exited(0)), cs('b', exited(0))], 'Succeeded'],
    ['one failed, Never', 'Never', [cs('a', exited(0)), cs('b', exited(2))], 'Failed'],
    ['one failed, OnFailure (restarting)', 'OnFailure', [cs('a', exited(0)), cs('b', exited(2))], 'Running'],
    ['one running one done, Never', 'Never', [cs('a', running), cs('b', exited(0))], 'Running'],
  ])('%s → %s', (_n, restartPolicy, statuses, want) => {
    expect(getPhase(testPod('p', { restartPolicy, containers: two }), statuses)).toBe(want);
  });
});

const rc = (over: Partial<ContainerStatus>): ContainerStatus => ({
  id: 'id1',
  sandboxId: 'sb',
  podUid: 'u',
  name: 'app',
  image: 'tskube/busybox:latest',
  imageId: 'sha256:abc',
  state: 'running',
  createdAt: 1_000,
  startedAt: 2_000,
  restartCount: 0,
  specHash: 'h',
  labels: {},
  ...over,
});

describe('buildPodStatus', () => {
  const input = (over: Partial<StatusInput>): StatusInput => ({
    pod: testPod('p'),
    sandbox: { id: 'sb', podUid: 'u', podName: 'p', podNamespace: 'default', state: 'ready', ip: '172.17.0.5', createdAt: 0, labels: {} },
    containers: [],
    waiting: new Map(),
    ready: () => true,
    started: () => true,
    hostIP: '127.0.0.1',
    now: 10_000,
    runtimeType: 'docker',
    ...over,
  });

  it('reports a running, ready container with ids, IPs and conditions', () => {
    const s = buildPodStatus(input({ containers: [rc({})] }));
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('172.17.0.5');
    expect(s.podIPs).toEqual([{ ip: '172.17.0.5' }]);
    expect(s.hostIPs).toEqual([{ ip: '127.0.0.1' }]);
    expect(s.qosClass).toBe('BestEffort');
    expect(s.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
      containerID: 'docker://id1',
      imageID: 'docker://sha256:abc',
      state: { running: { startedAt: rfc3339(2_000) } },
    });
    expect(Object.fromEntries(s.conditions!.map((c) => [c.type, c.status]))).toMatchObject({ Ready: 'True', ContainersReady: 'True', Initialized: 'True', PodScheduled: 'True' });
  });

  it('shows a crash-looping container as waiting with its last termination', () => {
    const s = buildPodStatus(
      input({
        containers: [rc({ state: 'exited', exitCode: 1, finishedAt: 5_000, restartCount: 3 })],
        waiting: new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off' }]]),
      }),
    );
    const c = s.containerStatuses![0]!;
    expect(c.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(c.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(c.restartCount).toBe(3);
    expect(s.conditions!.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
  });

  it('keeps lastTransitionTime when a condition did not change', () => {
    const first = buildPodStatus(input({ containers: [rc({})], now: 10_000 }));
    const pod = { ...testPod('p'), status: first };
    const second = buildPodStatus(input({ pod, containers: [rc({})], now: 99_000 }));
    expect(second.conditions).toEqual(first.conditions);
    const notReady = buildPodStatus(input({ pod, containers: [rc({})], ready: () => false, now: 99_000 }));
    expect(notReady.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime).toBe(rfc3339(99_000));
  });

  it('a not yet created container waits in ContainerCreating, or the image error', () => {
    const s = buildPodStatus(input({ waiting: new Map([['app', { reason: 'ErrImagePull', message: 'no' }]]) }));
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses![0]!.state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'no' } });
  });
});

describe('buildPodStatus with init containers', () => {
  const SB = 'sb';
  const sandbox = { id: SB, podUid: 'u', podName: 'p', podNamespace: 'default', state: 'ready' as const, ip: '172.17.0.5', createdAt: 0, labels: {} };
  const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always') =>
    testPod('p', { restartPolicy, initContainers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }] });
  let n = 0;
  const c = (name: string, state: ContainerStatus['state'], exitCode?: number, over: Partial<ContainerStatus> = {}): ContainerStatus =>
    rc({ id: `id${n++}`, name, state, ...(exitCode !== undefined ? { exitCode, finishedAt: 3_000 } : {}), ...over });
  const build = (p: ReturnType<typeof pod>, containers: ContainerStatus[], waiting = new Map<string, { reason: string; message?: string }>()) =>
    buildPodStatus({ pod: p, sandbox, containers, waiting, ready: () => true, started: () => true, hostIP: '127.0.0.1', now: 10_000, runtimeType: 'docker' });
  const initCond = (s: ReturnType<typeof build>) => s.conditions!.find((x) => x.type === 'Initialized')!;
  /** Each init container's state as `waiting:<reason>`, `running` or `terminated:<exitCode>`. */
  const states = (list: ApiContainerStatus[] | undefined) =>
    (list ?? []).map((s) => (s.state?.waiting ? `waiting:${s.state.waiting.reason}` : s.state?.running ? 'running' : `terminated:${s.state?.terminated?.exitCode}`));

  it.each<[string, 'Always' | 'OnFailure' | 'Never', () => ContainerStatus[], string, string[], string[], string]>([
    ['none started', 'Always', () => [], 'Pending', ['waiting:PodInitializing', 'waiting:PodInitializing'], ['waiting:PodInitializing'], 'False [a b]'],
    ['first running', 'Always', () => [c('a', 'running')], 'Pending', ['running', 'waiting:PodInitializing'], ['waiting:PodInitializing'], 'False [a b]'],
    ['first done, second running', 'Always', () => [c('b', 'running'), c('a', 'exited', 0)], 'Pending', ['terminated:0', 'running'], ['waiting:PodInitializing'], 'False [b]'],
    ['second failed, OnFailure', 'OnFailure', () => [c('b', 'exited', 1), c('a', 'exited', 0)], 'Pending', ['terminated:0', 'terminated:1'], ['waiting:PodInitializing'], 'False [b]'],
    ['second failed, Never', 'Never', () => [c('b', 'exited', 1), c('a', 'exited', 0)], 'Failed', ['terminated:0', 'terminated:1'], ['waiting:PodInitializing'], 'False [b]'],
    ['all done, app running', 'Always', () => [c('app', 'running'), c('b', 'exited', 0), c('a', 'exited', 0)], 'Running', ['terminated:0', 'terminated:0'], ['running'], 'True'],
    [
      'sandbox recreated, first running again',
      'Always',
      () => [c('a', 'running'), c('app', 'exited', 137, { sandboxId: 'old' }), c('b', 'exited', 0, { sandboxId: 'old' }), c('a', 'exited', 0, { sandboxId: 'old' })],
      'Running',
      ['running', 'waiting:PodInitializing'],
      ['waiting:PodInitializing'],
      'False [a b]',
    ],
  ])('%s (%s) → %s', (_n, policy, containers, phase, initStates, appStates, initialized) => {
    const s = build(pod(policy), containers());
    expect(s.phase).toBe(phase);
    expect(states(s.initContainerStatuses)).toEqual(initStates);
    expect(states(s.containerStatuses)).toEqual(appStates);
    const cond = initCond(s);
    expect(cond.status === 'True' ? 'True' : `${cond.status} ${cond.message?.replace('containers with incomplete status: ', '')}`).toBe(initialized);
    if (cond.status === 'False') expect(cond.reason).toBe('ContainersNotInitialized');
  });

  it('completed init containers are ready and Completed; restart counts and a crash loop show', () => {
    const s = build(pod(), [c('b', 'exited', 1, { restartCount: 2 }), c('a', 'exited', 0)], new Map([['b', { reason: 'CrashLoopBackOff' }]]));
    const [a, b] = s.initContainerStatuses!;
    expect(a).toMatchObject({ ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(b).toMatchObject({ ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
    expect(s.phase).toBe('Pending');
  });

  it('a pod without init containers reports no initContainerStatuses', () => {
    expect(buildPodStatus({ pod: testPod('p'), sandbox, containers: [], waiting: new Map(), ready: () => true, started: () => true, hostIP: '127.0.0.1', now: 0, runtimeType: 'docker' }).initContainerStatuses).toBeUndefined();
  });
});

describe('sidecars in the pod status', () => {
  const sidecar = { name: 'proxy', image: 'i', restartPolicy: 'Always' };
  const app = { name: 'app', image: 'i' };
  const started = (s: ApiContainerStatus, isStarted: boolean): ApiContainerStatus => ({ ...s, started: isStarted });

  it.each<[string, 'Always' | 'OnFailure' | 'Never', ApiContainerStatus[], ApiContainerStatus[], string]>([
    ['sidecar starting, app not created', 'Always', [started(cs('proxy', running), false)], [cs('app', { waiting: { reason: 'PodInitializing' } })], 'Pending'],
    ['sidecar started, app running', 'Never', [started(cs('proxy', running), true)], [cs('app', running)], 'Running'],
    ['app completed, sidecar still running', 'Never', [started(cs('proxy', running), true)], [cs('app', exited(0))], 'Running'],
    ['app completed, sidecar stopped', 'Never', [cs('proxy', exited(137))], [cs('app', exited(0))], 'Succeeded'],
    ['app failed, sidecar stopped', 'Never', [cs('proxy', exited(143))], [cs('app', exited(1))], 'Failed'],
    ['app completed, sidecar crash-looping', 'OnFailure', [cs('proxy', { waiting: { reason: 'CrashLoopBackOff' } }, exited(1))], [cs('app', exited(0))], 'Succeeded'],
    ['sidecar crash-looping, app running', 'Always', [cs('proxy', { waiting: { reason: 'CrashLoopBackOff' } }, exited(1))], [cs('app', running)], 'Running'],
  ])('getPhase: %s (%s) → %s', (_n, restartPolicy, initStatuses, statuses, want) => {
    const pod = testPod('p', { restartPolicy, initContainers: [sidecar], containers: [app] });
    expect(getPhase(pod, statuses, initStatuses)).toBe(want);
  });

  const sandbox = { id: 'sb', podUid: 'u', podName: 'p', podNamespace: 'default', state: 'ready' as const, ip: '172.17.0.5', createdAt: 0, labels: {} };
  const status = (containers: ContainerStatus[], probes: { started?: string[]; ready?: string[] }) =>
    buildPodStatus({
      pod: testPod('p', { initContainers: [{ name: 'setup', image: 'i' }, sidecar], containers: [app] }),
      sandbox,
      containers,
      waiting: new Map(),
      ready: (id) => probes.ready?.includes(id) ?? false,
      started: (id) => probes.started?.includes(id) ?? false,
      hostIP: '127.0.0.1',
      now: 10_000,
      runtimeType: 'docker',
    });
  const setupDone = rc({ id: 'setup1', name: 'setup', state: 'exited', exitCode: 0, finishedAt: 3_000 });
  const cond = (s: ReturnType<typeof status>, type: string) => s.conditions?.find((c) => c.type === type);

  it('a starting sidecar: not initialized, listed as incomplete, started false', () => {
    const s = status([rc({ id: 'proxy1', name: 'proxy' }), setupDone], {});
    expect(s.phase).toBe('Pending');
    expect(s.initContainerStatuses?.map((c) => [c.name, c.started, c.ready])).toEqual([
      ['setup', false, true],
      ['proxy', false, false],
    ]);
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'False', message: 'containers with incomplete status: [proxy]' });
  });

  it('a started but unready sidecar keeps the pod unready, listed before the app containers', () => {
    const s = status([rc({ id: 'app1', name: 'app' }), rc({ id: 'proxy1', name: 'proxy' }), setupDone], { started: ['proxy1', 'app1'], ready: [] });
    expect(s.phase).toBe('Running');
    expect(cond(s, 'Initialized')?.status).toBe('True');
    expect(s.initContainerStatuses?.[1]).toMatchObject({ name: 'proxy', started: true, ready: false, state: { running: {} } });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', message: 'containers with unready status: [proxy app]' });
  });

  it('a ready sidecar and app container: the pod is Ready', () => {
    const s = status([rc({ id: 'app1', name: 'app' }), rc({ id: 'proxy1', name: 'proxy' }), setupDone], { started: ['proxy1', 'app1'], ready: ['proxy1', 'app1'] });
    expect(s.initContainerStatuses?.[1]).toMatchObject({ name: 'proxy', started: true, ready: true });
    expect(cond(s, 'Ready')?.status).toBe('True');
  });
});
