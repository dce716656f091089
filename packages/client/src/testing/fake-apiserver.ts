/**
 * A tiny in-memory /api/v1 server on 127.0.0.1 for this package's tests: CRUD with a global
 * resourceVersion and optimistic concurrency, list with label selectors, watch with history,
 * 410 after compaction, bookmarks, and knobs to drop connections. Not a reference apiserver.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseLabelSelector, type KubernetesObject } from '@tskube/api-types';

type Obj = KubernetesObject & { [k: string]: unknown };

interface HistoryEvent {
  rv: number;
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface Watcher {
  resource: string;
  namespace: string | undefined;
  bookmarks: boolean;
  res: ServerResponse;
}

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Returns true when it answered the request itself. */
export type Interceptor = (req: RecordedRequest, res: ServerResponse) => boolean | Promise<boolean>;

const CLUSTER_SCOPED = new Set(['nodes', 'namespaces']);

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** How an expired watch is answered: an ERROR event on a 200 stream (the watch cache) or HTTP 410. */
  expiredAs: 'event' | 'http' = 'event';
  interceptor: Interceptor | undefined;
  #rv = 100;
  #oldestRv = 0;
  readonly #objects = new Map<string, Map<string, Obj>>();
  readonly #history: HistoryEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #sockets = new Set<Socket>();
  #server: http.Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  /** Starts (or restarts, on the same port) listening. The data survives a stop(). */
  async start(): Promise<this> {
    const server = http.createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Stops listening and cuts every open connection (watches included). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#watchers.clear();
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Cuts the open watch connections without a clean end. */
  dropWatches(): void {
    for (const w of this.#watchers) w.res.socket?.destroy();
    this.#watchers.clear();
  }

  /** Ends the open watch streams cleanly, as a server-side timeout does. */
  endWatches(): void {
    for (const w of this.#watchers) w.res.end();
    this.#watchers.clear();
  }

  /** Forgets history: watches from older resourceVersions now get 410 Expired. */
  compact(): void {
    this.#oldestRv = this.#rv;
    this.#history.length = 0;
  }

  /** Sends a BOOKMARK at the current resourceVersion to watchers that asked for them. */
  bookmark(): void {
    for (const w of this.#watchers) {
      if (w.bookmarks) this.#send(w.res, { type: 'BOOKMARK', object: { kind: 'Bookmark', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) } } });
    }
  }

  /** Writes directly (as another client would), emitting watch events. */
  put(resource: string, obj: Obj): Obj {
    const key = keyOf(obj);
    const existed = this.#bucket(resource).has(key);
    const stored = this.#write(resource, obj);
    this.#emit(resource, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    const old = this.#bucket(resource).get(key);
    if (!old) return;
    this.#bucket(resource).delete(key);
    const rv = ++this.#rv;
    this.#emit(resource, 'DELETED', { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } }, rv);
  }

  /** Changes an object in storage without any watch event (to make a relist differ from the watch). */
  putSilently(resource: string, obj: Obj): void {
    this.#write(resource, obj);
  }

  removeSilently(resource: string, namespace: string | undefined, name: string): void {
    this.#bucket(resource).delete(namespace ? `${namespace}/${name}` : name);
    this.#rv++;
  }

  get(resource: string, key: string): Obj | undefined {
    return this.#bucket(resource).get(key);
  }

  #bucket(resource: string): Map<string, Obj> {
    let b = this.#objects.get(resource);
    if (!b) this.#objects.set(resource, (b = new Map()));
    return b;
  }

  #write(resource: string, obj: Obj): Obj {
    const stored = structuredClone(obj);
    stored.metadata = { ...stored.metadata, resourceVersion: String(++this.#rv) };
    this.#bucket(resource).set(keyOf(stored), stored);
    return stored;
  }

  #emit(resource: string, type: HistoryEvent['type'], object: Obj, rv = this.#rv): void {
    this.#history.push({ rv, resource, type, object });
    for (const w of this.#watchers) {
      if (w.resource === resource && (!w.namespace || w.namespace === object.metadata?.namespace)) this.#send(w.res, { type, object });
    }
  }

  #send(res: ServerResponse, event: unknown): void {
    res.write(JSON.stringify(event) + '\n');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const recorded: RecordedRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', this.url), headers: req.headers, body };
    this.requests.push(recorded);
    if (this.interceptor && (await this.interceptor(recorded, res))) return;

    const parts = recorded.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'api' || parts[1] !== 'v1') return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    let rest = parts.slice(2);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource = '', name, sub] = rest;
    const q = recorded.url.searchParams;
    const method = recorded.method;
    const gr = { resource };

    if (!name) {
      if (method === 'GET' && q.get('watch') === 'true') return this.#watch(res, resource, namespace, q);
      if (method === 'GET') return this.#list(res, resource, namespace, q);
      if (method === 'POST') {
        const obj = JSON.parse(body) as Obj;
        if (namespace) obj.metadata = { ...obj.metadata, namespace };
        if (this.#bucket(resource).has(keyOf(obj))) return status(res, 409, 'AlreadyExists', `${resource} "${obj.metadata?.name}" already exists`, { name: obj.metadata?.name, kind: resource });
        return json(res, 201, this.put(resource, obj));
      }
      return status(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }

    const key = namespace && !CLUSTER_SCOPED.has(resource) ? `${namespace}/${name}` : name;
    const current = this.#bucket(resource).get(key);
    const notFound = (): void => status(res, 404, 'NotFound', `${resource} "${name}" not found`, { name, kind: gr.resource });
    if (method === 'GET') return current ? json(res, 200, sub ? subresourceView(sub, current) : current) : notFound();
    if (method === 'PUT') {
      if (!current) return notFound();
      const obj = JSON.parse(body) as Obj;
      const rv = obj.metadata?.resourceVersion;
      if (rv && rv !== current.metadata?.resourceVersion) {
        return status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: resource });
      }
      return json(res, 200, this.put(resource, { ...obj, metadata: { ...obj.metadata, namespace } }));
    }
    if (method === 'DELETE') {
      if (!current) return notFound();
      this.remove(resource, namespace, name);
      return json(res, 200, current);
    }
    if (method === 'PATCH') {
      if (!current) return notFound();
      const patch = JSON.parse(body) as Record<string, unknown>;
      return json(res, 200, this.put(resource, { ...current, ...patch, metadata: current.metadata }));
    }
    return status(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  #list(res: ServerResponse, resource: string, namespace: string | undefined, q: URLSearchParams): void {
    const selector = q.get('labelSelector') ? parseLabelSelector(q.get('labelSelector') ?? '') : undefined;
    const items = [...this.#bucket(resource).values()].filter(
      (o) => (!namespace || o.metadata?.namespace === namespace) && (!selector || selector.matches(o.metadata?.labels)),
    );
    json(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) }, items });
  }

  #watch(res: ServerResponse, resource: string, namespace: string | undefined, q: URLSearchParams): void {
    const from = q.get('resourceVersion');
    const expired = from && from !== '0' && Number(from) < this.#oldestRv;
    if (expired && this.expiredAs === 'http') {
      return status(res, 410, 'Expired', `too old resource version: ${from} (${this.#oldestRv})`);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (expired) {
      this.#send(res, { type: 'ERROR', object: statusBody(410, 'Expired', `too old resource version: ${from} (${this.#oldestRv})`) });
      res.end();
      return;
    }
    const matches = (o: Obj): boolean => !namespace || o.metadata?.namespace === namespace;
    if (!from || from === '0') {
      for (const o of this.#bucket(resource).values()) if (matches(o)) this.#send(res, { type: 'ADDED', object: o });
    } else {
      for (const e of this.#history) {
        if (e.resource === resource && e.rv > Number(from) && matches(e.object)) this.#send(res, { type: e.type, object: e.object });
      }
    }
    const watcher: Watcher = { resource, namespace, bookmarks: q.get('allowWatchBookmarks') === 'true', res };
    this.#watchers.add(watcher);
    res.on('close', () => this.#watchers.delete(watcher));
  }
}

function subresourceView(sub: string, obj: Obj): unknown {
  if (sub === 'scale') {
    const spec = obj['spec'] as { replicas?: number } | undefined;
    return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: obj.metadata, spec: { replicas: spec?.replicas ?? 0 }, status: { replicas: 0 } };
  }
  return obj;
}

function keyOf(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : (obj.metadata?.name ?? '');
}

function statusBody(code: number, reason: string, message: string, details?: object): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function status(res: ServerResponse, code: number, reason: string, message: string, details?: object): void {
  json(res, code, statusBody(code, reason, message, details));
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  return new FakeApiServer().start();
}
