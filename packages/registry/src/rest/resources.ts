/**
 * The resource table: every resource and subresource served under /api/v1, in one place.
 * Routing, discovery (/api/v1) and metrics all read it.
 */
import type { StoredObject } from '../cache/types.js';
import type { Registries } from '../resources/registries.js';
import type { Store } from '../store/types.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** How a subresource is served. */
export type SubresourceHandler =
  | 'status'
  | 'scale'
  | 'binding'
  | 'finalize'
  | 'log'
  | 'exec'
  | 'attach'
  | 'portforward';

export interface SubresourceDef {
  name: string;
  kind: string;
  verbs: Verb[];
  handler: SubresourceHandler;
  /** Set when the subresource speaks another group's kind (replicationcontrollers/scale → autoscaling/v1). */
  group?: string;
  version?: string;
}

export interface ResourceDef {
  name: string;
  /** The API group and version of a resource served under /apis (absent: the core /api/v1). */
  group?: string;
  version?: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources: SubresourceDef[];
  /** The store behind it; undefined for create-only virtual resources (bindings). */
  store?: (r: Registries) => Store<StoredObject>;
  /** DELETE answers with the deleted object (upstream ReturnDeletedObject) rather than a Status. */
  returnDeletedObject?: boolean;
}

const ALL: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS: Verb[] = ['get', 'patch', 'update'];
const asObjects = <T extends StoredObject>(s: Store<T>) => s as unknown as Store<StoredObject>;

const status = (kind: string): SubresourceDef => ({ name: 'status', kind, verbs: STATUS_VERBS, handler: 'status' });

export const RESOURCES: readonly ResourceDef[] = [
  {
    name: 'bindings',
    singularName: 'binding',
    kind: 'Binding',
    namespaced: true,
    verbs: ['create'],
    subresources: [],
  },
  {
    name: 'endpoints',
    singularName: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    verbs: ALL,
    shortNames: ['ep'],
    subresources: [],
    store: (r) => asObjects(r.endpoints),
  },
  {
    name: 'events',
    singularName: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: ALL,
    shortNames: ['ev'],
    subresources: [],
    store: (r) => asObjects(r.events),
  },
  {
    name: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'], handler: 'finalize' },
      status('Namespace'),
    ],
    store: (r) => asObjects(r.namespaces),
    returnDeletedObject: true,
  },
  {
    name: 'nodes',
    singularName: 'node',
    kind: 'Node',
    namespaced: false,
    verbs: ALL,
    shortNames: ['no'],
    subresources: [status('Node')],
    store: (r) => asObjects(r.nodes),
  },
  {
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: ALL,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'], handler: 'attach' },
      { name: 'binding', kind: 'Binding', verbs: ['create'], handler: 'binding' },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'], handler: 'exec' },
      { name: 'log', kind: 'Pod', verbs: ['get'], handler: 'log' },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'], handler: 'portforward' },
      status('Pod'),
    ],
    store: (r) => asObjects(r.pods),
    returnDeletedObject: true,
  },
  {
    name: 'replicationcontrollers',
    singularName: 'replicationcontroller',
    kind: 'ReplicationController',
    namespaced: true,
    verbs: ALL,
    shortNames: ['rc'],
    categories: ['all'],
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS, handler: 'scale' },
      status('ReplicationController'),
    ],
    store: (r) => asObjects(r.replicationControllers),
  },
  {
    name: 'services',
    singularName: 'service',
    kind: 'Service',
    namespaced: true,
    verbs: ALL,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [status('Service')],
    store: (r) => asObjects(r.services),
    returnDeletedObject: true,
  },
];

/** Storage-backed resources of named groups, served under /apis/<group>/<version>. */
export const GROUP_RESOURCES: readonly ResourceDef[] = [
  {
    name: 'leases',
    singularName: 'lease',
    kind: 'Lease',
    group: 'coordination.k8s.io',
    version: 'v1',
    namespaced: true,
    verbs: ALL,
    subresources: [],
    store: (r) => asObjects(r.leases),
  },
];

const gvKey = (group: string, version: string, name: string) => `${group}/${version}/${name}`;
const byName = new Map([...RESOURCES, ...GROUP_RESOURCES].map((r) => [gvKey(r.group ?? '', r.version ?? 'v1', r.name), r]));

/** The resource `name` of a group-version (default the core `v1`). */
export function findResource(name: string, group = '', version = 'v1'): ResourceDef | undefined {
  return byName.get(gvKey(group, version, name));
}

/** The group-versions of GROUP_RESOURCES, in table order: `{group, version}`. */
export function servedGroupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of GROUP_RESOURCES) seen.set(`${r.group!}/${r.version!}`, { group: r.group!, version: r.version! });
  return [...seen.values()];
}

export function findSubresource(resource: ResourceDef, name: string): SubresourceDef | undefined {
  return resource.subresources.find((s) => s.name === name);
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
}

/**
 * GET /api/v1 (or /apis/<group>/<version> for a named group): resources and subresources, sorted by
 * name as upstream (so `bindings` precedes `pods/binding`).
 */
export function apiResourceList(group = '', version = 'v1'): { kind: 'APIResourceList'; apiVersion?: 'v1'; groupVersion: string; resources: APIResource[] } {
  const out: APIResource[] = [];
  const table = group === '' ? RESOURCES : GROUP_RESOURCES.filter((r) => r.group === group && r.version === version);
  for (const r of table) {
    out.push({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories ? { categories: [...r.categories] } : {}),
    });
    for (const s of r.subresources) {
      out.push({
        name: `${r.name}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: [...s.verbs],
      });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (group === '') return { kind: 'APIResourceList', groupVersion: version, resources: out };
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: out };
}
