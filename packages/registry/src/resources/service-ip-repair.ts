/**
 * Frees portal IPs that no service holds any more (upstream's service IP repair loop, which runs
 * in kube-apiserver): an allocation can leak when an apiserver dies between allocating an IP and
 * storing its service, or when a create's outcome was unknown and the IP was kept to be safe.
 * Allocations younger than `minAgeMs` are left alone, so a create in flight keeps its IP.
 */
import { isNotFound } from '@tskube/api-types';
import { silentLogger, type Logger } from '@tskube/component-base';
import type { Registries } from './registries.js';

export interface ServiceIpRepairOptions {
  logger?: Logger;
  /** Default 3 minutes, as upstream. */
  intervalMs?: number;
  /** Default 1 minute. */
  minAgeMs?: number;
}

/** One pass: returns the addresses released. */
export async function repairServiceIps(registries: Registries, minAgeMs = 60_000): Promise<string[]> {
  return registries.allocator.repair(async (owner, ip) => {
    const slash = owner.indexOf('/');
    try {
      const svc = await registries.services.get(owner.slice(0, slash), owner.slice(slash + 1));
      const held = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
      return held.includes(ip);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }, { minAgeMs });
}

/** Runs a pass now and then every `intervalMs`; `stop()` waits for a pass in progress. */
export function startServiceIpRepair(registries: Registries, options: ServiceIpRepairOptions = {}): { stop(): Promise<void> } {
  const log = (options.logger ?? silentLogger()).child({ controller: 'service-ip-repair' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = async (): Promise<void> => {
    try {
      const released = await repairServiceIps(registries, options.minAgeMs);
      if (released.length > 0) log.warn({ released }, 'released portal IPs no service holds');
    } catch (err) {
      log.warn({ err }, 'portal IP repair failed; retrying later');
    }
    if (!stopped) timer = setTimeout(() => (running = pass()), options.intervalMs ?? 180_000).unref();
  };
  running = pass();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
