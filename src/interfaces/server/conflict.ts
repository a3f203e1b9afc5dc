/**
 * The conditional write of a changed session, and what happens when another request wrote
 * first: reload, re-apply only the keys this request changed on top of what the other stored,
 * retry. A record destroyed meanwhile (log-out elsewhere) is never brought back.
 */
import { recordTtl, type SaveRules } from '../../decisions.js';
import { SessionKitError } from '../../errors.js';
import type { RecordCodec } from '../../serialization/records/record-codec.js';
import type { Store, StoreRecord } from '../../stores/store.js';
import { decodeLive } from './live-record.js';
import { mergeChanges } from './merge-changes.js';
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
  /** The record this request loaded. */
  readonly loaded: StoreRecord;
  /** When the session was created (epoch ms). */
  readonly createdAt: number;
  /** This request's data. */
  readonly mine: Record<string, unknown>;
  /** The keys this request changed; all of `mine` when it changed none by name (`modified = true`). */
  readonly changed: ReadonlySet<string>;
  /** What an earlier save of this process wrote while this request ran, if any. */
  readonly previous: Written | undefined;
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
  const { store, codec, key, createdAt, mine, changed, rules, clock } = write;
  let record = write.loaded;
  let data = mine;
  const previous = write.previous;
  if (previous && previous.record.version !== record.version) {
    // A save of this process wrote since this request loaded: build on it instead of reloading
    // (the conditional write still catches anything newer from elsewhere).
    record = previous.record;
    data = mergeChanges(previous.data, mine, changed);
  }
  for (let attempt = 0; ; attempt++) {
    write.signal?.throwIfAborted();
    const now = clock();
    const ttl = recordTtl(createdAt, now, rules);
    const value = codec.encode(data, { createdAt });
    const result = await store.update(key, value, record.version, ttl);
    if (result.ok) return { record: { value, version: result.version, expiresAt: now + ttl }, data };
    write.signal?.throwIfAborted();
    const fresh = result.reason === 'conflict' ? await store.load(key) : null;
    const live = fresh ? decodeLive(fresh, codec, clock(), rules) : undefined;
    if (!fresh || !live) return undefined;
    if (attempt >= write.maxRetries) {
      throw new SessionConflictError(`Gave up saving session changes after ${attempt + 1} concurrent writes in a row; the stored session is intact.`);
    }
    record = fresh;
    data = mergeChanges(live.data, mine, changed);
    if (attempt >= BACKOFF_FROM_ATTEMPT) await delay(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
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
