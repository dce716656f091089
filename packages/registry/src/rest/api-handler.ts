/**
 * The REST layer: the core /api/v1 over express, as stock kubectl and @kubernetes/client-node
 * expect it (shared/reference/kubectl-surface.md). One request handler for every resource, driven
 * by the resource table (resources.ts); every failure is a v1 Status.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  badRequest,
  conflict,
  invalid,
  methodNotAllowed,
  OBJECT_MODIFIED,
  serviceUnavailable,
  StatusError,
  toStatusError,
  type Binding,
  type FieldError,
  type Scale,
  type Status,
  type Table,
} from '@tskube/api-types';
import {
  createMetricsRegistry,
  healthHandler,
  pingCheck,
  silentLogger,
  type HealthCheck,
  type Logger,
  type Registry,
} from '@tskube/component-base';
import type { StoredObject } from '../cache/types.js';
import type { Registries } from '../resources/registries.js';
import type { StoredNamespace, StoredReplicationController } from '../resources/types.js';
import type { Storage } from '../storage/types.js';
import type { Store, StoreDeleteOptions, StoreListOptions } from '../store/types.js';
import { unionAuthenticator, type Authenticator, type User } from './auth.js';
import {
  checkObject,
  decodeBody,
  decodeBodyFields,
  DEFAULT_MAX_BODY_BYTES,
  fieldValidationOf,
  patchProblems,
  readBody,
  warningHeader,
} from './body.js';
import {
  containerLogsPath,
  createKubeletClient,
  pickContainer,
  podKubelet,
  streamPath,
  type KubeletClient,
  type KubeletClientConfig,
} from './kubelet.js';
import { needsSeat, requestKind, tooManyInflight, type InflightLimiter } from './inflight.js';
import { requestMetrics, trackRequest, type RequestInfo } from './metrics.js';
import { createMetricsApi, kubeletSummaryFetcher, METRICS_PATH, metricsApiGroup, metricsResourceList, withMetricsGroup } from './metrics-api.js';
import { negotiateTable, type TableRequest } from './negotiate.js';
import { applyPatch, patchTypeFromContentType, PATCH_CONTENT_TYPES } from './patch/index.js';
import { forceParam, serverSideApply, updateTracker } from './apply/index.js';
import { toTable } from './printers/index.js';
import { OPENAPI_V2_PROTOBUF, openApiV2Json, openApiV2Protobuf, openApiV3CoreV1, openApiV3GroupJson, openApiV3Root } from './openapi/index.js';
import { apiResourceList, type ResourceDef } from './resources.js';
import { jsonDepthExceeds, MAX_NESTING_DEPTH } from './depth.js';
import { scanJsonFields } from './field-scan.js';
import { isTrue, pathSegments, requestInfo, resolveRoute, routeOfPath, type Route } from './route.js';
import { answerReview, apiGroup, apiGroupList, apiGroupResourceList, findReviewResource, INSECURE_USER } from './self-review.js';
import { streamWatch } from './watch.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface ApiHandlerOptions {
  registries: Registries;
  /** For /readyz (`etcd` check). */
  storage: Storage;
  logger?: Logger;
  /** Where request metrics go (served on /metrics); a fresh registry when absent. */
  metrics?: Registry;
  version?: Partial<VersionInfo>;
  /** Who is asking; absent = everyone is anonymous and allowed (e.g. the loopback insecure port). */
  authenticator?: Authenticator | readonly Authenticator[];
  /** Request bodies above this are refused with 413 (default 3 MiB, as upstream). */
  maxBodyBytes?: number;
  /** Informational: the registries own the portal-IP allocator over this range. */
  serviceClusterIPRange?: string;
  kubeletClient?: KubeletClientConfig | KubeletClient;
  /** Bounds of a watch's random lifetime when timeoutSeconds is unset (default 1800–3600 s, as upstream). */
  minRequestTimeoutSeconds?: number;
  /** Max in-flight limits (inflight.ts), shared by the handlers of one process; absent = unlimited. */
  inflight?: InflightLimiter;
}

/** The express app, plus what a node http(s) server needs beyond requests. */
export interface ApiHandler extends Express {
  /** Attach to the server's `upgrade` event: exec/attach/portforward streams to the kubelet. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends watches and streams and makes /readyz fail; call before closing the server. */
  shutdown(): void;
}

export const DEFAULT_VERSION: VersionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tskube.0.1.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const NOT_FOUND_MESSAGE = 'the server could not find the requested resource';
const notFoundRoute = () => new StatusError('NotFound', NOT_FOUND_MESSAGE, {});
const unauthorized = () => new StatusError('Unauthorized', 'Unauthorized');
const PUBLIC_PATHS = /^\/(healthz|livez|readyz)(\/|$)|^\/version\/?$/;

interface Locals {
  info: RequestInfo;
  route?: Route;
  log: Logger;
  user?: User;
}
const locals = (res: Response): Locals => res.locals as Locals;

/** JSON with exactly `Content-Type: application/json` (client-node checks it). */
function sendJSON(res: Response | ServerResponse, code: number, obj: unknown): void {
  const body = JSON.stringify(obj);
  res.statusCode = code;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function sendStatusError(res: Response | ServerResponse, err: StatusError): void {
  if (err.details?.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
  sendJSON(res, err.code, err.toStatus());
}

/**
 * After a 413 node discards the rest of the body (so the client, still sending, can read the
 * answer); a client that keeps sending for long loses its connection instead.
 */
function limitDrain(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.complete) return;
    const socket = req.socket as IncomingMessage['socket'] | null;
    if (!socket) return;
    const timer = setTimeout(() => socket.destroy(), 10_000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    req.once('end', () => clearTimeout(timer));
  });
}

/** A raw HTTP error response on a socket that has not been upgraded (the `upgrade` path). */
function writeSocketStatus(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.toStatus());
  socket.write(
    `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  closeUpgradeSocket(socket);
}

/**
 * Ends a connection whose upgrade failed. What the client sends afterwards is read and dropped,
 * never parsed or forwarded (closing with unread input would reset the connection before the
 * client reads the answer); the socket is destroyed once the client ends too, or after 5 s.
 */
function closeUpgradeSocket(socket: Duplex): void {
  if (socket.destroyed) return;
  socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), 5_000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

function dryRunParam(values: readonly string[]): boolean {
  for (const v of values) {
    if (v !== 'All') {
      throw invalid('', '', [{ type: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: "${v}": supported values: "All"` }]);
    }
  }
  return values.length > 0;
}

export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const { registries, storage } = options;
  const logger = (options.logger ?? silentLogger()).child({ component: 'apiserver' });
  const version: VersionInfo = { ...DEFAULT_VERSION, ...options.version };
  const metricsRegistry = options.metrics ?? createMetricsRegistry({ component: 'apiserver', version: version.gitVersion, defaultMetrics: false });
  const metrics = requestMetrics(metricsRegistry);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const authenticate =
    options.authenticator === undefined
      ? undefined
      : typeof options.authenticator === 'function'
        ? options.authenticator
        : unionAuthenticator(options.authenticator);
  const kubelet: KubeletClient =
    options.kubeletClient && 'request' in options.kubeletClient
      ? options.kubeletClient
      : createKubeletClient(options.kubeletClient as KubeletClientConfig | undefined);
  const minTimeout = options.minRequestTimeoutSeconds ?? 1800;

  /** Long-running streams (watches, log follows, exec tunnels) that shutdown ends. */
  const streams = new Set<() => void>();
  const register = (stop: () => void) => {
    streams.add(stop);
    return () => streams.delete(stop);
  };
  let shuttingDown = false;

  const app = express() as unknown as ApiHandler;
  app.disable('x-powered-by');
  app.set('etag', false);

  // --- per request: logging, metrics, authentication -------------------------------------------
  app.use((req: Request, res: Response, next: NextFunction) => {
    const url = new URL(req.originalUrl, 'http://localhost');
    const route = routeOfPath(url.pathname);
    const info = url.pathname.startsWith('/api/v1/') || route
      ? requestInfo(req.method, route, url.searchParams)
      : { verb: req.method.toUpperCase(), resource: '', subresource: '', longRunning: false };
    const log = logger.child({ reqId: randomUUID().slice(0, 8) });
    Object.assign(res.locals, { info, route, log } satisfies Locals);
    res.setHeader('Cache-Control', 'no-cache, private');
    const done = trackRequest(metrics, info);
    res.on('close', () => {
      done(res.statusCode);
      log.debug({ method: req.method, path: url.pathname, verb: info.verb, code: res.statusCode }, 'request');
    });

    if (authenticate) {
      const user = authenticate(req);
      if (user === 'reject' || (user === undefined && !PUBLIC_PATHS.test(url.pathname))) {
        sendStatusError(res, unauthorized());
        return;
      }
      if (user) locals(res).user = user;
    }
    if (options.inflight && needsSeat(url.pathname, info, authenticate ? locals(res).user : INSECURE_USER)) {
      const release = options.inflight.acquire(requestKind(info.verb));
      if (!release) {
        sendStatusError(res, tooManyInflight());
        return;
      }
      res.on('close', release);
    }
    next();
  });

  // --- health, metrics, version, discovery --------------------------------------------------------
  const etcdCheck: HealthCheck = {
    name: 'etcd',
    check: async () => {
      if (!(await storage.healthy())) throw new Error('etcd is unreachable');
    },
  };
  const shutdownCheck: HealthCheck = {
    name: 'shutdown',
    check: () => {
      if (shuttingDown) throw new Error('the server is shutting down');
    },
  };
  app.use('/healthz', healthHandler([pingCheck, etcdCheck], { name: 'healthz', logger }));
  app.use('/livez', healthHandler([pingCheck], { name: 'livez', logger }));
  app.use('/readyz', healthHandler([pingCheck, etcdCheck, shutdownCheck], { name: 'readyz', logger }));

  app.get('/metrics', async (_req, res) => {
    const text = await metricsRegistry.metrics();
    res.setHeader('Content-Type', metricsRegistry.contentType);
    res.end(text);
  });

  app.get('/version', (_req, res) => sendJSON(res, 200, version));
  app.get('/api', (req, res) => {
    const addr = req.socket.localAddress ?? '127.0.0.1';
    const host = addr.includes(':') ? `[${addr}]` : addr;
    sendJSON(res, 200, {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${host}:${req.socket.localPort ?? 0}` }],
    });
  });
  app.get('/apis', (_req, res) => sendJSON(res, 200, withMetricsGroup(apiGroupList())));
  app.get('/apis/:group', (req, res) => {
    const group = apiGroup(req.params.group) ?? metricsApiGroup(req.params.group);
    if (!group) throw notFoundRoute();
    sendJSON(res, 200, group);
  });
  app.get('/apis/:group/:version', (req, res) => {
    const list = apiGroupResourceList(req.params.group, req.params.version) ?? metricsResourceList(req.params.group, req.params.version);
    if (!list) throw notFoundRoute();
    sendJSON(res, 200, list);
  });
  // `kubectl auth whoami` and `kubectl auth can-i`: answered, never stored (self-review.ts).
  app.post('/apis/:group/:version/:plural', async (req, res, next) => {
    const r = findReviewResource(req.params.group, req.params.version, req.params.plural);
    if (!r) return next();
    const { value } = await bodyValue(req, r.kind);
    sendJSON(res, 201, answerReview(r, value, locals(res).user ?? INSECURE_USER));
  });
  const discovery = apiResourceList();
  app.get('/api/v1', (_req, res) => sendJSON(res, 200, discovery));
  let openapiRoot: string | undefined;
  let openapiV1: string | undefined;
  app.get('/openapi/v3', (_req, res) => {
    openapiRoot ??= JSON.stringify(openApiV3Root());
    res.setHeader('Content-Type', 'application/json');
    res.end(openapiRoot);
  });
  app.get('/openapi/v3/api/v1', (_req, res) => {
    openapiV1 ??= JSON.stringify(openApiV3CoreV1());
    res.setHeader('Content-Type', 'application/json');
    res.end(openapiV1);
  });
  app.get('/openapi/v3/apis/:group/:version', (req, res, next) => {
    const doc = openApiV3GroupJson(req.params.group, req.params.version);
    if (doc === undefined) return next();
    res.setHeader('Content-Type', 'application/json');
    res.end(doc);
  });

  // kubectl validates a `kind: List` (and 1.20 everything) against v2, in protobuf; JSON otherwise.
  app.get('/openapi/v2', (req, res) => {
    const proto = (req.headers.accept ?? '').includes('protobuf');
    const body = proto ? openApiV2Protobuf() : openApiV2Json();
    res.setHeader('Content-Type', proto ? OPENAPI_V2_PROTOBUF : 'application/json');
    res.end(body);
  });

  // --- /api/v1/... --------------------------------------------------------------------------------
  app.use('/api/v1', async (req: Request, res: Response) => {
    const route = locals(res).route;
    if (!route) throw notFoundRoute();
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    await serve(req, res, route, query);
  });

  // --- metrics.k8s.io (kubectl top): virtual, computed from the kubelets' summaries (metrics-api.ts).
  const metricsApi = createMetricsApi({ registries, summary: kubeletSummaryFetcher(kubelet), logger });
  app.use(METRICS_PATH, async (req: Request, res: Response) => {
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    sendJSON(res, 200, await metricsApi.serve(req.method, req.path, query));
  });

  // --- /apis/<group>/<version>/...: storage-backed resources of named groups, served as the core ones.
  app.use('/apis/:group/:version', async (req: Request, res: Response, next: NextFunction) => {
    const route = locals(res).route;
    if (!route) return next();
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    await serve(req, res, route, query);
  });

  app.use((_req: Request, _res: Response) => {
    throw notFoundRoute();
  });

  // One error handler: everything becomes a Status; unknown errors are logged and answered 500.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = toStatusError(err);
    const log = locals(res).log ?? logger;
    if (status.code >= 500) log.error({ err }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (status.reason === 'RequestEntityTooLarge') limitDrain(req, res);
    sendStatusError(res, status);
  });

  // --- request helpers ----------------------------------------------------------------------------

  const storeOf = (r: ResourceDef): Store<StoredObject> => {
    if (!r.store) throw methodNotAllowed();
    return r.store(registries);
  };

  async function bodyValue(req: Request, what: string) {
    const raw = await readBody(req, maxBody);
    if (raw.length === 0) throw badRequest(`the object provided is unrecognized (must be of type ${what}): empty body`);
    return decodeBodyFields(raw, req.headers['content-type'], what);
  }

  /** Decodes a body of `kind`, applying fieldValidation; Warn adds Warning headers. */
  async function bodyObject(req: Request, res: Response, kind: string, query: URLSearchParams) {
    const validation = fieldValidationOf(query.get('fieldValidation') ?? undefined);
    const { value, fields } = await bodyValue(req, kind);
    const { obj, warnings } = checkObject(value, kind, validation, { fields });
    addWarnings(res, warnings);
    return obj;
  }

  function addWarnings(res: Response, warnings: readonly string[]): void {
    if (warnings.length === 0) return;
    const prev = res.getHeader('Warning');
    const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
    res.setHeader('Warning', [...list, ...warnings.map(warningHeader)]);
  }

  function sendObjectOrTable(req: Request, res: Response, kind: string, obj: StoredObject, query: URLSearchParams): void {
    const table = negotiateTable(req.headers.accept, query.get('includeObject') ?? undefined);
    if (!table) return sendJSON(res, 200, obj);
    sendJSON(res, 200, tableOf(kind, [obj], table, { resourceVersion: obj.metadata.resourceVersion }));
  }

  function tableOf(
    kind: string,
    objects: readonly StoredObject[],
    t: TableRequest,
    extra: { resourceVersion?: string; continue?: string; omitHeaders?: boolean },
  ): Table {
    const table = toTable(kind, objects, { includeObject: t.includeObject, ...extra });
    return t.version === 'v1' ? table : { ...table, apiVersion: 'meta.k8s.io/v1beta1' };
  }

  // --- dispatch -----------------------------------------------------------------------------------

  async function serve(req: Request, res: Response, route: Route, query: URLSearchParams): Promise<void> {
    const r = route.resource;
    const method = req.method;
    const dryRun = dryRunParam(query.getAll('dryRun'));
    if (route.subresource) return serveSubresource(req, res, route, query, dryRun);

    if (route.name === undefined) {
      // Collection. A namespaced resource's create needs a namespace in the URL.
      if (method === 'GET' && r.verbs.includes('list')) return list(req, res, r, route.namespace, query);
      if (method === 'POST' && r.verbs.includes('create') && (route.namespace !== undefined || !r.namespaced)) {
        return create(req, res, r, route.namespace, query, dryRun);
      }
      if (method === 'DELETE' && r.verbs.includes('deletecollection') && (route.namespace !== undefined || !r.namespaced)) {
        return deleteCollection(req, res, r, route.namespace, query, dryRun);
      }
      throw methodNotAllowed();
    }

    const store = storeOf(r);
    const name = route.name;
    switch (method) {
      case 'GET':
        return sendObjectOrTable(req, res, r.kind, await store.get(route.namespace, name), query);
      case 'PUT': {
        const obj = await bodyObject(req, res, r.kind, query);
        const trackFields = updateTracker(r.kind, query, req.headers['user-agent']);
        return sendJSON(res, 200, await store.update(route.namespace, name, obj as StoredObject, { dryRun, trackFields }));
      }
      case 'PATCH': {
        if (patchTypeFromContentType(req.headers['content-type'] ?? '') === 'apply') {
          const body = await readBody(req, maxBody);
          const applied = await serverSideApply({ store, kind: r.kind, group: r.group ?? '', resource: r.name, namespace: route.namespace, name, query, body, dryRun });
          addWarnings(res, applied.warnings);
          return sendJSON(res, applied.created ? 201 : 200, applied.obj);
        }
        return sendJSON(res, 200, await patch(req, res, store, r.kind, route, query, dryRun));
      }
      case 'DELETE':
        return del(req, res, r, store, route, query, dryRun);
      default:
        throw methodNotAllowed();
    }
  }

  async function list(req: Request, res: Response, r: ResourceDef, ns: string | undefined, query: URLSearchParams): Promise<void> {
    const store = storeOf(r);
    const table = negotiateTable(req.headers.accept, query.get('includeObject') ?? undefined);
    const labelSelector = query.get('labelSelector') ?? undefined;
    const fieldSelector = query.get('fieldSelector') ?? undefined;
    const resourceVersion = query.get('resourceVersion') ?? undefined;
    const rvMatch = query.get('resourceVersionMatch') || undefined;
    if (rvMatch !== undefined && rvMatch !== 'Exact' && rvMatch !== 'NotOlderThan') {
      throw invalid('ListOptions', '', [
        { type: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: "${rvMatch}": supported values: "Exact", "NotOlderThan"` },
      ], 'meta.k8s.io');
    }

    if (isTrue(query.get('watch'))) {
      if (!r.verbs.includes('watch')) throw methodNotAllowed();
      if (isTrue(query.get('sendInitialEvents'))) {
        // Not implemented: refuse it so client-go falls back to list+watch instead of waiting for the end bookmark.
        throw invalid('ListOptions', '', [
          { type: 'FieldValueForbidden', field: 'sendInitialEvents', message: 'Forbidden: sendInitialEvents is not supported by this server' },
        ], 'meta.k8s.io');
      }
      const timeoutSeconds = intParam(query, 'timeoutSeconds');
      const timeoutMs =
        timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : minTimeout * 1000 * (1 + Math.random());
      const watcher = store.watch(ns, {
        resourceVersion,
        labelSelector,
        fieldSelector,
        allowBookmarks: isTrue(query.get('allowWatchBookmarks')),
      });
      if (shuttingDown) {
        watcher.close();
        throw serviceUnavailable('the server is shutting down');
      }
      return streamWatch(res, watcher, {
        timeoutMs,
        logger: locals(res).log,
        register,
        transform: table ? (obj, firstEvent) => tableOf(r.kind, [obj], table, { resourceVersion: obj.metadata.resourceVersion, omitHeaders: !firstEvent }) : undefined,
      });
    }

    if (isTrue(query.get('sendInitialEvents'))) {
      throw invalid('ListOptions', '', [
        { type: 'FieldValueForbidden', field: 'sendInitialEvents', message: 'Forbidden: sendInitialEvents is forbidden for list' },
      ], 'meta.k8s.io');
    }
    const limit = intParam(query, 'limit');
    const opts: StoreListOptions = {
      labelSelector,
      fieldSelector,
      limit: limit !== undefined && limit > 0 ? limit : undefined,
      continue: query.get('continue') || undefined,
      resourceVersion,
      resourceVersionMatch: rvMatch,
    };
    const result = await store.list(ns, opts);
    if (!table) return sendJSON(res, 200, { ...result, items: result.items ?? [] });
    sendJSON(res, 200, tableOf(r.kind, result.items, table, { resourceVersion: result.metadata.resourceVersion, continue: result.metadata.continue }));
  }

  async function create(req: Request, res: Response, r: ResourceDef, ns: string | undefined, query: URLSearchParams, dryRun: boolean): Promise<void> {
    if (r.name === 'bindings') {
      const binding = (await bodyObject(req, res, 'Binding', query)) as unknown as Binding;
      return sendJSON(res, 201, await registries.bindings.create(ns ?? '', binding, { dryRun }));
    }
    const obj = await bodyObject(req, res, r.kind, query);
    updateTracker(r.kind, query, req.headers['user-agent'])(obj as StoredObject, undefined);
    sendJSON(res, 201, await storeOf(r).create(ns, obj as StoredObject, { dryRun }));
  }

  /** Upstream's DeleteOptions, from a JSON/YAML body (v1 or meta.k8s.io/v1) or query parameters. */
  async function deleteOptions(req: Request, query: URLSearchParams, dryRun: boolean): Promise<StoreDeleteOptions> {
    const raw = await readBody(req, maxBody);
    let body: Record<string, unknown> = {};
    if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
      body = checkObject(decodeBody(raw, req.headers['content-type'], 'DeleteOptions'), 'DeleteOptions', 'Ignore', { extraVersions: ['meta.k8s.io/v1'] }).obj;
    }
    const errs: FieldError[] = [];
    const grace = (body.gracePeriodSeconds as number | undefined) ?? intParam(query, 'gracePeriodSeconds');
    const policy = (body.propagationPolicy as string | undefined) ?? (query.get('propagationPolicy') || undefined);
    const orphanRaw = body.orphanDependents ?? query.get('orphanDependents') ?? undefined;
    const orphan = orphanRaw === undefined || orphanRaw === '' ? undefined : orphanRaw === true || isTrue(String(orphanRaw));
    if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      errs.push({
        type: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      });
    }
    if (policy !== undefined && orphan !== undefined) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'propagationPolicy',
        message: `Invalid value: "${policy}": orphanDependents and deletionPropagation cannot be both set`,
      });
    }
    const bodyDryRun = Array.isArray(body.dryRun) ? dryRunParam(body.dryRun as string[]) : false;
    if (errs.length > 0) throw invalid('DeleteOptions', '', errs, 'meta.k8s.io');
    const pre = body.preconditions as { uid?: string; resourceVersion?: string } | undefined;
    const out: StoreDeleteOptions = { dryRun: dryRun || bodyDryRun };
    if (grace !== undefined) out.gracePeriodSeconds = grace;
    if (pre && (pre.uid !== undefined || pre.resourceVersion !== undefined)) out.preconditions = { ...pre };
    const propagation = policy ?? (orphan === undefined ? undefined : orphan ? 'Orphan' : 'Background');
    if (propagation) out.propagationPolicy = propagation as StoreDeleteOptions['propagationPolicy'];
    return out;
  }

  async function del(req: Request, res: Response, r: ResourceDef, store: Store<StoredObject>, route: Route, query: URLSearchParams, dryRun: boolean): Promise<void> {
    const opts = await deleteOptions(req, query, dryRun);
    const obj = await store.delete(route.namespace, route.name!, opts);
    // Marked rather than removed (grace period, finalizers): the object, as upstream.
    const pending =
      !!obj.metadata.deletionTimestamp &&
      ((obj.metadata.finalizers?.length ?? 0) > 0 || (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0);
    if (r.returnDeletedObject || pending) return sendJSON(res, 200, obj);
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: route.name!, group: r.group ?? '', kind: r.name, ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}) },
      code: 200,
    };
    sendJSON(res, 200, status);
  }

  async function deleteCollection(req: Request, res: Response, r: ResourceDef, ns: string | undefined, query: URLSearchParams, dryRun: boolean): Promise<void> {
    const store = storeOf(r);
    const opts = await deleteOptions(req, query, dryRun);
    const current = await store.list(ns, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
    });
    const items: StoredObject[] = [];
    for (const item of current.items) {
      try {
        items.push(await store.delete(item.metadata.namespace ?? ns, item.metadata.name!, opts));
      } catch (err) {
        // Gone meanwhile: that is what was asked.
        if (toStatusError(err).reason !== 'NotFound') throw err;
      }
    }
    sendJSON(res, 200, { apiVersion: current.apiVersion, kind: `${r.kind}List`, metadata: { resourceVersion: current.metadata.resourceVersion }, items });
  }

  /** The patch, its type, and what is wrong in its text (repeated keys, unknown JSON-patch keys) for fieldValidation. */
  async function patchBody(req: Request): Promise<{ type: 'json' | 'merge' | 'strategic'; patch: unknown; problems: string[] }> {
    const contentType = req.headers['content-type'] ?? '';
    const type = patchTypeFromContentType(contentType);
    if (type === 'apply') {
      throw new StatusError(
        'UnsupportedMediaType',
        'server-side apply (application/apply-patch+yaml) is not supported on this subresource',
      );
    }
    if (type === undefined) {
      throw new StatusError(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.filter((t) => !t.includes('apply')).join(', ')}`,
      );
    }
    const text = (await readBody(req, maxBody)).toString('utf8');
    if (jsonDepthExceeds(text)) throw badRequest(`error decoding patch: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    let p: unknown;
    try {
      p = JSON.parse(text);
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    return { type, patch: p, problems: patchProblems(type, scanJsonFields(text), p) };
  }

  /**
   * PATCH through the normal update path: the patch is applied to the current object inside the
   * store's read-modify-write loop (so a concurrent write retries it), then decoded, checked and
   * validated like a PUT; a resourceVersion in the result is a precondition.
   */
  async function patch(
    req: Request,
    res: Response,
    store: Store<StoredObject>,
    kind: string,
    route: Route,
    query: URLSearchParams,
    dryRun: boolean,
    subresource?: 'status',
  ): Promise<StoredObject> {
    const validation = fieldValidationOf(query.get('fieldValidation') ?? undefined);
    const { type, patch: p, problems } = await patchBody(req);
    forceParam(query, false);
    const name = route.name!;
    let warnings: string[] = [];
    const result = await store.guaranteedUpdate(
      route.namespace,
      name,
      (current) => {
        const checked = checkObject(applyPatch(type, current, p, kind), kind, validation, { leading: problems });
        warnings = checked.warnings;
        const rv = checked.obj.metadata?.resourceVersion;
        if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) {
          throw conflict({ group: route.resource.group ?? '', resource: route.resource.name }, name, OBJECT_MODIFIED);
        }
        return checked.obj as StoredObject;
      },
      { subresource, dryRun, trackFields: updateTracker(kind, query, req.headers['user-agent'], subresource) },
    );
    addWarnings(res, warnings);
    return result;
  }

  // --- subresources -------------------------------------------------------------------------------

  async function serveSubresource(req: Request, res: Response, route: Route, query: URLSearchParams, dryRun: boolean): Promise<void> {
    const sub = route.subresource!;
    const r = route.resource;
    const method = req.method;
    const name = route.name!;
    switch (sub.handler) {
      case 'status': {
        const store = storeOf(r);
        if (method === 'GET') return sendJSON(res, 200, await store.get(route.namespace, name));
        if (method === 'PUT') {
          const obj = await bodyObject(req, res, r.kind, query);
          const trackFields = updateTracker(r.kind, query, req.headers['user-agent'], 'status');
          return sendJSON(res, 200, await store.update(route.namespace, name, obj as StoredObject, { subresource: 'status', dryRun, trackFields }));
        }
        if (method === 'PATCH') return sendJSON(res, 200, await patch(req, res, store, r.kind, route, query, dryRun, 'status'));
        throw methodNotAllowed();
      }
      case 'scale':
        return serveScale(req, res, route, query, dryRun);
      case 'binding': {
        if (method !== 'POST') throw methodNotAllowed();
        const binding = (await bodyObject(req, res, 'Binding', query)) as unknown as Binding;
        return sendJSON(res, 201, await registries.bindings.create(route.namespace!, binding, { name, dryRun }));
      }
      case 'finalize': {
        if (method !== 'PUT') throw methodNotAllowed();
        const obj = await bodyObject(req, res, 'Namespace', query);
        return sendJSON(res, 200, await registries.namespaces.finalize(name, obj as StoredNamespace));
      }
      case 'log':
        if (method !== 'GET') throw methodNotAllowed();
        return serveLog(req, res, route, query);
      case 'exec':
      case 'attach':
      case 'portforward':
        if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
        throw badRequest('Upgrade request required');
    }
  }

  const scaleOf = (rc: StoredReplicationController): Scale => {
    const selector = Object.entries(rc.spec?.selector ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const m = rc.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
        creationTimestamp: m.creationTimestamp,
      },
      spec: { replicas: rc.spec?.replicas ?? 0 },
      status: { replicas: rc.status?.replicas ?? 0, selector },
    };
  };

  /** replicationcontrollers/{name}/scale: autoscaling/v1 Scale over spec.replicas (§7.6). */
  async function serveScale(req: Request, res: Response, route: Route, query: URLSearchParams, dryRun: boolean): Promise<void> {
    const rcs = registries.replicationControllers;
    const name = route.name!;
    const ns = route.namespace;
    if (req.method === 'GET') return sendJSON(res, 200, scaleOf(await rcs.get(ns, name)));
    const validation = fieldValidationOf(query.get('fieldValidation') ?? undefined);
    let desired: (current: Scale) => Scale;
    // From the last attempt of the update loop only.
    let warnings: string[] = [];
    if (req.method === 'PUT') {
      const scale = (await bodyObject(req, res, 'Scale', query)) as Scale;
      if (scale.metadata?.name && scale.metadata.name !== name) {
        throw badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
      }
      desired = () => scale;
    } else if (req.method === 'PATCH') {
      const { type, patch: p, problems } = await patchBody(req);
      desired = (current) => {
        const checked = checkObject(applyPatch(type, current, p, 'Scale'), 'Scale', validation, { leading: problems });
        warnings = checked.warnings;
        return checked.obj as Scale;
      };
    } else {
      throw methodNotAllowed();
    }
    const updated = await rcs.guaranteedUpdate(
      ns,
      name,
      (rc) => {
        const current = scaleOf(rc);
        const scale = desired(structuredClone(current));
        const rv = scale.metadata?.resourceVersion;
        if (rv && rv !== rc.metadata.resourceVersion) throw conflict({ group: '', resource: 'replicationcontrollers' }, name, OBJECT_MODIFIED);
        const replicas = scale.spec?.replicas ?? 0;
        if (replicas < 0) {
          throw invalid('Scale', name, [
            { type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` },
          ], 'autoscaling');
        }
        rc.spec = { ...rc.spec, replicas };
        return rc;
      },
      { dryRun, trackFields: updateTracker('ReplicationController', query, req.headers['user-agent'], 'scale') },
    );
    addWarnings(res, warnings);
    sendJSON(res, 200, scaleOf(updated));
  }

  /** pods/{name}/log: streamed from the pod's kubelet as text/plain. */
  async function serveLog(req: Request, res: Response, route: Route, query: URLSearchParams): Promise<void> {
    const { pod, location } = await podKubelet(registries, route.namespace!, route.name!);
    const container = pickContainer(pod, query.get('container') || undefined);
    const path = containerLogsPath(route.namespace!, route.name!, container, query);
    await new Promise<void>((resolve, reject) => {
      const upstream = kubelet.request(location, path, { method: 'GET', headers: { accept: '*/*' } });
      const stop = () => upstream.destroy();
      const unregister = register(() => {
        stop();
        res.end();
      });
      res.on('close', () => {
        unregister();
        stop();
        resolve();
      });
      upstream.on('error', (err) => {
        unregister();
        if (res.headersSent) {
          res.end();
          resolve();
        } else {
          reject(serviceUnavailable(`error trying to reach the kubelet of pod ${route.name!}: ${err.message}`));
        }
      });
      upstream.on('response', (kres) => {
        res.statusCode = kres.statusCode ?? 502;
        res.setHeader('Content-Type', kres.headers['content-type'] ?? 'text/plain');
        res.flushHeaders();
        kres.pipe(res);
        kres.on('end', () => resolve());
      });
      upstream.end();
    });
  }

  // --- upgrade: exec / attach / portforward ------------------------------------------------------

  app.upgrade = (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname.startsWith('/api/v1/') ? resolveRoute(pathSegments(url.pathname.slice('/api/v1'.length)) ?? []) : undefined;
    const info = requestInfo(req.method ?? 'GET', route, url.searchParams);
    const done = trackRequest(metrics, info);
    let code = 101;
    socket.on('close', () => done(code));
    socket.on('error', () => socket.destroy());
    const fail = (err: unknown) => {
      const status = toStatusError(err);
      code = status.code;
      if (status.code >= 500) logger.error({ err }, 'stream request failed');
      if (!socket.destroyed) writeSocketStatus(socket, status);
    };
    const kind = route?.subresource?.handler;
    if (!route || (kind !== 'exec' && kind !== 'attach' && kind !== 'portforward')) return fail(notFoundRoute());
    if (authenticate) {
      const user = authenticate(req);
      if (user === undefined || user === 'reject') return fail(unauthorized());
    }
    if (shuttingDown) return fail(serviceUnavailable('the server is shutting down'));
    void (async () => {
      const { pod, location } = await podKubelet(registries, route.namespace!, route.name!);
      const container = kind === 'portforward' ? '' : pickContainer(pod, url.searchParams.get('container') || undefined);
      const path = streamPath(kind, route.namespace!, route.name!, container, url.searchParams);
      const headers = { ...req.headers, host: `${location.host}:${location.port}` };
      delete headers.authorization;
      const upstream = kubelet.request(location, path, { method: req.method ?? 'GET', headers });
      upstream.on('upgrade', (kres, ksocket, khead) => {
        const lines = [`HTTP/1.1 101 ${kres.statusMessage || 'Switching Protocols'}`];
        for (let i = 0; i < kres.rawHeaders.length; i += 2) lines.push(`${kres.rawHeaders[i]}: ${kres.rawHeaders[i + 1]}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (khead.length > 0) socket.write(khead);
        if (head.length > 0) ksocket.write(head);
        const unregister = register(() => {
          ksocket.destroy();
          socket.destroy();
        });
        const end = () => {
          unregister();
          ksocket.destroy();
          socket.destroy();
        };
        ksocket.on('error', end);
        ksocket.on('close', end);
        socket.on('close', end);
        ksocket.pipe(socket);
        socket.pipe(ksocket);
      });
      upstream.on('response', (kres) => {
        // The kubelet refused the upgrade: relay its answer as is.
        code = kres.statusCode ?? 502;
        const lines = [`HTTP/1.1 ${code} ${kres.statusMessage ?? ''}`];
        for (let i = 0; i < kres.rawHeaders.length; i += 2) {
          const h = kres.rawHeaders[i]!.toLowerCase();
          if (h !== 'connection' && h !== 'transfer-encoding' && h !== 'keep-alive') lines.push(`${kres.rawHeaders[i]}: ${kres.rawHeaders[i + 1]}`);
        }
        lines.push('Connection: close');
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        // CVE-2018-1002105: a failed upgrade closes both connections; nothing the client sends
        // afterwards may reach the kubelet on the apiserver's credentials.
        let closed = false;
        const closeBoth = () => {
          if (closed) return;
          closed = true;
          upstream.socket?.destroy();
          upstream.destroy();
          kres.destroy();
          closeUpgradeSocket(socket);
        };
        kres.pipe(socket, { end: false });
        kres.on('end', closeBoth);
        kres.on('error', closeBoth);
        socket.on('close', closeBoth);
      });
      upstream.on('error', (err) => fail(serviceUnavailable(`error trying to reach the kubelet of pod ${route.name!}: ${err.message}`)));
      upstream.end();
    })().catch(fail);
  };

  app.shutdown = () => {
    shuttingDown = true;
    for (const stop of [...streams]) stop();
    streams.clear();
  };

  return app;
}

/** Re-exported for tests and the apiserver: the user a request was authenticated as. */
export function requestUser(res: ServerResponse): User | undefined {
  return ((res as Response).locals as Partial<Locals> | undefined)?.user;
}
