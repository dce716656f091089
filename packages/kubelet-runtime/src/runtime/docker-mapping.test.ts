import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '@tskube/api-types';
import {
  LABEL_CONTAINER_HASH,
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  type ContainerConfig,
} from './types.js';
import {
  LABEL_SANDBOX_ID,
  binds,
  containerLabels,
  containerName,
  dockerResources,
  entrypointAndCmd,
  exitReason,
  isLoopbackRegistry,
  isSandboxLabels,
  mapDockerState,
  milliCpuToShares,
  parseDockerTime,
  parseName,
  portMappings,
  registryHost,
  sandboxLabels,
  sandboxName,
  splitImageRef,
  toContainerStats,
  toContainerStatus,
  toSandboxStatus,
} from './docker-mapping.js';

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'web-0', namespace: 'prod', uid: '1b2c-3d4e' },
  spec: { containers: [{ name: 'app', image: 'tskube/busybox:latest' }], ...spec },
});

describe('names', () => {
  it('names the sandbox and containers as dockershim did, and parses them back', () => {
    expect(sandboxName(pod(), 0)).toBe('k8s_POD_web-0_prod_1b2c-3d4e_0');
    expect(containerName(pod(), 'app', 3)).toBe('k8s_app_web-0_prod_1b2c-3d4e_3');
    expect(parseName('/k8s_app_web-0_prod_1b2c-3d4e_3')).toEqual({
      container: 'app',
      podName: 'web-0',
      podNamespace: 'prod',
      podUid: '1b2c-3d4e',
      attempt: 3,
    });
    expect(parseName(sandboxName(pod(), 2))).toMatchObject({ container: 'POD', attempt: 2 });
  });

  it.each(['/nginx', 'k8s_a_b_c', 'k8s_a_b_c_d_x', 'x8s_a_b_c_d_1', 'k8s_a_b_c_d_e_1'])('ignores the foreign name %s', (name) => {
    expect(parseName(name)).toBeUndefined();
  });
});

describe('labels', () => {
  it('carries what a restarted kubelet needs to adopt a container', () => {
    const config: ContainerConfig = {
      pod: pod(),
      container: { name: 'app', image: 'tskube/busybox:latest' },
      env: [],
      mounts: [],
      restartCount: 4,
      specHash: 'abc123',
    };
    const labels = containerLabels('sandbox-1', config);
    expect(labels).toMatchObject({
      [LABEL_MANAGED]: 'true',
      [LABEL_POD_UID]: '1b2c-3d4e',
      [LABEL_POD_NAME]: 'web-0',
      [LABEL_POD_NAMESPACE]: 'prod',
      [LABEL_CONTAINER_NAME]: 'app',
      [LABEL_RESTART_COUNT]: '4',
      [LABEL_CONTAINER_HASH]: 'abc123',
      [LABEL_SANDBOX_ID]: 'sandbox-1',
    });
    expect(isSandboxLabels(labels)).toBe(false);
    expect(isSandboxLabels(sandboxLabels(pod(), 0))).toBe(true);
  });
});

describe('entrypointAndCmd (Kubernetes command/args over the image)', () => {
  it.each<[string, Pick<Container, 'command' | 'args'>, ReturnType<typeof entrypointAndCmd>]>([
    ['neither: the image decides', {}, {}],
    ['command only: the image CMD is dropped', { command: ['sleep'] }, { Entrypoint: ['sleep'], Cmd: [] }],
    ['args only: the image ENTRYPOINT stays', { args: ['10'] }, { Cmd: ['10'] }],
    ['both', { command: ['sh', '-c'], args: ['echo hi'] }, { Entrypoint: ['sh', '-c'], Cmd: ['echo hi'] }],
    ['empty lists count as unset', { command: [], args: [] }, {}],
  ])('%s', (_name, container, expected) => {
    expect(entrypointAndCmd(container)).toEqual(expected);
  });
});

describe('dockerResources', () => {
  it.each<[string, Container['resources'], ReturnType<typeof dockerResources>]>([
    ['best effort gets the minimum shares', undefined, { CpuShares: 2 }],
    ['memory limit in bytes', { limits: { memory: '64Mi' } }, { Memory: 64 * 1024 * 1024, CpuShares: 2 }],
    ['decimal memory', { limits: { memory: '1G' } }, { Memory: 1e9, CpuShares: 2 }],
    ['cpu limit as nano CPUs, request as shares', { limits: { cpu: '500m' }, requests: { cpu: '250m' } }, { NanoCpus: 5e8, CpuShares: 256 }],
    ['a whole cpu', { requests: { cpu: '1' } }, { CpuShares: 1024 }],
    ['a request defaults to the limit', { limits: { cpu: 2 } }, { NanoCpus: 2e9, CpuShares: 2048 }],
    ['tiny requests are raised to 2 shares', { requests: { cpu: '1m' } }, { CpuShares: 2 }],
  ])('%s', (_name, resources, expected) => {
    expect(dockerResources({ resources })).toEqual(expected);
  });

  it.each([
    [0, 2],
    [1, 2],
    [100, 102],
    [1000, 1024],
  ])('milliCpuToShares(%d) = %d', (milli, shares) => {
    expect(milliCpuToShares(milli)).toBe(shares);
  });
});

describe('portMappings', () => {
  it('binds the host ports of every container on the sandbox, keeping hostIP', () => {
    const mapped = portMappings(
      pod({
        containers: [
          { name: 'a', image: 'i', ports: [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' }, { containerPort: 9000 }] },
          { name: 'b', image: 'i', ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP' }] },
        ],
      }),
    );
    expect(mapped.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
    });
    expect(Object.keys(mapped.ExposedPorts).sort()).toEqual(['53/udp', '80/tcp']);
  });
});

it('binds mounts read-write or read-only', () => {
  expect(
    binds([
      { hostPath: '/var/lib/k/pods/u/volumes/data', containerPath: '/data', readOnly: false },
      { hostPath: '/etc/config', containerPath: '/config', readOnly: true },
    ]),
  ).toEqual(['/var/lib/k/pods/u/volumes/data:/data', '/etc/config:/config:ro']);
});

describe('state mapping', () => {
  it.each([
    ['created', 'created'],
    ['running', 'running'],
    ['paused', 'running'],
    ['restarting', 'running'],
    ['exited', 'exited'],
    ['dead', 'exited'],
    ['removing', 'unknown'],
    [undefined, 'unknown'],
  ] as const)('%s → %s', (docker, cri) => {
    expect(mapDockerState(docker)).toBe(cri);
  });

  it.each([
    [{ Status: 'exited', ExitCode: 0 }, 'Completed'],
    [{ Status: 'exited', ExitCode: 1 }, 'Error'],
    [{ Status: 'exited', ExitCode: 137, OOMKilled: true }, 'OOMKilled'],
    [{ Status: 'running', ExitCode: 0 }, undefined],
  ])('exit reason of %j is %s', (state, reason) => {
    expect(exitReason(state)).toBe(reason);
  });

  it('reads times with nanoseconds and treats Go zero time as unset', () => {
    expect(parseDockerTime('2024-01-02T03:04:05.123456789Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect(parseDockerTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(parseDockerTime(undefined)).toBeUndefined();
  });

  it('maps an inspected exited container to a status', () => {
    const status = toContainerStatus({
      Id: 'c1',
      Name: '/k8s_app_web-0_prod_1b2c-3d4e_2',
      Created: '2024-01-02T03:04:00Z',
      Image: 'sha256:abc',
      Config: { Image: 'tskube/busybox:latest', Labels: { [LABEL_SANDBOX_ID]: 's1', [LABEL_POD_UID]: 'u', [LABEL_RESTART_COUNT]: '2', [LABEL_CONTAINER_HASH]: 'h' } },
      State: { Status: 'exited', ExitCode: 3, StartedAt: '2024-01-02T03:04:05Z', FinishedAt: '2024-01-02T03:04:06Z' },
    });
    expect(status).toMatchObject({
      id: 'c1',
      sandboxId: 's1',
      podUid: 'u',
      name: 'app',
      image: 'tskube/busybox:latest',
      imageId: 'sha256:abc',
      state: 'exited',
      exitCode: 3,
      reason: 'Error',
      restartCount: 2,
      specHash: 'h',
      startedAt: Date.UTC(2024, 0, 2, 3, 4, 5),
      finishedAt: Date.UTC(2024, 0, 2, 3, 4, 6),
    });
  });

  it('a running container has no exit code or finish time', () => {
    const status = toContainerStatus({ Id: 'c', State: { Status: 'running', StartedAt: '2024-01-02T03:04:05Z', FinishedAt: '0001-01-01T00:00:00Z' } });
    expect(status.state).toBe('running');
    expect(status.exitCode).toBeUndefined();
    expect(status.finishedAt).toBeUndefined();
  });

  it('maps a listed sandbox, with no IP unless it runs', () => {
    const item = {
      Id: 's',
      Names: ['/k8s_POD_web-0_prod_1b2c-3d4e_0'],
      Labels: {},
      Created: 1_700_000_000,
      NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.5' } } },
    };
    expect(toSandboxStatus({ ...item, State: 'running' })).toMatchObject({
      podUid: '1b2c-3d4e',
      podName: 'web-0',
      podNamespace: 'prod',
      state: 'ready',
      ip: '172.17.0.5',
      createdAt: 1_700_000_000_000,
    });
    expect(toSandboxStatus({ ...item, State: 'exited' })).toMatchObject({ state: 'notready', ip: '' });
  });
});

describe('toContainerStats', () => {
  it('takes inactive file pages out of the working set and sums the interfaces', () => {
    const stats = toContainerStats(
      'c',
      {
        read: '2024-01-02T03:04:05Z',
        cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
        memory_stats: { usage: 10_000, stats: { total_inactive_file: 4_000 } },
        networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
      },
      0,
    );
    // 2 ms of CPU over 10 ms of all-CPU time on 2 CPUs = 0.4 cores.
    expect(stats).toEqual({
      id: 'c',
      timestamp: Date.UTC(2024, 0, 2, 3, 4, 5),
      cpuUsageCoreNanoSeconds: 3_000_000,
      cpuUsageNanoCores: 400_000_000,
      memoryWorkingSetBytes: 6_000,
      memoryUsageBytes: 10_000,
      rxBytes: 11,
      txBytes: 22,
    });
  });

  it('has no rate without a previous sample (one-shot), and reads cgroup v2 names', () => {
    const stats = toContainerStats('c', { cpu_stats: { cpu_usage: { total_usage: 5 } }, memory_stats: { usage: 100, stats: { inactive_file: 150 } } }, 42);
    expect(stats.cpuUsageNanoCores).toBeUndefined();
    expect(stats.memoryWorkingSetBytes).toBe(0);
    expect(stats.timestamp).toBe(42);
    expect(stats.rxBytes).toBeUndefined();
  });
});

it.each([
  ['busybox', 'busybox', 'latest'],
  ['tskube/busybox:1.35', 'tskube/busybox', '1.35'],
  ['127.0.0.1:5000/busybox', '127.0.0.1:5000/busybox', 'latest'],
  ['127.0.0.1:5000/busybox:test', '127.0.0.1:5000/busybox', 'test'],
  ['busybox@sha256:abcd', 'busybox', 'sha256:abcd'],
])('splitImageRef(%s)', (image, repo, tag) => {
  expect(splitImageRef(image)).toEqual({ repo, tag });
});

it.each([
  ['busybox', 'docker.io', false],
  ['tskube/busybox:latest', 'docker.io', false],
  ['quay.io/coreos/etcd:v3', 'quay.io', false],
  ['127.0.0.1:5000/busybox:test', '127.0.0.1:5000', true],
  ['127.3.2.1/x', '127.3.2.1', true],
  ['localhost:5000/x', 'localhost:5000', true],
  ['localhost/x', 'localhost', true],
  ['[::1]:5000/x', '[::1]:5000', true],
  ['128.0.0.1:5000/x', '128.0.0.1:5000', false],
])('the registry of %s is %s (loopback: %s)', (image, host, loopback) => {
  expect(registryHost(image)).toBe(host);
  expect(isLoopbackRegistry(host)).toBe(loopback);
});
