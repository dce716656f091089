/** Defaults for the other core/v1 kinds, as pkg/apis/core/v1/defaults.go applies them. */
import type { Endpoints, Event, Namespace, Node, ReplicationController, Service } from '../types/index.js';
import { FINALIZER_KUBERNETES } from '../types/enums.js';
import { defaultPodTemplateSpec } from './pod.js';

/** Three hours, the default ClientIP session-affinity timeout. */
export const DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800;

export function defaultNode(node: Node): Node {
  // A kubelet that reports capacity only has everything allocatable.
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
  return node;
}

export function defaultService(svc: Service): Service {
  const spec = (svc.spec ??= {});
  spec.sessionAffinity ||= 'None';
  spec.type ||= 'ClusterIP';
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = ((spec.sessionAffinityConfig ??= {}).clientIP ??= {});
    clientIP.timeoutSeconds ??= DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    // targetPort 0 or "" means "same as port".
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ||= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  return svc;
}

export function defaultEndpoints(ep: Endpoints): Endpoints {
  for (const subset of ep.subsets ?? []) for (const p of subset.ports ?? []) p.protocol ||= 'TCP';
  return ep;
}

export function defaultReplicationController(rc: ReplicationController): ReplicationController {
  const spec = (rc.spec ??= {});
  const labels = spec.template?.metadata?.labels;
  if (labels) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = (rc.metadata ??= {});
    if (!meta.labels || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
  }
  spec.replicas ??= 1;
  if (spec.template) defaultPodTemplateSpec(spec.template);
  return rc;
}

/** Phase Active and the immutable `kubernetes.io/metadata.name` label (SetDefaults_Namespace). */
export function defaultNamespace(ns: Namespace): Namespace {
  const status = (ns.status ??= {});
  status.phase ||= 'Active';
  const meta = (ns.metadata ??= {});
  if (meta.name) (meta.labels ??= {})['kubernetes.io/metadata.name'] = meta.name;
  return ns;
}

/**
 * What the namespace strategy sets on create only: status Active and the `kubernetes`
 * finalizer that the namespace controller removes once the content is deleted. Kept out of
 * defaultNamespace so finalizing (which empties spec.finalizers) is not undone by defaulting.
 */
export function defaultNamespaceOnCreate(ns: Namespace): Namespace {
  defaultNamespace(ns);
  ns.status = { phase: 'Active' };
  const spec = (ns.spec ??= {});
  const finalizers = (spec.finalizers ??= []);
  if (!finalizers.includes(FINALIZER_KUBERNETES)) finalizers.push(FINALIZER_KUBERNETES);
  return ns;
}

/** Kubernetes defines no defaults for core/v1 Events; kept so every kind has a defaulter. */
export function defaultEvent(ev: Event): Event {
  return ev;
}
