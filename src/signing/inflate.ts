/**
 * zlib-format decompression (RFC 1950/1951) for payloads: accepts and rejects what zlib's
 * `decompress()` accepts and rejects (header and Adler-32 checked, incomplete Huffman codes
 * refused as in `inflate_table`, trailing bytes after the stream ignored), and stops with a
 * `RangeError` as soon as the output would exceed the caller's limit, so a zip bomb never gets
 * inflated. In JavaScript because `inflateSync` costs several microseconds of setup per call,
 * more than decoding a cookie-sized payload.
 */
import { adler32 } from './adler32.js';
import { BadData } from './errors.js';

const MAX_BITS = 15;
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
class Huffman {
  readonly count = new Uint16Array(MAX_BITS + 1);
  readonly symbol: Uint16Array;
  readonly #offsets = new Uint16Array(MAX_BITS + 1);
  constructor(size: number) {
    this.symbol = new Uint16Array(size);
  }

  /**
   * Builds the code from `lengths[0..n)`, with zlib's `inflate_table` rules: over-subscribed sets
   * are invalid, and so are incomplete ones unless `allowSingle` and there is exactly one code of
   * length 1 (or none at all).
   */
  build(lengths: Uint8Array, offset: number, n: number, allowSingle: boolean): boolean {
    const count = this.count;
    count.fill(0);
    for (let i = 0; i < n; i++) count[lengths[offset + i]!]!++;
    let max = MAX_BITS;
    while (max >= 1 && count[max] === 0) max--;
    if (max === 0) return true;
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left = (left << 1) - count[len]!;
      if (left < 0) return false;
    }
    if (left > 0 && (!allowSingle || max !== 1)) return false;
    const offs = this.#offsets;
    offs[1] = 0;
    for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len]! + count[len]!;
    for (let i = 0; i < n; i++) {
      const len = lengths[offset + i]!;
      if (len !== 0) this.symbol[offs[len]!++] = i;
    }
    count[0] = 0;
    return true;
  }
}

// The fixed codes (RFC 1951 §3.2.6), including the never-valid symbols 286-287 and 30-31.
const fixedLengths = new Uint8Array(288 + 32);
fixedLengths.fill(8, 0, 144);
fixedLengths.fill(9, 144, 256);
fixedLengths.fill(7, 256, 280);
fixedLengths.fill(8, 280, 288);
fixedLengths.fill(5, 288, 320);
const fixedLit = new Huffman(288);
const fixedDist = new Huffman(32);
if (!fixedLit.build(fixedLengths, 0, 288, false) || !fixedDist.build(fixedLengths, 288, 32, false)) {
  throw new Error('the fixed Huffman codes are complete');
}

const EMPTY = new Uint8Array(0);

function fail(reason: string): never {
  throw new BadData(`Invalid zlib data: ${reason}`);
}

/** Output buffers up to this size are kept for the next call. */
const KEEP_SCRATCH = 64 * 1024;

/** Decoder state for one stream; reused (decompression is synchronous and not re-entrant). */
class Inflater {
  input: Uint8Array = EMPTY;
  pos = 0;
  /** Up to 32 buffered input bits, least significant first. */
  bitBuf = 0;
  bitCount = 0;
  scratch: Uint8Array = new Uint8Array(4096);
  out: Uint8Array = EMPTY;
  outLen = 0;
  maxOut = 0;
  readonly lengths = new Uint8Array(286 + 30);
  readonly dynLit = new Huffman(286);
  readonly dynDist = new Huffman(30);
  readonly codeLengths = new Huffman(19);

  /** Buffers input bytes while at least 8 bits of room are left. */
  refill(): void {
    const input = this.input;
    let pos = this.pos;
    let buf = this.bitBuf;
    let count = this.bitCount;
    while (count <= 24 && pos < input.length) {
      buf |= input[pos++]! << count;
      count += 8;
    }
    this.pos = pos;
    this.bitBuf = buf;
    this.bitCount = count;
  }

  bits(need: number): number {
    if (this.bitCount < need) {
      this.refill();
      if (this.bitCount < need) fail('incomplete or truncated stream');
    }
    const buf = this.bitBuf;
    this.bitBuf = buf >>> need;
    this.bitCount -= need;
    return buf & ((1 << need) - 1);
  }

  /** Decodes one symbol, reading the code bit by bit from the buffered bits (canonical order). */
  decode(h: Huffman): number {
    if (this.bitCount < MAX_BITS) this.refill();
    const count = h.count;
    const buf = this.bitBuf;
    let rest = buf;
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= rest & 1;
      rest >>>= 1;
      const n = count[len]!;
      if (code - n < first) {
        if (len > this.bitCount) fail('incomplete or truncated stream');
        this.bitBuf = buf >>> len;
        this.bitCount -= len;
        return h.symbol[index + (code - first)]!;
      }
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    return fail(this.bitCount < MAX_BITS ? 'incomplete or truncated stream' : 'invalid code');
  }

  /** Makes room for `n` more output bytes, or throws RangeError past the limit. */
  reserve(n: number): void {
    const needed = this.outLen + n;
    if (needed > this.maxOut) {
      throw new RangeError(`Decompressed data exceeds the limit of ${this.maxOut} bytes`);
    }
    if (needed > this.out.length) {
      const grown = new Uint8Array(Math.min(this.maxOut, Math.max(needed, this.out.length * 2)));
      grown.set(this.out.subarray(0, this.outLen));
      this.out = grown;
    }
  }

  /** Bytes of input not consumed yet: buffered whole bytes go back. */
  unreadPosition(): number {
    return this.pos - (this.bitCount >>> 3);
  }

  stored(): void {
    const input = this.input;
    let at = this.unreadPosition();
    this.bitBuf = 0;
    this.bitCount = 0;
    if (at + 4 > input.length) fail('incomplete or truncated stream');
    const len = input[at]! | (input[at + 1]! << 8);
    const nlen = input[at + 2]! | (input[at + 3]! << 8);
    if (len !== (~nlen & 0xffff)) fail('invalid stored block lengths');
    at += 4;
    if (at + len > input.length) fail('incomplete or truncated stream');
    this.reserve(len);
    this.out.set(input.subarray(at, at + len), this.outLen);
    this.outLen += len;
    this.pos = at + len;
  }

  codes(lit: Huffman, dist: Huffman): void {
    for (;;) {
      let symbol = this.decode(lit);
      if (symbol < 256) {
        if (this.outLen >= this.out.length) this.reserve(1);
        this.out[this.outLen++] = symbol;
        continue;
      }
      if (symbol === 256) return;
      symbol -= 257;
      if (symbol >= 29) fail('invalid literal/length code');
      const length = LENGTH_BASE[symbol]! + this.bits(LENGTH_EXTRA[symbol]!);
      const dsym = this.decode(dist);
      if (dsym >= 30) fail('invalid distance code');
      const distance = DIST_BASE[dsym]! + this.bits(DIST_EXTRA[dsym]!);
      if (distance > this.outLen) fail('invalid distance too far back');
      this.reserve(length);
      const out = this.out;
      let from = this.outLen - distance;
      let to = this.outLen;
      const end = to + length;
      while (to < end) out[to++] = out[from++]!;
      this.outLen = to;
    }
  }

  dynamic(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) fail('too many length or distance symbols');
    const lengths = this.lengths;
    lengths.fill(0, 0, 19);
    for (let i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]!] = this.bits(3);
    if (!this.codeLengths.build(lengths, 0, 19, false)) fail('invalid code lengths set');
    let index = 0;
    while (index < nlen + ndist) {
      let symbol = this.decode(this.codeLengths);
      if (symbol < 16) {
        lengths[index++] = symbol;
        continue;
      }
      let len = 0;
      if (symbol === 16) {
        if (index === 0) fail('invalid bit length repeat');
        len = lengths[index - 1]!;
        symbol = 3 + this.bits(2);
      } else if (symbol === 17) symbol = 3 + this.bits(3);
      else symbol = 11 + this.bits(7);
      if (index + symbol > nlen + ndist) fail('invalid bit length repeat');
      lengths.fill(len, index, index + symbol);
      index += symbol;
    }
    if (lengths[256] === 0) fail('invalid code -- missing end-of-block');
    if (!this.dynLit.build(lengths, 0, nlen, true)) fail('invalid literal/lengths set');
    if (!this.dynDist.build(lengths, nlen, ndist, true)) fail('invalid distances set');
    this.codes(this.dynLit, this.dynDist);
  }

  run(data: Uint8Array, maxOut: number): Uint8Array {
    if (data.length < 2) fail('incomplete or truncated stream');
    const cmf = data[0]!;
    const flg = data[1]!;
    if ((cmf * 256 + flg) % 31 !== 0) fail('incorrect header check');
    if ((cmf & 0x0f) !== 8) fail('unknown compression method');
    if (cmf >>> 4 > 7) fail('invalid window size');
    if (flg & 0x20) fail('a preset dictionary is needed');
    this.input = data;
    this.pos = 2;
    this.bitBuf = 0;
    this.bitCount = 0;
    this.maxOut = maxOut;
    this.out = this.scratch.length <= maxOut ? this.scratch : new Uint8Array(maxOut);
    this.outLen = 0;
    try {
      let last = 0;
      do {
        last = this.bits(1);
        const type = this.bits(2);
        if (type === 0) this.stored();
        else if (type === 1) this.codes(fixedLit, fixedDist);
        else if (type === 2) this.dynamic();
        else fail('invalid block type');
      } while (!last);
      // The Adler-32 trailer starts at the next byte boundary.
      const at = this.unreadPosition();
      if (at + 4 > data.length) fail('incomplete or truncated stream');
      const expected = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
      if (adler32(this.out, this.outLen) !== expected) fail('incorrect data check');
      return this.out.subarray(0, this.outLen);
    } finally {
      if (this.out.length <= KEEP_SCRATCH && this.out.length > this.scratch.length) this.scratch = this.out;
      this.input = EMPTY;
      this.out = EMPTY;
    }
  }
}

const inflater = new Inflater();

/**
 * Decompresses a zlib stream. Throws `BadData` for invalid or truncated data and `RangeError`
 * when the output would exceed `maxOutput` bytes (checked before each write). The result may be a
 * view of a buffer that the next call reuses: use or copy it before decompressing again.
 */
export function zlibDecompress(data: Uint8Array, maxOutput: number): Uint8Array {
  return inflater.run(data, maxOutput);
}
