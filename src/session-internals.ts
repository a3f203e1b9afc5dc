/**
 * What only the session interfaces may see and change of a `Session`: the flags and data they
 * need to decide and carry out a save. Not part of the public API (`sessionkit` does not export
 * this module); applications use `Session`'s own methods, custom interfaces `readSessionFacts`.
 */
import type { Session, SessionUpdater } from './session.js';

/** Replacement state after a server-side merge, a regeneration or a failed load. */
export interface AdoptedState {
  /** The id the session now has (`undefined`: none, a new session not stored yet). */
  id?: string | undefined;
  /** The data the session now holds. */
  data?: Record<string, unknown>;
  /** Whether the session counts as new (the request brought no valid session). */
  isNew?: boolean;
  /** The recorded `update(key, fn)` calls are in the stored data now: a later save never re-runs them. */
  updatesWritten?: boolean;
}

/** The interface-only view of a session; every accessor leaves `accessed` untouched. */
export interface SessionInternals {
  /** Whether `regenerate()` was called. */
  regenerateRequested<T extends object>(session: Session<T>): boolean;
  /** Whether `destroy()` was called. */
  destroyed<T extends object>(session: Session<T>): boolean;
  /** Whether `clear()` or `destroy()` emptied the session. */
  cleared<T extends object>(session: Session<T>): boolean;
  /** Whether the request carried no session cookie at all (known without loading). */
  startedNew<T extends object>(session: Session<T>): boolean;
  /** Whether the session counts as new, without loading it (`false` while not loaded). */
  isNew<T extends object>(session: Session<T>): boolean;
  /** Number of keys, `0` while not loaded. */
  size<T extends object>(session: Session<T>): number;
  /**
   * Keys changed during this request: set or deleted explicitly, plus values read and changed in
   * place (found by comparing fingerprints). A server-side save re-applies exactly these keys
   * after a conflict.
   */
  changedKeys<T extends object>(session: Session<T>): Set<string>;
  /** Whether `key` is among `changedKeys`, computed for that key alone. */
  keyChanged<T extends object>(session: Session<T>, key: string): boolean;
  /** Whether anything must be saved: `modified`, or a value read was changed in place. */
  needsSave<T extends object>(session: Session<T>): boolean;
  /**
   * The `update(key, fn)` calls to re-run on a concurrent write's value, per key in call order:
   * only keys this request wrote through `update` alone (a direct write of a key drops its calls).
   */
  recordedUpdates<T extends object>(session: Session<T>): ReadonlyMap<string, readonly SessionUpdater[]>;
  /** The current value of a key. */
  peek<T extends object>(session: Session<T>, key: string): unknown;
  /** The data as a plain object (pollution-safe), for serialization. */
  snapshotData<T extends object>(session: Session<T>): Record<string, unknown>;
  /** Replaces id, data or the new flag. */
  adopt<T extends object>(session: Session<T>, state: AdoptedState): void;
}

let installed: SessionInternals | undefined;

/** Called once by `Session` itself, from inside the class (where its private state is visible). */
export function installSessionInternals(internals: SessionInternals): void {
  installed = internals;
}

/** The interface-only accessors of sessions. */
export function sessionInternals(): SessionInternals {
  if (!installed) throw new Error('session internals are not installed: import Session first');
  return installed;
}
