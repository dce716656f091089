/**
 * The protobuf wire format, read side only: varints, length-delimited slices, fixed32/64.
 * Every read is bounds-checked; a malformed message is a ProtobufError, never an exception
 * from a typed array or a silently wrong value.
 */

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class Reader {
  private pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  /**
   * A varint as a signed 64-bit value in a JS number: exact up to 2^53, which covers every
   * int32/int64 Kubernetes puts on the wire (negative int32s arrive sign-extended to 10 bytes).
   */
  varint(): number {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('unexpected end of data in a varint');
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return (hi | 0) * TWO_32 + (lo >>> 0);
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** A field key: field number and wire type. */
  tag(): { field: number; wire: number } {
    const key = this.varint();
    if (key < 0 || key > 0xffffffff) throw new ProtobufError(`invalid field key ${key}`);
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtobufError('invalid field number 0');
    return { field, wire: key % 8 };
  }

  /** The bounds of a length-delimited value, advancing past it. */
  bytes(): Reader {
    const len = this.varint();
    if (len < 0 || len > this.end - this.pos) throw new ProtobufError(`length ${len} runs past the end of the data`);
    const sub = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return sub;
  }

  /** The rest of this reader as a fresh Uint8Array view. */
  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return out;
  }

  fixed32(): number {
    const p = this.take(4);
    const b = this.buf;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** A fixed64 as a signed value (sfixed64); exact up to 2^53. */
  fixed64(): number {
    const p = this.take(8);
    const b = this.buf;
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const hi = b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24);
    return hi * TWO_32 + lo;
  }

  /** Skips one value of the given wire type (unknown fields). */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.take(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.take(4);
        return;
      default:
        // 3/4 are proto2 groups, which Kubernetes never emits; 6/7 do not exist.
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }

  /** Advances past n bytes, returning where they start. */
  private take(n: number): number {
    if (n > this.end - this.pos) throw new ProtobufError('unexpected end of data');
    this.pos += n;
    return this.pos - n;
  }
}
