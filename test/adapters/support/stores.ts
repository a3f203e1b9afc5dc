import { StoreError } from '../../../src/errors.js';
import { MemoryStore } from '../../../src/stores/memory/index.js';
import type { StoreRecord, UpdateResult } from '../../../src/stores/store.js';

/**
 * A memory store that can be switched into failing: while `failing` is set every call throws a
 * `StoreError`, as a store whose backend is down does. Counts loads, to tell eager from lazy.
 */
export class FlakyStore extends MemoryStore {
  /** Whether calls fail right now. */
  failing = false;
  /** Number of `load` calls so far. */
  loads = 0;

  #check(operation: string): void {
    if (this.failing) throw new StoreError('flaky', operation, new Error('connection refused'));
  }

  override async load(key: string): Promise<StoreRecord | null> {
    this.loads++;
    this.#check('load');
    return super.load(key);
  }

  override async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    this.#check('create');
    return super.create(key, value, ttlMs);
  }

  override async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    this.#check('update');
    return super.update(key, value, expectedVersion, ttlMs);
  }

  override async touch(key: string, ttlMs: number): Promise<boolean> {
    this.#check('touch');
    return super.touch(key, ttlMs);
  }

  override async destroy(key: string): Promise<void> {
    this.#check('destroy');
    return super.destroy(key);
  }
}
