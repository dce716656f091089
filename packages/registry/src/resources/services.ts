/**
 * Services (upstream pkg/registry/core/service/{strategy.go,storage/alloc.go}): the strategy, and
 * the hooks that give each service a portal IP from the allocator and free it again.
 */
import {
  defaultService,
  internalError,
  invalid,
  objectFields,
  validateService,
  validateServiceUpdate,
  type FieldError,
} from '@tskube/api-types';
import { AllocatorError, type ServiceIpAllocator } from '../allocator/index.js';
import type { StoreHooks, Strategy } from '../store/types.js';
import type { StoredService } from './types.js';

/** A service gets a portal IP unless it is headless (`clusterIP: None`) or an ExternalName alias. */
export const needsClusterIP = (svc: StoredService): boolean =>
  svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';

function clusterIPImmutable(svc: StoredService, old: StoredService): FieldError[] {
  if (!needsClusterIP(old) || !needsClusterIP(svc)) return [];
  const ip = svc.spec?.clusterIP ?? '';
  if (ip === (old.spec?.clusterIP ?? '')) return [];
  return [{ type: 'FieldValueInvalid', field: 'spec.clusterIP', message: `Invalid value: "${ip}": field is immutable` }];
}

export const serviceStrategy: Strategy<StoredService> = {
  kind: 'Service',
  resource: 'services',
  namespaced: true,
  hasSpec: true,
  allowCreateOnUpdate: false,
  default: (svc) => defaultService(svc) as StoredService,
  prepareForCreate: (svc) => {
    svc.status = { loadBalancer: {} };
  },
  prepareForUpdate: (svc, old) => {
    svc.status = old.status;
    // A PUT that leaves out the allocated IP (a replaced manifest) keeps it, as upstream's patchAllocatedValues.
    if (svc.spec && needsClusterIP(old) && needsClusterIP(svc)) {
      if (!svc.spec.clusterIP && old.spec?.clusterIP) svc.spec.clusterIP = old.spec.clusterIP;
      if (!svc.spec.clusterIPs?.length && old.spec?.clusterIPs) svc.spec.clusterIPs = old.spec.clusterIPs;
    }
  },
  validate: (svc) => validateService(svc),
  validateUpdate: (svc, old) => {
    const errs = validateServiceUpdate(svc, old);
    return errs.some((e) => e.field === 'spec.clusterIP') ? errs : [...errs, ...clusterIPImmutable(svc, old)];
  },
  status: {
    prepareForUpdate: (svc, old) => {
      svc.spec = old.spec;
    },
    validateUpdate: (svc, old) => validateServiceUpdate(svc, old),
  },
  fields: (svc) => objectFields('Service', svc),
};

function allocationError(err: unknown, svc: StoredService, ip: string, allocator: ServiceIpAllocator): Error {
  if (!(err instanceof AllocatorError)) return err as Error;
  const name = svc.metadata.name ?? '';
  const field = (message: string) =>
    invalid('Service', name, [{ type: 'FieldValueInvalid', field: 'spec.clusterIP', message: `Invalid value: "${ip}": ${message}` }]);
  switch (err.code) {
    case 'NotInRange':
      return field(`provided IP is not in the valid range. The range of valid IPs is ${allocator.cidr}`);
    case 'Allocated':
      return field('provided IP is already allocated');
    case 'Invalid':
      return field('must be a valid IP address');
    case 'Full':
      return internalError(`failed to allocate a serviceIP: range is full (${allocator.cidr})`, err);
  }
}

/** The portal-IP side effects of the services store. */
export function serviceIpHooks(allocator: ServiceIpAllocator): Pick<StoreHooks<StoredService>, 'beginCreate' | 'afterDelete'> {
  return {
    async beginCreate(svc, { dryRun }) {
      const spec = (svc.spec ??= {});
      if (!needsClusterIP(svc)) {
        if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
        return async () => {};
      }
      const requested = spec.clusterIP || spec.clusterIPs?.[0] || '';
      const owner = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
      // A dry run reserves nothing; the requested address is only checked against the range.
      if (dryRun) {
        if (requested && !allocator.contains(requested)) {
          throw allocationError(new AllocatorError('NotInRange', requested), svc, requested, allocator);
        }
        return async () => {};
      }
      let ip = requested;
      try {
        if (requested) await allocator.allocateSpecific(requested, owner);
        else ip = await allocator.allocate(owner);
      } catch (err) {
        throw allocationError(err, svc, requested, allocator);
      }
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return async (stored) => {
        if (!stored) await allocator.release(ip);
      };
    },
    async afterDelete(svc) {
      const ips = new Set([svc.spec?.clusterIP, ...(svc.spec?.clusterIPs ?? [])]);
      for (const ip of ips) if (ip && ip !== 'None' && allocator.contains(ip)) await allocator.release(ip);
    },
  };
}
