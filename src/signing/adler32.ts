/** Adler-32 (RFC 1950), the checksum that ends a zlib stream. */

/** NMAX from zlib: the most bytes summed before the 32-bit sums could overflow. */
const NMAX = 5552;

/** The Adler-32 of `data[0..length)`. */
export function adler32(data: Uint8Array, length = data.length): number {
  let a = 1;
  let b = 0;
  let i = 0;
  while (i < length) {
    const end = Math.min(length, i + NMAX);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
