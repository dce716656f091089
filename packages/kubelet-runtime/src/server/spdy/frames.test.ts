import { describe, expect, it } from 'vitest';
import { FrameDecoder, RstStatus, SpdyProtocolError, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, type Frame } from './frames.js';

const block = Buffer.from([1, 2, 3, 4, 5]);

const frames: [string, Frame][] = [
  ['DATA', { type: 'data', streamId: 7, fin: false, data: Buffer.from('hello') }],
  ['DATA with FIN and no payload', { type: 'data', streamId: 0x7fffffff, fin: true, data: Buffer.alloc(0) }],
  ['SYN_STREAM', { type: 'synStream', streamId: 1, associatedId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headerBlock: block }],
  ['SYN_STREAM with all fields', { type: 'synStream', streamId: 9, associatedId: 3, priority: 7, slot: 2, fin: true, unidirectional: true, headerBlock: block }],
  ['SYN_REPLY', { type: 'synReply', streamId: 3, fin: true, headerBlock: block }],
  ['HEADERS', { type: 'headers', streamId: 5, fin: false, headerBlock: block }],
  ['RST_STREAM', { type: 'rstStream', streamId: 5, status: RstStatus.cancel }],
  ['SETTINGS', { type: 'settings', clear: true, entries: [{ id: 7, flags: 1, value: 1 << 20 }, { id: 4, flags: 0, value: 100 }] }],
  ['PING', { type: 'ping', id: 0xfffffffe }],
  ['GOAWAY', { type: 'goAway', lastGoodStreamId: 11, status: 1 }],
  ['WINDOW_UPDATE', { type: 'windowUpdate', streamId: 0, delta: 0x7fffffff }],
];

describe('SPDY frames', () => {
  it.each(frames)('%s survives encode → decode', (_name, frame) => {
    expect(new FrameDecoder().push(encodeFrame(frame))).toEqual([frame]);
  });

  it.each([1, 3, 8, 13])('reassembles a stream of frames cut into %d-byte chunks', (size) => {
    const wire = Buffer.concat(frames.map(([, f]) => encodeFrame(f)));
    const decoder = new FrameDecoder();
    const out: Frame[] = [];
    for (let i = 0; i < wire.length; i += size) out.push(...decoder.push(wire.subarray(i, i + size)));
    expect(out).toEqual(frames.map(([, f]) => f));
  });

  it('lays out a control frame as the spec draws it (PING id 1)', () => {
    // control bit + version 3, type 6, flags 0, length 4, id
    expect([...encodeFrame({ type: 'ping', id: 1 })]).toEqual([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]);
  });

  it('lays out a data frame as the spec draws it', () => {
    expect([...encodeFrame({ type: 'data', streamId: 3, fin: true, data: Buffer.from('ab') })]).toEqual([0, 0, 0, 3, 0x01, 0, 0, 2, 0x61, 0x62]);
  });

  it('refuses other SPDY versions', () => {
    const v2 = encodeFrame({ type: 'ping', id: 1 });
    v2.writeUInt16BE(0x8002, 0);
    expect(() => new FrameDecoder().push(v2)).toThrow(SpdyProtocolError);
  });

  it('reports control types it does not know instead of failing', () => {
    const credential = encodeFrame({ type: 'ping', id: 1 });
    credential.writeUInt16BE(10, 2);
    expect(new FrameDecoder().push(credential)).toEqual([{ type: 'unknown', frameType: 10 }]);
  });
});

describe('SPDY header blocks', () => {
  it('round-trips names (lower-cased on the wire) and NUL-joined repeated values', () => {
    const wire = encodeHeaderBlock({ StreamType: 'data', port: '8080', 'x-multi': ['a', 'b'] });
    expect(decodeHeaderBlock(wire)).toEqual({ streamtype: 'data', port: '8080', 'x-multi': 'a\0b' });
  });

  it('lays out a block as count, then length-prefixed names and values', () => {
    expect([...encodeHeaderBlock({ a: 'bc' })]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0x61, 0, 0, 0, 2, 0x62, 0x63]);
  });

  it('rejects a truncated block', () => {
    expect(() => decodeHeaderBlock(encodeHeaderBlock({ port: '8080' }).subarray(0, 10))).toThrow(SpdyProtocolError);
  });
});
