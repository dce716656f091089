import type { ContainerStatus, Pod } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { podPrinter } from './pod.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;

function pod(over: { spec?: Partial<NonNullable<Pod['spec']>>; status?: NonNullable<Pod['status']>; deleting?: boolean } = {}): Pod {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: 'web',
      namespace: 'default',
      creationTimestamp: ago(10 * MIN),
      ...(over.deleting ? { deletionTimestamp: ago(MIN) } : {}),
    },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...over.spec },
    status: over.status ?? { phase: 'Pending' },
  } as Pod;
}

const cs = (name: string, over: Partial<ContainerStatus>): ContainerStatus => ({
  name,
  image: 'nginx',
  imageID: '',
  ready: false,
  restartCount: 0,
  ...over,
});
const running = { running: { startedAt: ago(9 * MIN) } };
const readyCondition = { type: 'Ready', status: 'True' };
const twoContainers = { containers: [{ name: 'app', image: 'nginx' }, { name: 'job', image: 'busybox' }] };

/** Ready, Status and Restarts cells. */
const summary = (p: Pod) => podPrinter.print(p, NOW).cells.slice(1, 4);

describe('podPrinter', () => {
  it.each<[string, Pod, unknown[]]>([
    ['unscheduled pending pod', pod(), ['0/1', 'Pending', '0']],
    [
      'container being created',
      pod({ status: { phase: 'Pending', containerStatuses: [cs('app', { state: { waiting: { reason: 'ContainerCreating' } } })] } }),
      ['0/1', 'ContainerCreating', '0'],
    ],
    [
      'running pod with restarts (latest restart wins the "ago")',
      pod({
        spec: twoContainers,
        status: {
          phase: 'Running',
          conditions: [readyCondition],
          containerStatuses: [
            cs('app', { ready: true, state: running, restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * MIN) } } }),
            cs('job', { ready: true, state: running, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN) } } }),
          ],
        },
      }),
      ['2/2', 'Running', '5 (5m ago)'],
    ],
    [
      'CrashLoopBackOff',
      pod({
        status: {
          phase: 'Running',
          containerStatuses: [
            cs('app', {
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30_000) } },
              restartCount: 4,
            }),
          ],
        },
      }),
      ['0/1', 'CrashLoopBackOff', '4 (30s ago)'],
    ],
    [
      'completed pod',
      pod({ status: { phase: 'Succeeded', containerStatuses: [cs('app', { state: { terminated: { exitCode: 0, reason: 'Completed' } } })] } }),
      ['0/1', 'Completed', '0'],
    ],
    [
      'failed pod',
      pod({ status: { phase: 'Failed', containerStatuses: [cs('app', { state: { terminated: { exitCode: 1, reason: 'Error' } } })] } }),
      ['0/1', 'Error', '0'],
    ],
    [
      'killed by a signal, no reason',
      pod({ status: { phase: 'Failed', containerStatuses: [cs('app', { state: { terminated: { exitCode: 137, signal: 9 } } })] } }),
      ['0/1', 'Signal:9', '0'],
    ],
    [
      'exit code, no reason',
      pod({ status: { phase: 'Failed', containerStatuses: [cs('app', { state: { terminated: { exitCode: 2 } } })] } }),
      ['0/1', 'ExitCode:2', '0'],
    ],
    [
      'one container completed, one running and the pod Ready',
      pod({
        spec: twoContainers,
        status: {
          phase: 'Running',
          conditions: [readyCondition],
          containerStatuses: [cs('app', { ready: true, state: running }), cs('job', { state: { terminated: { exitCode: 0, reason: 'Completed' } } })],
        },
      }),
      ['1/2', 'Running', '0'],
    ],
    [
      'one container completed, one running, the pod not Ready',
      pod({
        spec: twoContainers,
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [cs('app', { ready: true, state: running }), cs('job', { state: { terminated: { exitCode: 0, reason: 'Completed' } } })],
        },
      }),
      ['1/2', 'NotReady', '0'],
    ],
    [
      'the first container in spec order decides the reason',
      pod({
        spec: twoContainers,
        status: {
          phase: 'Running',
          containerStatuses: [
            cs('app', { state: { waiting: { reason: 'ImagePullBackOff' } } }),
            cs('job', { state: { waiting: { reason: 'CrashLoopBackOff' } } }),
          ],
        },
      }),
      ['0/2', 'ImagePullBackOff', '0'],
    ],
    [
      'running container that is not ready',
      pod({ status: { phase: 'Running', containerStatuses: [cs('app', { ready: false, state: running })] } }),
      ['0/1', 'Running', '0'],
    ],
    [
      'terminating running pod',
      pod({ deleting: true, status: { phase: 'Running', containerStatuses: [cs('app', { ready: true, state: running })] } }),
      ['1/1', 'Terminating', '0'],
    ],
    [
      'terminating pod that already completed keeps its terminal status',
      pod({ deleting: true, status: { phase: 'Succeeded', containerStatuses: [cs('app', { state: { terminated: { exitCode: 0, reason: 'Completed' } } })] } }),
      ['0/1', 'Completed', '0'],
    ],
    [
      'terminating pod on an unreachable node',
      pod({ deleting: true, status: { phase: 'Running', reason: 'NodeLost' } }),
      ['0/1', 'Unknown', '0'],
    ],
    [
      'status.reason overrides the phase',
      pod({ status: { phase: 'Failed', reason: 'Evicted' } }),
      ['0/1', 'Evicted', '0'],
    ],
    [
      'scheduling gated',
      pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }),
      ['0/1', 'SchedulingGated', '0'],
    ],
  ])('%s', (_name, p, want) => {
    expect(summary(p)).toEqual(want);
  });

  describe('init containers', () => {
    const initSpec = { initContainers: [{ name: 'init-a', image: 'busybox' }, { name: 'init-b', image: 'busybox' }] };
    const done = cs('init-a', { state: { terminated: { exitCode: 0, reason: 'Completed' } } });

    it.each<[string, ContainerStatus[], unknown[]]>([
      ['second init container running', [done, cs('init-b', { state: running })], ['0/1', 'Init:1/2', '0']],
      ['first init container not started', [cs('init-a', { state: { waiting: { reason: 'PodInitializing' } } }), cs('init-b', {})], ['0/1', 'Init:0/2', '0']],
      ['image pull failure', [cs('init-a', { state: { waiting: { reason: 'ErrImagePull' } } })], ['0/1', 'Init:ErrImagePull', '0']],
      ['failed with a reason', [done, cs('init-b', { state: { terminated: { exitCode: 1, reason: 'Error' } } })], ['0/1', 'Init:Error', '0']],
      ['failed without a reason', [cs('init-a', { state: { terminated: { exitCode: 3 } } })], ['0/1', 'Init:ExitCode:3', '0']],
      ['killed without a reason', [cs('init-a', { state: { terminated: { exitCode: 137, signal: 9 } } })], ['0/1', 'Init:Signal:9', '0']],
      [
        'crash looping init container counts its restarts',
        [
          cs('init-a', {
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            restartCount: 3,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * MIN) } },
          }),
        ],
        ['0/1', 'Init:CrashLoopBackOff', '3 (3m ago)'],
      ],
    ])('%s', (_name, initContainerStatuses, want) => {
      const p = pod({
        spec: initSpec,
        status: { phase: 'Pending', initContainerStatuses, containerStatuses: [cs('app', { state: { waiting: { reason: 'PodInitializing' } } })] },
      });
      expect(summary(p)).toEqual(want);
    });

    it('after initialization only app container restarts count', () => {
      const p = pod({
        spec: initSpec,
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, readyCondition],
          initContainerStatuses: [done, cs('init-b', { state: { terminated: { exitCode: 0, reason: 'Completed' } }, restartCount: 2 })],
          containerStatuses: [cs('app', { ready: true, state: running, restartCount: 1 })],
        },
      });
      expect(summary(p)).toEqual(['1/1', 'Running', '1']);
    });

    it('a started sidecar counts as a container, with its restarts', () => {
      const p = pod({
        spec: { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, readyCondition],
          initContainerStatuses: [
            cs('proxy', { ready: true, started: true, state: running, restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } } }),
          ],
          containerStatuses: [cs('app', { ready: true, state: running })],
        },
      });
      expect(summary(p)).toEqual(['2/2', 'Running', '1 (2m ago)']);
    });
  });

  it('renders the wide columns', () => {
    const p = pod({
      spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      status: {
        phase: 'Running',
        podIP: '10.244.1.5',
        podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00::5' }],
        nominatedNodeName: 'node-2',
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
      },
    });
    const cells = podPrinter.print(p, NOW).cells;
    expect(cells[0]).toBe('web');
    expect(cells[4]).toBe('10m');
    expect(cells.slice(5)).toEqual(['10.244.1.5', 'node-1', 'node-2', '1/2']);
  });

  it('prints <none> for missing wide values', () => {
    expect(podPrinter.print(pod(), NOW).cells.slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
  });

  it.each([
    ['Succeeded', [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]],
    ['Failed', [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]],
    ['Running', undefined],
  ])('row conditions for phase %s', (phase, want) => {
    expect(podPrinter.print(pod({ status: { phase } }), NOW).conditions).toEqual(want);
  });
});
