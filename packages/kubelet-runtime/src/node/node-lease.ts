/**
 * The node's heartbeat Lease (upstream component-helpers/apimachinery/lease/controller.go as the
 * kubelet runs it): `kube-node-lease/<node>`, held by the node, renewed every 10 s with a 40 s
 * duration. The node lifecycle controller and `kubectl describe node` read it.
 *
 * It is created if missing (owned by its Node, so deleting the Node deletes the Lease) and renewed
 * by an update carrying the last resourceVersion seen; on a conflict the Lease is read again and
 * the update retried, as upstream.
 */
import { isAlreadyExists, isConflict, isNotFound, microTime, type Lease, type OwnerReference } from '@tskube/api-types';
import type { Client } from '@tskube/client';
import { systemClock, type Clock, type Logger } from '@tskube/component-base';

/** Where node leases live. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Upstream KubeletConfiguration nodeLeaseDurationSeconds. */
export const DEFAULT_NODE_LEASE_DURATION_SECONDS = 40;
/** Upstream renews at a quarter of the duration. */
export const NODE_LEASE_RENEW_FRACTION = 0.25;
/** Attempts of one renewal (upstream maxUpdateRetries). */
const MAX_UPDATE_RETRIES = 5;

export interface NodeLeaseConfig {
  nodeName: string;
  /** Default 40. */
  leaseDurationSeconds?: number;
  /** Default a quarter of the duration (10 s). */
  renewIntervalMs?: number;
}

export class NodeLeaseController {
  private readonly clock: Clock;
  private readonly durationSeconds: number;
  readonly renewIntervalMs: number;
  /** The Lease as last written by us: the next renewal updates it without reading first. */
  private latest: Lease | undefined;

  constructor(
    private readonly client: Pick<Client, 'leases' | 'nodes'>,
    private readonly config: NodeLeaseConfig,
    private readonly logger: Logger,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
    this.durationSeconds = config.leaseDurationSeconds ?? DEFAULT_NODE_LEASE_DURATION_SECONDS;
    this.renewIntervalMs = config.renewIntervalMs ?? this.durationSeconds * 1000 * NODE_LEASE_RENEW_FRACTION;
  }

  /** Renews now, then every renew interval until the signal aborts; failures are logged and retried next interval. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.sync();
      } catch (err) {
        this.logger.warn({ err, node: this.config.nodeName }, 'node lease renewal failed');
      }
      try {
        await this.clock.sleep(this.renewIntervalMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One renewal: the fast path updates the Lease last written; otherwise it is read (or created) first. */
  async sync(): Promise<void> {
    if (this.latest) {
      try {
        this.latest = await this.client.leases.update(NODE_LEASE_NAMESPACE, await this.renewed(this.latest));
        return;
      } catch (err) {
        this.latest = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    const { lease, created } = await this.ensure();
    if (created) return;
    await this.retryUpdate(lease);
  }

  /** The Lease as stored, or a new one created with a fresh renewTime. */
  private async ensure(): Promise<{ lease: Lease; created: boolean }> {
    const { nodeName } = this.config;
    try {
      return { lease: await this.client.leases.get(NODE_LEASE_NAMESPACE, nodeName), created: false };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const fresh: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE } };
    try {
      this.latest = await this.client.leases.create(NODE_LEASE_NAMESPACE, await this.renewed(fresh));
      this.logger.info({ node: nodeName }, 'node lease created');
      return { lease: this.latest, created: true };
    } catch (err) {
      // Created meanwhile (a restart racing itself): renew that one.
      if (!isAlreadyExists(err)) throw err;
      return { lease: await this.client.leases.get(NODE_LEASE_NAMESPACE, nodeName), created: false };
    }
  }

  private async retryUpdate(base: Lease): Promise<void> {
    let current = base;
    for (let attempt = 1; ; attempt++) {
      try {
        this.latest = await this.client.leases.update(NODE_LEASE_NAMESPACE, await this.renewed(current));
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= MAX_UPDATE_RETRIES) throw err;
        // Someone else wrote it: renew what is there now.
        const ensured = await this.ensure();
        if (ensured.created) return;
        current = ensured.lease;
      }
    }
  }

  /** `base` held by this node for the configured duration, renewed now, owned by its Node. */
  private async renewed(base: Lease): Promise<Lease> {
    const { nodeName } = this.config;
    const lease: Lease = structuredClone(base);
    lease.spec = { ...lease.spec, holderIdentity: nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: microTime(this.clock.now()) };
    if (!lease.metadata?.ownerReferences?.length) {
      const owner = await this.nodeOwner();
      if (owner) lease.metadata = { ...lease.metadata, ownerReferences: [owner] };
    }
    return lease;
  }

  /** The ownerReference to this node's Node; undefined (and retried next renewal) when it cannot be read. */
  private async nodeOwner(): Promise<OwnerReference | undefined> {
    try {
      const node = await this.client.nodes.get(undefined, this.config.nodeName);
      const uid = node.metadata?.uid;
      return uid ? { apiVersion: 'v1', kind: 'Node', name: this.config.nodeName, uid } : undefined;
    } catch (err) {
      this.logger.info({ err, node: this.config.nodeName }, 'node not readable yet: the lease goes without an owner for now');
      return undefined;
    }
  }
}
