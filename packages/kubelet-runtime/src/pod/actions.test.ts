import { describe, expect, it } from 'vitest';
import { FakeClock } from '@tskube/component-base';
import type { ContainerStatus } from '../runtime/types.js';
import { testPod } from '../testing/fake-api.js';
import { computeInitAction, decideContainer, initProgress, shouldRestart, type RestartPolicy } from './actions.js';
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

  const action = (policy: RestartPolicy, containers: ContainerStatus[], backoff = new Backoff(clock)) =>
    computeInitAction({ pod: pod(policy), sandboxId: 'sb', containers, backoff, now: clock.now() });

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
