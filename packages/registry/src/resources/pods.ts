/** Pods (upstream pkg/registry/core/pod/strategy.go). */
import {
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  defaultPod,
  defaultPodStatusOnCreate,
  objectFields,
  validatePod,
  validatePodStatusUpdate,
  validatePodUpdate,
} from '@tskube/api-types';
import type { StoreDeleteOptions, Strategy } from '../store/types.js';
import type { StoredPod } from './types.js';

/**
 * A pod that may be running on a node is deleted gracefully so its kubelet can stop it; an
 * unscheduled or finished pod has nothing to stop and goes at once.
 */
export function podGracePeriod(pod: StoredPod, options: StoreDeleteOptions): number {
  let grace = options.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!pod.spec?.nodeName) grace = 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') grace = 0;
  return Math.max(0, grace);
}

export const podStrategy: Strategy<StoredPod> = {
  kind: 'Pod',
  resource: 'pods',
  namespaced: true,
  hasSpec: true,
  allowCreateOnUpdate: false,
  default: (pod) => defaultPod(pod) as StoredPod,
  // A new pod starts Pending with its QoS class, whatever status the client sent.
  prepareForCreate: (pod) => {
    defaultPodStatusOnCreate(pod);
  },
  prepareForUpdate: (pod, old) => {
    pod.status = old.status;
  },
  validate: (pod) => validatePod(pod),
  validateUpdate: (pod, old) => validatePodUpdate(pod, old),
  checkGracefulDelete: podGracePeriod,
  status: {
    // pods/status writes status only; owner references stay too, as upstream (old kubelets corrupted them).
    prepareForUpdate: (pod, old) => {
      pod.spec = old.spec;
      pod.metadata.ownerReferences = old.metadata.ownerReferences;
    },
    validateUpdate: (pod, old) => validatePodStatusUpdate(pod, old),
  },
  fields: (pod) => objectFields('Pod', pod),
};
