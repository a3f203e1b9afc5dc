/**
 * Moving sessions from express-session to sessionkit (`expressSession: { mode: 'migrate' }`).
 *
 * A request that brings only express-session's cookie is served from express-session's record.
 * Its session moves on the first request that writes or refreshes it: it is stored in
 * sessionkit's format under the *moved id* — derived from the express-session id with an HMAC,
 * so every request of that user that raced to move it lands on the same record and each one's
 * changes are merged, never lost — then express-session's record is deleted, and the response
 * sends sessionkit's cookie and deletes express-session's. For `MOVED_SESSION_GRACE_MS` after the
 * move, requests still in flight with the old cookie join the moved session; afterwards the old
 * cookie opens nothing.
 */
import { createHmac } from 'node:crypto';
import type { CookieSettings } from '../../config.js';
import { readCookie, serializeCookieDeletion } from '../../cookies.js';
import { cookieAttributes, isPastAbsoluteLifetime, shouldSetCookie, type SaveRules, type SavePlan, type SessionFacts } from '../../decisions.js';
import { ExpressSessionCodec } from '../../serialization/records/express-session.js';
import { RecordFormatError, type RecordCodec } from '../../serialization/records/record-codec.js';
import type { Store, StoreRecord } from '../../stores/store.js';
import type { RequestInfo } from '../session-interface.js';
import { writeChanges } from './conflict.js';
import type { ResolvedExpressSession } from './express-session.js';
import { decodeLive } from './live-record.js';
import { mergeSessionData } from '../../merge/merge3.js';

/**
 * How long after a session moved a request still carrying express-session's cookie joins it
 * (ms): long enough for requests that were already on their way when the move happened (a page
 * firing several requests at once, a slow upload), short enough that an old cookie does not
 * stay a second key to the session.
 */
export const MOVED_SESSION_GRACE_MS = 60_000;
/** Domain separation of the moved-id HMAC from every other use of express-session's secret. */
const MOVED_ID_CONTEXT = 'sessionkit: moved express-session id\0';

/** What a request brought of express-session's session, and how far it moved. */
export interface LegacySession {
  /** The id in express-session's (verified) cookie. */
  readonly expressId: string;
  /** The session's data is express-session's record, not moved yet. */
  pending: boolean;
  /** The session had already moved when this request loaded it: the response must carry sessionkit's cookie. */
  joined: boolean;
}

/** What loading an express-session session found. */
export type LegacyLoad =
  /** Already moved (by a request a moment ago): sessionkit's record under the moved id. */
  | { readonly kind: 'moved'; readonly id: string; readonly record: StoreRecord; readonly createdAt: number; readonly data: Record<string, unknown> }
  /** Still in express-session's record. */
  | { readonly kind: 'pending'; readonly data: Record<string, unknown> }
  /** Nothing: express-session's record is gone (expired, logged out, or moved long ago). */
  | { readonly kind: 'none' };

/** What moving a session works with: the moved record, and this request's data and changes. */
export interface SessionMove {
  readonly store: Store;
  readonly codec: RecordCodec;
  /** Key of the moved record (prefix + moved id). */
  readonly key: string;
  /** The encoded record to create. */
  readonly value: Uint8Array;
  readonly ttlMs: number;
  readonly createdAt: number;
  /** This request's data. */
  readonly mine: Record<string, unknown>;
  /** The keys this request changed (none for a move that only refreshes). */
  readonly changed: ReadonlySet<string>;
  readonly maxRetries: number;
  readonly rules: SaveRules;
  readonly clock: () => number;
}

/** A moved session as stored. */
export interface MovedSession {
  readonly record: StoreRecord;
  readonly data: Record<string, unknown>;
  readonly createdAt: number;
}

/** The express-session side of a migrating `ServerSessionInterface`: its cookie, its records, the move. */
export class ExpressSessionMigration {
  /** express-session's cookie name. */
  readonly cookieName: string;
  readonly #express: ResolvedExpressSession;
  readonly #store: Store;
  readonly #codec: ExpressSessionCodec;
  readonly #settings: Readonly<CookieSettings>;
  readonly #movedIdKey: Buffer;

  constructor(express: ResolvedExpressSession, settings: Readonly<CookieSettings>, clock: () => number) {
    if (!express.migrate) throw new TypeError('ExpressSessionMigration needs the migrate mode of the expressSession option');
    this.#express = express;
    this.#store = express.migrate.store;
    this.#settings = settings;
    this.cookieName = express.name;
    this.#codec = new ExpressSessionCodec({ cookie: settings, clock });
    const secret = express.secrets[0]!;
    this.#movedIdKey = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  }

  /** The express-session session a request brings: its cookie, verified; `undefined` without one. */
  open(cookieHeader: string | null | undefined): LegacySession | undefined {
    const expressId = this.#express.idCookie.read(readCookie(cookieHeader, this.cookieName));
    return expressId === undefined ? undefined : { expressId, pending: false, joined: false };
  }

  /**
   * The sessionkit id a session of express-session id `expressId` moves to: 256 bits of
   * HMAC-SHA256 under express-session's signing secret, so only this server can tell it from the
   * old id, and every request of one session computes the same.
   */
  movedId(expressId: string): string {
    return createHmac('sha256', this.#movedIdKey).update(MOVED_ID_CONTEXT + expressId).digest('base64url');
  }

  /**
   * Finds the session of `legacy`: in express-session's record (then `pending`), or moved a
   * moment ago (then `joined`). Throws `StoreError` when a store fails.
   */
  async load(legacy: LegacySession, moved: { store: Store; codec: RecordCodec; keyPrefix: string; rules: SaveRules; nowMs: number }): Promise<LegacyLoad> {
    const old = await this.#store.load(this.#legacyKey(legacy));
    if (old) {
      const data = this.#decode(old);
      if (data) {
        legacy.pending = true;
        return { kind: 'pending', data };
      }
    }
    const id = this.movedId(legacy.expressId);
    const record = await moved.store.load(moved.keyPrefix + id);
    if (!record) return { kind: 'none' };
    const createdAt = stampOf(record, moved.codec);
    if (createdAt === undefined || moved.nowMs - createdAt >= MOVED_SESSION_GRACE_MS) return { kind: 'none' };
    const live = decodeLive(record, moved.codec, moved.nowMs, moved.rules);
    if (!live || isPastAbsoluteLifetime(createdAt, moved.nowMs, moved.rules)) return { kind: 'none' };
    legacy.joined = true;
    return { kind: 'moved', id, record, createdAt, data: live.data };
  }

  /**
   * The facts a pending session is saved on: one that would only be refreshed (its cookie re-sent,
   * or its idle timeout extended) counts as changed, so the refresh moves it.
   */
  pendingFacts(session: SessionFacts, rules: SaveRules): SessionFacts {
    const refresh = shouldSetCookie({ needsSave: false, permanent: session.permanent }, rules) || rules.idleTimeoutMs !== undefined;
    return session.needsSave || session.empty || !refresh ? session : { ...session, needsSave: true };
  }

  /**
   * Whether carrying out `plan` ends a pending session's life in express-session's record: it is
   * stored by sessionkit now (`create`), or it was destroyed or emptied.
   */
  retires(plan: SavePlan, session: SessionFacts): boolean {
    return plan.data === 'create' || session.destroyed || (session.empty && session.needsSave);
  }

  /** Whether express-session's record of `legacy` still exists. */
  async holds(legacy: LegacySession): Promise<boolean> {
    return (await this.#store.load(this.#legacyKey(legacy))) !== null;
  }

  /** Deletes express-session's record of `legacy`; it no longer holds the session. */
  async retire(legacy: LegacySession): Promise<void> {
    await this.#store.destroy(this.#legacyKey(legacy));
    legacy.pending = false;
  }

  /** `Set-Cookie` deleting express-session's cookie, with the path and domain it was set with. */
  deletion(request: RequestInfo | undefined): string {
    const { secure } = cookieAttributes(this.#settings, request);
    const { path, domain } = this.#express.migrate!;
    return serializeCookieDeletion(this.cookieName, { path, domain, secure, httpOnly: true });
  }

  #legacyKey(legacy: LegacySession): string {
    return this.#express.prefix + legacy.expressId;
  }

  /** An express-session record's data, or `undefined` when it is unreadable. */
  #decode(record: StoreRecord): Record<string, unknown> | undefined {
    try {
      return this.#codec.decode(record.value).data;
    } catch (error) {
      if (error instanceof RecordFormatError) return undefined;
      throw error;
    }
  }
}

/**
 * Stores a pending session under its moved id. The first request to get there creates the
 * record; one that finds it taken (another request of the same user moved it meanwhile) writes
 * only its own changes on top, as after any concurrent write. Resolves to what is stored, or to
 * `undefined` when the moved session already ended (moved, then logged out). Throws `StoreError`
 * when the store fails and `SessionConflictError` after too many concurrent writes.
 */
export async function moveSession(move: SessionMove, legacyStillThere: () => Promise<boolean>): Promise<MovedSession | undefined> {
  const { store, codec, key, rules, clock } = move;
  // Without express-session's record someone moved (or ended) the session already: never recreate it.
  if (await legacyStillThere()) {
    const now = clock();
    const version = await store.create(key, move.value, move.ttlMs);
    if (version !== null) {
      return { record: { value: move.value, version, expiresAt: now + move.ttlMs }, data: move.mine, createdAt: move.createdAt };
    }
  }
  const fresh = await store.load(key);
  const live = fresh ? decodeLive(fresh, codec, clock(), rules) : undefined;
  if (!fresh || !live) return undefined;
  if (move.changed.size === 0) return { record: fresh, data: live.data, createdAt: live.createdAt };
  const written = await writeChanges({
    store,
    codec,
    key,
    loaded: fresh,
    createdAt: live.createdAt,
    // This request's changed keys over what is stored now (base and theirs are the same record).
    mine: mergeSessionData(live.data, move.mine, live.data, move.changed),
    changed: move.changed,
    updates: new Map(),
    previous: undefined,
    onMergeConflict: undefined,
    maxRetries: move.maxRetries,
    rules,
    clock,
  });
  return written && { ...written, createdAt: live.createdAt };
}

/** When a sessionkit record says its session was created, or `undefined` when it cannot say. */
function stampOf(record: StoreRecord, codec: RecordCodec): number | undefined {
  try {
    return codec.decode(record.value).meta.createdAt;
  } catch (error) {
    if (error instanceof RecordFormatError) return undefined;
    throw error;
  }
}
