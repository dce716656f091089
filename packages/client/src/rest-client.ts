import type { IncomingMessage } from 'node:http';
import {
  StatusError,
  type Binding,
  type DeleteOptions,
  type Endpoints,
  type Event,
  type KubernetesObject,
  type Lease,
  type List,
  type Namespace,
  type Node,
  type Pod,
  type ReplicationController,
  type Scale,
  type Service,
  type Status,
} from '@tskube/api-types';
import type { Logger } from '@tskube/component-base';
import type { ClientConfig } from './config.js';
import { createInformer, type Informer } from './informer.js';
import { errorFromResponse, Transport, type Query, type RequestOptions } from './transport.js';
import { watchPath, type WatchEvent, type WatchOptions } from './watch.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

export type PatchType = 'merge' | 'strategic' | 'json';

export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resyncPeriodMs?: number;
  logger?: Logger;
}

/**
 * Verbs on one resource. `namespace` is ignored for cluster-scoped resources; for namespaced
 * ones it is required except on list/watch/informer, where undefined means all namespaces,
 * and on create/update, where the object's own namespace is used.
 */
export interface ResourceClient<T extends KubernetesObject> {
  readonly resource: string;
  readonly namespaced: boolean;
  get(namespace: string | undefined, name: string, opts?: { signal?: AbortSignal }): Promise<T>;
  list(namespace?: string, opts?: ListOptions): Promise<List<T>>;
  create(namespace: string | undefined, obj: T, opts?: { signal?: AbortSignal }): Promise<T>;
  update(namespace: string | undefined, obj: T, opts?: { signal?: AbortSignal }): Promise<T>;
  updateStatus(namespace: string | undefined, obj: T, opts?: { signal?: AbortSignal }): Promise<T>;
  patch(namespace: string | undefined, name: string, patch: unknown, type: PatchType, opts?: { subresource?: string; signal?: AbortSignal }): Promise<T>;
  /** Resolves with the deleted (or now terminating) object, or a Success Status. */
  delete(namespace: string | undefined, name: string, options?: DeleteOptions, opts?: { signal?: AbortSignal }): Promise<T | Status>;
  watch(namespace?: string, opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
  /** A list+watch informer over this resource. */
  informer(namespace?: string, opts?: InformerOptions): Informer<T>;
}

export interface PodLogOptions {
  container?: string;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
  signal?: AbortSignal;
}

export interface PodClient extends ResourceClient<Pod> {
  /** POST pods/{name}/binding: assigns the pod to a node (the scheduler's write). */
  bind(namespace: string, name: string, nodeName: string, opts?: { annotations?: Record<string, string>; uid?: string; signal?: AbortSignal }): Promise<Status>;
  /** The log as text. */
  logs(namespace: string, name: string, opts?: PodLogOptions): Promise<string>;
  /** `follow=true`: text chunks as the container writes them, until it exits or the signal aborts. */
  followLogs(namespace: string, name: string, opts?: PodLogOptions): AsyncIterable<string>;
}

export interface ReplicationControllerClient extends ResourceClient<ReplicationController> {
  getScale(namespace: string, name: string, opts?: { signal?: AbortSignal }): Promise<Scale>;
  updateScale(namespace: string, name: string, scale: Scale, opts?: { signal?: AbortSignal }): Promise<Scale>;
}

export interface Client {
  readonly config: ClientConfig;
  readonly pods: PodClient;
  readonly nodes: ResourceClient<Node>;
  readonly services: ResourceClient<Service>;
  readonly endpoints: ResourceClient<Endpoints>;
  readonly replicationControllers: ReplicationControllerClient;
  readonly events: ResourceClient<Event>;
  readonly namespaces: ResourceClient<Namespace>;
  /** coordination.k8s.io/v1 leases (node heartbeats, leader election). */
  readonly leases: ResourceClient<Lease>;
  /** Any request; JSON responses are parsed, others returned as text. Non-2xx throws a StatusError. */
  request<R = unknown>(method: string, path: string, opts?: RequestOptions): Promise<R>;
  /** A watch on any collection path. */
  watch<T = KubernetesObject>(path: string, opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
  /** Closes idle connections. */
  close(): void;
}

const API = '/api/v1';
/** Where coordination.k8s.io/v1 is served. */
export const COORDINATION_V1 = '/apis/coordination.k8s.io/v1';

export function createClient(config: ClientConfig & { maxGetRetries?: number }): Client {
  const transport = new Transport(config);
  const pods = resourceClient<Pod>(transport, 'pods', true);
  const rcs = resourceClient<ReplicationController>(transport, 'replicationcontrollers', true);
  const logQuery = (opts: PodLogOptions, follow: boolean): Query => ({
    container: opts.container,
    follow: follow ? 'true' : undefined,
    tailLines: opts.tailLines,
    timestamps: opts.timestamps ? 'true' : undefined,
    previous: opts.previous ? 'true' : undefined,
    sinceSeconds: opts.sinceSeconds,
    sinceTime: opts.sinceTime,
    limitBytes: opts.limitBytes,
  });
  const podClient: PodClient = {
    ...pods,
    async bind(namespace, name, nodeName, opts = {}) {
      const metadata: Binding['metadata'] = { name, namespace };
      if (opts.annotations) metadata.annotations = opts.annotations;
      if (opts.uid) metadata.uid = opts.uid;
      const binding: Binding = { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
      return transport.request<Status>('POST', `${itemPath('pods', true, namespace, name)}/binding`, withSignal({ body: binding }, opts.signal));
    },
    async logs(namespace, name, opts = {}) {
      const path = `${itemPath('pods', true, namespace, name)}/log`;
      const { text } = await transport.requestText('GET', path, withSignal({ query: logQuery(opts, false), accept: '*/*' }, opts.signal));
      return text;
    },
    async *followLogs(namespace, name, opts = {}) {
      const path = `${itemPath('pods', true, namespace, name)}/log`;
      const res: IncomingMessage = await transport.open('GET', path, withSignal({ query: logQuery(opts, true), accept: '*/*' }, opts.signal));
      try {
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) {
          let text = '';
          for await (const chunk of res) text += String(chunk);
          throw errorFromResponse(code, 'GET', text);
        }
        const decoder = new TextDecoder();
        for await (const chunk of res) {
          const text = decoder.decode(chunk as Buffer, { stream: true });
          if (text) yield text;
        }
        const rest = decoder.decode();
        if (rest) yield rest;
      } catch (err) {
        if (opts.signal?.aborted) return;
        throw err;
      } finally {
        res.destroy();
      }
    },
  };
  const rcClient: ReplicationControllerClient = {
    ...rcs,
    getScale: async (namespace, name, opts = {}) =>
      transport.request<Scale>('GET', `${itemPath(rcs.resource, true, namespace, name)}/scale`, withSignal({}, opts.signal)),
    updateScale: async (namespace, name, scale, opts = {}) =>
      transport.request<Scale>('PUT', `${itemPath(rcs.resource, true, namespace, name)}/scale`, withSignal({ body: scale }, opts.signal)),
  };
  return {
    config,
    pods: podClient,
    nodes: resourceClient<Node>(transport, 'nodes', false),
    services: resourceClient<Service>(transport, 'services', true),
    endpoints: resourceClient<Endpoints>(transport, 'endpoints', true),
    replicationControllers: rcClient,
    events: resourceClient<Event>(transport, 'events', true),
    namespaces: resourceClient<Namespace>(transport, 'namespaces', false),
    leases: resourceClient<Lease>(transport, 'leases', true, COORDINATION_V1),
    request: (method, path, opts) => transport.request(method, path, opts),
    watch: <T>(path: string, opts?: WatchOptions) => watchPath<T>(transport, path, opts),
    close: () => transport.close(),
  };
}

function withSignal(opts: RequestOptions, signal: AbortSignal | undefined): RequestOptions {
  return signal ? { ...opts, signal } : opts;
}

function requireNamespace(resource: string, namespace: string | undefined): string {
  if (!namespace) throw new StatusError('BadRequest', `a namespace is required for ${resource}`);
  return namespace;
}

/**
 * The collection URL; for namespaced resources without a namespace, the all-namespaces one.
 * `root` is the group-version's path: `/api/v1` (default) or `/apis/<group>/<version>`.
 */
export function collectionPath(resource: string, namespaced: boolean, namespace?: string, root = API): string {
  return namespaced && namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${root}/${resource}`;
}

export function itemPath(resource: string, namespaced: boolean, namespace: string | undefined, name: string, root = API): string {
  if (!name) throw new StatusError('BadRequest', `a name is required for ${resource}`);
  const ns = namespaced ? requireNamespace(resource, namespace) : undefined;
  return `${collectionPath(resource, namespaced, ns, root)}/${encodeURIComponent(name)}`;
}

function resourceClient<T extends KubernetesObject>(transport: Transport, resource: string, namespaced: boolean, root = API): ResourceClient<T> {
  const nsOf = (namespace: string | undefined, obj: T): string | undefined => namespace || obj.metadata?.namespace;
  const nameOf = (obj: T): string => obj.metadata?.name ?? '';
  const self: ResourceClient<T> = {
    resource,
    namespaced,
    get: async (namespace, name, opts = {}) => transport.request<T>('GET', itemPath(resource, namespaced, namespace, name, root), withSignal({}, opts.signal)),
    list: async (namespace, opts = {}) =>
      transport.request<List<T>>(
        'GET',
        collectionPath(resource, namespaced, namespace, root),
        withSignal(
          {
            query: {
              labelSelector: opts.labelSelector || undefined,
              fieldSelector: opts.fieldSelector || undefined,
              limit: opts.limit,
              continue: opts.continue || undefined,
              resourceVersion: opts.resourceVersion,
            },
          },
          opts.signal,
        ),
      ),
    create: async (namespace, obj, opts = {}) => {
      const ns = namespaced ? requireNamespace(resource, nsOf(namespace, obj)) : undefined;
      return transport.request<T>('POST', collectionPath(resource, namespaced, ns, root), withSignal({ body: obj }, opts.signal));
    },
    update: async (namespace, obj, opts = {}) =>
      transport.request<T>('PUT', itemPath(resource, namespaced, nsOf(namespace, obj), nameOf(obj), root), withSignal({ body: obj }, opts.signal)),
    updateStatus: async (namespace, obj, opts = {}) =>
      transport.request<T>('PUT', `${itemPath(resource, namespaced, nsOf(namespace, obj), nameOf(obj), root)}/status`, withSignal({ body: obj }, opts.signal)),
    patch: async (namespace, name, patch, type, opts = {}) => {
      const sub = opts.subresource ? `/${opts.subresource}` : '';
      const body = typeof patch === 'string' ? patch : JSON.stringify(patch);
      return transport.request<T>('PATCH', itemPath(resource, namespaced, namespace, name, root) + sub, withSignal({ body, contentType: PATCH_CONTENT_TYPES[type] }, opts.signal));
    },
    delete: async (namespace, name, options, opts = {}) =>
      transport.request<T | Status>(
        'DELETE',
        itemPath(resource, namespaced, namespace, name, root),
        withSignal(options ? { body: { apiVersion: 'v1', kind: 'DeleteOptions', ...options } } : {}, opts.signal),
      ),
    watch: (namespace, opts) => watchPath<T>(transport, collectionPath(resource, namespaced, namespace, root), opts),
    informer: (namespace, opts = {}) => {
      const selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
      return createInformer<T>({
        name: namespace ? `${resource}/${namespace}` : resource,
        list: async (listOpts) => self.list(namespace, { ...selectors, ...listOpts }),
        watch: (watchOpts) => self.watch(namespace, { ...selectors, ...watchOpts }),
        clock: transport.clock,
        ...(opts.resyncPeriodMs !== undefined ? { resyncPeriodMs: opts.resyncPeriodMs } : {}),
        ...(opts.logger ? { logger: opts.logger } : {}),
      });
    },
  };
  return self;
}
