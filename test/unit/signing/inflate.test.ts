import { constants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32 } from '../../../src/signing/adler32.js';
import { zlibCompress } from '../../../src/signing/deflate.js';
import { BadData } from '../../../src/signing/errors.js';
import { zlibDecompress } from '../../../src/signing/inflate.js';
import { pseudoRandomBytes, thrown } from './vectors.js';

const LIMIT = 1 << 24;

function text(count: number, seed: number): Buffer {
  const words = ['{"a":', '1', ',', '"user"', 'alice', '}', 'Zoë', '[', ']', '😀', ' '];
  return Buffer.from(Array.from(pseudoRandomBytes(count, seed), (b) => words[b % words.length]).join(''));
}

/** What node:zlib makes of `data`: the bytes, or "error". */
function nodeResult(data: Uint8Array): string {
  try {
    return inflateSync(data).toString('hex');
  } catch {
    return 'error';
  }
}

function ourResult(data: Uint8Array): string {
  try {
    return Buffer.from(zlibDecompress(data, LIMIT)).toString('hex');
  } catch (error) {
    if (error instanceof BadData) return 'error';
    throw error;
  }
}

/** zlib streams of every block type and several settings. */
function streams(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 30; i++) {
    const input = i % 3 === 0 ? pseudoRandomBytes(i * 40, i + 1) : text(i * 60, i + 1);
    out.push(deflateSync(input));
    out.push(deflateSync(input, { level: 0 }));
    out.push(deflateSync(input, { level: 1, windowBits: 9, memLevel: 1 }));
    out.push(deflateSync(input, { strategy: constants.Z_FIXED }));
    out.push(deflateSync(input, { strategy: constants.Z_HUFFMAN_ONLY }));
    out.push(deflateSync(input, { strategy: constants.Z_RLE, level: 9 }));
    out.push(zlibCompress(input)!);
  }
  // Several blocks: incompressible data followed by a long compressible stretch.
  out.push(deflateSync(Buffer.concat([pseudoRandomBytes(70_000, 3), text(40_000, 4)])));
  return out;
}

describe('zlibDecompress', () => {
  it('decompresses what node:zlib and sessionkit compress, whatever the block types', () => {
    for (const stream of streams()) {
      expect(Buffer.from(zlibDecompress(stream, LIMIT)).equals(inflateSync(stream))).toBe(true);
    }
  });

  it('ignores bytes after the end of the stream, like zlib.decompress', () => {
    const stream = Buffer.concat([deflateSync('hello'), Buffer.from('trailing')]);
    expect(Buffer.from(zlibDecompress(stream, LIMIT)).toString()).toBe('hello');
  });

  it.each([
    ['empty input', Buffer.alloc(0)],
    ['a lone header', Buffer.from([0x78, 0x9c])],
    ['a bad header check', Buffer.from([0x78, 0x9d, 0x03, 0x00])],
    ['another method than deflate', Buffer.from([0x77, 0x9c - 0x15, 0x03, 0x00])],
    ['a window over 32K', Buffer.from([0x88, 0x98])],
    ['a preset dictionary', Buffer.from([0x78, 0xbb, 0, 0, 0, 1])],
    ['a wrong checksum', Buffer.concat([deflateSync('hello').subarray(0, -1), Buffer.from([0])])],
    ['a missing checksum', deflateSync('hello').subarray(0, -4)],
    ['raw deflate without zlib header', deflateRawSync('hello')],
  ])('rejects %s with BadData', (_label, data) => {
    expect(nodeResult(data)).toBe('error');
    expect(() => zlibDecompress(data, LIMIT)).toThrow(BadData);
  });

  it('agrees with node:zlib on every truncation and single-bit corruption of small streams', () => {
    for (const stream of streams().filter((s) => s.length < 400).slice(0, 40)) {
      for (let cut = 0; cut < stream.length; cut++) {
        const truncated = stream.subarray(0, cut);
        expect(ourResult(truncated), `cut ${cut}`).toBe(nodeResult(truncated));
      }
      for (let bit = 0; bit < Math.min(stream.length * 8, 800); bit += 3) {
        const corrupt = Buffer.from(stream);
        corrupt[bit >> 3]! ^= 1 << (bit & 7);
        expect(ourResult(corrupt), `bit ${bit} of ${stream.toString('hex')}`).toBe(nodeResult(corrupt));
      }
    }
  });

  it('stops with a RangeError once the output would pass the limit', () => {
    const bomb = deflateSync(Buffer.alloc(10_000_000), { level: 9 });
    expect(bomb.length).toBeLessThan(20_000);
    const error = thrown(() => zlibDecompress(bomb, 1024 * 1024));
    expect(error).toBeInstanceOf(RangeError);
    const exact = deflateSync(Buffer.alloc(5000, 0x61));
    expect(zlibDecompress(exact, 5000).length).toBe(5000);
    expect(() => zlibDecompress(exact, 4999)).toThrow(RangeError);
    const stored = deflateSync(Buffer.alloc(5000, 0x61), { level: 0 });
    expect(() => zlibDecompress(stored, 4999)).toThrow(RangeError);
  });

  it('returns exactly the decompressed bytes after a longer output was produced', () => {
    zlibDecompress(deflateSync('a much longer earlier output'), LIMIT);
    const second = zlibDecompress(deflateSync('short'), LIMIT);
    expect(second.length).toBe(5);
    expect(Buffer.from(second).toString()).toBe('short');
  });
});

describe('adler32', () => {
  it('matches the checksum zlib writes, across the 5552-byte reduction boundary', () => {
    for (const length of [0, 1, 5551, 5552, 5553, 20_000]) {
      const data = length % 2 ? pseudoRandomBytes(length, length) : Buffer.alloc(length, 0xff);
      expect(adler32(data)).toBe(deflateSync(data).readUInt32BE(deflateSync(data).length - 4));
    }
  });
});
