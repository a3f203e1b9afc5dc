import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_EXACT_INPUT, zlibCompress } from '../../../src/signing/deflate.js';
import { pseudoRandomBytes, vectors } from './vectors.js';

function compress(data: Uint8Array): Buffer {
  const out = zlibCompress(data);
  if (!out) throw new Error('zlibCompress returned nothing without a size limit');
  return out;
}

/** Text-like input: words drawn pseudo-randomly, so matches and literals both occur. */
function wordy(count: number, seed: number): Buffer {
  const words = ['session', 'user', '"id":', '42', 'csrf', 'Zoë', '😀', '{', '}', ',', 'token', 'a1b2'];
  const picks = pseudoRandomBytes(count, seed);
  return Buffer.from(Array.from(picks, (b) => words[b % words.length]).join(''));
}

describe('zlibCompress', () => {
  it.each(vectors.zlib.map((v) => [v.input.length / 2, v] as const))(
    'reproduces zlib.compress byte for byte (%d-byte input)',
    (_length, v) => {
      expect(compress(Buffer.from(v.input, 'hex')).toString('hex')).toBe(v.compressed);
    },
  );

  it('covers stored, fixed-code and dynamic-code blocks in the vectors', () => {
    // Header 78 9c; the first block-type bits tell stored (00), fixed (01) and dynamic (10).
    const types = new Set(vectors.zlib.map((v) => Buffer.from(v.compressed, 'hex')[2]! & 0b110));
    expect(types).toEqual(new Set([0b000, 0b010, 0b100]));
  });

  it('limits code lengths like zlib (the skewed vector overflows 15 bits before adjustment)', () => {
    // Made by skewed_bytes() in itsdangerous_vectors.py: near-Fibonacci symbol frequencies.
    const skewed = vectors.zlib.find((v) => v.input.length === 3000);
    expect(skewed).toBeDefined();
    expect(compress(Buffer.from(skewed!.input, 'hex')).toString('hex')).toBe(skewed!.compressed);
  });

  it('decompresses back to the input for many shapes and sizes', () => {
    const inputs = [
      new Uint8Array(0),
      Buffer.from('a'),
      Buffer.from('ab'),
      Buffer.from('abc'),
      Buffer.from('abcabcabc'),
      Buffer.alloc(300, 0x61),
      Buffer.alloc(MAX_EXACT_INPUT, 0),
      pseudoRandomBytes(MAX_EXACT_INPUT, 5),
      ...Array.from({ length: 40 }, (_, i) => wordy(1 + i * 97, i + 1)),
      ...Array.from({ length: 20 }, (_, i) => pseudoRandomBytes(i * 53, i + 100)),
    ];
    for (const input of inputs) {
      expect(inflateSync(compress(input)).equals(Buffer.from(input)), `length ${input.length}`).toBe(true);
    }
  });

  it('gives the same result when called again (no state carried between calls)', () => {
    const a = wordy(400, 1);
    const first = compress(a);
    compress(wordy(3000, 2));
    compress(pseudoRandomBytes(1000, 3));
    expect(compress(a).equals(first)).toBe(true);
  });

  it('finds matches far back in the input and ignores 3-byte ones beyond 4096 bytes, like zlib', () => {
    const filler = pseudoRandomBytes(5000, 9);
    const input = Buffer.concat([Buffer.from('xyz'), filler, Buffer.from('xyz'), filler.subarray(0, 40)]);
    expect(inflateSync(compress(input)).equals(input)).toBe(true);
    // The 40-byte repeat is coded as a match: the output is far smaller than the literals.
    expect(compress(input).length).toBeLessThan(5000 + 80);
  });

  it('returns undefined when the result would exceed maxLength, and the stream when it fits', () => {
    const input = wordy(200, 4);
    const full = compress(input);
    expect(zlibCompress(input, full.length)?.equals(full)).toBe(true);
    expect(zlibCompress(input, full.length - 1)).toBeUndefined();
  });

  it('hands inputs above the exact limit to node:zlib, still a valid stream', () => {
    const input = wordy(9000, 6);
    expect(input.length).toBeGreaterThan(MAX_EXACT_INPUT);
    expect(inflateSync(compress(input)).equals(input)).toBe(true);
    expect(zlibCompress(input, 10)).toBeUndefined();
  });
});
