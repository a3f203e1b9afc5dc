/**
 * The Store contract as docs/stores.md shows it, checked against the `Store` sessionkit exports:
 * the compiler fails this file if the two differ in any member.
 */
import type { Store as StoreContract, StoreRecord, UpdateResult } from 'sessionkit';

// #region snippet
interface Store {
  readonly name: string;
  readonly timeoutMs?: number; // the store's own deadline per call, if it has one
  load(key: string): Promise<StoreRecord | null>; // { value, version, expiresAt } or null
  create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null>;
  update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult>;
  touch(key: string, ttlMs: number): Promise<boolean>;
  destroy(key: string): Promise<void>;
  sweep?(): Promise<number>;
  keys?(prefix: string): AsyncIterable<string>;
  ready?(): Promise<void>; // connects and checks the storage: fail at start-up, not at the first request
  close?(): Promise<void>;
}
// #endregion snippet

/** `true` when A and B have the same members (optional ones included) of the same types. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

const documentedIsExported: Same<Store, StoreContract> = true;
console.log(`the documented Store is the exported one: ${documentedIsExported}`);
