/**
 * A SPDY/3.1 session over any Duplex (an upgraded socket, or a WebSocket carrying the SPDY byte
 * stream in binary messages). Streams the peer opens arrive as `stream` events; each is a Duplex
 * (write → DATA frames, end → FIN, destroy → RST_STREAM CANCEL). Both roles are supported so tests
 * (and a future client) can talk to a server session.
 *
 * Flow control: we grant each stream (and the session) a 64 KiB receive window and reopen it with
 * WINDOW_UPDATE as the reader consumes; a reader that falls behind pauses the transport, so a slow
 * target backpressures the peer. A peer overrunning our window is tolerated, because Go's
 * spdystream (kubectl, the upstream kubelet) ignores windows altogether.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { HeaderCompressor, HeaderDecompressor } from './compression.js';
import {
  FrameDecoder,
  GoAwayStatus,
  RstStatus,
  Setting,
  SpdyProtocolError,
  decodeHeaderBlock,
  encodeFrame,
  encodeHeaderBlock,
  type Frame,
  type SpdyHeaders,
} from './frames.js';

export const DEFAULT_WINDOW_SIZE = 64 * 1024;
/** Largest DATA payload we send in one frame. */
const MAX_DATA_CHUNK = 16 * 1024;

type HeaderInput = Record<string, string | readonly string[]>;

export interface SpdySessionOptions {
  /** Which side of the connection we are: decides stream and ping id parity. Default server. */
  role?: 'server' | 'client';
  /** The receive window we grant each stream and the session. Default 64 KiB. */
  initialWindowSize?: number;
  /**
   * Whether sending waits for the peer's window. `auto` (default) starts to once the peer shows it
   * does flow control (a WINDOW_UPDATE, or SETTINGS_INITIAL_WINDOW_SIZE; the session window once
   * it updates stream 0). spdystream never sends either and never reopens a window, so honouring
   * its nominal 64 KiB would stall every stream.
   */
  peerFlowControl?: 'auto' | 'on' | 'off';
}

export class SpdyStream extends Duplex {
  /** Headers of the peer's SYN_REPLY (streams we opened); undefined until it arrives. */
  replyHeaders: SpdyHeaders | undefined;
  /** The RST_STREAM status, once the stream was reset by either side. */
  resetStatus: number | undefined;
  /** @internal */ sendWindow: number;
  /** @internal */ localFin = false;
  /** @internal */ remoteFin = false;
  private unacked = 0;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    /** Headers of the SYN_STREAM that opened this stream. */
    readonly headers: SpdyHeaders,
    sendWindow: number,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = sendWindow;
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: HeaderInput = {}, fin = false): Promise<void> {
    if (fin) this.localFin = true;
    return this.session.sendHeaders('synReply', this.id, headers, fin);
  }

  /** Aborts the stream with RST_STREAM (default CANCEL). */
  reset(status: number = RstStatus.cancel): void {
    if (this.resetStatus === undefined && !(this.localFin && this.remoteFin)) {
      this.resetStatus = status;
      void this.session.send({ type: 'rstStream', streamId: this.id, status }).catch(() => undefined);
    }
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.session.sendData(this, chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localFin || this.resetStatus !== undefined) return cb();
    this.localFin = true;
    this.session
      .send({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) })
      .then(() => {
        this.session.closedIfDone(this);
        cb();
      }, cb);
  }

  override _read(): void {
    this.ack();
    this.session.uncongest(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.resetStatus === undefined && !(this.localFin && this.remoteFin)) {
      this.resetStatus = RstStatus.cancel;
      void this.session.send({ type: 'rstStream', streamId: this.id, status: RstStatus.cancel }).catch(() => undefined);
    }
    this.session.forget(this);
    cb(err);
  }

  /** @internal A DATA frame arrived. */
  onData(data: Buffer, fin: boolean): void {
    if (this.destroyed) return;
    if (data.length > 0) {
      this.unacked += data.length;
      if (this.push(data)) this.ack();
      else this.session.congest(this);
    }
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.session.closedIfDone(this);
  }

  /** Reopens the window for what the reader consumed, in steps of half a window. */
  private ack(): void {
    if (this.unacked < this.session.windowSize / 2 || this.remoteFin || this.destroyed) return;
    const delta = this.unacked;
    this.unacked = 0;
    this.session.consumed(this.id, delta);
  }
}

export class SpdySession extends EventEmitter {
  readonly role: 'server' | 'client';
  readonly windowSize: number;
  readonly streams = new Map<number, SpdyStream>();
  /** The peer sent GOAWAY: it opens no new streams. */
  goneAway = false;
  closed = false;
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly peerFlowControl: 'auto' | 'on' | 'off';
  private streamFlowControl: boolean;
  private sessionFlowControl: boolean;
  private peerInitialWindow = DEFAULT_WINDOW_SIZE;
  private sessionSendWindow = DEFAULT_WINDOW_SIZE;
  private sessionUnacked = 0;
  private nextStreamId: number;
  private lastPeerStreamId = 0;
  private nextPingId: number;
  private readonly pings = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly windowWaiters = new Set<() => void>();
  private readonly congested = new Set<SpdyStream>();
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Duplex,
    options: SpdySessionOptions = {},
  ) {
    super();
    this.role = options.role ?? 'server';
    this.windowSize = options.initialWindowSize ?? DEFAULT_WINDOW_SIZE;
    this.peerFlowControl = options.peerFlowControl ?? 'auto';
    this.streamFlowControl = this.sessionFlowControl = this.peerFlowControl === 'on';
    this.nextStreamId = this.role === 'server' ? 2 : 1;
    this.nextPingId = this.role === 'server' ? 2 : 1;
    if (this.windowSize !== DEFAULT_WINDOW_SIZE) {
      void this.send({ type: 'settings', clear: false, entries: [{ id: Setting.initialWindowSize, flags: 0, value: this.windowSize }] }).catch(() => undefined);
    }
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.decoder.push(chunk);
      } catch (err) {
        return this.fail(err);
      }
      for (const f of frames) this.inbound = this.inbound.then(() => this.onFrame(f)).catch((err: unknown) => this.fail(err));
    });
    socket.on('end', () => void this.close());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClosed());
  }

  /** Opens a stream (SYN_STREAM). */
  openStream(headers: HeaderInput, options: { fin?: boolean } = {}): SpdyStream {
    if (this.closed) throw new Error('SPDY session is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, decodeHeaderBlock(encodeHeaderBlock(headers)), this.peerInitialWindow);
    this.streams.set(id, stream);
    if (options.fin) {
      stream.localFin = true;
      stream.end();
    }
    void this.sendHeaders('synStream', id, headers, options.fin ?? false).catch(() => undefined);
    return stream;
  }

  /** Round trip of a PING. */
  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) % 0x100000000;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { resolve, reject });
      this.send({ type: 'ping', id }).catch((err: unknown) => {
        this.pings.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  /** GOAWAY, then ends the transport once queued frames are out; open streams are reset. */
  async close(status: number = GoAwayStatus.ok): Promise<void> {
    if (this.closed) return;
    await this.send({ type: 'goAway', lastGoodStreamId: this.lastPeerStreamId, status }).catch(() => undefined);
    this.shutdown();
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** @internal Queues a frame; frames leave in call order (the header compressor depends on it). */
  send(frame: Frame | (() => Promise<Frame>)): Promise<void> {
    const next = this.outbound.then(async () => {
      if (this.closed || this.socket.destroyed || this.socket.writableEnded) throw new Error('SPDY session is closed');
      const f = typeof frame === 'function' ? await frame() : frame;
      if (!this.socket.write(encodeFrame(f))) await this.drained();
    });
    this.outbound = next.catch(() => undefined);
    return next;
  }

  /** @internal */
  sendHeaders(type: 'synStream' | 'synReply' | 'headers', streamId: number, headers: HeaderInput, fin: boolean): Promise<void> {
    return this.send(async () => {
      const headerBlock = await this.compressor.compress(encodeHeaderBlock(headers));
      if (type === 'synStream') return { type, streamId, associatedId: 0, priority: 0, slot: 0, fin, unidirectional: false, headerBlock };
      return { type, streamId, fin, headerBlock };
    });
  }

  /** @internal Sends `chunk` as DATA frames, within the peer's windows when it does flow control. */
  async sendData(stream: SpdyStream, chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length; ) {
      const allowed = await this.allowance(stream);
      const n = Math.min(chunk.length - off, MAX_DATA_CHUNK, allowed);
      stream.sendWindow -= n;
      this.sessionSendWindow -= n;
      await this.send({ type: 'data', streamId: stream.id, fin: false, data: chunk.subarray(off, off + n) });
      off += n;
    }
  }

  private async allowance(stream: SpdyStream): Promise<number> {
    for (;;) {
      if (stream.resetStatus !== undefined || stream.localFin || this.closed) throw new Error(`SPDY stream ${stream.id} is closed`);
      const streamWindow = this.streamFlowControl ? stream.sendWindow : Infinity;
      const sessionWindow = this.sessionFlowControl ? this.sessionSendWindow : Infinity;
      const allowed = Math.min(streamWindow, sessionWindow);
      if (allowed > 0) return allowed;
      await new Promise<void>((resolve) => this.windowWaiters.add(resolve));
    }
  }

  private wakeWriters(): void {
    const waiters = [...this.windowWaiters];
    this.windowWaiters.clear();
    for (const w of waiters) w();
  }

  /** @internal The reader of `streamId` consumed `delta` bytes: reopen its window and the session's. */
  consumed(streamId: number, delta: number): void {
    void this.send({ type: 'windowUpdate', streamId, delta }).catch(() => undefined);
    this.sessionUnacked += delta;
    if (this.sessionUnacked >= this.windowSize / 2) {
      const sessionDelta = this.sessionUnacked;
      this.sessionUnacked = 0;
      void this.send({ type: 'windowUpdate', streamId: 0, delta: sessionDelta }).catch(() => undefined);
    }
  }

  /** @internal A reader is full: stop reading the transport until it drains. */
  congest(stream: SpdyStream): void {
    this.congested.add(stream);
    this.socket.pause();
  }

  /** @internal */
  uncongest(stream: SpdyStream): void {
    if (this.congested.delete(stream) && this.congested.size === 0 && !this.closed) this.socket.resume();
  }

  /** @internal Both directions finished: the stream is closed. */
  closedIfDone(stream: SpdyStream): void {
    if (stream.localFin && stream.remoteFin) this.streams.delete(stream.id);
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    this.uncongest(stream);
    this.wakeWriters();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private isPeerStreamId(id: number): boolean {
    return id % 2 === (this.role === 'server' ? 1 : 0);
  }

  private rst(streamId: number, status: number): void {
    void this.send({ type: 'rstStream', streamId, status }).catch(() => undefined);
  }

  private async onFrame(f: Frame): Promise<void> {
    switch (f.type) {
      case 'data': {
        const stream = this.streams.get(f.streamId);
        if (!stream) return this.rst(f.streamId, RstStatus.invalidStream);
        if (stream.remoteFin) return this.rst(f.streamId, RstStatus.streamAlreadyClosed);
        return stream.onData(f.data, f.fin);
      }
      case 'synStream': {
        // Always inflate: the decompression context must see every block, even of refused streams.
        const headers = decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock));
        if (!this.isPeerStreamId(f.streamId) || f.streamId <= this.lastPeerStreamId) return this.rst(f.streamId, RstStatus.protocolError);
        this.lastPeerStreamId = f.streamId;
        if (this.closed || this.listenerCount('stream') === 0) return this.rst(f.streamId, RstStatus.refusedStream);
        const stream = new SpdyStream(this, f.streamId, headers, this.peerInitialWindow);
        this.streams.set(f.streamId, stream);
        if (f.unidirectional) {
          stream.localFin = true;
          stream.end();
        }
        this.emit('stream', stream);
        if (f.fin) stream.onRemoteFin();
        return;
      }
      case 'synReply':
      case 'headers': {
        const headers = decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock));
        const stream = this.streams.get(f.streamId);
        if (!stream) return this.rst(f.streamId, RstStatus.invalidStream);
        if (f.type === 'synReply') {
          stream.replyHeaders = headers;
          stream.emit('reply', headers);
        } else {
          stream.emit('headers', headers);
        }
        if (f.fin) stream.onRemoteFin();
        return;
      }
      case 'rstStream': {
        const stream = this.streams.get(f.streamId);
        if (!stream) return;
        stream.resetStatus = f.status;
        stream.destroy();
        return;
      }
      case 'settings':
        for (const e of f.entries) {
          if (e.id !== Setting.initialWindowSize) continue;
          const delta = e.value - this.peerInitialWindow;
          this.peerInitialWindow = e.value;
          for (const s of this.streams.values()) s.sendWindow += delta;
          if (this.peerFlowControl === 'auto') this.streamFlowControl = true;
        }
        this.wakeWriters();
        return;
      case 'ping':
        if (this.isPeerStreamId(f.id)) return void this.send(f).catch(() => undefined);
        this.pings.get(f.id)?.resolve();
        this.pings.delete(f.id);
        return;
      case 'goAway':
        this.goneAway = true;
        this.emit('goaway', f.status);
        return;
      case 'windowUpdate':
        if (f.streamId === 0) {
          this.sessionSendWindow += f.delta;
          if (this.peerFlowControl === 'auto') this.sessionFlowControl = true;
        } else {
          const stream = this.streams.get(f.streamId);
          if (stream) stream.sendWindow += f.delta;
          if (this.peerFlowControl === 'auto') this.streamFlowControl = true;
        }
        this.wakeWriters();
        return;
      case 'unknown':
        return;
    }
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', error);
    const status = error instanceof SpdyProtocolError ? GoAwayStatus.protocolError : GoAwayStatus.internalError;
    void this.close(status).finally(() => this.socket.destroy());
  }

  /** Resets what is still open and stops accepting frames. */
  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) {
      s.resetStatus ??= RstStatus.cancel;
      s.destroy();
    }
    this.streams.clear();
    this.wakeWriters();
    for (const p of this.pings.values()) p.reject(new Error('SPDY session closed'));
    this.pings.clear();
  }

  private onClosed(): void {
    this.shutdown();
    this.compressor.close();
    this.decompressor.close();
    this.emit('close');
  }
}
