import type {
  Endpoints,
  Event,
  Lease,
  Namespace,
  Node,
  ObjectMeta,
  Pod,
  ReplicationController,
  Service,
} from '@tskube/api-types';

/** An API object as the store hands it out: metadata is always there. */
export type Stored<T extends { metadata?: ObjectMeta }> = T & { metadata: ObjectMeta };

export type StoredPod = Stored<Pod>;
export type StoredNode = Stored<Node>;
export type StoredService = Stored<Service>;
export type StoredEndpoints = Stored<Endpoints>;
export type StoredReplicationController = Stored<ReplicationController>;
export type StoredNamespace = Stored<Namespace>;
export type StoredEvent = Stored<Event>;
export type StoredLease = Stored<Lease>;
