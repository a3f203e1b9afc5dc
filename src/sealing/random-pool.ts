/**
 * Random bytes drawn from a buffer refilled with `randomFillSync`: one call into the system's
 * CSPRNG serves many IVs and salts instead of one call each.
 */
import { randomFillSync } from 'node:crypto';
import { Buffer } from 'node:buffer';

/** Bytes fetched per refill: 256 IVs of 16 bytes. */
export const RANDOM_POOL_BYTES = 4096;

/** Hands out fresh random bytes; no byte is ever handed out twice. */
export class RandomPool {
  readonly #pool: Buffer;
  #offset: number;

  constructor(size = RANDOM_POOL_BYTES) {
    this.#pool = Buffer.allocUnsafe(size);
    this.#offset = size;
  }

  /** `size` random bytes, copied out of the pool (so they stay valid after the next refill). */
  take(size: number): Buffer {
    if (size > this.#pool.byteLength) return randomFillSync(Buffer.allocUnsafe(size));
    if (this.#offset + size > this.#pool.byteLength) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const bytes = Buffer.from(this.#pool.subarray(this.#offset, this.#offset + size));
    this.#offset += size;
    return bytes;
  }
}
