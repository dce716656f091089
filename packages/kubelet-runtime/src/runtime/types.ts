/**
 * The container runtime contract the kubelet stands on, shaped like the CRI: a pod sandbox (the
 * seed's network container, a pause container holding the pod's network namespace and its host
 * ports) and containers that join it. Two implementations: Docker (dockerode) and a fake one
 * (kwok-style: no processes) for scale tests. Agreed before both are built; extend, don't rename.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Container, Pod } from '@tskube/api-types';

/** Labels every runtime object carries, so a restarted kubelet can adopt what is running. */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** `POD` for the sandbox, as dockershim did. */
export const SANDBOX_CONTAINER_NAME = 'POD';
export const LABEL_RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** JSON hash of the container spec, so a changed spec (e.g. image) restarts the container. */
export const LABEL_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const LABEL_MANAGED = 'io.tskube.managed';
/**
 * Which kubelet owns a runtime object (its node name, else its root dir): each runtime instance
 * lists, watches and adopts only its own, so several kubelets (and tests) can share one dockerd.
 */
export const LABEL_SCOPE = 'io.tskube.kubelet.scope';

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  apiVersion: string;
  os: string;
  kernelVersion: string;
}

export type SandboxState = 'ready' | 'notready';

export interface SandboxStatus {
  id: string;
  podUid: string;
  podName: string;
  podNamespace: string;
  state: SandboxState;
  /** The pod IP (the sandbox's address on the runtime's bridge); '' for hostNetwork pods. */
  ip: string;
  createdAt: number;
  labels: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  image: string;
  imageId: string;
  state: ContainerState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** e.g. `Completed`, `Error`, `OOMKilled`. */
  reason?: string;
  message?: string;
  restartCount: number;
  specHash: string;
  labels: Record<string, string>;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  pod: Pod;
  container: Container;
  /** Resolved environment (service env vars, valueFrom done by the kubelet). */
  env: { name: string; value: string }[];
  mounts: Mount[];
  restartCount: number;
  specHash: string;
}

export interface ExecOptions {
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A running exec or attach session: streams in and out, and how it ended. */
export interface StreamSession {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  resize(width: number, height: number): Promise<void>;
  /** Resolves with the exit code once the process ends. */
  wait(): Promise<number>;
}

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  timestamps: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

export interface ContainerStats {
  id: string;
  timestamp: number;
  cpuUsageNanoCores?: number;
  cpuUsageCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
  memoryUsageBytes: number;
  rxBytes?: number;
  txBytes?: number;
}

export type RuntimeEvent = { type: 'container-started' | 'container-died' | 'container-removed'; containerId: string; podUid?: string };

export interface ContainerRuntime {
  readonly type: 'docker' | 'fake';
  version(): Promise<RuntimeVersion>;

  /** Creates and starts the pod's network (pause) container with the pod's hostPort bindings. */
  runPodSandbox(pod: Pod): Promise<SandboxStatus>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandboxes(): Promise<SandboxStatus[]>;

  /** IfNotPresent/Always/Never are decided by the caller; this pulls (or fails with a clear error). */
  pullImage(image: string): Promise<string>;
  /** The local image id, or undefined when the image is not present. */
  imageId(image: string): Promise<string | undefined>;

  /** Creates a container joined to the sandbox's network namespace; returns its id. */
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** Every container this runtime manages for pods (all states). */
  listContainers(): Promise<ContainerStatus[]>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;

  /** Runs a command to completion (exec probes); output is capped. */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; output: string }>;
  exec(id: string, options: ExecOptions): Promise<StreamSession>;
  attach(id: string, options: Omit<ExecOptions, 'cmd'>): Promise<StreamSession>;
  logs(id: string, options: LogOptions): Promise<Readable>;
  stats(ids?: string[]): Promise<ContainerStats[]>;
  /** Container lifecycle events, for a prompt sync (the evented PLEG). Ends when `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  /**
   * A TCP connection to `port` on the pod's own localhost (inside its network namespace), as the
   * CRI's PortForward: resolves once connected, rejects with the reason when the connect fails.
   * Ending the Duplex half-closes the connection; destroying it drops it.
   */
  portForward(sandboxId: string, port: number): Promise<Duplex>;
}

/** What went wrong in a runtime call, for the kubelet to turn into a waiting reason or a retry. */
export type RuntimeErrorCode = 'NotFound' | 'ImageNotFound' | 'PullFailed' | 'Timeout' | 'SandboxFailed' | 'StartFailed' | 'Unsupported' | 'ConnectFailed';

/**
 * An error a runtime throws on purpose: `ImageNotFound` (→ ErrImageNeverPull / pull it),
 * `PullFailed` (→ ErrImagePull), `Timeout` (an execSync past its deadline: a failed probe), ...
 */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    message: string,
    readonly code: RuntimeErrorCode,
  ) {
    super(message);
  }
}
