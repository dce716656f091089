import net, { type AddressInfo, type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { HeaderCompressor, HeaderDecompressor } from './compression.js';
import { FrameDecoder, RstStatus, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, type Frame } from './frames.js';
import { DEFAULT_WINDOW_SIZE, SpdySession, type SpdyStream } from './session.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** Two ends of a loopback TCP connection. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const serverSide = await accepted;
  server.close();
  cleanup.push(() => {
    client.destroy();
    serverSide.destroy();
  });
  return [serverSide, client];
}

const nextStream = (s: SpdySession) => new Promise<SpdyStream>((resolve) => s.once('stream', resolve));
const until = async (what: () => boolean) => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};
/** Lets queued I/O and callbacks run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** A hand-driven peer: raw frames out, decoded frames in; header blocks on its own zlib contexts. */
function rawPeer(socket: Socket) {
  const received: Frame[] = [];
  const decoder = new FrameDecoder();
  const deflate = new HeaderCompressor();
  const inflate = new HeaderDecompressor();
  socket.on('data', (c: Buffer) => received.push(...decoder.push(c)));
  cleanup.push(() => {
    deflate.close();
    inflate.close();
  });
  return {
    received,
    send: (f: Frame) => socket.write(encodeFrame(f)),
    synStream: async (streamId: number, headers: Record<string, string>) => {
      const headerBlock = await deflate.compress(encodeHeaderBlock(headers));
      socket.write(encodeFrame({ type: 'synStream', streamId, associatedId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headerBlock }));
    },
    headersOf: async (f: Frame) => ('headerBlock' in f ? decodeHeaderBlock(await inflate.decompress(f.headerBlock)) : undefined),
    dataBytes: (streamId: number) => received.reduce((n, f) => n + (f.type === 'data' && f.streamId === streamId ? f.data.length : 0), 0),
  };
}

describe('SpdySession', () => {
  it('opens, replies, carries data both ways and closes cleanly on FIN', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const client = new SpdySession(b, { role: 'client' });
    const incoming = nextStream(server);
    const cs = client.openStream({ StreamType: 'data', port: '8080', requestID: '0' });
    const ss = await incoming;
    expect(ss.id).toBe(1);
    expect(ss.headers).toEqual({ streamtype: 'data', port: '8080', requestid: '0' });
    const replied = new Promise((resolve) => cs.once('reply', resolve));
    await ss.reply({});
    expect(await replied).toEqual({});

    ss.end('pong');
    cs.end('ping');
    const [atServer, atClient] = await Promise.all([text(ss), text(cs)]);
    expect([atServer, atClient]).toEqual(['ping', 'pong']);
    await until(() => server.streams.size === 0 && client.streams.size === 0);
    expect(ss.resetStatus).toBeUndefined();
  });

  it('keeps one header compression context across many streams', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const client = new SpdySession(b, { role: 'client' });
    const seen: string[] = [];
    server.on('stream', (s: SpdyStream) => {
      seen.push(`${s.id}:${s.headers['requestid']}`);
      void s.reply({ 'x-echo': s.headers['requestid'] ?? '' });
    });
    const streams = Array.from({ length: 10 }, (_, i) => client.openStream({ streamtype: i % 2 ? 'data' : 'error', requestid: String(i) }));
    const replies = await Promise.all(streams.map((s) => new Promise((resolve) => s.once('reply', resolve))));
    expect(seen).toEqual(streams.map((s, i) => `${s.id}:${i}`));
    expect(replies).toEqual(streams.map((_, i) => ({ 'x-echo': String(i) })));
  });

  it('answers DATA on an unknown stream with RST_STREAM INVALID_STREAM', async () => {
    const [a, b] = await socketPair();
    new SpdySession(a);
    const peer = rawPeer(b);
    peer.send({ type: 'data', streamId: 99, fin: false, data: Buffer.from('x') });
    await until(() => peer.received.length > 0);
    expect(peer.received[0]).toEqual({ type: 'rstStream', streamId: 99, status: RstStatus.invalidStream });
  });

  it('refuses streams nobody listens for, and stream ids that go backwards', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const peer = rawPeer(b);
    await peer.synStream(5, { streamtype: 'data' });
    await until(() => peer.received.length === 1);
    const accepted = nextStream(server);
    await peer.synStream(3, { streamtype: 'data' });
    await peer.synStream(7, { streamtype: 'data' });
    expect((await accepted).id).toBe(7);
    expect(peer.received).toEqual([
      { type: 'rstStream', streamId: 5, status: RstStatus.refusedStream },
      { type: 'rstStream', streamId: 3, status: RstStatus.protocolError },
    ]);
  });

  it('echoes the peer’s PINGs and resolves its own', async () => {
    const [a, b] = await socketPair();
    new SpdySession(a);
    const client = new SpdySession(b, { role: 'client' });
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('reopens the receive window with WINDOW_UPDATE as the reader consumes', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const peer = rawPeer(b);
    const incoming = nextStream(server);
    await peer.synStream(1, { streamtype: 'data' });
    const stream = await incoming;
    const total = 3 * DEFAULT_WINDOW_SIZE;
    for (let i = 0; i < total / 4096; i++) peer.send({ type: 'data', streamId: 1, fin: false, data: Buffer.alloc(4096, i) });
    let read = 0;
    stream.on('data', (c: Buffer) => (read += c.length));
    await until(() => read === total);
    const granted = (id: number) => peer.received.reduce((n, f) => n + (f.type === 'windowUpdate' && f.streamId === id ? f.delta : 0), 0);
    // Everything read but at most half a window has been handed back, for the stream and the session.
    await until(() => granted(1) > total - DEFAULT_WINDOW_SIZE / 2 && granted(0) > total - DEFAULT_WINDOW_SIZE);
    expect(granted(1)).toBeLessThanOrEqual(total);
  });

  it('stops at the peer’s window and goes on when it reopens', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a, { peerFlowControl: 'on' });
    const peer = rawPeer(b);
    const incoming = nextStream(server);
    await peer.synStream(1, { streamtype: 'data' });
    const stream = await incoming;
    const total = 200 * 1024;
    let written = false;
    stream.write(Buffer.alloc(total, 7), () => (written = true));
    await until(() => peer.dataBytes(1) >= DEFAULT_WINDOW_SIZE);
    await settle();
    expect(peer.dataBytes(1)).toBe(DEFAULT_WINDOW_SIZE);
    expect(written).toBe(false);
    // The session window binds as well: open only the stream's, then the session's.
    peer.send({ type: 'windowUpdate', streamId: 1, delta: total });
    await settle();
    expect(peer.dataBytes(1)).toBe(DEFAULT_WINDOW_SIZE);
    peer.send({ type: 'windowUpdate', streamId: 0, delta: total });
    await until(() => written);
    await until(() => peer.dataBytes(1) === total);
  });

  it('does not wait on a peer that never does flow control (Go’s spdystream)', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const peer = rawPeer(b);
    const incoming = nextStream(server);
    await peer.synStream(1, { streamtype: 'data' });
    const stream = await incoming;
    const total = 4 * DEFAULT_WINDOW_SIZE;
    stream.end(Buffer.alloc(total, 1));
    await until(() => peer.received.some((f) => f.type === 'data' && f.fin));
    expect(peer.dataBytes(1)).toBe(total);
  });

  it('resets the stream on RST_STREAM and when destroyed locally', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const client = new SpdySession(b, { role: 'client' });
    server.on('stream', (s: SpdyStream) => void s.reply());
    const first = client.openStream({ streamtype: 'data' });
    const second = client.openStream({ streamtype: 'data' });
    const [s1, s2] = await new Promise<SpdyStream[]>((resolve) => {
      const got: SpdyStream[] = [];
      server.on('stream', (s: SpdyStream) => got.push(s) === 2 && resolve(got));
    });
    const closed = (s: SpdyStream) => new Promise((resolve) => s.once('close', resolve));
    const firstClosed = closed(first);
    s1!.reset(RstStatus.internalError);
    await firstClosed;
    expect(first.resetStatus).toBe(RstStatus.internalError);
    const s2Closed = closed(s2!);
    second.destroy();
    await s2Closed;
    expect(s2!.resetStatus).toBe(RstStatus.cancel);
    await until(() => server.streams.size === 0 && client.streams.size === 0);
  });

  it('ends every stream when the connection goes', async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(a);
    const client = new SpdySession(b, { role: 'client' });
    const incoming = nextStream(server);
    client.openStream({ streamtype: 'data' });
    const s = await incoming;
    const closed = new Promise((resolve) => server.once('close', resolve));
    await client.close();
    await closed;
    expect(s.destroyed).toBe(true);
    expect(server.closed).toBe(true);
  });
});
