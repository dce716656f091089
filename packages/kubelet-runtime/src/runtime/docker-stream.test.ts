import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { ByteLimit, FrameParser, MergeFrames, demux } from './docker-stream.js';

const frame = (stream: number, payload: string): Buffer => {
  const data = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
};

/** Every way of cutting `buf` into pieces of `size` bytes. */
const cut = (buf: Buffer, size: number): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
};

describe('FrameParser', () => {
  const wire = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, ''), frame(1, 'world')]);

  it.each([1, 3, 8, 9, 100])('reassembles frames cut into %d-byte chunks', (size) => {
    const parser = new FrameParser();
    const frames = cut(wire, size).flatMap((chunk) => parser.push(chunk));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
      [1, 'hello '],
      [2, 'oops'],
      [1, ''],
      [1, 'world'],
    ]);
    expect(parser.pending).toBe(0);
  });
});

describe('demux', () => {
  it('splits stdout from stderr and ends both with the source', async () => {
    const source = new PassThrough();
    const { stdout, stderr } = demux(source);
    source.write(frame(1, 'out1 '));
    source.write(frame(2, 'err'));
    source.end(frame(1, 'out2'));
    expect(await Promise.all([text(stdout), text(stderr)])).toEqual(['out1 out2', 'err']);
  });
});

it('MergeFrames keeps the payloads in order', async () => {
  const merged = Readable.from(cut(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')]), 5)).pipe(new MergeFrames());
  expect(await text(merged)).toBe('a\nb\nc\n');
});

describe('ByteLimit', () => {
  it.each([
    [0, ''],
    [4, 'abcd'],
    [7, 'abcdefg'],
    [100, 'abcdefghij'],
  ])('passes at most %d bytes', async (limit, expected) => {
    let limited = false;
    const out = Readable.from([Buffer.from('abc'), Buffer.from('defg'), Buffer.from('hij')]).pipe(new ByteLimit(limit, () => (limited = true)));
    expect(await text(out)).toBe(expected);
    // The source is told to stop once the limit is reached (10 bytes are on offer).
    expect(limited).toBe(limit <= 10);
  });
});
