import { validate } from '../config.js';

/**
 * A bounded map that forgets its least recently used entry when full. A `Map` keeps insertion
 * order, so re-inserting on every hit keeps the oldest entry first and eviction is O(1).
 */
export class BoundedLru<K, V> {
  readonly #entries = new Map<K, V>();
  /** Most entries kept. */
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = validate.count('maxEntries', maxEntries, { min: 1 });
  }

  /** Entries held right now (never above `maxEntries`). */
  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, marked most recently used; `undefined` if absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used if full. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}
