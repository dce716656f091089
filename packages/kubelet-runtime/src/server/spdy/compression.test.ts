import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HeaderCompressor, HeaderDecompressor, SPDY_DICTIONARY } from './compression.js';
import { decodeHeaderBlock, encodeHeaderBlock } from './frames.js';

const blocks = ([
  { streamtype: 'error', port: '8080', requestid: '0' },
  { streamtype: 'data', port: '8080', requestid: '0' },
  { streamtype: 'error', port: '8080', requestid: '1' },
  {},
] as Record<string, string>[]).map((h) => encodeHeaderBlock(h));

describe('SPDY header compression', () => {
  it('uses the SPDY/3 dictionary byte for byte', () => {
    // The digest of moby/spdystream's headerDictionary (the spec's 1423 bytes, no trailing NUL).
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY_DICTIONARY).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('carries several blocks on one context, each decodable as soon as it arrives', async () => {
    const deflate = new HeaderCompressor();
    const inflate = new HeaderDecompressor();
    const wire = await Promise.all(blocks.map((b) => deflate.compress(b)));
    for (const [i, w] of wire.entries()) expect(await inflate.decompress(w)).toEqual(blocks[i]);
    // A repeated block costs less the second time: the context remembers the first.
    expect(wire[2]!.length).toBeLessThan(wire[0]!.length);
    deflate.close();
    inflate.close();
  });

  it('produces one zlib stream that a fresh inflater with the dictionary reads back', async () => {
    const deflate = new HeaderCompressor();
    const wire = Buffer.concat(await Promise.all(blocks.map((b) => deflate.compress(b))));
    const plain = zlib.inflateSync(wire, { dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(plain).toEqual(Buffer.concat(blocks));
    deflate.close();
  });

  it('reads blocks a different deflater wrote (sync-flushed, with the dictionary)', async () => {
    const other = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 1 });
    const chunks: Buffer[] = [];
    other.on('data', (c: Buffer) => chunks.push(c));
    const inflate = new HeaderDecompressor();
    for (const b of blocks) {
      other.write(b);
      await new Promise<void>((resolve) => other.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      await new Promise((resolve) => setImmediate(resolve));
      const wire = Buffer.concat(chunks.splice(0));
      expect(decodeHeaderBlock(await inflate.decompress(wire))).toEqual(decodeHeaderBlock(b));
    }
    other.destroy();
    inflate.close();
  });

  it('fails, and keeps failing, on a corrupt stream', async () => {
    const inflate = new HeaderDecompressor();
    await expect(inflate.decompress(Buffer.from('not zlib at all'))).rejects.toThrow();
    await expect(inflate.decompress(Buffer.from('more'))).rejects.toThrow();
  });
});
