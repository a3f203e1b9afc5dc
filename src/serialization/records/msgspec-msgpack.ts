/**
 * msgpack exactly as msgspec 0.22's `msgspec.msgpack.Encoder().encode(dict(session))` writes it —
 * Flask-Session 0.8's default record format — byte for byte. A general msgpack library picks
 * other (valid) encodings in places: `-0.0` as the integer 0, positive 64-bit integers as signed;
 * Flask-Session then reads back an `int` where it wrote a `float`, or bytes that differ from its own.
 */
import { MAX_DEPTH } from '../errors.js';
import { isPlainObject } from '../value-kinds.js';
import { Markup, UUID } from '../values.js';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** msgpack's extension type of timestamps. */
const TIMESTAMP_EXT = 0xff;
/** A timestamp fits the 64-bit form when its seconds fit 34 bits. */
const TIMESTAMP64_SECONDS = 2 ** 34;
const TIMESTAMP32_SECONDS = 2 ** 32;

/** A growing byte buffer. */
class ByteWriter {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  /** Reserves `n` bytes (growing the buffer) and returns their offset; read `#bytes`/`#view` after it. */
  #room(n: number): number {
    const at = this.#length;
    if (at + n > this.#bytes.length) {
      const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, at + n));
      bigger.set(this.#bytes.subarray(0, at));
      this.#bytes = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    this.#length = at + n;
    return at;
  }

  u8(value: number): void {
    const at = this.#room(1);
    this.#bytes[at] = value;
  }
  u16(value: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, value);
  }
  u32(value: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, value);
  }
  i8(value: number): void {
    const at = this.#room(1);
    this.#view.setInt8(at, value);
  }
  i16(value: number): void {
    const at = this.#room(2);
    this.#view.setInt16(at, value);
  }
  i32(value: number): void {
    const at = this.#room(4);
    this.#view.setInt32(at, value);
  }
  u64(value: bigint): void {
    const at = this.#room(8);
    this.#view.setBigUint64(at, value);
  }
  i64(value: bigint): void {
    const at = this.#room(8);
    this.#view.setBigInt64(at, value);
  }
  f64(value: number): void {
    const at = this.#room(8);
    this.#view.setFloat64(at, value);
  }
  raw(bytes: Uint8Array): void {
    const at = this.#room(bytes.length);
    this.#bytes.set(bytes, at);
  }
  result(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/**
 * Encodes session data as msgspec's msgpack encoder encodes the Python values it stands for:
 * numbers that are safe integers as the smallest int format (non-negative → uint), every other
 * number (fractions, `-0`, beyond 2^53, `NaN`, infinities) as float64 — so what Flask-Session
 * wrote as a float comes back a float; `bigint` as int64/uint64; strings str8/16/32, bytes
 * bin8/16/32; `Date` as a timestamp (32-, 64- or 96-bit, as msgspec chooses); tuples as arrays;
 * `UUID` and `Markup` as their text. Object properties whose value is `undefined` are left out.
 *
 * @throws TypeError for a value Flask-Session cannot store (`Map`, class instances, functions,
 *   integers beyond 64 bits, an invalid `Date`) or nesting deeper than `MAX_DEPTH`.
 */
export function encodeMsgspecMsgpack(value: unknown): Uint8Array {
  const out = new ByteWriter();
  writeValue(out, value, 0);
  return out.result();
}

function writeValue(out: ByteWriter, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
      return writeString(out, value);
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? writeInt(out, BigInt(value)) : writeFloat(out, value);
    case 'bigint':
      return writeInt(out, value);
    case 'boolean':
      return out.u8(value ? 0xc3 : 0xc2);
    case 'undefined':
      return out.u8(0xc0);
    case 'object':
      break;
    default:
      throw new TypeError(`a ${typeof value} cannot be stored in a Flask-Session record`);
  }
  if (value === null) return out.u8(0xc0);
  if (value instanceof Uint8Array) return writeBinary(out, value);
  if (value instanceof Date) return writeTimestamp(out, value);
  if (value instanceof UUID || value instanceof Markup) return writeString(out, value.toString());
  if (depth >= MAX_DEPTH) throw new TypeError(`session data nests deeper than ${MAX_DEPTH} levels (or is circular)`);
  if (Array.isArray(value)) {
    writeHeader(out, value.length, 0x90, 0xdc, 0xdd);
    for (const item of value as unknown[]) writeValue(out, item, depth + 1);
    return;
  }
  if (!isPlainObject(value)) throw new TypeError(`a ${value.constructor?.name ?? 'object'} cannot be stored in a Flask-Session record`);
  const keys = Object.keys(value).filter((key) => value[key] !== undefined);
  writeHeader(out, keys.length, 0x80, 0xde, 0xdf);
  for (const key of keys) {
    writeString(out, key);
    writeValue(out, value[key], depth + 1);
  }
}

/** Header of an array or map: fix form below 16 items, then 16- and 32-bit lengths. */
function writeHeader(out: ByteWriter, length: number, fix: number, with16: number, with32: number): void {
  if (length < 16) out.u8(fix | length);
  else if (length < 0x10000) {
    out.u8(with16);
    out.u16(length);
  } else {
    out.u8(with32);
    out.u32(length);
  }
}

/** msgspec's `mpack_encode_long`: negative fixint/int8/16/32/64, else positive fixint/uint8/16/32/64. */
function writeInt(out: ByteWriter, n: bigint): void {
  if (n < INT64_MIN || n > UINT64_MAX) throw new TypeError(`${n} cannot be stored in a Flask-Session record: msgpack integers have 64 bits`);
  if (n < 0n) {
    const x = Number(n);
    if (x >= -32) out.i8(x);
    else if (x >= -128) {
      out.u8(0xd0);
      out.i8(x);
    } else if (x >= -32768) {
      out.u8(0xd1);
      out.i16(x);
    } else if (x >= -2147483648) {
      out.u8(0xd2);
      out.i32(x);
    } else {
      out.u8(0xd3);
      out.i64(n);
    }
    return;
  }
  if (n < 128n) out.u8(Number(n));
  else if (n < 0x100n) {
    out.u8(0xcc);
    out.u8(Number(n));
  } else if (n < 0x10000n) {
    out.u8(0xcd);
    out.u16(Number(n));
  } else if (n < 0x100000000n) {
    out.u8(0xce);
    out.u32(Number(n));
  } else {
    out.u8(0xcf);
    out.u64(n);
  }
}

/** Every Python float is a float64 for msgspec, `1.0` and `-0.0` included. */
function writeFloat(out: ByteWriter, x: number): void {
  out.u8(0xcb);
  out.f64(x);
}

function writeString(out: ByteWriter, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const n = bytes.length;
  if (n < 32) out.u8(0xa0 | n);
  else if (n < 0x100) {
    out.u8(0xd9);
    out.u8(n);
  } else if (n < 0x10000) {
    out.u8(0xda);
    out.u16(n);
  } else {
    out.u8(0xdb);
    out.u32(n);
  }
  out.raw(bytes);
}

function writeBinary(out: ByteWriter, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n < 0x100) {
    out.u8(0xc4);
    out.u8(n);
  } else if (n < 0x10000) {
    out.u8(0xc5);
    out.u16(n);
  } else {
    out.u8(0xc6);
    out.u32(n);
  }
  out.raw(bytes);
}

/**
 * An aware datetime as msgspec writes it: timestamp 32 (`d6 ff`, whole seconds that fit 32 bits),
 * timestamp 64 (`d7 ff`, nanoseconds << 34 | seconds) or timestamp 96 (`c7 0c ff`, before 1970 or
 * after 2514).
 */
function writeTimestamp(out: ByteWriter, date: Date): void {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('an invalid Date cannot be stored in a Flask-Session record');
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = (ms - seconds * 1000) * 1_000_000;
  if (seconds >= 0 && seconds < TIMESTAMP64_SECONDS) {
    if (nanoseconds === 0 && seconds < TIMESTAMP32_SECONDS) {
      out.u8(0xd6);
      out.u8(TIMESTAMP_EXT);
      out.u32(seconds);
    } else {
      out.u8(0xd7);
      out.u8(TIMESTAMP_EXT);
      out.u64((BigInt(nanoseconds) << 34n) | BigInt(seconds));
    }
    return;
  }
  out.u8(0xc7);
  out.u8(12);
  out.u8(TIMESTAMP_EXT);
  out.u32(nanoseconds);
  out.i64(BigInt(seconds));
}
