/**
 * The conditional write of a changed session, and what happens when another request wrote
 * first: reload, replay this request's changes on top of what the other stored (a three-way
 * merge of the keys it changed, its `update(key, fn)` calls re-run), retry. A record destroyed
 * meanwhile (log-out elsewhere) is never brought back.
 */
import { recordTtl, type SaveRules } from '../../decisions.js';
import { SessionKitError } from '../../errors.js';
import type { MergeConflict } from '../../merge/merge3.js';
import type { RecordCodec } from '../../serialization/records/record-codec.js';
import type { SessionUpdater } from '../../session.js';
import type { Store, StoreRecord } from '../../stores/store.js';
import { decodeLive } from './live-record.js';
import { rebase, type Rebased, type RequestChanges } from './rebase.js';
import type { Written } from './save-queue.js';

/** A save gave up after `maxRetries` concurrent writes in a row. Nothing was lost; retry the request. */
export class SessionConflictError extends SessionKitError {}

/**
 * Retries from this attempt on wait a random backoff first: the first few conflicts are settled
 * at once (usually one other writer), only a crowd of writers is spread out.
 */
export const BACKOFF_FROM_ATTEMPT = 3;
/** Longest backoff before a retry (ms): `2 ** attempt` ms grows to this and stays. */
export const MAX_BACKOFF_MS = 50;

/** What one conditional write works with. */
export interface ChangeWrite {
  readonly store: Store;
  readonly codec: RecordCodec;
  /** The store key (prefix + id). */
  readonly key: string;
  /** The record this request loaded (its bytes are decoded again when a merge needs the base). */
  readonly loaded: StoreRecord;
  /** When the session was created (epoch ms). */
  readonly createdAt: number;
  /** This request's data. */
  readonly mine: Record<string, unknown>;
  /** The keys this request changed; all of `mine` when it changed none by name (`modified = true`). */
  readonly changed: ReadonlySet<string>;
  /** This request's `update(key, fn)` calls, per key in call order. */
  readonly updates: ReadonlyMap<string, readonly SessionUpdater[]>;
  /** What an earlier save of this process wrote while this request ran, if any. */
  readonly previous: Written | undefined;
  /** Told, after the write, where the merge kept this request's value over another's change. */
  readonly onMergeConflict: ((conflict: MergeConflict) => void) | undefined;
  /** Concurrent writes tolerated before `SessionConflictError`. */
  readonly maxRetries: number;
  readonly rules: SaveRules;
  readonly clock: () => number;
  /** Aborts at the save's deadline: no further store call starts. */
  readonly signal?: AbortSignal;
}

/**
 * Writes this request's changes. Resolves to what was written, or to `undefined` when the record
 * is gone (destroyed or expired during the request). Throws `SessionConflictError` after
 * `maxRetries` conflicts in a row, and `StoreError` when the store fails.
 */
export async function writeChanges(write: ChangeWrite): Promise<Written | undefined> {
  const { store, codec, key, createdAt, rules, clock, loaded, previous } = write;
  let base: Record<string, unknown> | undefined;
  const changes: RequestChanges = {
    // A fresh decode of the loaded bytes: nothing the handler changed in place is in it.
    base: () => (base ??= codec.decode(loaded.value).data),
    mine: write.mine,
    changed: write.changed,
    updates: write.updates,
  };
  let record = loaded;
  let attempt: Rebased = { data: write.mine, conflicts: [] };
  if (previous && previous.record.version !== loaded.version) {
    // A save of this process wrote since this request loaded: build on it instead of reloading
    // (the conditional write still catches anything newer from elsewhere). Theirs is its record
    // decoded, not the data it wrote: only values as a reader of the record sees them compare
    // with the base (a format may store a Tuple as a list, a Date to the second), and the
    // `update` functions get a copy of their own, not the data of the session that wrote it.
    record = previous.record;
    attempt = rebase(changes, codec.decode(previous.record.value).data);
  }
  for (let retry = 0; ; retry++) {
    write.signal?.throwIfAborted();
    const now = clock();
    const ttl = recordTtl(createdAt, now, rules);
    const value = codec.encode(attempt.data, { createdAt });
    const result = await store.update(key, value, record.version, ttl);
    if (result.ok) {
      if (write.onMergeConflict) for (const conflict of attempt.conflicts) write.onMergeConflict(conflict);
      return { record: { value, version: result.version, expiresAt: now + ttl }, data: attempt.data };
    }
    write.signal?.throwIfAborted();
    const fresh = result.reason === 'conflict' ? await store.load(key) : null;
    const live = fresh ? decodeLive(fresh, codec, clock(), rules) : undefined;
    if (!fresh || !live) return undefined;
    if (retry >= write.maxRetries) {
      throw new SessionConflictError(`Gave up saving session changes after ${retry + 1} concurrent writes in a row; the stored session is intact.`);
    }
    record = fresh;
    // Theirs is the fresh record; base stays what this request loaded (an earlier save of this
    // process that this attempt built on is in the fresh record by now, or was overwritten).
    attempt = rebase(changes, live.data);
    if (retry >= BACKOFF_FROM_ATTEMPT) await delay(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** retry));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The keys a save writes: those the request changed, or every key when it named none (`modified = true`). */
export function keysToWrite(changed: Set<string>, data: Record<string, unknown>): Set<string> {
  if (changed.size === 0) for (const key of Object.keys(data)) changed.add(key);
  return changed;
}
