/**
 * SPDY/3.1 framing (draft 3.1 §2.2): control frames `1|version(15)|type(16)|flags(8)|length(24)`
 * and data frames `0|stream-id(31)|flags(8)|length(24)`. Header-carrying frames hold their name/value
 * block still compressed (`headerBlock`); the session (de)compresses it in wire order.
 */

export const SPDY_VERSION = 3;
export const MAX_FRAME_LENGTH = 0xffffff;

export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

export const Setting = { maxConcurrentStreams: 4, initialWindowSize: 7 } as const;

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedId: number; priority: number; slot: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { type: 'synReply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: { id: number; flags: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  /** A control frame type this implementation does not know (ignored, as the spec asks). */
  | { type: 'unknown'; frameType: number };

export class SpdyProtocolError extends Error {
  override readonly name = 'SpdyProtocolError';
}

const ID_MASK = 0x7fffffff;

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_LENGTH) throw new RangeError(`control frame payload of ${payload.length} bytes is too large`);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((((flags & 0xff) << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

const u32s = (...values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};

const flag = (on: boolean, bit: number) => (on ? bit : 0);

export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_FRAME_LENGTH) throw new RangeError(`data frame of ${frame.data.length} bytes is too large`);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(frame.streamId & ID_MASK, 0);
      head.writeUInt32BE((((frame.fin ? FLAG_FIN : 0) << 24) | frame.data.length) >>> 0, 4);
      return Buffer.concat([head, frame.data]);
    }
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & ID_MASK, 0);
      fixed.writeUInt32BE(frame.associatedId & ID_MASK, 4);
      fixed.writeUInt8((frame.priority & 0x7) << 5, 8);
      fixed.writeUInt8(frame.slot & 0xff, 9);
      const flags = flag(frame.fin, FLAG_FIN) | flag(frame.unidirectional, FLAG_UNIDIRECTIONAL);
      return control(FrameType.synStream, flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'synReply':
      return control(FrameType.synReply, flag(frame.fin, FLAG_FIN), Buffer.concat([u32s(frame.streamId & ID_MASK), frame.headerBlock]));
    case 'headers':
      return control(FrameType.headers, flag(frame.fin, FLAG_FIN), Buffer.concat([u32s(frame.streamId & ID_MASK), frame.headerBlock]));
    case 'rstStream':
      return control(FrameType.rstStream, 0, u32s(frame.streamId & ID_MASK, frame.status));
    case 'settings': {
      const body = Buffer.alloc(4 + frame.entries.length * 8);
      body.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        body.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
        body.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return control(FrameType.settings, flag(frame.clear, FLAG_SETTINGS_CLEAR), body);
    }
    case 'ping':
      return control(FrameType.ping, 0, u32s(frame.id));
    case 'goAway':
      return control(FrameType.goAway, 0, u32s(frame.lastGoodStreamId & ID_MASK, frame.status));
    case 'windowUpdate':
      return control(FrameType.windowUpdate, 0, u32s(frame.streamId & ID_MASK, frame.delta & ID_MASK));
    case 'unknown':
      throw new TypeError(`cannot encode an unknown frame type ${frame.frameType}`);
  }
}

function need(payload: Buffer, min: number, what: string): void {
  if (payload.length < min) throw new SpdyProtocolError(`${what} frame too short (${payload.length} bytes)`);
}

function decodeControl(type: number, flags: number, p: Buffer): Frame {
  const fin = (flags & FLAG_FIN) !== 0;
  switch (type) {
    case FrameType.synStream:
      need(p, 10, 'SYN_STREAM');
      return {
        type: 'synStream',
        streamId: p.readUInt32BE(0) & ID_MASK,
        associatedId: p.readUInt32BE(4) & ID_MASK,
        priority: p.readUInt8(8) >> 5,
        slot: p.readUInt8(9),
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: p.subarray(10),
      };
    case FrameType.synReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'synReply', streamId: p.readUInt32BE(0) & ID_MASK, fin, headerBlock: p.subarray(4) };
    case FrameType.headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: p.readUInt32BE(0) & ID_MASK, fin, headerBlock: p.subarray(4) };
    case FrameType.rstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rstStream', streamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.settings: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + n * 8, 'SETTINGS');
      const entries = Array.from({ length: n }, (_, i) => {
        const word = p.readUInt32BE(4 + i * 8);
        return { id: word & 0xffffff, flags: word >>> 24, value: p.readUInt32BE(8 + i * 8) };
      });
      return { type: 'settings', clear: (flags & FLAG_SETTINGS_CLEAR) !== 0, entries };
    }
    case FrameType.ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.goAway:
      need(p, 4, 'GOAWAY');
      // SPDY/2 had no status; tolerate its absence.
      return { type: 'goAway', lastGoodStreamId: p.readUInt32BE(0) & ID_MASK, status: p.length >= 8 ? p.readUInt32BE(4) : GoAwayStatus.ok };
    case FrameType.windowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'windowUpdate', streamId: p.readUInt32BE(0) & ID_MASK, delta: p.readUInt32BE(4) & ID_MASK };
    default:
      return { type: 'unknown', frameType: type };
  }
}

/** Splits a byte stream into frames; feed it whatever the transport delivers. */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.length += chunk.length;
    const frames: Frame[] = [];
    while (this.length >= 8) {
      const buf = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      this.buffered = [buf];
      const size = buf.readUInt32BE(4) & 0xffffff;
      if (buf.length < 8 + size) break;
      const flags = buf.readUInt8(4);
      const payload = buf.subarray(8, 8 + size);
      const first = buf.readUInt32BE(0);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        frames.push(decodeControl(first & 0xffff, flags, payload));
      } else {
        // Copy: the payload outlives this buffer (it is pushed to a stream's reader).
        frames.push({ type: 'data', streamId: first & ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: Buffer.from(payload) });
      }
      const rest = buf.subarray(8 + size);
      this.buffered = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
    }
    return frames;
  }
}

/** Header names are lower case on the wire; repeated values travel NUL-separated in one value. */
export type SpdyHeaders = Record<string, string>;

export function encodeHeaderBlock(headers: Record<string, string | readonly string[]>): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  parts.push(u32s(entries.length));
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(typeof value === 'string' ? value : value.join('\0'), 'utf8');
    parts.push(u32s(n.length), n, u32s(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let off = 0;
  const take = (n: number): Buffer => {
    if (off + n > block.length) throw new SpdyProtocolError('truncated header block');
    const b = block.subarray(off, off + n);
    off += n;
    return b;
  };
  const count = take(4).readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString('utf8').toLowerCase();
    const value = take(take(4).readUInt32BE(0)).toString('utf8');
    headers[name] = name in headers ? `${headers[name]}\0${value}` : value;
  }
  return headers;
}
