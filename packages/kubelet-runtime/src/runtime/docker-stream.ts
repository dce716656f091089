/**
 * Docker's multiplexed stream format (attach, exec and logs without a TTY): frames of an 8-byte
 * header — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, a big-endian uint32
 * length — then the payload. Frames may be split across chunks in any way.
 */
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';

export interface Frame {
  stream: number;
  data: Buffer;
}

/** Incremental parser: feed chunks, get whole frames back. */
export class FrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffered.length >= 8) {
      const size = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + size) break;
      frames.push({ stream: this.buffered[0]!, data: this.buffered.subarray(8, 8 + size) });
      this.buffered = this.buffered.subarray(8 + size);
    }
    return frames;
  }

  /** Bytes of an unfinished frame. */
  get pending(): number {
    return this.buffered.length;
  }
}

/** Splits a multiplexed stream into stdout and stderr; both end when the source ends. */
export function demux(source: Readable): { stdout: PassThrough; stderr: PassThrough } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const parser = new FrameParser();
  source.on('data', (chunk: Buffer) => {
    for (const frame of parser.push(chunk)) (frame.stream === 2 ? stderr : stdout).write(frame.data);
  });
  const end = (): void => {
    stdout.end();
    stderr.end();
  };
  source.once('end', end);
  source.once('close', end);
  source.once('error', (err) => {
    stdout.destroy(err);
    stderr.destroy(err);
  });
  return { stdout, stderr };
}

/** The payloads of every frame, stdout and stderr merged in order (for logs). */
export class MergeFrames extends Transform {
  private readonly parser = new FrameParser();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const frame of this.parser.push(chunk)) this.push(frame.data);
    callback();
  }
}

/** Passes at most `limit` bytes, then ends (and calls `onLimit`, e.g. to stop the source). */
export class ByteLimit extends Transform {
  private left: number;
  private done = false;

  constructor(
    limit: number,
    private readonly onLimit: () => void,
  ) {
    super();
    this.left = limit;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.done) return callback();
    const part = chunk.length > this.left ? chunk.subarray(0, this.left) : chunk;
    this.left -= part.length;
    if (part.length) this.push(part);
    if (this.left <= 0) {
      this.done = true;
      this.push(null);
      this.onLimit();
    }
    callback();
  }
}
