/**
 * zlib-format compression (RFC 1950/1951) that reproduces reference zlib's `compress()` at the
 * default level (6) bit for bit: the same match search as `deflate_slow` (lazy matching, hash
 * chains of 128, nice length 128) and the same Huffman trees and block choice as `trees.c`.
 *
 * Why not `node:zlib`: Node bundles Chromium's zlib fork, whose match finder differs, so its
 * output (and sometimes whether compressing pays off at all) differs from the zlib Python links
 * against; and `deflateSync` costs ~10 µs of setup per call, more than everything else done to a
 * cookie. Inputs above `MAX_EXACT_INPUT` (they would not fit in a cookie anyway) go to `node:zlib`.
 */
import { deflateSync } from 'node:zlib';
import { adler32 } from './adler32.js';

/** Largest input compressed here; it guarantees zlib emits a single block with no window slide. */
export const MAX_EXACT_INPUT = 16_382;

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const WSIZE = 32_768;
const MAX_DIST = WSIZE - (MAX_MATCH + MIN_MATCH + 1);
const HASH_SIZE = 1 << 15;
const HASH_MASK = HASH_SIZE - 1;
const TOO_FAR = 4096;
// Level 6 of zlib's configuration_table.
const GOOD_LENGTH = 8;
const MAX_LAZY = 16;
const NICE_LENGTH = 128;
const MAX_CHAIN = 128;

const LITERALS = 256;
const END_BLOCK = 256;
const L_CODES = LITERALS + 1 + 29;
const D_CODES = 30;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

const EXTRA_LBITS = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const EXTRA_DBITS = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const EXTRA_BLBITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// ---- Static tables (trees.c tr_static_init) ----
const lengthCode = new Uint8Array(MAX_MATCH - MIN_MATCH + 1);
const baseLength = new Int32Array(29);
const distCode = new Uint8Array(512);
const baseDist = new Int32Array(D_CODES);
{
  let length = 0;
  let code = 0;
  for (; code < 28; code++) {
    baseLength[code] = length;
    for (let n = 0; n < 1 << EXTRA_LBITS[code]!; n++) lengthCode[length++] = code;
  }
  lengthCode[length - 1] = code;
  let dist = 0;
  for (code = 0; code < 16; code++) {
    baseDist[code] = dist;
    for (let n = 0; n < 1 << EXTRA_DBITS[code]!; n++) distCode[dist++] = code;
  }
  dist >>= 7;
  for (; code < D_CODES; code++) {
    baseDist[code] = dist << 7;
    for (let n = 0; n < 1 << (EXTRA_DBITS[code]! - 7); n++) distCode[256 + dist++] = code;
  }
}

/** zlib's d_code: the distance code of `dist` (distance - 1). */
function dCode(dist: number): number {
  return dist < 256 ? distCode[dist]! : distCode[256 + (dist >>> 7)]!;
}

/** Bit reversal of every byte, for the LSB-first codes. */
const REVERSED_BYTE = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = 0;
  for (let b = 0; b < 8; b++) r |= ((i >> b) & 1) << (7 - b);
  REVERSED_BYTE[i] = r;
}

/** The lowest `length` (1..15) bits of `code`, reversed (zlib's bi_reverse). */
function bitReverse(code: number, length: number): number {
  return ((REVERSED_BYTE[code & 0xff]! << 8) | REVERSED_BYTE[(code >>> 8) & 0xff]!) >>> (16 - length);
}

/** zlib's gen_codes: canonical codes (bit-reversed for LSB-first output) from code lengths. */
function genCodes(len: Uint8Array, code: Uint16Array, maxCode: number, blCount: Uint16Array): void {
  const nextCode = new Uint16Array(MAX_BITS + 1);
  let c = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    c = (c + blCount[bits - 1]!) << 1;
    nextCode[bits] = c;
  }
  for (let n = 0; n <= maxCode; n++) {
    const l = len[n]!;
    if (l === 0) continue;
    code[n] = bitReverse(nextCode[l]!++, l);
  }
}

const staticLLen = new Uint8Array(L_CODES + 2);
const staticLCode = new Uint16Array(L_CODES + 2);
const staticDLen = new Uint8Array(D_CODES).fill(5);
const staticDCode = new Uint16Array(D_CODES);
{
  const count = new Uint16Array(MAX_BITS + 1);
  for (let n = 0; n < staticLLen.length; n++) {
    staticLLen[n] = n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8;
    count[staticLLen[n]!]!++;
  }
  genCodes(staticLLen, staticLCode, L_CODES + 1, count);
  for (let n = 0; n < D_CODES; n++) staticDCode[n] = bitReverse(n, 5);
}

/** One Huffman tree with its description (zlib's ct_data array + static_tree_desc). */
interface Tree {
  readonly freq: Uint32Array;
  readonly len: Uint8Array;
  readonly code: Uint16Array;
  readonly dad: Uint16Array;
  readonly elems: number;
  readonly staticLen: Uint8Array | null;
  readonly extra: Uint8Array;
  readonly extraBase: number;
  readonly maxLength: number;
  /** Number of codes of each length, kept from gen_bitlen for gen_codes. */
  readonly blCount: Uint16Array;
  maxCode: number;
}

function newTree(
  elems: number,
  staticLen: Uint8Array | null,
  extra: readonly number[],
  extraBase: number,
  maxLength: number,
): Tree {
  const size = 2 * elems + 1;
  return {
    freq: new Uint32Array(size),
    len: new Uint8Array(size),
    code: new Uint16Array(size),
    dad: new Uint16Array(size),
    elems,
    staticLen,
    extra: Uint8Array.from(extra),
    extraBase,
    maxLength,
    blCount: new Uint16Array(MAX_BITS + 1),
    maxCode: 0,
  };
}

/**
 * The compressor's buffers and counters, allocated once and reused: compression is synchronous
 * and never re-entered.
 */
class Deflater {
  readonly lTree = newTree(L_CODES, staticLLen, EXTRA_LBITS, LITERALS + 1, MAX_BITS);
  readonly dTree = newTree(D_CODES, staticDLen, EXTRA_DBITS, 0, MAX_BITS);
  readonly blTree = newTree(BL_CODES, null, EXTRA_BLBITS, 0, MAX_BL_BITS);
  readonly heap = new Int32Array(HEAP_SIZE);
  readonly depth = new Uint8Array(HEAP_SIZE);
  readonly blCount = new Uint16Array(MAX_BITS + 1);
  readonly nextCode = new Uint16Array(MAX_BITS + 1);
  heapLen = 0;
  heapMax = 0;
  optLen = 0;
  staticLen = 0;

  /** The input followed by MAX_MATCH zero bytes, as zlib's window after fill_window. */
  readonly window = new Uint8Array(MAX_EXACT_INPUT + MAX_MATCH + 8);
  /** Hash heads hold `headBase + position`; values <= headBase are from earlier calls (NIL). */
  readonly head = new Int32Array(HASH_SIZE);
  headBase = 0;
  readonly prev = new Int32Array(MAX_EXACT_INPUT);
  readonly symDist = new Uint16Array(MAX_EXACT_INPUT);
  readonly symLc = new Uint8Array(MAX_EXACT_INPUT);
  symCount = 0;
  matchStart = 0;

  out: Buffer = Buffer.alloc(0);
  outPos = 0;
  bitBuf = 0;
  bitCount = 0;

  // ---- Huffman trees (trees.c) ----

  /** zlib's pqdownheap, ordering by frequency then depth. */
  pqDownHeap(freq: Uint32Array, k: number): void {
    const heap = this.heap;
    const depth = this.depth;
    const heapLen = this.heapLen;
    const v = heap[k]!;
    const fv = freq[v]!;
    const dv = depth[v]!;
    let j = k << 1;
    while (j <= heapLen) {
      let hj = heap[j]!;
      if (j < heapLen) {
        const hj1 = heap[j + 1]!;
        const f1 = freq[hj1]!;
        const f0 = freq[hj]!;
        if (f1 < f0 || (f1 === f0 && depth[hj1]! <= depth[hj]!)) {
          j++;
          hj = hj1;
        }
      }
      const fj = freq[hj]!;
      if (fv < fj || (fv === fj && dv <= depth[hj]!)) break;
      heap[k] = hj;
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  /** zlib's gen_bitlen: code lengths from the tree, limited to maxLength, updating the sizes. */
  genBitLength(tree: Tree): void {
    const { freq, len, dad, maxCode, staticLen: stree, extra, extraBase: base, maxLength } = tree;
    const heap = this.heap;
    const blCount = this.blCount;
    let optLen = this.optLen;
    let staticLen = this.staticLen;
    let overflow = 0;
    blCount.fill(0);
    len[heap[this.heapMax]!] = 0;
    let h = this.heapMax + 1;
    for (; h < HEAP_SIZE; h++) {
      const n = heap[h]!;
      let bits = len[dad[n]!]! + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      len[n] = bits;
      if (n > maxCode) continue;
      blCount[bits]!++;
      const xbits = n >= base ? extra[n - base]! : 0;
      const f = freq[n]!;
      optLen += f * (bits + xbits);
      if (stree) staticLen += f * (stree[n]! + xbits);
    }
    if (overflow !== 0) {
      do {
        let bits = maxLength - 1;
        while (blCount[bits] === 0) bits--;
        blCount[bits]!--;
        blCount[bits + 1]! += 2;
        blCount[maxLength]!--;
        overflow -= 2;
      } while (overflow > 0);
      for (let bits = maxLength; bits !== 0; bits--) {
        let n = blCount[bits]!;
        while (n !== 0) {
          const m = heap[--h]!;
          if (m > maxCode) continue;
          if (len[m] !== bits) {
            optLen += (bits - len[m]!) * freq[m]!;
            len[m] = bits;
          }
          n--;
        }
      }
    }
    this.optLen = optLen;
    this.staticLen = staticLen;
    tree.blCount.set(blCount);
  }

  /** zlib's build_tree without gen_codes: code lengths and the sizes they give. */
  buildTree(tree: Tree): void {
    const { freq, len, dad, elems, staticLen: stree } = tree;
    const heap = this.heap;
    const depth = this.depth;
    let maxCode = -1;
    let heapLen = 0;
    for (let n = 0; n < elems; n++) {
      if (freq[n] !== 0) {
        heap[++heapLen] = maxCode = n;
        depth[n] = 0;
      } else {
        len[n] = 0;
      }
    }
    // At least two codes of non-zero frequency, as the format needs one distance code.
    while (heapLen < 2) {
      const node = (heap[++heapLen] = maxCode < 2 ? ++maxCode : 0);
      freq[node] = 1;
      depth[node] = 0;
      this.optLen--;
      if (stree) this.staticLen -= stree[node]!;
    }
    tree.maxCode = maxCode;
    this.heapLen = heapLen;
    for (let n = heapLen >> 1; n >= 1; n--) this.pqDownHeap(freq, n);
    let heapMax = HEAP_SIZE;
    let node = elems;
    do {
      const n = heap[1]!;
      heap[1] = heap[this.heapLen--]!;
      this.pqDownHeap(freq, 1);
      const m = heap[1]!;
      heap[--heapMax] = n;
      heap[--heapMax] = m;
      freq[node] = freq[n]! + freq[m]!;
      const dn = depth[n]!;
      const dm = depth[m]!;
      depth[node] = (dn >= dm ? dn : dm) + 1;
      dad[n] = dad[m] = node;
      heap[1] = node++;
      this.pqDownHeap(freq, 1);
    } while (this.heapLen >= 2);
    heap[--heapMax] = heap[1]!;
    this.heapMax = heapMax;
    this.genBitLength(tree);
  }

  /** zlib's gen_codes: canonical codes, bit-reversed for LSB-first output. */
  genCodes(tree: Tree): void {
    const { len, code, maxCode, blCount } = tree;
    const next = this.nextCode;
    let c = 0;
    for (let bits = 1; bits <= MAX_BITS; bits++) {
      c = (c + blCount[bits - 1]!) << 1;
      next[bits] = c;
    }
    for (let n = 0; n <= maxCode; n++) {
      const l = len[n]!;
      if (l !== 0) code[n] = bitReverse(next[l]!++, l);
    }
  }

  /** zlib's scan_tree: counts the code-length codes needed to send `tree`. */
  scanTree(tree: Tree): void {
    const { len, maxCode } = tree;
    const blFreq = this.blTree.freq;
    let prevLen = -1;
    let nextLen = len[0]!;
    let count = 0;
    let maxCount = nextLen === 0 ? 138 : 7;
    let minCount = nextLen === 0 ? 3 : 4;
    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = n < maxCode ? len[n + 1]! : 0xffff;
      if (++count < maxCount && curLen === nextLen) continue;
      if (count < minCount) blFreq[curLen]! += count;
      else if (curLen !== 0) {
        if (curLen !== prevLen) blFreq[curLen]!++;
        blFreq[REP_3_6]!++;
      } else if (count <= 10) blFreq[REPZ_3_10]!++;
      else blFreq[REPZ_11_138]!++;
      count = 0;
      prevLen = curLen;
      if (nextLen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curLen === nextLen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  /** zlib's build_bl_tree: the tree for the code lengths; returns the last bl_order index sent. */
  buildBlTree(): number {
    this.scanTree(this.lTree);
    this.scanTree(this.dTree);
    this.buildTree(this.blTree);
    const blLen = this.blTree.len;
    let maxBlIndex = BL_CODES - 1;
    for (; maxBlIndex >= 3; maxBlIndex--) {
      if (blLen[BL_ORDER[maxBlIndex]!] !== 0) break;
    }
    this.optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4;
    return maxBlIndex;
  }

  // ---- Match search (deflate.c deflate_slow / longest_match) ----

  /** zlib's INSERT_STRING; returns the previous head of the hash chain (0 = NIL). */
  insertString(pos: number): number {
    const win = this.window;
    const head = this.head;
    const h = ((win[pos]! << 10) ^ (win[pos + 1]! << 5) ^ win[pos + 2]!) & HASH_MASK;
    const stored = head[h]! - this.headBase;
    const hashHead = stored > 0 ? stored : 0;
    this.prev[pos] = hashHead;
    head[h] = this.headBase + pos;
    return hashHead;
  }

  /** zlib's longest_match (the portable version); sets matchStart when it finds a longer match. */
  longestMatch(strstart: number, curMatch: number, prevLength: number, lookahead: number): number {
    const win = this.window;
    const prev = this.prev;
    let chainLength = prevLength >= GOOD_LENGTH ? MAX_CHAIN >> 2 : MAX_CHAIN;
    let bestLen = prevLength;
    const niceMatch = NICE_LENGTH > lookahead ? lookahead : NICE_LENGTH;
    const scan0 = win[strstart]!;
    const scan1 = win[strstart + 1]!;
    let scanEnd1 = win[strstart + bestLen - 1]!;
    let scanEnd = win[strstart + bestLen]!;
    do {
      if (
        win[curMatch + bestLen] !== scanEnd ||
        win[curMatch + bestLen - 1] !== scanEnd1 ||
        win[curMatch] !== scan0 ||
        win[curMatch + 1] !== scan1
      ) {
        continue;
      }
      // Byte 2 is equal too: equal hashes and equal bytes 0 and 1 imply it.
      let len = 3;
      while (len < MAX_MATCH && win[strstart + len] === win[curMatch + len]) len++;
      if (len > bestLen) {
        this.matchStart = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = win[strstart + bestLen - 1]!;
        scanEnd = win[strstart + bestLen]!;
      }
    } while ((curMatch = prev[curMatch]!) > 0 && --chainLength !== 0);
    return bestLen <= lookahead ? bestLen : lookahead;
  }

  tallyLiteral(c: number): void {
    const i = this.symCount++;
    this.symDist[i] = 0;
    this.symLc[i] = c;
    this.lTree.freq[c]!++;
  }

  tallyMatch(dist: number, lc: number): void {
    const i = this.symCount++;
    this.symDist[i] = dist;
    this.symLc[i] = lc;
    this.lTree.freq[lengthCode[lc]! + LITERALS + 1]!++;
    this.dTree.freq[dCode(dist - 1)]!++;
  }

  /** deflate_slow over the whole input (in `window[0..n)`), filling the symbol buffer. */
  findMatches(n: number): void {
    if (this.headBase > 0x3fff_0000) {
      this.head.fill(0);
      this.headBase = 0;
    }
    const win = this.window;
    let strstart = 0;
    let lookahead = n;
    let matchLength = MIN_MATCH - 1;
    let prevLength = MIN_MATCH - 1;
    let matchAvailable = false;
    this.matchStart = 0;
    while (lookahead !== 0) {
      let hashHead = 0;
      if (lookahead >= MIN_MATCH) hashHead = this.insertString(strstart);
      prevLength = matchLength;
      const prevMatch = this.matchStart;
      matchLength = MIN_MATCH - 1;
      if (hashHead !== 0 && prevLength < MAX_LAZY && strstart - hashHead <= MAX_DIST) {
        matchLength = this.longestMatch(strstart, hashHead, prevLength, lookahead);
        if (matchLength === MIN_MATCH && strstart - this.matchStart > TOO_FAR) {
          matchLength = MIN_MATCH - 1;
        }
      }
      if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
        const maxInsert = strstart + lookahead - MIN_MATCH;
        this.tallyMatch(strstart - 1 - prevMatch, prevLength - MIN_MATCH);
        lookahead -= prevLength - 1;
        let left = prevLength - 2;
        do {
          if (++strstart <= maxInsert) this.insertString(strstart);
        } while (--left !== 0);
        matchAvailable = false;
        matchLength = MIN_MATCH - 1;
        strstart++;
      } else if (matchAvailable) {
        this.tallyLiteral(win[strstart - 1]!);
        strstart++;
        lookahead--;
      } else {
        matchAvailable = true;
        strstart++;
        lookahead--;
      }
    }
    if (matchAvailable) this.tallyLiteral(win[strstart - 1]!);
    this.headBase += n + 1;
  }

  // ---- Output ----

  sendBits(value: number, length: number): void {
    let buf = this.bitBuf | (value << this.bitCount);
    let count = this.bitCount + length;
    while (count >= 8) {
      this.out[this.outPos++] = buf & 0xff;
      buf >>>= 8;
      count -= 8;
    }
    this.bitBuf = buf;
    this.bitCount = count;
  }

  flushBits(): void {
    if (this.bitCount > 0) this.out[this.outPos++] = this.bitBuf & 0xff;
    this.bitBuf = 0;
    this.bitCount = 0;
  }

  /** zlib's send_tree: the code lengths of `tree` in run-length-coded form. */
  sendTree(tree: Tree): void {
    const { len, maxCode } = tree;
    const blLen = this.blTree.len;
    const blCode = this.blTree.code;
    let prevLen = -1;
    let nextLen = len[0]!;
    let count = 0;
    let maxCount = nextLen === 0 ? 138 : 7;
    let minCount = nextLen === 0 ? 3 : 4;
    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = n < maxCode ? len[n + 1]! : 0xffff;
      if (++count < maxCount && curLen === nextLen) continue;
      if (count < minCount) {
        do this.sendBits(blCode[curLen]!, blLen[curLen]!);
        while (--count !== 0);
      } else if (curLen !== 0) {
        if (curLen !== prevLen) {
          this.sendBits(blCode[curLen]!, blLen[curLen]!);
          count--;
        }
        this.sendBits(blCode[REP_3_6]!, blLen[REP_3_6]!);
        this.sendBits(count - 3, 2);
      } else if (count <= 10) {
        this.sendBits(blCode[REPZ_3_10]!, blLen[REPZ_3_10]!);
        this.sendBits(count - 3, 3);
      } else {
        this.sendBits(blCode[REPZ_11_138]!, blLen[REPZ_11_138]!);
        this.sendBits(count - 11, 7);
      }
      count = 0;
      prevLen = curLen;
      if (nextLen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curLen === nextLen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  /** zlib's compress_block: the symbols with the given codes, then END_BLOCK. */
  compressBlock(lLen: Uint8Array, lCode: Uint16Array, dLen: Uint8Array, dCodes: Uint16Array): void {
    const { symDist, symLc, out, symCount } = this;
    // The bit buffer lives in locals here (the hot loop); at most 7 bits are pending between
    // writes, so 7 + 15 + 5 + 15 + 13 bits never overflow 32.
    let pos = this.outPos;
    let buf = this.bitBuf;
    let count = this.bitCount;
    for (let i = 0; i < symCount; i++) {
      let dist = symDist[i]!;
      const lc = symLc[i]!;
      if (dist === 0) {
        buf |= lCode[lc]! << count;
        count += lLen[lc]!;
      } else {
        let code = lengthCode[lc]!;
        buf |= lCode[code + LITERALS + 1]! << count;
        count += lLen[code + LITERALS + 1]!;
        let extra = EXTRA_LBITS[code]!;
        if (extra !== 0) {
          buf |= (lc - baseLength[code]!) << count;
          count += extra;
        }
        while (count >= 8) {
          out[pos++] = buf & 0xff;
          buf >>>= 8;
          count -= 8;
        }
        dist--;
        code = dCode(dist);
        buf |= dCodes[code]! << count;
        count += dLen[code]!;
        extra = EXTRA_DBITS[code]!;
        if (extra !== 0) {
          buf |= (dist - baseDist[code]!) << count;
          count += extra;
        }
      }
      while (count >= 8) {
        out[pos++] = buf & 0xff;
        buf >>>= 8;
        count -= 8;
      }
    }
    this.outPos = pos;
    this.bitBuf = buf;
    this.bitCount = count;
    this.sendBits(lCode[END_BLOCK]!, lLen[END_BLOCK]!);
  }

  /** See `zlibCompress`; `data.length` must not exceed MAX_EXACT_INPUT. */
  compress(data: Uint8Array, maxLength: number): Buffer | undefined {
    const n = data.length;
    const { lTree, dTree, blTree } = this;
    this.window.set(data, 0);
    this.window.fill(0, n, n + MAX_MATCH + 8);
    lTree.freq.fill(0, 0, L_CODES);
    dTree.freq.fill(0, 0, D_CODES);
    blTree.freq.fill(0, 0, BL_CODES);
    lTree.freq[END_BLOCK] = 1;
    this.optLen = 0;
    this.staticLen = 0;
    this.symCount = 0;
    this.findMatches(n);

    this.buildTree(lTree);
    this.buildTree(dTree);
    const maxBlIndex = this.buildBlTree();
    let optLenBytes = (this.optLen + 3 + 7) >>> 3;
    const staticLenBytes = (this.staticLen + 3 + 7) >>> 3;
    if (staticLenBytes <= optLenBytes) optLenBytes = staticLenBytes;
    const stored = n + 4 <= optLenBytes;
    // zlib header (2) + the block + Adler-32 (4). A stored block: 3 bits, padding, LEN, NLEN, data.
    const size = 2 + (stored ? 1 + 4 + n : optLenBytes) + 4;
    if (size > maxLength) return undefined;

    const out = Buffer.allocUnsafe(size);
    this.out = out;
    out[0] = 0x78;
    out[1] = 0x9c;
    this.outPos = 2;
    this.bitBuf = 0;
    this.bitCount = 0;
    if (stored) {
      this.sendBits(1, 3);
      this.flushBits();
      out.writeUInt16LE(n, this.outPos);
      out.writeUInt16LE(~n & 0xffff, this.outPos + 2);
      out.set(data, this.outPos + 4);
      this.outPos += 4 + n;
    } else if (staticLenBytes === optLenBytes) {
      this.sendBits(3, 3);
      this.compressBlock(staticLLen, staticLCode, staticDLen, staticDCode);
    } else {
      this.genCodes(lTree);
      this.genCodes(dTree);
      this.genCodes(blTree);
      this.sendBits(5, 3);
      this.sendBits(lTree.maxCode + 1 - 257, 5);
      this.sendBits(dTree.maxCode + 1 - 1, 5);
      this.sendBits(maxBlIndex + 1 - 4, 4);
      for (let rank = 0; rank <= maxBlIndex; rank++) this.sendBits(blTree.len[BL_ORDER[rank]!]!, 3);
      this.sendTree(lTree);
      this.sendTree(dTree);
      this.compressBlock(lTree.len, lTree.code, dTree.len, dTree.code);
    }
    this.flushBits();
    out.writeUInt32BE(adler32(data, n), this.outPos);
    this.out = EMPTY;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
const deflater = new Deflater();

/**
 * Compresses `data` into a zlib stream exactly as zlib's `compress(data)` (level 6) does, or
 * returns `undefined` without producing it when the stream would be longer than `maxLength`
 * bytes (the size is known before any output is written).
 */
export function zlibCompress(data: Uint8Array, maxLength = Infinity): Buffer | undefined {
  if (data.length > MAX_EXACT_INPUT) {
    const compressed = deflateSync(data);
    return compressed.length <= maxLength ? compressed : undefined;
  }
  return deflater.compress(data, maxLength);
}
