/**
 * The kubelet's HTTP API (port 10250): `/healthz`, `/pods`, `/stats/summary`, `/metrics`,
 * `/containerLogs/{ns}/{pod}/{container}`, `/exec|/attach/{ns}/{pod}/{container}` over
 * WebSocket (streaming.ts) or SPDY/3.1 (remotecommand-spdy.ts), and `/portForward/{ns}/{pod}`
 * (SPDY, SPDY in WebSocket, or WebSocket channels; see portforward.ts). Every route but
 * /healthz needs an authenticated caller (see auth.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger, Registry } from '@tskube/component-base';
import type { Kubelet } from '../kubelet/kubelet.js';
import type { LogOptions } from '../runtime/types.js';
import { authenticate, type KubeletAuthConfig } from './auth.js';
import { createPortForwardHandler } from './portforward.js';
import { acceptSpdyUpgrade, negotiateSpdyProtocol, serveRemoteCommandSpdy, SPDY_STREAM_PROTOCOLS } from './remotecommand-spdy.js';
import type { SpdySession } from './spdy/index.js';
import { statsSummary } from './stats.js';
import { CHANNEL, failureStatus, frame, pickProtocol, serveSession, STREAM_PROTOCOLS } from './streaming.js';

export interface KubeletServerOptions {
  kubelet: Kubelet;
  auth: KubeletAuthConfig;
  logger: Logger;
  /** PEM; without it the server speaks plain HTTP (tests, `--kubelet-insecure-http`). */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
  metrics?: Registry;
  now?: () => number;
}

export interface KubeletServer {
  readonly server: http.Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const TRUE = /^(1|t|true)$/i;
const NEEDS_UPGRADE = 'exec and attach need an upgrade (WebSocket v5.channel.k8s.io, or SPDY/3.1)';

/** A header's comma-separated values, repeated headers included. */
const listHeader = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : [value ?? '']).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `${name} must be a non-negative integer`);
  return n;
}

/** `/{kind}/{ns}/{pod}/{container}` → parts, or undefined. */
function containerPath(pathname: string, kind: string): { ns: string; pod: string; container: string } | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== kind || parts.length !== 4) return undefined;
  return { ns: parts[1]!, pod: parts[2]!, container: parts[3]! };
}

export function createKubeletServer(options: KubeletServerOptions): KubeletServer {
  const { kubelet, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ part: 'server' });
  const sockets = new Set<Socket | Duplex>();
  const spdySessions = new Set<SpdySession>();

  const text = (res: ServerResponse, code: number, body: string) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  };
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const findRef = async (p: { ns: string; pod: string; container: string }, previous: boolean) => {
    const pod = kubelet.findPod(p.ns, p.pod);
    if (!pod) throw new HttpError(404, `pod "${p.pod}" not found in namespace "${p.ns}"`);
    const ref = await kubelet.findContainer(p.ns, p.pod, p.container, previous);
    if (!ref) {
      const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
      if (!specs.some((c) => c.name === p.container)) throw new HttpError(404, `container "${p.container}" not found in pod "${p.pod}"`);
      if (previous) throw new HttpError(400, `previous terminated container "${p.container}" in pod "${p.pod}" not found`);
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      const reason = statuses.find((s) => s.name === p.container)?.state?.waiting?.reason ?? 'ContainerCreating';
      throw new HttpError(400, `container "${p.container}" in pod "${p.pod}" is waiting to start: ${reason}`);
    }
    return ref;
  };

  const containerLogs = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const p = containerPath(url.pathname, 'containerLogs');
    if (!p) throw new HttpError(404, 'not found');
    const q = url.searchParams;
    const opts: LogOptions = { follow: TRUE.test(q.get('follow') ?? ''), timestamps: TRUE.test(q.get('timestamps') ?? '') };
    const tail = intParam(q, 'tailLines');
    if (tail !== undefined) opts.tailLines = tail;
    const limit = intParam(q, 'limitBytes');
    if (limit !== undefined) opts.limitBytes = limit;
    let since = intParam(q, 'sinceSeconds');
    const sinceTime = q.get('sinceTime');
    if (since === undefined && sinceTime) {
      const t = Date.parse(sinceTime);
      if (Number.isNaN(t)) throw new HttpError(400, 'sinceTime must be an RFC 3339 time');
      since = Math.max(0, Math.ceil((now() - t) / 1000));
    }
    if (since !== undefined) opts.sinceSeconds = since;
    const ref = await findRef(p, TRUE.test(q.get('previous') ?? ''));
    const stream = await kubelet.runtime.logs(ref.container.id, opts);
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache' });
    res.flushHeaders();
    req.on('close', () => stream.destroy());
    stream.on('error', (err) => {
      log.debug({ err }, 'log stream failed');
      res.end();
    });
    stream.pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (url.pathname === '/healthz') return text(res, 200, 'ok');
    if (!authenticate(req, options.auth).ok) return text(res, 401, 'Unauthorized');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (/^\/(exec|attach)\//.test(url.pathname)) throw new HttpError(400, NEEDS_UPGRADE);
      throw new HttpError(405, 'method not allowed');
    }
    if (url.pathname === '/pods' || url.pathname === '/pods/') {
      return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: kubelet.podList() });
    }
    if (url.pathname === '/stats/summary') {
      const snapshot = await kubelet.cache.get();
      return json(res, await statsSummary({ nodeName: kubelet.nodeName, pods: kubelet.podList(), snapshot, runtime: kubelet.runtime, now: now() }));
    }
    if (url.pathname === '/metrics' && options.metrics) {
      res.writeHead(200, { 'content-type': options.metrics.contentType });
      return res.end(await options.metrics.metrics());
    }
    if (url.pathname.startsWith('/containerLogs/')) return containerLogs(req, res, url);
    if (/^\/(exec|attach)\//.test(url.pathname)) throw new HttpError(400, NEEDS_UPGRADE);
    if (url.pathname.startsWith('/portForward/')) throw new HttpError(400, 'port forwarding needs an upgrade (SPDY/3.1 or WebSocket)');
    throw new HttpError(404, 'not found');
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const code = err instanceof HttpError ? err.code : 500;
      if (code === 500) log.warn({ err, url: req.url }, 'kubelet API request failed');
      if (!res.headersSent) text(res, code, err instanceof Error ? err.message : String(err));
      else res.end();
    });
  };

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickProtocol(offered) });
  const portForward = createPortForwardHandler({ kubelet, logger: log });

  const refuse = (socket: Duplex, code: number, message: string) => {
    const reason = http.STATUS_CODES[code] ?? 'Error';
    socket.end(`HTTP/1.1 ${code} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://kubelet');
      if (!authenticate(req, options.auth).ok) return refuse(socket, 401, 'Unauthorized');
      if (url.pathname.startsWith('/portForward/')) return portForward.upgrade(req, socket, head);
      const kind = url.pathname.startsWith('/exec/') ? 'exec' : url.pathname.startsWith('/attach/') ? 'attach' : undefined;
      const p = kind ? containerPath(url.pathname, kind) : undefined;
      if (!kind || !p) return refuse(socket, 404, 'not found');
      const upgradeTo = listHeader(req.headers.upgrade).map((s) => s.toLowerCase());
      let spdyProtocol: string | undefined;
      if (upgradeTo.includes('spdy/3.1')) {
        const offered = listHeader(req.headers['x-stream-protocol-version']);
        spdyProtocol = negotiateSpdyProtocol(offered);
        if (!spdyProtocol) {
          return refuse(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ${JSON.stringify(SPDY_STREAM_PROTOCOLS)}`);
        }
      } else if (!upgradeTo.includes('websocket')) {
        return refuse(socket, 400, NEEDS_UPGRADE);
      } else if (!pickProtocol(listHeader(req.headers['sec-websocket-protocol']))) {
        return refuse(socket, 400, `unsupported stream protocol; use one of ${STREAM_PROTOCOLS.join(', ')}`);
      }
      const q = url.searchParams;
      const flags = {
        stdin: TRUE.test(q.get('input') ?? q.get('stdin') ?? ''),
        stdout: TRUE.test(q.get('output') ?? q.get('stdout') ?? ''),
        stderr: TRUE.test(q.get('error') ?? q.get('stderr') ?? ''),
        tty: TRUE.test(q.get('tty') ?? ''),
      };
      const command = q.getAll('command');
      if (kind === 'exec' && command.length === 0) return refuse(socket, 400, 'you must specify at least 1 command');
      let ref;
      try {
        ref = await findRef(p, false);
      } catch (err) {
        return refuse(socket, err instanceof HttpError ? err.code : 500, err instanceof Error ? err.message : String(err));
      }
      if (ref.container.state !== 'running') return refuse(socket, 400, `container ${p.container} is not running`);
      const id = ref.container.id;
      const streams = { ...flags, stderr: flags.stderr && !flags.tty };
      const start = () => (kind === 'exec' ? kubelet.runtime.exec(id, { cmd: command, ...streams }) : kubelet.runtime.attach(id, streams));
      if (spdyProtocol) {
        // SPDY clients open their streams after the upgrade; the command starts once they are there.
        const spdy = acceptSpdyUpgrade(socket, head, spdyProtocol);
        spdySessions.add(spdy);
        spdy.on('close', () => spdySessions.delete(spdy));
        spdy.on('error', (err: Error) => log.debug({ err }, 'exec/attach SPDY session failed'));
        const done = serveRemoteCommandSpdy(spdy, { protocol: spdyProtocol, streams, start, ...(kind === 'exec' ? { command } : {}), logger: log });
        return void done.catch((err: unknown) => {
          log.warn({ err, kind, container: p.container }, 'stream failed');
          spdy.destroy();
        });
      }
      // The session exists before the upgrade completes, so no early stdin frame (or v5 close) is lost.
      let session;
      try {
        session = await start();
      } catch (err) {
        log.warn({ err, kind, container: p.container }, 'stream failed');
        return refuse(socket, 500, err instanceof Error ? err.message : String(err));
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        serveSession(ws, session, kind === 'exec' ? command : undefined).catch((err: unknown) => {
          log.warn({ err, kind, container: p.container }, 'stream failed');
          if (ws.readyState === ws.OPEN) ws.send(frame(CHANNEL.status, JSON.stringify(failureStatus(err instanceof Error ? err.message : String(err)))));
          ws.close(1000);
        });
      });
    })().catch((err: unknown) => {
      log.warn({ err }, 'upgrade failed');
      socket.destroy();
    });
  };

  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: false } : {}) }, onRequest)
    : http.createServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return {
    server,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      portForward.close();
      for (const s of spdySessions) s.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
