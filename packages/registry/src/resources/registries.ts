/** Every registry of the core API over one storage, wired as the apiserver uses them. */
import { silentLogger, type Clock, type Logger } from '@tskube/component-base';
import { createServiceIpAllocator, type ServiceIpAllocator } from '../allocator/index.js';
import type { StoredObject } from '../cache/types.js';
import type { Storage } from '../storage/types.js';
import { createStore } from '../store/store.js';
import type { Store, StoreHooks, Strategy } from '../store/types.js';
import { createBindingRegistry, type BindingRegistry } from './bindings.js';
import { endpointsStrategy } from './endpoints.js';
import { createEventStrategy, DEFAULT_EVENT_TTL_SECONDS } from './events.js';
import {
  createNamespaceRegistry,
  ensureDefaultNamespace,
  namespaceLifecycle,
  namespaceStrategy,
  type NamespaceRegistry,
} from './namespaces.js';
import { leaseStrategy } from './leases.js';
import { nodeStrategy } from './nodes.js';
import { podStrategy } from './pods.js';
import { replicationControllerStrategy } from './replication-controllers.js';
import { serviceIpHooks, serviceStrategy } from './services.js';
import type {
  StoredEndpoints,
  StoredEvent,
  StoredLease,
  StoredNode,
  StoredPod,
  StoredReplicationController,
  StoredService,
} from './types.js';

export interface RegistriesConfig {
  storage: Storage;
  /** The portal-IP range. Default `10.0.0.0/16`. */
  serviceClusterIPRange?: string;
  logger?: Logger;
  /** Keep a watch cache per resource. Default true. */
  cache?: boolean;
  clock?: Pick<Clock, 'now'>;
  /** Seconds an event lives after its last write (the apiserver's --event-ttl). Default 3600; 0 = forever. */
  eventTTLSeconds?: number;
}

export interface Registries {
  namespaces: NamespaceRegistry;
  nodes: Store<StoredNode>;
  pods: Store<StoredPod>;
  services: Store<StoredService>;
  endpoints: Store<StoredEndpoints>;
  replicationControllers: Store<StoredReplicationController>;
  events: Store<StoredEvent>;
  /** coordination.k8s.io/v1 leases. */
  leases: Store<StoredLease>;
  bindings: BindingRegistry;
  allocator: ServiceIpAllocator;
  /** Ensures the system namespaces and waits for every watch cache to be filled. */
  ready(): Promise<void>;
  stop(): void;
}

export function createRegistries(config: RegistriesConfig): Registries {
  const { storage } = config;
  const logger = (config.logger ?? silentLogger()).child({ component: 'registry' });
  const clock = config.clock ?? { now: () => Date.now() };
  const allocator = createServiceIpAllocator({ storage, cidr: config.serviceClusterIPRange ?? '10.0.0.0/16' });
  const stores: Store<StoredObject>[] = [];
  const make = <T extends StoredObject>(strategy: Strategy<T>, hooks: StoreHooks<NoInfer<T>> = {}): Store<T> => {
    const store = createStore<T>({ storage, strategy, hooks, logger, clock, cache: config.cache });
    stores.push(store as unknown as Store<StoredObject>);
    return store;
  };

  const namespaceStore = make(namespaceStrategy);
  const lifecycle = (resource: string, group?: string) => ({ admitCreate: namespaceLifecycle(namespaceStore, resource, group) });
  const pods = make(podStrategy, lifecycle('pods'));

  return {
    namespaces: createNamespaceRegistry(namespaceStore, () => clock.now()),
    nodes: make(nodeStrategy),
    pods,
    services: make(serviceStrategy, { ...lifecycle('services'), ...serviceIpHooks(allocator) }),
    endpoints: make(endpointsStrategy, lifecycle('endpoints')),
    replicationControllers: make(replicationControllerStrategy, lifecycle('replicationcontrollers')),
    events: make(createEventStrategy(config.eventTTLSeconds ?? DEFAULT_EVENT_TTL_SECONDS), lifecycle('events')),
    leases: make(leaseStrategy, lifecycle('leases', leaseStrategy.group)),
    bindings: createBindingRegistry(pods, () => clock.now()),
    allocator,
    async ready() {
      await ensureDefaultNamespace(namespaceStore);
      await Promise.all(stores.map((s) => s.ready()));
    },
    stop() {
      for (const s of stores) s.stop();
    },
  };
}
