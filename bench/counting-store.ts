import type { Store, StoreRecord, UpdateResult } from '../src/stores/store.js';

/** The store methods a session interface calls per request. */
export const COUNTED_METHODS = ['load', 'create', 'update', 'touch', 'destroy'] as const;

/** One of the counted store methods. */
export type CountedMethod = (typeof COUNTED_METHODS)[number];

/** Calls made so far, per method. */
export type CallCounts = Record<CountedMethod, number>;

/** Zero calls of every counted method. */
export function zeroCounts(): CallCounts {
  return { load: 0, create: 0, update: 0, touch: 0, destroy: 0 };
}

/**
 * A store that counts the calls made to it and passes each one, unchanged, to a real store. The
 * methods are plain functions returning the real store's promise (no extra `await`), so the
 * count costs one function call per operation.
 */
export class CountingStore implements Store {
  /** Calls made so far, per method. */
  readonly counts: CallCounts = zeroCounts();
  readonly #inner: Store;

  constructor(inner: Store) {
    this.#inner = inner;
  }

  /** The wrapped store's name. */
  get name(): string {
    return this.#inner.name;
  }

  /** Forgets the calls counted so far. */
  reset(): void {
    Object.assign(this.counts, zeroCounts());
  }

  /** Total of the counted calls. */
  total(): number {
    return COUNTED_METHODS.reduce((sum, method) => sum + this.counts[method], 0);
  }

  /** @inheritDoc */
  load(key: string): Promise<StoreRecord | null> {
    this.counts.load++;
    return this.#inner.load(key);
  }

  /** @inheritDoc */
  create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    this.counts.create++;
    return this.#inner.create(key, value, ttlMs);
  }

  /** @inheritDoc */
  update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    this.counts.update++;
    return this.#inner.update(key, value, expectedVersion, ttlMs);
  }

  /** @inheritDoc */
  touch(key: string, ttlMs: number): Promise<boolean> {
    this.counts.touch++;
    return this.#inner.touch(key, ttlMs);
  }

  /** @inheritDoc */
  destroy(key: string): Promise<void> {
    this.counts.destroy++;
    return this.#inner.destroy(key);
  }

  /** Closes the wrapped store, if it can be closed. */
  async close(): Promise<void> {
    await this.#inner.close?.();
  }
}
