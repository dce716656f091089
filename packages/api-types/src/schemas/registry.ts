/** The top-level kinds we serve, with their group/version. */
import { ScaleSchema, ReplicationControllerListSchema, ReplicationControllerSchema } from './controller.js';
import { LeaseListSchema, LeaseSchema } from './coordination.js';
import { BindingSchema, EventListSchema, EventSchema } from './event.js';
import { DeleteOptionsSchema, StatusSchema, TableSchema } from './meta.js';
import { NamespaceListSchema, NamespaceSchema } from './namespace.js';
import { NodeListSchema, NodeSchema } from './node.js';
import { PodListSchema, PodSchema } from './pod.js';
import { EndpointsListSchema, EndpointsSchema, ServiceListSchema, ServiceSchema } from './service.js';

/** Kind → TypeBox schema. */
export const schemas = {
  Pod: PodSchema,
  PodList: PodListSchema,
  Node: NodeSchema,
  NodeList: NodeListSchema,
  Service: ServiceSchema,
  ServiceList: ServiceListSchema,
  Endpoints: EndpointsSchema,
  EndpointsList: EndpointsListSchema,
  ReplicationController: ReplicationControllerSchema,
  ReplicationControllerList: ReplicationControllerListSchema,
  Namespace: NamespaceSchema,
  NamespaceList: NamespaceListSchema,
  Event: EventSchema,
  EventList: EventListSchema,
  Binding: BindingSchema,
  Lease: LeaseSchema,
  LeaseList: LeaseListSchema,
  DeleteOptions: DeleteOptionsSchema,
  Status: StatusSchema,
  Table: TableSchema,
  Scale: ScaleSchema,
} as const;

export type SchemaKind = keyof typeof schemas;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The group/version each kind is served under (core is group ''). */
export function groupVersionKinds(kind: SchemaKind): GroupVersionKind[] {
  switch (kind) {
    case 'Table':
      return [{ group: 'meta.k8s.io', version: 'v1', kind }];
    case 'Scale':
      return [{ group: 'autoscaling', version: 'v1', kind }];
    case 'Lease':
    case 'LeaseList':
      return [{ group: 'coordination.k8s.io', version: 'v1', kind }];
    case 'DeleteOptions':
      return [
        { group: '', version: 'v1', kind },
        { group: 'meta.k8s.io', version: 'v1', kind },
      ];
    default:
      return [{ group: '', version: 'v1', kind }];
  }
}

/** The apiVersion a kind is written with on the wire (`v1`, `coordination.k8s.io/v1`); `v1` for unknown kinds. */
export function apiVersionOfKind(kind: string): string {
  if (!isSchemaKind(kind)) return 'v1';
  const gvk = groupVersionKinds(kind)[0]!;
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

export const isSchemaKind = (kind: string): kind is SchemaKind => Object.hasOwn(schemas, kind);
