export { createRegistries, type Registries, type RegistriesConfig } from './registries.js';
export { podGracePeriod, podStrategy } from './pods.js';
export { nodeStrategy } from './nodes.js';
export { needsClusterIP, serviceIpHooks, serviceStrategy } from './services.js';
export { endpointsStrategy } from './endpoints.js';
export { createEventStrategy, DEFAULT_EVENT_TTL_SECONDS, eventStrategy } from './events.js';
export { replicationControllerStrategy } from './replication-controllers.js';
export { leaseStrategy } from './leases.js';
export {
  createNamespaceRegistry,
  ensureDefaultNamespace,
  namespaceLifecycle,
  namespaceStrategy,
  SYSTEM_NAMESPACES,
  type NamespaceRegistry,
} from './namespaces.js';
export { NAMESPACE_FINALIZER, startNamespaceFinalizer, type NamespaceFinalizerOptions } from './namespace-finalizer.js';
export { repairServiceIps, startServiceIpRepair, type ServiceIpRepairOptions } from './service-ip-repair.js';
export { createBindingRegistry, type BindingCreateOptions, type BindingRegistry } from './bindings.js';
export type {
  Stored,
  StoredEndpoints,
  StoredEvent,
  StoredLease,
  StoredNamespace,
  StoredNode,
  StoredPod,
  StoredReplicationController,
  StoredService,
} from './types.js';
