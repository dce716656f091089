/**
 * SPDY/3 name/value header block compression: one zlib stream per direction for the whole
 * connection, primed with the SPDY/3 dictionary, each block ended with Z_SYNC_FLUSH so the peer
 * can decode it at once. The contexts are stateful, so blocks must be (de)compressed in wire
 * order; each codec serialises its calls.
 */
import zlib from 'node:zlib';

/** Lower-case header names as the SPDY/3 dictionary lists them (each prefixed by its 32-bit length). */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version',
  'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 zlib dictionary (1423 bytes, draft 3 §2.6.10.1; moby/spdystream's `headerDictionary`). */
export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.flatMap((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return [len, Buffer.from(w, 'latin1')];
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** Upper bound of one decompressed header block; more is a protocol error (a zlib bomb). */
export const MAX_HEADER_BLOCK = 256 * 1024;

type ZStream = zlib.Deflate | zlib.Inflate;

/** Feeds `input` through a persistent zlib stream and returns what one sync flush yields. */
function run(z: ZStream, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    z.once('error', onError);
    z.write(input);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.off('error', onError);
      // Paused mode: everything the flush produced is buffered and readable now.
      const chunks: Buffer[] = [];
      for (let c = z.read() as Buffer | null; c !== null; c = z.read() as Buffer | null) chunks.push(c);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** One direction of a connection's header compression (a deflate or an inflate context). */
class Codec {
  private tail: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;

  constructor(private readonly z: ZStream) {
    // A broken context stays broken: later calls fail instead of hanging.
    z.on('error', (err: Error) => (this.failed ??= err));
  }

  process(input: Buffer): Promise<Buffer> {
    const next = this.tail.then(() => {
      if (this.failed) throw this.failed;
      return run(this.z, input);
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.destroy();
  }
}

export class HeaderCompressor {
  private readonly codec = new Codec(zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: zlib.constants.Z_BEST_COMPRESSION }));
  compress(block: Buffer): Promise<Buffer> {
    return this.codec.process(block);
  }
  close(): void {
    this.codec.close();
  }
}

export class HeaderDecompressor {
  private readonly codec = new Codec(zlib.createInflate({ dictionary: SPDY_DICTIONARY }));
  async decompress(block: Buffer): Promise<Buffer> {
    const out = await this.codec.process(block);
    if (out.length > MAX_HEADER_BLOCK) throw new Error(`header block of ${out.length} bytes exceeds ${MAX_HEADER_BLOCK}`);
    return out;
  }
  close(): void {
    this.codec.close();
  }
}
