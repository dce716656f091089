/**
 * Pure mapping between the kubelet's view (pods, containers, ContainerConfig) and Docker's
 * (names, labels, create options, inspect/list answers), as dockershim did. No I/O here.
 */
import type { Container, Pod } from '@tskube/api-types';
import { parseQuantity } from '@tskube/api-types';
import {
  LABEL_CONTAINER_HASH,
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  SANDBOX_CONTAINER_NAME,
  type ContainerConfig,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type SandboxStatus,
} from './types.js';

/** The sandbox a container belongs to (dockershim's label). */
export const LABEL_SANDBOX_ID = 'io.kubernetes.sandbox.id';
/** `podsandbox` or `container` (dockershim's label). */
export const LABEL_DOCKER_TYPE = 'io.kubernetes.docker.type';
export const LABEL_SANDBOX_ATTEMPT = 'io.kubernetes.sandbox.attempt';
/** Docker's shares for a container without a CPU request (Kubernetes' MinShares). */
export const MIN_CPU_SHARES = 2;

const podKey = (pod: Pod): { name: string; namespace: string; uid: string } => ({
  name: pod.metadata?.name ?? '',
  namespace: pod.metadata?.namespace ?? 'default',
  uid: pod.metadata?.uid ?? '',
});

/** `k8s_POD_<pod>_<ns>_<uid>_<attempt>`, as dockershim named sandboxes. */
export function sandboxName(pod: Pod, attempt: number): string {
  const { name, namespace, uid } = podKey(pod);
  return `k8s_${SANDBOX_CONTAINER_NAME}_${name}_${namespace}_${uid}_${attempt}`;
}

/** `k8s_<container>_<pod>_<ns>_<uid>_<restartCount>`. */
export function containerName(pod: Pod, container: string, restartCount: number): string {
  const { name, namespace, uid } = podKey(pod);
  return `k8s_${container}_${name}_${namespace}_${uid}_${restartCount}`;
}

export interface ParsedName {
  container: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  /** The restart count of a container, the attempt of a sandbox. */
  attempt: number;
}

/** The inverse of sandboxName/containerName (Docker prefixes names with `/`); undefined for others. */
export function parseName(dockerName: string): ParsedName | undefined {
  const parts = dockerName.replace(/^\//, '').split('_');
  // Kubernetes names and UIDs cannot contain `_`, so exactly six fields.
  if (parts.length !== 6 || parts[0] !== 'k8s') return undefined;
  const [, container, podName, podNamespace, podUid, attempt] = parts as [string, string, string, string, string, string];
  if (!/^\d+$/.test(attempt)) return undefined;
  return { container, podName, podNamespace, podUid, attempt: Number(attempt) };
}

export function sandboxLabels(pod: Pod, attempt: number): Record<string, string> {
  const { name, namespace, uid } = podKey(pod);
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_DOCKER_TYPE]: 'podsandbox',
    [LABEL_POD_UID]: uid,
    [LABEL_POD_NAME]: name,
    [LABEL_POD_NAMESPACE]: namespace,
    [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME,
    [LABEL_SANDBOX_ATTEMPT]: String(attempt),
  };
}

export function containerLabels(sandboxId: string, config: ContainerConfig): Record<string, string> {
  const { name, namespace, uid } = podKey(config.pod);
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_DOCKER_TYPE]: 'container',
    [LABEL_POD_UID]: uid,
    [LABEL_POD_NAME]: name,
    [LABEL_POD_NAMESPACE]: namespace,
    [LABEL_CONTAINER_NAME]: config.container.name,
    [LABEL_RESTART_COUNT]: String(config.restartCount),
    [LABEL_CONTAINER_HASH]: config.specHash,
    [LABEL_SANDBOX_ID]: sandboxId,
  };
}

export const isSandboxLabels = (labels: Record<string, string>): boolean =>
  labels[LABEL_DOCKER_TYPE] === 'podsandbox' || labels[LABEL_CONTAINER_NAME] === SANDBOX_CONTAINER_NAME;

/**
 * Kubernetes' command/args over the image's ENTRYPOINT/CMD: `command` replaces the entrypoint
 * (and drops the image's CMD), `args` replaces the CMD. Undefined fields keep the image's.
 */
export function entrypointAndCmd(container: Pick<Container, 'command' | 'args'>): { Entrypoint?: string[]; Cmd?: string[] } {
  const out: { Entrypoint?: string[]; Cmd?: string[] } = {};
  if (container.command?.length) {
    out.Entrypoint = container.command;
    out.Cmd = container.args ?? [];
  } else if (container.args?.length) {
    out.Cmd = container.args;
  }
  return out;
}

/** `milliCPU × 1024 / 1000`, at least 2, as Kubernetes' milliCPUToShares. */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu <= 0) return MIN_CPU_SHARES;
  return Math.max(MIN_CPU_SHARES, Math.floor((milliCpu * 1024) / 1000));
}

export interface DockerResources {
  Memory?: number;
  NanoCpus?: number;
  CpuShares: number;
}

/**
 * limits.memory → Memory (bytes), limits.cpu → NanoCpus, requests.cpu → CpuShares. A missing
 * CPU request falls back to the limit (what API defaulting does), then to the minimum shares.
 */
export function dockerResources(container: Pick<Container, 'resources'>): DockerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const out: DockerResources = { CpuShares: MIN_CPU_SHARES };
  const memory = limits['memory'];
  if (memory !== undefined) out.Memory = Number(parseQuantity(memory).value());
  const cpuLimit = limits['cpu'];
  if (cpuLimit !== undefined) out.NanoCpus = Number(parseQuantity(cpuLimit).milliValue()) * 1_000_000;
  const cpuRequest = requests['cpu'] ?? cpuLimit;
  if (cpuRequest !== undefined) out.CpuShares = milliCpuToShares(Number(parseQuantity(cpuRequest).milliValue()));
  return out;
}

export interface PortMapping {
  ExposedPorts: Record<string, object>;
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
}

/** The host ports of every container of the pod, bound on the sandbox (which owns the netns). */
export function portMappings(pod: Pod): PortMapping {
  const out: PortMapping = { ExposedPorts: {}, PortBindings: {} };
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const container of containers) {
    for (const port of container.ports ?? []) {
      if (!port.hostPort) continue;
      const key = `${port.containerPort}/${(port.protocol ?? 'TCP').toLowerCase()}`;
      out.ExposedPorts[key] = {};
      (out.PortBindings[key] ??= []).push({ HostIp: port.hostIP ?? '', HostPort: String(port.hostPort) });
    }
  }
  return out;
}

/** `host:container[:ro]` binds. */
export const binds = (mounts: ContainerConfig['mounts']): string[] =>
  mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`);

/** Docker's RFC 3339 (nanosecond) time → ms since the epoch; undefined for Go's zero time. */
export function parseDockerTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  // Date.parse wants at most milliseconds.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Docker's state word (`running`, `exited`, ...) → the CRI's. */
export function mapDockerState(status: string | undefined): ContainerState {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** The part of `docker inspect` the status needs. */
export interface InspectLike {
  Id: string;
  Name?: string;
  Created?: string;
  Image?: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
  };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null };
}

/** Why an exited container stopped, as dockershim: OOMKilled, Completed (0) or Error. */
export function exitReason(state: NonNullable<InspectLike['State']>): string | undefined {
  if (mapDockerState(state.Status) !== 'exited') return undefined;
  if (state.OOMKilled) return 'OOMKilled';
  return state.ExitCode === 0 ? 'Completed' : 'Error';
}

export function toContainerStatus(info: InspectLike): ContainerStatus {
  const labels = info.Config?.Labels ?? {};
  const st = info.State ?? {};
  const state = mapDockerState(st.Status);
  const status: ContainerStatus = {
    id: info.Id,
    sandboxId: labels[LABEL_SANDBOX_ID] ?? '',
    podUid: labels[LABEL_POD_UID] ?? '',
    name: labels[LABEL_CONTAINER_NAME] ?? parseName(info.Name ?? '')?.container ?? '',
    image: info.Config?.Image ?? '',
    imageId: info.Image ?? '',
    state,
    createdAt: parseDockerTime(info.Created) ?? 0,
    restartCount: Number(labels[LABEL_RESTART_COUNT] ?? 0) || 0,
    specHash: labels[LABEL_CONTAINER_HASH] ?? '',
    labels,
  };
  const startedAt = parseDockerTime(st.StartedAt);
  if (startedAt !== undefined) status.startedAt = startedAt;
  if (state === 'exited') {
    const finishedAt = parseDockerTime(st.FinishedAt);
    if (finishedAt !== undefined) status.finishedAt = finishedAt;
    status.exitCode = st.ExitCode ?? 0;
    const reason = exitReason(st);
    if (reason) status.reason = reason;
  }
  if (st.Error) status.message = st.Error;
  return status;
}

/** The part of `docker ps` (list) a sandbox status needs. */
export interface ListLike {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string> | null;
  State?: string;
  Created?: number;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null } | null;
}

/** The sandbox's address on its network; '' when it has none (host network, not running). */
export function sandboxIp(networks: Record<string, { IPAddress?: string }> | null | undefined, fallback = ''): string {
  for (const net of Object.values(networks ?? {})) if (net.IPAddress) return net.IPAddress;
  return fallback;
}

export function toSandboxStatus(item: ListLike): SandboxStatus {
  const labels = item.Labels ?? {};
  const parsed = parseName(item.Names?.[0] ?? '');
  const running = item.State === 'running';
  return {
    id: item.Id,
    podUid: labels[LABEL_POD_UID] ?? parsed?.podUid ?? '',
    podName: labels[LABEL_POD_NAME] ?? parsed?.podName ?? '',
    podNamespace: labels[LABEL_POD_NAMESPACE] ?? parsed?.podNamespace ?? '',
    state: running ? 'ready' : 'notready',
    ip: running ? sandboxIp(item.NetworkSettings?.Networks) : '',
    createdAt: (item.Created ?? 0) * 1000,
    labels,
  };
}

/** The part of Docker's stats answer we read (cgroup v1 and v2 field names). */
export interface DockerStatsLike {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/** Working set = usage − inactive file pages, as cAdvisor and the kubelet compute it. */
export function toContainerStats(id: string, s: DockerStatsLike, now: number): ContainerStats {
  const usage = s.memory_stats?.usage ?? 0;
  const mstats = s.memory_stats?.stats ?? {};
  const inactiveFile = mstats['total_inactive_file'] ?? mstats['inactive_file'] ?? 0;
  const out: ContainerStats = {
    id,
    timestamp: parseDockerTime(s.read) ?? now,
    cpuUsageCoreNanoSeconds: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memoryWorkingSetBytes: Math.max(0, usage - inactiveFile),
    memoryUsageBytes: usage,
  };
  // A rate needs the previous sample, which the one-shot API leaves empty.
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const sysDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  if (pre?.system_cpu_usage && sysDelta > 0 && cpuDelta >= 0) {
    // system_cpu_usage counts every CPU's nanoseconds; scale back to cores.
    out.cpuUsageNanoCores = Math.round((cpuDelta / sysDelta) * (cpu?.online_cpus ?? 1) * 1e9);
  }
  if (s.networks) {
    let rx = 0;
    let tx = 0;
    for (const net of Object.values(s.networks)) {
      rx += net.rx_bytes ?? 0;
      tx += net.tx_bytes ?? 0;
    }
    out.rxBytes = rx;
    out.txBytes = tx;
  }
  return out;
}

/** Splits an image reference into the repository and tag (`latest` when none) or digest. */
export function splitImageRef(image: string): { repo: string; tag: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { repo: image.slice(0, at), tag: image.slice(at + 1) };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon > slash) return { repo: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repo: image, tag: 'latest' };
}

/** The registry an image reference names: its first component when that looks like a host, else Docker Hub. */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** Whether the registry is on this machine's loopback (127.0.0.0/8, ::1, localhost), with any port. */
export function isLoopbackRegistry(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
