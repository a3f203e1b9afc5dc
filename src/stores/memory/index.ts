import { rejectUnknownOptions, validate } from '../../config.js';
import type { Store, StoreRecord, UpdateResult } from '../store.js';
import { copyBytes } from '../internal/bytes.js';
import { optionNames } from '../internal/options.js';
import { checkTtl, isExpired } from '../internal/ttl.js';

/** Options of `MemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * Most records kept. Beyond it the least recently used record is evicted (its session is
   * lost), so memory stays bounded whatever the traffic. Default: `10_000`.
   */
  maxEntries?: number;
  /** Current time in epoch milliseconds; inject one to test expiry. Default: `Date.now`. */
  clock?: () => number;
}

interface Entry {
  value: Uint8Array;
  version: string;
  expiresAt: number;
}

/** How many of the least recently used entries each write checks for expiry (lazy pruning). */
const PRUNE_PER_WRITE = 4;
/** Default `maxEntries`: room for a busy single-process app, a few MB at typical session sizes. */
const DEFAULT_MAX_ENTRIES = 10_000;
const OPTIONS = optionNames<MemoryStoreOptions>({ maxEntries: true, clock: true });

/**
 * A store in this process's memory: for tests, development and single-process apps that accept
 * losing sessions on restart. Not shared between processes or workers.
 *
 * A `Map` kept in least-recently-used order (an entry is re-inserted when read or written), so
 * evicting the oldest is O(1). Expiry is checked on every read; each write also drops the few
 * least recently used entries that have expired, and `sweep()` drops all of them. Values are
 * copied in and out, so callers cannot change a stored value through their arrays.
 */
export class MemoryStore implements Store {
  /** Always `"memory"`. */
  readonly name = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #clock: () => number;
  #lastVersion = 0;

  /** Validates the options (`ConfigError` for a bad or unknown one). */
  constructor(options: MemoryStoreOptions = {}) {
    rejectUnknownOptions(options, OPTIONS, 'MemoryStore');
    this.#maxEntries = validate.count('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES, { min: 1 });
    this.#clock = validate.function('clock', options.clock ?? Date.now);
  }

  /** Records held right now, including expired ones not pruned yet; never above `maxEntries`. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reads a live record and marks it most recently used. */
  async load(key: string): Promise<StoreRecord | null> {
    const entry = this.#live(key);
    if (!entry) return null;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return { value: copyBytes(entry.value), version: entry.version, expiresAt: entry.expiresAt };
  }

  /** Stores a new record unless a live one holds the key. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    if (this.#live(key)) return null;
    return this.#write(key, copyBytes(value), this.#clock() + ttl);
  }

  /** Replaces the value if the live record still has `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const ttl = checkTtl(ttlMs);
    const entry = this.#live(key);
    if (!entry) return { ok: false, reason: 'missing' };
    if (entry.version !== expectedVersion) return { ok: false, reason: 'conflict' };
    return { ok: true, version: this.#write(key, copyBytes(value), this.#clock() + ttl) };
  }

  /** Moves the expiry of a live record; keeps its version. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    const entry = this.#live(key);
    if (!entry) return false;
    entry.expiresAt = this.#clock() + ttl;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return true;
  }

  /** Deletes the record, if any. */
  async destroy(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Always ready: the records live in this process. */
  async ready(): Promise<void> {}

  /** Drops every expired record; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#clock();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (isExpired(entry.expiresAt, now)) {
        this.#entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Lists live keys starting with `prefix` (a snapshot taken when iteration starts). */
  async *keys(prefix: string): AsyncIterable<string> {
    const now = this.#clock();
    const matching: string[] = [];
    for (const [key, entry] of this.#entries) {
      if (key.startsWith(prefix) && !isExpired(entry.expiresAt, now)) matching.push(key);
    }
    yield* matching;
  }

  /** The entry under `key` if it is live; an expired one is deleted on the way. */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isExpired(entry.expiresAt, this.#clock())) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: Uint8Array, expiresAt: number): string {
    const version = (++this.#lastVersion).toString(36);
    this.#entries.delete(key);
    this.#entries.set(key, { value, version, expiresAt });
    this.#prune();
    return version;
  }

  /** Drops expired entries at the old end of the map, then the oldest ones beyond `maxEntries`. */
  #prune(): void {
    const now = this.#clock();
    let checked = 0;
    for (const [key, entry] of this.#entries) {
      if (checked++ >= PRUNE_PER_WRITE) break;
      if (isExpired(entry.expiresAt, now)) this.#entries.delete(key);
    }
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }
}
