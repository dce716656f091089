/**
 * exec and attach over SPDY/3.1: kubectl ≤ 1.29's only transport, and newer kubectls' fallback
 * (`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`). After a `POST` upgraded with
 * `X-Stream-Protocol-Version` the client opens one SPDY stream per stream type (header
 * `streamtype`: error, stdin, stdout, stderr, resize); once all the request asked for are there
 * the command runs, its output goes to the client's streams, and the final status is written on
 * the error stream (v4: a Status object; v2/v3: the failure message as text, nothing on success).
 * Resize messages are `{"Width":..,"Height":..}` objects one after another.
 * (Upstream: k8s.io/kubelet pkg/kubelet/cri/streaming/remotecommand/httpstream.go.)
 */
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from '@tskube/component-base';
import type { StreamSession } from '../runtime/types.js';
import { RstStatus, SpdySession, type SpdyStream } from './spdy/index.js';
import { applyResize, failureStatus, finalStatus, V4 } from './streaming.js';

export const V3 = 'v3.channel.k8s.io';
export const V2 = 'v2.channel.k8s.io';
/** What we speak over SPDY. v1 (`channel.k8s.io`, kubelets 1.0) has quirks no kubectl needs any more. */
export const SPDY_STREAM_PROTOCOLS = [V4, V3, V2] as const;
/** How long the client gets to open its streams, as the kubelet's streamCreationTimeout. */
export const SPDY_STREAM_CREATION_TIMEOUT_MS = 30_000;
/** How long, after the final status, the client gets to close the connection before we do. */
export const SPDY_CLOSE_GRACE_MS = 5_000;

export const STREAM_TYPES = ['error', 'stdin', 'stdout', 'stderr', 'resize'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

export interface RemoteCommandStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const isStreamType = (v: string | undefined): v is StreamType => (STREAM_TYPES as readonly string[]).includes(v ?? '');

/** The first protocol the client offered that we speak, in the client's order (as Go's httpstream.Handshake). */
export function negotiateSpdyProtocol(offered: readonly string[]): string | undefined {
  return offered.find((p) => (SPDY_STREAM_PROTOCOLS as readonly string[]).includes(p));
}

/** The streams a client opens for a request (stderr is merged into a TTY; resize exists from v3 on). */
export function expectedStreamTypes(protocol: string, streams: RemoteCommandStreams): StreamType[] {
  const types: StreamType[] = ['error'];
  if (streams.stdin) types.push('stdin');
  if (streams.stdout) types.push('stdout');
  if (streams.stderr && !streams.tty) types.push('stderr');
  if (streams.tty && protocol !== V2) types.push('resize');
  return types;
}

/** The bytes of the final status on the error stream under `protocol`. */
export function statusMessage(protocol: string, status: Record<string, unknown>): string {
  if (protocol === V4) return JSON.stringify(status);
  return status['status'] === 'Success' ? '' : String(status['message'] ?? 'error');
}

/**
 * Splits a byte stream of concatenated JSON objects (what Go's json.Encoder writes, with or
 * without newlines between them) into the objects' texts.
 */
export class JsonObjectSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  push(chunk: Buffer | string): string[] {
    const out: string[] = [];
    const from = this.buf.length;
    this.buf += String(chunk);
    for (let i = from; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') {
        this.inString = this.depth > 0;
      } else if (c === '{') {
        if (this.depth++ === 0) this.start = i;
      } else if (c === '}' && this.depth > 0 && --this.depth === 0) {
        out.push(this.buf.slice(this.start, i + 1));
        this.start = -1;
      }
    }
    // Keep only an unfinished object.
    if (this.depth === 0) this.buf = '';
    else if (this.start > 0) {
      this.buf = this.buf.slice(this.start);
      this.start = 0;
    }
    return out;
  }
}

/** Answers the upgrade with 101 and the chosen protocol; the SPDY session (server role) on the socket. */
export function acceptSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string): SpdySession {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  return new SpdySession(socket);
}

export interface SpdyRemoteCommandOptions {
  /** The negotiated protocol (one of SPDY_STREAM_PROTOCOLS). */
  protocol: string;
  /** What the request asked for (its stdin/stdout/stderr/tty query flags). */
  streams: RemoteCommandStreams;
  /** Starts the command (exec) or attaches (attach), once the client's streams are there. */
  start(): Promise<StreamSession>;
  /** The exec'd command, for the status message. */
  command?: readonly string[];
  logger: Logger;
  streamCreationTimeoutMs?: number;
  closeGraceMs?: number;
}

/** Collects the client's streams until those expected are there; later ones are refused. */
function collectStreams(spdy: SpdySession, expected: readonly StreamType[], timeoutMs: number, logger: Logger): Promise<Map<StreamType, SpdyStream>> {
  const streams = new Map<StreamType, SpdyStream>();
  let collecting = true;
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      collecting = false;
      clearTimeout(timer);
      spdy.off('close', onClose);
      if (err) reject(err);
      else resolve(streams);
    };
    const timer = setTimeout(() => done(new Error('timed out waiting for client to create streams')), timeoutMs);
    const onClose = () => done(new Error('connection closed before client created streams'));
    spdy.on('close', onClose);
    spdy.on('stream', (stream: SpdyStream) => {
      stream.on('error', (err) => logger.debug({ err, stream: stream.id }, 'remote command stream failed'));
      const type = stream.headers['streamtype'];
      if (!collecting || !isStreamType(type) || streams.has(type)) {
        logger.debug({ headers: stream.headers }, 'remote command stream refused: unexpected, unknown or repeated streamtype');
        return stream.reset(collecting ? RstStatus.protocolError : RstStatus.refusedStream);
      }
      streams.set(type, stream);
      void stream.reply().catch(() => undefined);
      if (expected.every((t) => streams.has(t))) done();
    });
  });
}

/** Copies a runtime stream into a SPDY stream (with backpressure); the SPDY stream is ended by us. */
function copyOut(source: Readable | undefined, target: SpdyStream | undefined): void {
  if (!source) return;
  if (!target) return void source.resume();
  source.pipe(target, { end: false });
}

function endStream(stream: SpdyStream | undefined, data?: string): void {
  if (!stream || stream.writableEnded || stream.destroyed) return;
  if (data) stream.end(data);
  else stream.end();
}

/** Leaves the client time to close the connection, as it does once it has read everything; then closes it. */
async function closeSession(spdy: SpdySession, graceMs: number): Promise<void> {
  if (spdy.closed) return;
  const closed = new Promise<void>((resolve) => spdy.once('close', resolve));
  const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
  await Promise.race([closed, later(graceMs)]);
  if (spdy.closed) return;
  await spdy.close();
  // A peer that never answers our end must not hold the socket.
  await Promise.race([closed, later(1000)]);
  spdy.destroy();
}

/**
 * Serves one exec or attach on an upgraded SPDY session: waits for the client's streams, starts
 * the command, copies, writes the final status, and closes. Resolves when the session is done.
 */
export async function serveRemoteCommandSpdy(spdy: SpdySession, options: SpdyRemoteCommandOptions): Promise<void> {
  const { protocol, logger } = options;
  const graceMs = options.closeGraceMs ?? SPDY_CLOSE_GRACE_MS;
  const gone = new Promise<'gone'>((resolve) => spdy.once('close', () => resolve('gone')));
  let streams: Map<StreamType, SpdyStream>;
  try {
    streams = await collectStreams(spdy, expectedStreamTypes(protocol, options.streams), options.streamCreationTimeoutMs ?? SPDY_STREAM_CREATION_TIMEOUT_MS, logger);
  } catch (err) {
    logger.debug({ err }, 'remote command streams incomplete');
    // What arrived is dropped with the session (upstream does not report this on the error stream either).
    return void (await spdy.close());
  }
  const error = streams.get('error')!;
  // Clients send nothing on the error stream; keep it flowing so it never holds the session.
  error.resume();

  let proc: StreamSession;
  try {
    proc = await options.start();
  } catch (err) {
    logger.warn({ err }, 'remote command failed to start');
    endStream(error, statusMessage(protocol, failureStatus(err instanceof Error ? err.message : String(err))));
    for (const s of streams.values()) endStream(s);
    return closeSession(spdy, graceMs);
  }

  const stdin = streams.get('stdin');
  if (stdin) {
    if (proc.stdin) {
      proc.stdin.on('error', (err) => logger.debug({ err }, 'remote command stdin failed'));
      // The client's FIN on stdin (its stdin hit EOF) closes the process's stdin.
      stdin.pipe(proc.stdin);
    } else stdin.resume();
  }
  const stdout = streams.get('stdout');
  const stderr = streams.get('stderr');
  copyOut(proc.stdout, stdout);
  copyOut(proc.stderr, stderr);
  const resize = streams.get('resize');
  if (resize) {
    const splitter = new JsonObjectSplitter();
    resize.on('data', (chunk: Buffer) => {
      for (const message of splitter.push(chunk)) applyResize(proc, message);
    });
  }
  spdy.once('close', () => proc.stdin?.end());

  const status = await Promise.race([finalStatus(proc, options.command), gone]);
  if (status === 'gone') return;
  // Output still unread after the drain bound is dropped, as on the WebSocket path.
  if (proc.stdout && stdout) proc.stdout.unpipe(stdout);
  if (proc.stderr && stderr) proc.stderr.unpipe(stderr);
  endStream(stdout);
  endStream(stderr);
  endStream(error, statusMessage(protocol, status));
  endStream(stdin);
  endStream(resize);
  await closeSession(spdy, graceMs);
}
