/**
 * A kwok-style runtime: sandboxes and containers exist only in memory and run at once, each
 * sandbox gets a unique fake IP, exec and logs are empty, stats are zero. For unit tests of the
 * kubelet and for running hundreds of pods on one machine. Tests can make a container exit with
 * `exitContainer` to drive restart logic.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { Pod } from '@tskube/api-types';
import type { Clock } from '@tskube/component-base';
import {
  LABEL_CONTAINER_HASH,
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  RuntimeError,
  SANDBOX_CONTAINER_NAME,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type RuntimeEvent,
  type SandboxStatus,
  type StreamSession,
} from './types.js';

export interface FakeRuntimeOptions {
  /** The leading octets of the fake pod IPs (default `10.88.`); the rest count up. */
  ipPrefix?: string;
  clock?: Pick<Clock, 'now'>;
}

export interface FakeRuntime extends ContainerRuntime {
  readonly type: 'fake';
  /** Makes a running container exit, as a crash (exit code ≠ 0) or a completion would. */
  exitContainer(id: string, exitCode: number, reason?: string): void;
  /** Images pulled so far, in order (every image counts as present; pulls are only recorded). */
  readonly pulled: readonly string[];
}

const newId = (): string => randomBytes(32).toString('hex');
const empty = (): Readable => Readable.from([]);

/** The n-th address (n ≥ 0) under `prefix`, skipping .0 and .255 in the last octet. */
export function fakeIp(prefix: string, n: number): string {
  const given = prefix.split('.').filter(Boolean).length;
  const free = 4 - given;
  if (free < 1) throw new Error(`ipPrefix ${prefix} leaves no octet to count in`);
  const octets: number[] = [(n % 254) + 1];
  let rest = Math.floor(n / 254);
  for (let i = 1; i < free; i++) {
    octets.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  }
  if (rest > 0) throw new Error(`ipPrefix ${prefix} is out of addresses`);
  return `${prefix.replace(/\.?$/, '.')}${octets.join('.')}`;
}

export function createFakeRuntime(options: FakeRuntimeOptions = {}): FakeRuntime {
  const ipPrefix = options.ipPrefix ?? '10.88.';
  const now = (): number => (options.clock ?? Date).now();
  const sandboxes = new Map<string, SandboxStatus>();
  const containers = new Map<string, ContainerStatus>();
  const subscribers = new Set<(event: RuntimeEvent) => void>();
  const pulled: string[] = [];
  let ips = 0;

  const emit = (event: RuntimeEvent): void => {
    for (const push of subscribers) push(event);
  };
  const container = (id: string): ContainerStatus => {
    const c = containers.get(id);
    if (!c) throw new RuntimeError(`container ${id} not found`, 'NotFound');
    return c;
  };
  const imageIdOf = (image: string): string => `sha256:${createHash('sha256').update(image).digest('hex')}`;
  const exit = (c: ContainerStatus, exitCode: number, reason?: string): void => {
    if (c.state !== 'running') return;
    c.state = 'exited';
    c.exitCode = exitCode;
    c.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    c.finishedAt = now();
    emit({ type: 'container-died', containerId: c.id, podUid: c.podUid });
  };
  const remove = (id: string): void => {
    const c = containers.get(id);
    if (!c) return;
    containers.delete(id);
    emit({ type: 'container-removed', containerId: id, podUid: c.podUid });
  };
  const emptySession = (stdin: boolean): StreamSession => {
    const session: StreamSession = { stdout: empty(), stderr: empty(), resize: async () => {}, wait: async () => 0 };
    if (stdin) session.stdin = new PassThrough().resume();
    return session;
  };

  return {
    type: 'fake',
    pulled,

    exitContainer(id, exitCode, reason) {
      exit(container(id), exitCode, reason);
    },

    async version() {
      return { runtimeName: 'fake', runtimeVersion: '0.1.0', apiVersion: '0.1.0', os: 'linux', kernelVersion: 'fake' };
    },

    async runPodSandbox(pod: Pod) {
      const uid = pod.metadata?.uid ?? '';
      const id = newId();
      const sandbox: SandboxStatus = {
        id,
        podUid: uid,
        podName: pod.metadata?.name ?? '',
        podNamespace: pod.metadata?.namespace ?? 'default',
        state: 'ready',
        ip: pod.spec?.hostNetwork ? '' : fakeIp(ipPrefix, ips++),
        createdAt: now(),
        labels: {
          [LABEL_MANAGED]: 'true',
          [LABEL_POD_UID]: uid,
          [LABEL_POD_NAME]: pod.metadata?.name ?? '',
          [LABEL_POD_NAMESPACE]: pod.metadata?.namespace ?? 'default',
          [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME,
        },
      };
      sandboxes.set(id, sandbox);
      emit({ type: 'container-started', containerId: id, podUid: uid });
      return { ...sandbox };
    },

    async stopPodSandbox(id) {
      const sandbox = sandboxes.get(id);
      if (!sandbox || sandbox.state === 'notready') return;
      for (const c of containers.values()) if (c.sandboxId === id) exit(c, 137);
      sandbox.state = 'notready';
      emit({ type: 'container-died', containerId: id, podUid: sandbox.podUid });
    },

    async removePodSandbox(id) {
      const sandbox = sandboxes.get(id);
      if (!sandbox) return;
      for (const c of [...containers.values()]) if (c.sandboxId === id) remove(c.id);
      sandboxes.delete(id);
      emit({ type: 'container-removed', containerId: id, podUid: sandbox.podUid });
    },

    async listPodSandboxes() {
      return [...sandboxes.values()].map((s) => ({ ...s, labels: { ...s.labels } }));
    },

    async pullImage(image) {
      pulled.push(image);
      return imageIdOf(image);
    },

    async imageId(image) {
      return imageIdOf(image);
    },

    async createContainer(sandboxId, config: ContainerConfig) {
      const sandbox = sandboxes.get(sandboxId);
      if (!sandbox) throw new RuntimeError(`sandbox ${sandboxId} not found`, 'NotFound');
      const id = newId();
      const image = config.container.image ?? '';
      containers.set(id, {
        id,
        sandboxId,
        podUid: sandbox.podUid,
        name: config.container.name,
        image,
        imageId: imageIdOf(image),
        state: 'created',
        createdAt: now(),
        restartCount: config.restartCount,
        specHash: config.specHash,
        labels: {
          [LABEL_MANAGED]: 'true',
          [LABEL_POD_UID]: sandbox.podUid,
          [LABEL_POD_NAME]: sandbox.podName,
          [LABEL_POD_NAMESPACE]: sandbox.podNamespace,
          [LABEL_CONTAINER_NAME]: config.container.name,
          [LABEL_RESTART_COUNT]: String(config.restartCount),
          [LABEL_CONTAINER_HASH]: config.specHash,
        },
      });
      return id;
    },

    async startContainer(id) {
      const c = container(id);
      if (c.state === 'running') return;
      if (c.state !== 'created') throw new RuntimeError(`container ${id} is ${c.state}, not created`, 'StartFailed');
      c.state = 'running';
      c.startedAt = now();
      emit({ type: 'container-started', containerId: id, podUid: c.podUid });
    },

    async stopContainer(id) {
      const c = containers.get(id);
      // A fake process honours SIGTERM at once: exit code 143 (128 + 15), as a real one would.
      if (c) exit(c, 143);
    },

    async removeContainer(id) {
      remove(id);
    },

    async listContainers() {
      return [...containers.values()].map((c) => ({ ...c, labels: { ...c.labels } }));
    },

    async containerStatus(id) {
      const c = containers.get(id);
      return c ? { ...c, labels: { ...c.labels } } : undefined;
    },

    async execSync(id) {
      container(id);
      return { exitCode: 0, output: '' };
    },

    async exec(id, execOptions) {
      container(id);
      return emptySession(execOptions.stdin);
    },

    async attach(id, attachOptions) {
      container(id);
      return emptySession(attachOptions.stdin);
    },

    async logs(id) {
      container(id);
      return empty();
    },

    async stats(ids) {
      const targets = ids ?? [...[...containers.values()].filter((c) => c.state === 'running').map((c) => c.id), ...sandboxes.keys()];
      const at = now();
      return targets
        .filter((id) => containers.has(id) || sandboxes.has(id))
        .map(
          (id): ContainerStats => ({
            id,
            timestamp: at,
            cpuUsageNanoCores: 0,
            cpuUsageCoreNanoSeconds: 0,
            memoryWorkingSetBytes: 0,
            memoryUsageBytes: 0,
            ...(sandboxes.has(id) ? { rxBytes: 0, txBytes: 0 } : {}),
          }),
        );
    },

    events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
      // Subscribed right away (not at the first next()), so no event after this call is missed.
      const queue: RuntimeEvent[] = [];
      let wake: (() => void) | undefined;
      const push = (event: RuntimeEvent): void => {
        queue.push(event);
        wake?.();
      };
      subscribers.add(push);
      const onAbort = (): void => {
        subscribers.delete(push);
        wake?.();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      return {
        async *[Symbol.asyncIterator]() {
          try {
            while (!signal.aborted) {
              const event = queue.shift();
              if (event) {
                yield event;
                continue;
              }
              await new Promise<void>((resolve) => (wake = resolve));
              wake = undefined;
            }
          } finally {
            subscribers.delete(push);
            signal.removeEventListener('abort', onAbort);
          }
        },
      };
    },

    async portForward(sandboxId) {
      if (!sandboxes.has(sandboxId)) throw new RuntimeError(`sandbox ${sandboxId} not found`, 'NotFound');
      throw new RuntimeError('port forwarding is not supported by the fake runtime: its pods run no processes', 'Unsupported');
    },
  };
}
