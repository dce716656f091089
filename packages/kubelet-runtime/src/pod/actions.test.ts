import { describe, expect, it } from 'vitest';
import { FakeClock } from '@tskube/component-base';
import type { ContainerStatus } from '../runtime/types.js';
import { testPod } from '../testing/fake-api.js';
import type { Container } from '@tskube/api-types';
import { appContainersFinished, computeInitActions, decideContainer, initProgress, shouldRestart, type ContainerAction, type RestartPolicy } from './actions.js';
import { Backoff } from './backoff.js';

const dead = (exitCode: number, finishedAt = 0, over: Partial<ContainerStatus> = {}): ContainerStatus => ({
  id: `c-${exitCode}-${finishedAt}`,
  sandboxId: 'sb',
  podUid: 'u',
  name: 'app',
  image: 'img',
  imageId: 'sha256:1',
  state: 'exited',
  createdAt: 0,
  finishedAt,
  exitCode,
  restartCount: 0,
  specHash: 'h',
  labels: {},
  ...over,
});

describe('shouldRestart', () => {
  it.each<[RestartPolicy, number, boolean]>([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 137, true],
    ['Never', 0, false],
    ['Never', 1, false],
  ])('%s with exit %i → %s', (policy, code, want) => expect(shouldRestart(policy, code)).toBe(want));
});

describe('decideContainer', () => {
  const clock = new FakeClock(1_000_000);
  const base = (policy: RestartPolicy, history: ContainerStatus[], backoff = new Backoff(clock)) =>
    decideContainer({
      pod: testPod('p', { restartPolicy: policy }),
      spec: { name: 'app', image: 'img' },
      hash: 'h',
      sandboxId: 'sb',
      history,
      livenessFailed: (id) => id === 'sick',
      backoff,
      now: clock.now(),
    });

  it.each<[string, RestartPolicy, ContainerStatus[], string, string | undefined]>([
    ['no container yet', 'Always', [], 'start', 'new'],
    ['running, unchanged', 'Always', [dead(0, 0, { state: 'running' })], 'keep', undefined],
    ['running, spec changed', 'Always', [dead(0, 0, { state: 'running', specHash: 'old' })], 'start', 'spec-changed'],
    ['running in an old sandbox', 'Always', [dead(0, 0, { state: 'running', sandboxId: 'old' })], 'start', 'sandbox-changed'],
    ['liveness failed', 'Always', [dead(0, 0, { state: 'running', id: 'sick' })], 'kill', 'unhealthy'],
    ['created, never started', 'Always', [dead(0, 0, { state: 'created' })], 'start', 'not-started'],
    ['exited 0, Always', 'Always', [dead(0, clock.now())], 'start', 'restart'],
    ['exited 0, OnFailure', 'OnFailure', [dead(0, clock.now())], 'done', undefined],
    ['exited 1, OnFailure', 'OnFailure', [dead(1, clock.now())], 'start', 'restart'],
    ['exited 1, Never', 'Never', [dead(1, clock.now())], 'done', undefined],
  ])('%s', (_name, policy, history, type, reason) => {
    const a = base(policy, history);
    expect(a.type).toBe(type);
    if (reason) expect('reason' in a ? a.reason : undefined).toBe(reason);
  });

  it('restart counts continue from the newest instance', () => {
    const a = base('Always', [dead(1, 0, { restartCount: 4 })]);
    expect(a).toMatchObject({ type: 'start', restartCount: 5 });
  });

  it('waits out the backoff after the first restart', () => {
    const backoff = new Backoff(clock);
    const finished = clock.now();
    backoff.next('u/app', finished - 1000);
    const a = base('Always', [dead(1, finished)], backoff);
    expect(a).toMatchObject({ type: 'backoff', backoffMs: 10_000 });
    clock.advance(10_000);
    expect(base('Always', [dead(1, finished)], backoff).type).toBe('start');
  });
});

describe('Backoff', () => {
  it('doubles 10 s → 300 s and resets after a long run', () => {
    const clock = new FakeClock(0);
    const b = new Backoff(clock);
    const seen: number[] = [];
    let t = 0;
    for (let i = 0; i < 8; i++) {
      t += 1000;
      seen.push(b.next('k', t));
    }
    expect(seen).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(b.next('k', t + 600_001)).toBe(10_000);
  });

  it('is not in backoff for a container that finished longer ago than the delay', () => {
    const clock = new FakeClock(100_000);
    const b = new Backoff(clock);
    b.next('k', 50_000);
    expect(b.remaining('k', 80_000)).toBe(0);
    expect(b.remaining('k', 95_000)).toBe(5_000);
  });
});

describe('init containers', () => {
  const clock = new FakeClock(1_000_000);
  const inits = [
    { name: 'a', image: 'img' },
    { name: 'b', image: 'img' },
  ];
  const pod = (restartPolicy: RestartPolicy = 'Always') => testPod('p', { restartPolicy, initContainers: inits });
  /** A runtime container of `name` in sandbox `sb` (`sb` is current, `old` an earlier one). */
  const rc = (name: string, state: ContainerStatus['state'], exitCode?: number, over: Partial<ContainerStatus> = {}): ContainerStatus =>
    dead(exitCode ?? 0, clock.now(), { id: `${name}-${state}-${over.sandboxId ?? 'sb'}`, name, state, ...(exitCode === undefined ? { exitCode: undefined } : {}), ...over });

  it.each<[string, RestartPolicy, ContainerStatus[], string, string | undefined]>([
    ['none started', 'Always', [], 'next', 'a'],
    ['first running', 'Always', [rc('a', 'running')], 'running', 'a'],
    ['first done, second not started', 'Always', [rc('a', 'exited', 0)], 'next', 'b'],
    ['first done, second running', 'Always', [rc('b', 'running'), rc('a', 'exited', 0)], 'running', 'b'],
    ['all done', 'Never', [rc('b', 'exited', 0), rc('a', 'exited', 0)], 'done', undefined],
    ['all done, app running', 'Always', [rc('app', 'running'), rc('b', 'exited', 0), rc('a', 'exited', 0)], 'done', undefined],
    ['app ran here, init containers removed since', 'Always', [rc('app', 'exited', 1)], 'done', undefined],
    ['second failed, Always', 'Always', [rc('b', 'exited', 1), rc('a', 'exited', 0)], 'next', 'b'],
    ['second failed, OnFailure', 'OnFailure', [rc('b', 'exited', 1), rc('a', 'exited', 0)], 'next', 'b'],
    ['second failed, Never', 'Never', [rc('b', 'exited', 1), rc('a', 'exited', 0)], 'failed', 'b'],
    ['first created, never started', 'Always', [rc('a', 'created')], 'next', 'a'],
    [
      'sandbox recreated: all ran in the old one',
      'Always',
      [rc('app', 'exited', 137, { sandboxId: 'old' }), rc('b', 'exited', 0, { sandboxId: 'old' }), rc('a', 'exited', 0, { sandboxId: 'old' })],
      'next',
      'a',
    ],
    ['sandbox recreated: first done again', 'Always', [rc('a', 'exited', 0), rc('b', 'exited', 0, { sandboxId: 'old' }), rc('a', 'exited', 0, { sandboxId: 'old' })], 'next', 'b'],
  ])('%s (%s) → %s %s', (_n, policy, containers, type, name) => {
    const p = initProgress(pod(policy), 'sb', containers);
    expect(p.type).toBe(type);
    expect(p.type === 'next' ? p.spec.name : 'name' in p ? p.name : undefined).toBe(name);
  });

  it('a pod without init containers is initialized', () => {
    expect(initProgress(testPod('p'), 'sb', []).type).toBe('done');
  });

  const action = (policy: RestartPolicy, containers: ContainerStatus[], backoff = new Backoff(clock)) => {
    const all = computeInitActions({ pod: pod(policy), sandboxId: 'sb', containers, backoff, now: clock.now() });
    expect(all.length).toBeLessThanOrEqual(1); // without sidecars, one init container at a time
    return all[0];
  };

  it.each<[string, RestartPolicy, ContainerStatus[], object | undefined]>([
    ['none started: start the first', 'Always', [], { spec: { name: 'a' }, action: { type: 'start', reason: 'new', restartCount: 0 } }],
    ['first running: nothing to start', 'Always', [rc('a', 'running')], undefined],
    ['first done: start the second', 'OnFailure', [rc('a', 'exited', 0)], { spec: { name: 'b' }, action: { type: 'start', reason: 'new' } }],
    ['first failed: restart it', 'OnFailure', [rc('a', 'exited', 2, { restartCount: 1 })], { spec: { name: 'a' }, action: { type: 'start', reason: 'restart', restartCount: 2 } }],
    ['first failed, Never: nothing to start', 'Never', [rc('a', 'exited', 2)], undefined],
    ['all done: nothing to start', 'Always', [rc('b', 'exited', 0), rc('a', 'exited', 0)], undefined],
    [
      'sandbox recreated: the first runs again, its restart count goes on',
      'Always',
      [rc('b', 'exited', 0, { sandboxId: 'old' }), rc('a', 'exited', 0, { sandboxId: 'old', restartCount: 3 })],
      { spec: { name: 'a' }, action: { type: 'start', reason: 'sandbox-changed', restartCount: 4 } },
    ],
  ])('%s', (_n, policy, containers, want) => {
    const got = action(policy, containers);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject(want);
  });

  it('a failing init container restarts with the crash-loop backoff', () => {
    const backoff = new Backoff(clock);
    backoff.next('u/a', clock.now() - 1000);
    expect(action('Always', [rc('a', 'exited', 1)], backoff)).toMatchObject({ spec: { name: 'a' }, action: { type: 'backoff', backoffMs: 10_000 } });
  });
});

describe('sidecars (init containers with restartPolicy Always)', () => {
  const clock = new FakeClock(1_000_000);
  const inits: Container[] = [
    { name: 'proxy', image: 'img', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 15000 } } },
    { name: 'setup', image: 'img' },
    { name: 'log', image: 'img', restartPolicy: 'Always' },
  ];
  const pod = (restartPolicy: RestartPolicy = 'Always') => testPod('p', { restartPolicy, initContainers: inits });
  /** A runtime container of `name` in sandbox `sb`; an id containing `unstarted` has not passed its startup probe. */
  const rc = (name: string, state: ContainerStatus['state'], exitCode?: number, over: Partial<ContainerStatus> = {}): ContainerStatus =>
    dead(exitCode ?? 0, clock.now(), { id: `${name}-${state}-${over.sandboxId ?? 'sb'}`, name, state, ...(exitCode === undefined ? { exitCode: undefined } : {}), ...over });
  const started = (_spec: Container, id: string) => !id.includes('unstarted');
  const proxyUp = () => rc('proxy', 'running');

  it.each<[string, RestartPolicy, ContainerStatus[], string, string | undefined]>([
    ['none started: the sidecar first', 'Always', [], 'next', 'proxy'],
    ['sidecar running, startup probe pending: wait', 'Always', [rc('proxy', 'running', undefined, { id: 'proxy-unstarted' })], 'running', 'proxy'],
    ['sidecar started: the next one starts beside it', 'Always', [proxyUp()], 'next', 'setup'],
    ['sidecar exited before it let the next one start: start it again', 'Never', [rc('proxy', 'exited', 0)], 'next', 'proxy'],
    ['sidecar running, next init container running', 'Always', [rc('setup', 'running'), proxyUp()], 'running', 'setup'],
    ['sidecar crashed while the next one runs: still that one', 'Never', [rc('setup', 'running'), rc('proxy', 'exited', 1)], 'running', 'setup'],
    ['init container done: the second sidecar', 'Always', [rc('setup', 'exited', 0), proxyUp()], 'next', 'log'],
    ['last sidecar started: initialized', 'OnFailure', [rc('log', 'running'), rc('setup', 'exited', 0), proxyUp()], 'done', undefined],
    ['last sidecar created, never started', 'Always', [rc('log', 'created'), rc('setup', 'exited', 0), proxyUp()], 'next', 'log'],
    ['regular init container failed under Never: the pod fails', 'Never', [rc('setup', 'exited', 1), proxyUp()], 'failed', 'setup'],
    ['an app container ran here', 'Always', [rc('app', 'running'), rc('proxy', 'exited', 1)], 'done', undefined],
  ])('%s (%s) → %s %s', (_n, policy, containers, type, name) => {
    const p = initProgress(pod(policy), 'sb', containers, started);
    expect(p.type).toBe(type);
    expect(p.type === 'next' ? p.spec.name : 'name' in p ? p.name : undefined).toBe(name);
  });

  const actions = (policy: RestartPolicy, containers: ContainerStatus[], opts: { backoff?: Backoff; sick?: string; changed?: string } = {}) =>
    computeInitActions({
      pod: pod(policy),
      sandboxId: 'sb',
      containers,
      backoff: opts.backoff ?? new Backoff(clock),
      now: clock.now(),
      started,
      livenessFailed: (id) => id === opts.sick,
      hash: (spec) => (spec.name === opts.changed ? 'new-hash' : 'h'),
    }).map(({ spec, action }) => [spec.name, action.type, 'reason' in action ? action.reason : undefined]);

  it.each<[string, RestartPolicy, ContainerStatus[], Parameters<typeof actions>[2], unknown[][]]>([
    ['none started: start the sidecar', 'Always', [], {}, [['proxy', 'start', 'new']]],
    ['sidecar still starting: keep it, start nothing else', 'Always', [rc('proxy', 'running', undefined, { id: 'proxy-unstarted' })], {}, [['proxy', 'keep', undefined]]],
    ['sidecar started: keep it and start the next', 'Always', [proxyUp()], {}, [['proxy', 'keep', undefined], ['setup', 'start', 'new']]],
    ['the next one runs: keep the sidecar', 'Never', [rc('setup', 'running'), proxyUp()], {}, [['proxy', 'keep', undefined]]],
    ['sidecar exited 0 under Never: restarted anyway', 'Never', [rc('setup', 'running'), rc('proxy', 'exited', 0)], {}, [['proxy', 'start', 'restart']]],
    ['sidecar failed its startup probe: killed', 'Always', [proxyUp()], { sick: 'proxy-running-sb' }, [['proxy', 'kill', 'unhealthy'], ['setup', 'start', 'new']]],
    ['sidecar spec changed (image update): replaced', 'Always', [rc('setup', 'running'), proxyUp()], { changed: 'proxy' }, [['proxy', 'start', 'spec-changed']]],
    [
      'initialized: every sidecar kept, an exited one restarted',
      'OnFailure',
      [rc('app', 'running'), rc('log', 'running'), rc('setup', 'exited', 0), rc('proxy', 'exited', 137)],
      {},
      [['proxy', 'start', 'restart'], ['log', 'keep', undefined]],
    ],
    ['initialized, sidecar gone from the runtime: started again', 'Always', [rc('app', 'running'), proxyUp()], {}, [['proxy', 'keep', undefined], ['log', 'start', 'new']]],
    ['a regular init container failed under Never: nothing', 'Never', [rc('setup', 'exited', 1), proxyUp()], {}, []],
    [
      'sandbox recreated: the sidecar starts first again, its restart count goes on',
      'Always',
      [rc('app', 'exited', 137, { sandboxId: 'old' }), rc('proxy', 'exited', 137, { sandboxId: 'old', restartCount: 2 })],
      {},
      [['proxy', 'start', 'sandbox-changed']],
    ],
  ])('%s', (_n, policy, containers, opts, want) => {
    expect(actions(policy, containers, opts)).toEqual(want);
  });

  it('a crashing sidecar restarts with the crash-loop backoff', () => {
    const backoff = new Backoff(clock);
    backoff.next('u/proxy', clock.now() - 1000);
    expect(actions('Always', [rc('app', 'running'), rc('log', 'running'), rc('proxy', 'exited', 1)], { backoff })).toEqual([
      ['proxy', 'backoff', undefined],
      ['log', 'keep', undefined],
    ]);
  });

  it('a restarted sidecar keeps counting restarts', () => {
    const got = computeInitActions({ pod: pod(), sandboxId: 'sb', containers: [rc('app', 'running'), rc('proxy', 'exited', 1, { restartCount: 3 })], backoff: new Backoff(clock), now: clock.now() });
    expect(got[0]).toMatchObject({ spec: { name: 'proxy' }, action: { type: 'start', restartCount: 4 } });
  });

  const keep: ContainerAction = { type: 'keep', current: dead(0, 0, { state: 'running' }) };
  const done: ContainerAction = { type: 'done', last: dead(0, 0) };
  const backoff: ContainerAction = { type: 'backoff', remainingMs: 1, backoffMs: 10, last: dead(1, 0) };
  it.each<[string, ContainerAction[], boolean]>([
    ['every app container done', [done, done], true],
    ['one still running', [done, keep], false],
    ['one to restart after its backoff', [done, backoff], false],
    ['no app container', [], false],
  ])('appContainersFinished: %s → %s', (_n, list, want) => expect(appContainersFinished(list)).toBe(want));
});
