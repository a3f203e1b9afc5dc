/**
 * HMAC-SHA1 (RFC 2104 over FIPS 180-4 SHA-1) with the key's inner and outer hash states computed
 * once. For the short messages signed here (cookies), this costs about half of a `createHmac`
 * call, whose per-call object setup dominates. Results are checked against `node:crypto` in the
 * tests. Only 32-bit integer arithmetic on fixed indices: no data-dependent branches or lookups.
 */
import { createHash, createHmac } from 'node:crypto';

const BLOCK = 64;
const DIGEST = 20;
/** Messages above this length go to `node:crypto`, where the per-call overhead no longer matters. */
const MAX_INLINE = 16 * 1024;

const words = new Int32Array(80);
const state = new Int32Array(5);
let scratch = Buffer.alloc(4 * BLOCK);

/** Runs the SHA-1 compression function on one 64-byte block of `block` at `offset`. */
function compress(h: Int32Array, block: Uint8Array, offset: number): void {
  const w = words;
  for (let i = 0, j = offset; i < 16; i++, j += 4) {
    w[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let t = 0;
  let i = 0;
  for (; i < 20; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 40; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 60; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 80; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

/** The SHA-1 state after absorbing one 64-byte block (a padded key XOR a pad byte). */
function stateAfter(block: Uint8Array): Int32Array {
  const h = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);
  compress(h, block, 0);
  return h;
}

/** Writes the 5 state words big-endian into `out` at `offset`. */
function writeState(h: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0, j = offset; i < 5; i++, j += 4) {
    const v = h[i]!;
    out[j] = v >>> 24;
    out[j + 1] = (v >>> 16) & 0xff;
    out[j + 2] = (v >>> 8) & 0xff;
    out[j + 3] = v & 0xff;
  }
}

/** Appends SHA-1 padding for a message of `length` bytes at `buf[0..length)` plus one prior block. */
function pad(buf: Buffer, length: number): number {
  const total = (length + 9 + BLOCK - 1) & ~(BLOCK - 1);
  buf[length] = 0x80;
  buf.fill(0, length + 1, total - 4);
  // Bit length of (prior block + message); messages here are far below 2^29 bytes.
  const bits = (length + BLOCK) * 8;
  buf.writeUInt32BE(bits >>> 0, total - 4);
  return total;
}

/** HMAC-SHA1 with one fixed key. */
export class Sha1Hmac {
  readonly #key: Buffer;
  readonly #inner: Int32Array;
  readonly #outer: Int32Array;

  constructor(key: Uint8Array) {
    const k = Buffer.alloc(BLOCK);
    if (key.length > BLOCK) createHash('sha1').update(key).digest().copy(k);
    else k.set(key);
    const inner = Buffer.alloc(BLOCK);
    const outer = Buffer.alloc(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      inner[i] = k[i]! ^ 0x36;
      outer[i] = k[i]! ^ 0x5c;
    }
    this.#key = Buffer.from(key);
    this.#inner = stateAfter(inner);
    this.#outer = stateAfter(outer);
  }

  /** The 20-byte tag of `data` (a string is taken as its UTF-8 bytes). */
  digest(data: string | Uint8Array): Buffer {
    const maxLength = typeof data === 'string' ? data.length * 3 : data.length;
    if (maxLength > MAX_INLINE) return createHmac('sha1', this.#key).update(data).digest();
    if (scratch.length < maxLength + 2 * BLOCK) scratch = Buffer.alloc(2 * (maxLength + BLOCK));
    const buf = scratch;
    let length: number;
    if (typeof data === 'string') {
      length = buf.write(data, 0, 'utf8');
    } else {
      buf.set(data, 0);
      length = data.length;
    }
    const total = pad(buf, length);
    const h = state;
    h.set(this.#inner);
    for (let offset = 0; offset < total; offset += BLOCK) compress(h, buf, offset);
    // Outer hash: one block holding the inner digest and its padding.
    writeState(h, buf, 0);
    pad(buf, DIGEST);
    h.set(this.#outer);
    compress(h, buf, 0);
    const out = Buffer.allocUnsafe(DIGEST);
    writeState(h, out, 0);
    return out;
  }
}
