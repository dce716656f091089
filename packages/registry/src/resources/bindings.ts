/**
 * Bindings (upstream pkg/registry/core/pod/storage/storage.go BindingREST): create-only; sets a
 * pod's node once, as the scheduler's answer.
 */
import {
  badRequest,
  conflict,
  invalid,
  OBJECT_MODIFIED,
  validateBinding,
  type Binding,
  type PodCondition,
  type Status,
} from '@tskube/api-types';
import { rfc3339 } from '../store/names.js';
import type { Store } from '../store/types.js';
import type { StoredPod } from './types.js';

export interface BindingCreateOptions {
  /** The pod name from the URL (`pods/{name}/binding`); must match the Binding's name. */
  name?: string;
  dryRun?: boolean;
}

export interface BindingRegistry {
  create(namespace: string, binding: Binding, options?: BindingCreateOptions): Promise<Status>;
}

const bindingGR = { group: '', resource: 'pods/binding' };

export function createBindingRegistry(pods: Store<StoredPod>, now: () => number = Date.now): BindingRegistry {
  return {
    async create(namespace, binding, options = {}) {
      const name = binding.metadata?.name ?? '';
      if (options.name !== undefined && options.name !== name) {
        throw badRequest('name in URL does not match name in Binding object');
      }
      if (binding.metadata?.namespace && binding.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const errs = validateBinding(binding);
      if (errs.length > 0) throw invalid('Binding', name, errs);
      const node = binding.target.name;
      const annotations = binding.metadata?.annotations ?? {};
      const pre = { uid: binding.metadata?.uid, resourceVersion: binding.metadata?.resourceVersion };

      // Bypasses the pod strategy (spec.nodeName is otherwise immutable); retried on CAS conflicts only.
      await pods.guaranteedUpdate(
        namespace,
        name,
        (pod) => {
          if (pre.uid && pre.uid !== pod.metadata.uid) {
            throw conflict(bindingGR, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
          }
          if (pre.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
            throw conflict(bindingGR, name, OBJECT_MODIFIED);
          }
          if (pod.metadata.deletionTimestamp) {
            throw conflict(bindingGR, name, `pod ${name} is being deleted, cannot be assigned to a host`);
          }
          const spec = pod.spec ?? { containers: [] };
          if (spec.nodeName) {
            throw conflict(bindingGR, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
          }
          spec.nodeName = node;
          pod.spec = spec;
          if (Object.keys(annotations).length > 0) {
            pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
          }
          const status = (pod.status ??= {});
          const time = rfc3339(now());
          const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: time };
          status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), scheduled];
          return pod;
        },
        { raw: true, dryRun: options.dryRun },
      );
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
    },
  };
}
