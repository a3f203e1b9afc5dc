// #region snippet
import { randomUUID } from 'node:crypto';
import type { Store, StoreRecord, UpdateResult } from 'sessionkit/stores/store';

export class TinyStore implements Store {
  readonly name = 'tiny';
  #records = new Map<string, StoreRecord>();

  /** `clock`: the current time in epoch ms, so tests can move it (the conformance suite does). */
  constructor(readonly clock: () => number = Date.now) {}

  #live(key: string): StoreRecord | undefined {
    const record = this.#records.get(key);
    if (record && record.expiresAt <= this.clock()) this.#records.delete(key); // expired = absent
    return this.#records.get(key);
  }

  async load(key: string) {
    const r = this.#live(key);
    return r ? { ...r, value: r.value.slice() } : null;
  }

  async create(key: string, value: Uint8Array, ttlMs: number) {
    if (this.#live(key)) return null; // never overwrite a live record
    const version = randomUUID(); // never reused
    this.#records.set(key, { value: value.slice(), version, expiresAt: this.clock() + ttlMs });
    return version;
  }

  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const r = this.#live(key);
    if (!r) return { ok: false, reason: 'missing' }; // never recreate
    if (r.version !== expectedVersion) return { ok: false, reason: 'conflict' };
    const version = randomUUID();
    this.#records.set(key, { value: value.slice(), version, expiresAt: this.clock() + ttlMs });
    return { ok: true, version };
  }

  async touch(key: string, ttlMs: number) {
    const r = this.#live(key);
    if (r) r.expiresAt = this.clock() + ttlMs; // version unchanged
    return r !== undefined;
  }

  async destroy(key: string) {
    this.#records.delete(key);
  }
}
// #endregion snippet
