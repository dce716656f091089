/**
 * Sends pod statuses to the apiserver only when they changed (deep compare against what was
 * last sent, or what the apiserver already has), merged onto the latest pod and retried on
 * conflicts, as upstream's status manager.
 */
import { isDeepStrictEqual } from 'node:util';
import { StatusError, type Pod, type PodStatus } from '@tskube/api-types';
import type { Logger } from '@tskube/component-base';

export interface StatusClient {
  get(namespace: string, name: string): Promise<Pod>;
  updateStatus(namespace: string, pod: Pod): Promise<Pod>;
}

const MAX_CONFLICT_RETRIES = 5;

/** Equal for reporting purposes: order-insensitive for conditions. */
export function statusEqual(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  if (!a || !b) return a === b;
  const norm = (s: PodStatus) => ({ ...s, conditions: [...(s.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)) });
  return isDeepStrictEqual(JSON.parse(JSON.stringify(norm(a))), JSON.parse(JSON.stringify(norm(b))));
}

export class StatusManager {
  private readonly sent = new Map<string, PodStatus>();

  constructor(
    private readonly client: StatusClient,
    private readonly logger: Logger,
  ) {}

  /** The status last sent for this pod uid. */
  lastSent(uid: string): PodStatus | undefined {
    return this.sent.get(uid);
  }

  /** Reports `status` for `pod` if it differs; resolves true when something was sent. */
  async setPodStatus(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    if (statusEqual(this.sent.get(uid), status)) return false;
    if (!this.sent.has(uid) && statusEqual(pod.status, status)) {
      this.sent.set(uid, status);
      return false;
    }
    let latest = pod;
    for (let attempt = 0; ; attempt++) {
      try {
        const updated = await this.client.updateStatus(ns, { ...latest, status });
        this.sent.set(uid, status);
        this.logger.debug({ pod: `${ns}/${name}`, phase: status.phase, resourceVersion: updated.metadata?.resourceVersion }, 'pod status sent');
        return true;
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return false;
        if (!(err instanceof StatusError && err.code === 409) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        latest = await this.client.get(ns, name);
        if (latest.metadata?.uid !== uid) return false; // a new pod with the same name
      }
    }
  }

  remove(uid: string): void {
    this.sent.delete(uid);
  }
}
