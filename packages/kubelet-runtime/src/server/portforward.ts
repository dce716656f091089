/**
 * `/portForward/{ns}/{pod}[/{uid}]` in the three ways real clients speak it:
 * - SPDY/3.1 tunnelled in WebSocket binary messages, subprotocol `SPDY/3.1+portforward.k8s.io`
 *   (kubectl ≥ 1.31's default);
 * - a native `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io` (kubectl's
 *   fallback and older kubectls);
 * - the WebSocket channel protocol (`v4.channel.k8s.io` and older; @kubernetes/client-node): for
 *   the i-th `ports` value channel 2i carries data and 2i+1 errors, each opened by the port as
 *   2 little-endian bytes.
 * On SPDY the client opens an `error` and a `data` stream per forwarded connection, paired by
 * their `requestid` header; the target is the pod's own localhost (ContainerRuntime.portForward).
 */
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@tskube/component-base';
import type { Kubelet } from '../kubelet/kubelet.js';
import { RstStatus, SpdySession, type SpdyStream } from './spdy/index.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** Channel protocols for port forwarding, in our order of preference (upstream has no v5 here). */
export const PORT_FORWARD_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
/** How long the first stream of a pair waits for the second, as the kubelet's streamCreationTimeout. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** Opens a connection to a port of the pod. */
export type PortConnector = (port: number) => Promise<Duplex>;

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A TCP port from a header or query value, or undefined. */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value.trim())) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** The `ports` query values (repeated and/or comma-separated). Throws on a bad one. */
export function parsePorts(query: URLSearchParams): number[] {
  const ports: number[] = [];
  for (const value of query.getAll('ports')) {
    for (const part of value.split(',')) {
      const port = parsePort(part);
      if (port === undefined) throw new Error(`invalid port ${JSON.stringify(part)}: must be 1-65535`);
      ports.push(port);
    }
  }
  return ports;
}

/** How long one finished direction waits for the other before the forward is torn down (as containerd). */
export const HALF_CLOSE_GRACE_MS = 1000;

/**
 * Wires a connected target to the SPDY data stream, half-closes included. Once one direction is
 * done the other gets a short grace, then both streams close: kubectl reads the error stream to
 * its end before it lets go of the local connection, so waiting for ever could deadlock.
 */
function pipeTarget(target: Duplex, data: SpdyStream, error: SpdyStream, fail: (message: string) => void): void {
  let timer: NodeJS.Timeout | undefined;
  let doneDirections = 0;
  const closeStreams = () => {
    clearTimeout(timer);
    if (!data.writableEnded && !data.destroyed) data.end();
    if (!error.writableEnded && !error.destroyed) error.end();
  };
  const directionDone = () => {
    if (++doneDirections === 2) return closeStreams();
    timer ??= setTimeout(() => {
      closeStreams();
      target.destroy();
    }, HALF_CLOSE_GRACE_MS);
  };
  target.on('error', (err) => fail(errorMessage(err)));
  data.on('error', () => target.destroy());
  data.pipe(target);
  target.pipe(data);
  target.on('end', directionDone);
  data.on('end', directionDone);
  // The client's RST (or a lost session) drops the target; a target gone closes both streams.
  data.on('close', () => target.destroy());
  target.on('close', closeStreams);
}

export interface SpdyPortForwardOptions {
  connect: PortConnector;
  /** For messages: `ns/name, uid x`. */
  podDescription: string;
  logger: Logger;
  streamCreationTimeoutMs?: number;
}

/** Serves kubectl's per-connection stream pairs on a SPDY session. */
export function servePortForwardSpdy(session: SpdySession, options: SpdyPortForwardOptions): void {
  const { connect, podDescription, logger } = options;
  const timeout = options.streamCreationTimeoutMs ?? STREAM_CREATION_TIMEOUT_MS;
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();

  const forward = async (data: SpdyStream, error: SpdyStream) => {
    const port = parsePort(data.headers['port'])!;
    const fail = (message: string) => {
      const text = `error forwarding port ${port} to pod ${podDescription}: ${message}`;
      logger.debug({ port }, text);
      if (!error.writableEnded && !error.destroyed) error.end(text);
      if (!data.writableEnded && !data.destroyed) data.end();
    };
    let target: Duplex;
    try {
      target = await connect(port);
    } catch (err) {
      return fail(errorMessage(err));
    }
    if (data.destroyed) return void target.destroy();
    pipeTarget(target, data, error, fail);
  };

  session.on('stream', (stream: SpdyStream) => {
    stream.on('error', (err) => logger.debug({ err, stream: stream.id }, 'port-forward stream failed'));
    const type = stream.headers['streamtype'];
    if ((type !== 'data' && type !== 'error') || parsePort(stream.headers['port']) === undefined) {
      logger.debug({ headers: stream.headers }, 'port-forward stream refused: bad streamtype or port');
      return stream.reset(RstStatus.refusedStream);
    }
    // Clients older than requestID: the error stream comes first, its data stream 2 ids later.
    const requestId = stream.headers['requestid'] ?? String(type === 'data' ? stream.id - 2 : stream.id);
    const pair = pairs.get(requestId) ?? {
      timer: setTimeout(() => {
        const p = pairs.get(requestId);
        pairs.delete(requestId);
        p?.error?.end(`timed out waiting for the data and error streams of request ${requestId}`);
        p?.data?.reset();
      }, timeout),
    };
    if (pair[type]) return stream.reset(RstStatus.protocolError);
    pair[type] = stream;
    pairs.set(requestId, pair);
    void stream.reply().catch(() => undefined);
    // Nothing the client writes on the error stream matters; keep it flowing.
    if (type === 'error') stream.resume();
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error);
    }
  });
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
}

/** Serves client-node's channel protocol: one target connection per requested port. */
export function servePortForwardChannels(ws: WebSocket, ports: number[], options: Omit<SpdyPortForwardOptions, 'streamCreationTimeoutMs'>): void {
  const { connect, podDescription, logger } = options;
  const send = (channel: number, data: Buffer | string, cb?: () => void) => {
    if (ws.readyState !== ws.OPEN) return cb?.();
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]), cb);
  };
  const targets: (Duplex | undefined)[] = [];
  const early: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const done = () => {
    if (--open === 0) ws.close(1000);
  };
  ports.forEach((port, i) => {
    const le = Buffer.alloc(2);
    le.writeUInt16LE(port);
    send(2 * i, le);
    send(2 * i + 1, le);
  });
  ports.forEach((port, i) => {
    const fail = (message: string) => send(2 * i + 1, `error forwarding port ${port} to pod ${podDescription}: ${message}`);
    connect(port).then(
      (target) => {
        if (ws.readyState !== ws.OPEN) return void target.destroy();
        targets[i] = target;
        for (const chunk of early[i]!.splice(0)) target.write(chunk);
        // Backpressure: at most a few sends in flight before the target is paused.
        let inFlight = 0;
        target.on('data', (chunk: Buffer) => {
          inFlight++;
          if (inFlight > 8) target.pause();
          send(2 * i, chunk, () => {
            inFlight--;
            if (inFlight <= 8) target.resume();
          });
        });
        target.on('error', (err) => fail(errorMessage(err)));
        // This protocol has no half-close: the target's end is the end of the connection.
        target.on('end', () => target.end());
        target.on('close', done);
      },
      (err: unknown) => {
        logger.debug({ port, err }, 'port-forward connect failed');
        fail(errorMessage(err));
        done();
      },
    );
  });
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const data = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const channel = data[0];
    // Only data channels carry client bytes; what arrives on error channels is ignored.
    if (channel === undefined || channel % 2 !== 0 || channel / 2 >= ports.length || data.length < 2) return;
    const i = channel / 2;
    const target = targets[i];
    if (target) target.write(data.subarray(1));
    else early[i]!.push(Buffer.from(data.subarray(1)));
  });
  ws.on('close', () => {
    for (const t of targets) t?.destroy();
  });
}

export interface PortForwardHandlerOptions {
  kubelet: Pick<Kubelet, 'findPod' | 'cache' | 'runtime'>;
  logger: Logger;
  streamCreationTimeoutMs?: number;
}

export interface PortForwardHandler {
  /** Handles an upgrade request for `/portForward/...`; answers errors on the socket itself. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/** Answers a request that will not be upgraded. */
export function refuseUpgrade(socket: Duplex, code: number, message: string): void {
  const reason = http.STATUS_CODES[code] ?? 'Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`);
}

const listHeader = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : [value ?? '']).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);

export function createPortForwardHandler(options: PortForwardHandlerOptions): PortForwardHandler {
  const { kubelet } = options;
  const log = options.logger.child({ part: 'portforward' });
  const sessions = new Set<SpdySession>();
  // ws rejects `SPDY/3.1+portforward.k8s.io` as a subprotocol (a '/' is no token character), so
  // the request header is swapped for a token before the handshake and the real name answered.
  const tunnelWss = new WebSocketServer({ noServer: true, handleProtocols: () => SPDY_TUNNEL_PROTOCOL });
  const channelWss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => PORT_FORWARD_CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  const startSpdy = (socket: Duplex, podDescription: string, connect: PortConnector, transport: string) => {
    log.debug({ pod: podDescription, transport }, 'port-forward session');
    const session = new SpdySession(socket);
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', (err: Error) => log.debug({ err }, 'port-forward SPDY session failed'));
    servePortForwardSpdy(session, { connect, podDescription, logger: log, ...(options.streamCreationTimeoutMs ? { streamCreationTimeoutMs: options.streamCreationTimeoutMs } : {}) });
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'portForward' || parts.length < 3 || parts.length > 4) return refuseUpgrade(socket, 404, 'not found');
    const [, namespace, name, uid] = parts as [string, string, string, string | undefined];
    const pod = kubelet.findPod(namespace, name);
    const podUid = pod?.metadata?.uid ?? '';
    if (!pod || (uid && uid !== podUid)) return refuseUpgrade(socket, 404, 'pod does not exist');
    const sandboxOf = async () => (await kubelet.cache.get()).pod(podUid).sandboxes.find((s) => s.state === 'ready');
    if (!(await sandboxOf())) {
      return refuseUpgrade(socket, 400, `unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Unknown'}`);
    }
    const podDescription = `${namespace}/${name}, uid ${podUid}`;
    // The sandbox is looked up per connection: the pod may get a new one while a session lasts.
    const connect: PortConnector = async (port) => {
      const sandbox = await sandboxOf();
      if (!sandbox) throw new Error('the pod is not running');
      return kubelet.runtime.portForward(sandbox.id, port);
    };

    const upgradeTo = (req.headers.upgrade ?? '').toLowerCase();
    if (upgradeTo === 'websocket') {
      const offered = listHeader(req.headers['sec-websocket-protocol']);
      if (offered.includes(SPDY_TUNNEL_PROTOCOL)) {
        req.headers['sec-websocket-protocol'] = 'spdy-tunnel';
        return tunnelWss.handleUpgrade(req, socket, head, (ws) => startSpdy(createWebSocketStream(ws), podDescription, connect, 'websocket'));
      }
      if (!PORT_FORWARD_CHANNEL_PROTOCOLS.some((p) => offered.includes(p))) {
        return refuseUpgrade(socket, 400, `unable to upgrade: no supported subprotocol; use one of ${[SPDY_TUNNEL_PROTOCOL, ...PORT_FORWARD_CHANNEL_PROTOCOLS].join(', ')}`);
      }
      let ports: number[];
      try {
        ports = parsePorts(url.searchParams);
      } catch (err) {
        return refuseUpgrade(socket, 400, errorMessage(err));
      }
      if (ports.length === 0) return refuseUpgrade(socket, 400, 'query parameter "port" is required');
      return channelWss.handleUpgrade(req, socket, head, (ws) => servePortForwardChannels(ws, ports, { connect, podDescription, logger: log }));
    }
    if (upgradeTo.split(',').map((s) => s.trim()).includes('spdy/3.1')) {
      const offered = listHeader(req.headers['x-stream-protocol-version']);
      if (offered.length > 0 && !offered.includes(PORT_FORWARD_PROTOCOL)) {
        return refuseUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ["${PORT_FORWARD_PROTOCOL}"]`);
      }
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
      if (head.length > 0) socket.unshift(head);
      return startSpdy(socket, podDescription, connect, 'spdy');
    }
    return refuseUpgrade(socket, 400, 'unable to upgrade: missing upgrade headers in request (Upgrade: SPDY/3.1 or websocket)');
  };

  return {
    upgrade: (req, socket, head) => {
      upgrade(req, socket, head).catch((err: unknown) => {
        log.warn({ err }, 'port-forward upgrade failed');
        if (!socket.destroyed) refuseUpgrade(socket, 500, errorMessage(err));
      });
    },
    close: () => {
      for (const s of sessions) s.destroy();
      for (const c of [...tunnelWss.clients, ...channelWss.clients]) c.terminate();
    },
  };
}
