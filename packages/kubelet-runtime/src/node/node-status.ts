/**
 * The kubelet's Node: registered at start (labels, capacity/allocatable, addresses, kubelet
 * port, nodeInfo) and its status, with the Ready condition, renewed every heartbeat period.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { StatusError, type Node, type NodeCondition, type NodeStatus } from '@tskube/api-types';
import type { Client } from '@tskube/client';
import { systemClock, type Clock, type Logger } from '@tskube/component-base';
import type { RuntimeVersion } from '../runtime/types.js';
import { rfc3339 } from '../pod/status.js';

export const KUBELET_VERSION = 'v1.32.0-tskube.0.1.0';

export interface NodeConfig {
  nodeName: string;
  nodeIP: string;
  port: number;
  maxPods: number;
  runtimeVersion: RuntimeVersion;
  runtimeType: string;
  /** Overrides for tests; default from the host. */
  cpus?: number;
  memoryBytes?: number;
  osImage?: string;
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export async function osImage(): Promise<string> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** Capacity, allocatable, addresses, daemon endpoints and nodeInfo (everything but conditions). */
export function staticNodeStatus(c: NodeConfig & { osImage: string }): NodeStatus {
  const cpus = c.cpus ?? os.cpus().length;
  const memKi = Math.floor((c.memoryBytes ?? os.totalmem()) / 1024);
  const capacity = { cpu: String(cpus), memory: `${memKi}Ki`, pods: String(c.maxPods) };
  const arch = GOARCH[process.arch] ?? process.arch;
  const runtimeVersion = c.runtimeVersion.runtimeVersion;
  return {
    capacity,
    allocatable: { ...capacity },
    addresses: [
      { type: 'InternalIP', address: c.nodeIP },
      { type: 'Hostname', address: c.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: c.port } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: c.runtimeVersion.kernelVersion || os.release(),
      osImage: c.osImage,
      containerRuntimeVersion: `${c.runtimeType}://${runtimeVersion}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: arch,
    },
  };
}

export function readyCondition(old: NodeCondition[] | undefined, now: number): NodeCondition {
  const prev = old?.find((c) => c.type === 'Ready');
  const at = rfc3339(now);
  return {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'kubelet is posting ready status',
    lastHeartbeatTime: at,
    lastTransitionTime: prev?.status === 'True' && prev.lastTransitionTime ? prev.lastTransitionTime : at,
  };
}

export class NodeStatusManager {
  private statusBase: NodeStatus | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly client: Client,
    private readonly config: NodeConfig,
    private readonly logger: Logger,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  private async base(): Promise<NodeStatus> {
    this.statusBase ??= staticNodeStatus({ ...this.config, osImage: this.config.osImage ?? (await osImage()) });
    return this.statusBase;
  }

  private withStatus(node: Node, base: NodeStatus): Node {
    const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    return { ...node, status: { ...node.status, ...base, conditions: [...others, readyCondition(node.status?.conditions, this.clock.now())] } };
  }

  /** Creates the Node, or adopts an existing one of the same name (a kubelet restart). */
  async register(): Promise<void> {
    const { nodeName } = this.config;
    const base = await this.base();
    const labels = { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': base.nodeInfo!.architecture };
    try {
      await this.client.nodes.create(undefined, this.withStatus({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels }, spec: {} }, base));
      this.logger.info({ node: nodeName }, 'node registered');
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
      const existing = await this.client.nodes.get(undefined, nodeName);
      const missing = Object.entries(labels).some(([k, v]) => existing.metadata?.labels?.[k] !== v);
      if (missing) await this.client.nodes.update(undefined, { ...existing, metadata: { ...existing.metadata, labels: { ...existing.metadata?.labels, ...labels } } });
      this.logger.info({ node: nodeName }, 'node already registered');
    }
    await this.heartbeat();
  }

  /** Posts the status with a fresh Ready heartbeat; retries conflicts with the latest Node. */
  async heartbeat(): Promise<void> {
    const base = await this.base();
    for (let attempt = 0; attempt < 5; attempt++) {
      const node = await this.client.nodes.get(undefined, this.config.nodeName);
      try {
        await this.client.nodes.updateStatus(undefined, this.withStatus(node, base));
        return;
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 409)) throw err;
      }
    }
  }

  /** Heartbeats every `periodMs` until the signal aborts; failures are logged and retried next period. */
  async run(periodMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.clock.sleep(periodMs, signal);
      } catch {
        return;
      }
      try {
        await this.heartbeat();
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) {
          await this.register().catch((e: unknown) => this.logger.warn({ err: e }, 'node re-registration failed'));
        } else this.logger.warn({ err }, 'node status update failed');
      }
    }
  }
}
