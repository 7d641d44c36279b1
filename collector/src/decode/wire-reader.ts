import { Buffer } from 'node:buffer';
import { OtlpDecodeError } from '../receive/decode-error.ts';

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;
/** How deep unknown groups may nest (the limit protobuf runtimes use for message recursion). */
const MAX_GROUP_DEPTH = 100;

/**
 * A minimal protobuf wire-format reader over one buffer. Callers walk messages by field number
 * and only read the fields they need; everything else is skipped by wire type, never decoded.
 * Every read is bounds-checked against `limit` (the end of the enclosing message) so a
 * truncated or lying length prefix fails with {@link OtlpDecodeError} instead of reading past it.
 *
 * Hand-written rather than `@bufbuild/protobuf`'s `BinaryReader` because the hot loop (tags,
 * lengths, skips) benefits from plain number fields and no per-call allocation.
 */
export class WireReader {
  /** The input, as a Buffer (no copy) for native UTF-8 and hex slicing. */
  readonly buf: Buffer;
  /** The same bytes as a DataView, for comparing four bytes at a time. */
  readonly view: DataView;
  pos = 0;
  /** Most recent 64-bit read: high and low 32 bits (unsigned). */
  hi = 0;
  lo = 0;

  constructor(buf: Uint8Array) {
    this.buf = asBuffer(buf);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a varint that must fit in 32 bits (tags, lengths, enums); returns it unsigned. */
  uint32(limit: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= limit) throw truncated(pos);
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    let shift = 7;
    for (;;) {
      if (pos >= limit) throw truncated(pos);
      b = buf[pos++]!;
      if (shift < 28) {
        value |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        // Fifth byte: 4 useful bits; enums and int32 may be sign-extended to 10 bytes.
        value = (value | ((b & 0x0f) << 28)) >>> 0;
      }
      if (b < 0x80) break;
      shift += 7;
      if (shift > 63) throw new OtlpDecodeError(`invalid protobuf: varint longer than 10 bytes at ${pos}`);
    }
    this.pos = pos;
    return value >>> 0;
  }

  /**
   * Reads a varint that must be an unsigned 32-bit value: a length prefix or a tag. Unlike
   * {@link uint32} (which keeps the low bits, as int32 and enum values are sign-extended to 64),
   * set bits above 32 are malformed input: kept as low bits, a length of 2^32 would read as 0 and
   * the bytes it covers as the next fields. Padding (bits above 32 all clear) is fine.
   */
  length(limit: number): number {
    const start = this.pos;
    const value = this.uint32(limit);
    // Five bytes hold 35 bits: whatever lies above bit 32 is in the fifth byte and those after it.
    if (this.pos - start > 4) {
      let high = this.buf[start + 4]! & 0x70;
      for (let i = start + 5; i < this.pos; i++) high |= this.buf[i]! & 0x7f;
      if (high !== 0) throw new OtlpDecodeError(`invalid protobuf: varint at byte ${start} exceeds 32 bits`);
    }
    return value;
  }

  /** Reads a 64-bit varint into {@link hi}/{@link lo}. */
  varint64(limit: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= limit) throw truncated(pos);
      const b = buf[pos++]!;
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else if (shift < 64) {
        hi |= (b & 0x7f) << (shift - 32);
      }
      if (b < 0x80) break;
      shift += 7;
      if (shift > 63) throw new OtlpDecodeError(`invalid protobuf: varint longer than 10 bytes at ${pos}`);
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a little-endian fixed64 into {@link hi}/{@link lo}. */
  fixed64(limit: number): void {
    const pos = this.pos;
    if (pos + 8 > limit) throw truncated(pos);
    const buf = this.buf;
    this.lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    this.hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
    this.pos = pos + 8;
  }

  /** Reads a little-endian IEEE 754 double. */
  double(limit: number): number {
    const pos = this.pos;
    if (pos + 8 > limit) throw truncated(pos);
    const value = this.view.getFloat64(pos, true);
    this.pos = pos + 8;
    return value;
  }

  /**
   * Reads a length prefix and returns the end offset of the length-delimited field; `pos` is
   * left at its first byte.
   */
  lengthEnd(limit: number): number {
    const len = this.length(limit);
    const end = this.pos + len;
    if (end > limit) throw truncated(this.pos);
    return end;
  }

  /** Skips one field's value given its wire type. */
  skip(wireType: number, fieldNumber: number, limit: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64(limit);
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > limit) throw truncated(this.pos);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd(limit);
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > limit) throw truncated(this.pos);
        this.pos += 4;
        return;
      case WIRE_START_GROUP:
        this.skipGroup(fieldNumber, limit);
        return;
      default:
        throw new OtlpDecodeError(`invalid protobuf: wire type ${wireType} at ${this.pos}`);
    }
  }

  /**
   * Reads a field tag; returns it (field number << 3 | wire type). Rejects field number 0,
   * the invalid wire types 6 and 7, and a tag beyond 32 bits.
   */
  tag(limit: number): number {
    const tag = this.length(limit);
    if (tag < 8 || (tag & 7) > 5) throw badTag(tag, this.pos);
    return tag;
  }

  /**
   * Skips a group up to its matching end. Deprecated groups never appear in OTLP, but a valid
   * unknown field may still use one. Iterative, with a depth limit: hostile input nesting groups
   * a hundred thousand deep must be a decode error, not a stack overflow.
   */
  private skipGroup(fieldNumber: number, limit: number): void {
    const open = [fieldNumber];
    while (open.length > 0) {
      const tag = this.tag(limit);
      const wireType = tag & 7;
      if (wireType === WIRE_END_GROUP) {
        if (tag >>> 3 !== open.pop()) throw new OtlpDecodeError('invalid protobuf: mismatched end group');
      } else if (wireType === WIRE_START_GROUP) {
        if (open.length >= MAX_GROUP_DEPTH) {
          throw new OtlpDecodeError(`invalid protobuf: groups nested deeper than ${MAX_GROUP_DEPTH}`);
        }
        open.push(tag >>> 3);
      } else {
        this.skip(wireType, tag >>> 3, limit);
      }
    }
  }
}

/** Wraps a Uint8Array as a Buffer without copying (for native UTF-8 and hex slicing). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function badTag(tag: number, pos: number): OtlpDecodeError {
  return new OtlpDecodeError(`invalid protobuf: bad field tag ${tag} at ${pos}`);
}

export function truncated(pos: number): OtlpDecodeError {
  return new OtlpDecodeError(`invalid protobuf: truncated message at byte ${pos}`);
}

/** Fails with a clear message when a known field arrives with the wrong wire type. */
export function wrongWireType(
  message: string,
  field: string,
  wireType: number,
  pos: number,
): OtlpDecodeError {
  return new OtlpDecodeError(
    `invalid protobuf: ${message}.${field} has wire type ${wireType} at byte ${pos}`,
  );
}

/** An unsigned 64-bit value given as high/low 32-bit halves, as a number (exact below 2^53). */
export function uint64ToNumber(hi: number, lo: number): number {
  return hi * TWO_32 + lo;
}

/** A signed 64-bit (two's complement) value given as halves, as a number. */
export function int64ToNumber(hi: number, lo: number): number {
  if (hi & 0x80000000) {
    // Negate: ~value + 1, done on the halves.
    const nlo = (~lo + 1) >>> 0;
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
    return -(nhi * TWO_32 + nlo);
  }
  return hi * TWO_32 + lo;
}
