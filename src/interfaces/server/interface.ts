/**
 * `ServerSessionInterface`: opens a session from the id in its cookie, and at the end of the
 * request carries out what `decideSave` planned with store calls.
 */
import type { CookieSettings } from '../../config.js';
import { readCookie } from '../../cookies.js';
import { absoluteEnd, decideSave, expirationTime, isTouchDue, readSessionFacts, recordTtl, type SaveFacts, type SavePlan } from '../../decisions.js';
import { SessionKitError } from '../../errors.js';
import { FlaskSessionCodec } from '../../serialization/records/flask-session.js';
import type { RecordCodec } from '../../serialization/records/record-codec.js';
import { TaggedJSONSerializer } from '../../serialization/tagged-json.js';
import { SessionCookieWriter } from '../../session-cookie.js';
import { sessionInternals } from '../../session-internals.js';
import { PERMANENT_KEY, Session } from '../../session.js';
import type { Store, StoreRecord } from '../../stores/store.js';
import type { RequestInfo, SaveResult, SessionInterface } from '../session-interface.js';
import { keysToWrite, writeChanges } from './conflict.js';
import { cookieValueOf, createUnderFreshId, idFromCookie } from './ids.js';
import { decodeLive } from './live-record.js';
import { openDefaultStore, resolveServerOptions, type ResolvedServerOptions, type ServerSessionOptions } from './options.js';
import { SaveQueue, type SaveTurn } from './save-queue.js';

/** What the interface remembers about a session between `open` and `save`. */
interface ServerState {
  /** Id the request presented (already unsigned and well-formed), if any. */
  requestedId: string | undefined;
  /** The record as loaded or last written, while the session is stored. */
  record: StoreRecord | undefined;
  /** When the stored session was created (epoch ms). */
  createdAt: number;
}

/** How carrying out a plan's data action ended. */
type Outcome = 'done' | 'gone';

/**
 * Server-side sessions, like Flask-Session: the cookie holds only a random id; the data lives in
 * a `Store`. Beyond Flask-Session: concurrent requests of one session lose no updates (a save
 * that meets a concurrent write merges the keys it changed into what is stored, three-way, and
 * re-runs its `update(key, fn)` calls; docs/concurrency.md), `regenerate()` keeps the data, idle
 * and absolute timeouts, and store failures surface as `StoreError`, never as an empty session.
 */
export class ServerSessionInterface<T extends object = Record<string, unknown>> implements SessionInterface<T> {
  /** The resolved cookie settings. */
  readonly settings: Readonly<CookieSettings>;
  /** Prefix of store keys. */
  readonly keyPrefix: string;
  readonly #options: ResolvedServerOptions;
  readonly #cookie: SessionCookieWriter;
  readonly #queue = new SaveQueue();
  readonly #state = new WeakMap<Session<T>, ServerState>();
  readonly #fingerprint: (value: unknown) => string;
  #store: Promise<Store> | undefined;
  #codec: Promise<RecordCodec> | undefined;

  constructor(options: ServerSessionOptions = {}) {
    this.#options = resolveServerOptions(options);
    this.settings = this.#options.settings;
    this.keyPrefix = this.#options.keyPrefix;
    this.#cookie = new SessionCookieWriter(this.settings);
    const json = new TaggedJSONSerializer();
    this.#fingerprint = (value) => json.dumps(value);
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /** The store in use (the default SQLite store is opened on first use). */
  store(): Promise<Store> {
    const given = this.#options.store;
    this.#store ??= given ? Promise.resolve(given) : openDefaultStore();
    return this.#store;
  }

  /** The record format in use (a Flask-Session format loads its serializer on first use). */
  codec(): Promise<RecordCodec> {
    const option = this.#options.codec;
    this.#codec ??= typeof option === 'string' ? FlaskSessionCodec.create(option) : Promise.resolve(option);
    return this.#codec;
  }

  /**
   * Starts the session of a request. Does no I/O: the store is read by `await session.load()`
   * (the adapters call it before the handler unless told to be lazy). Without a valid id in the
   * cookie the session is new, empty and already loaded.
   */
  open(cookieHeader: string | null | undefined, _request?: RequestInfo): Session<T> {
    const requestedId = idFromCookie(readCookie(cookieHeader, this.settings.cookieName), this.#options.signer);
    const state: ServerState = { requestedId, record: undefined, createdAt: 0 };
    const fingerprint = this.#fingerprint;
    // Without a valid id there is nothing to read: the session starts loaded and empty.
    const session: Session<T> =
      requestedId === undefined
        ? new Session<T>({ data: {}, isNew: true, backend: { fingerprint } })
        : new Session<T>({ isNew: false, backend: { loadAsync: () => this.#load(session, state), fingerprint } });
    this.#state.set(session, state);
    return session;
  }

  /** Reads a session's data by id, as a request with that id would see it; `null` if none. */
  async get(id: string): Promise<Record<string, unknown> | null> {
    const record = await (await this.store()).load(this.keyPrefix + id);
    if (!record) return null;
    return decodeLive(record, await this.codec(), this.#options.clock(), this.#options.rules)?.data ?? null;
  }

  async #load(session: Session<T>, state: ServerState): Promise<Record<string, unknown>> {
    const id = state.requestedId;
    if (id === undefined) return {};
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    const record = await store.load(this.keyPrefix + id);
    const live = record ? decodeLive(record, codec, this.#options.clock(), this.#options.rules) : undefined;
    if (!record || !live) {
      // Unknown, expired or unreadable: never adopt the id the client sent.
      sessionInternals().adopt(session, { isNew: true });
      return {};
    }
    state.record = record;
    state.createdAt = live.createdAt;
    sessionInternals().adopt(session, { id, isNew: false });
    return live.data;
  }

  /**
   * Writes what changed and says which cookie to send, as Flask-Session's `save_session`: decide,
   * then carry out — permanence of a new session, the store call, the cookie. A request that
   * never loaded the session makes no store call. Throws `StoreError` when the store fails
   * (nothing is half-written).
   */
  async save(session: Session<T>, request?: RequestInfo): Promise<SaveResult> {
    const state = this.#state.get(session);
    if (!state) throw new SessionKitError('This session was not opened by this ServerSessionInterface.');
    if (!session.loaded) return { setCookie: [], vary: false };
    // 1. Decide, on the facts of the session and of its stored record.
    const facts = this.#facts(session, state);
    const plan = decideSave(facts, this.#options.rules);
    // 2. Nothing to store and no cookie to send: only Vary, if the session was used.
    if (plan.data === 'none' && plan.cookie === 'none') return { setCookie: [], vary: plan.vary };
    // 3. A new session is permanent unless the request said otherwise (SESSION_PERMANENT).
    if (plan.makePermanent) session.permanent = true;
    // 4. The store call: delete, create, recreate, update or touch.
    const outcome = await this.#carryOut(plan, session, state, facts.nowMs);
    // 5. The record vanished meanwhile (destroyed elsewhere, or expired): this session ends too.
    if (outcome === 'gone') return this.#end(session, state, request);
    // 6. The cookie: set (with its expiry), delete, or nothing.
    if (plan.cookie === 'none') return { setCookie: [], vary: plan.vary };
    if (plan.cookie === 'delete') return { setCookie: [this.#cookie.delete(request)], vary: plan.vary };
    const expires = plan.data === 'update' ? this.#expiresAfterMerge(session, plan, facts.nowMs) : plan.expires;
    return { setCookie: [this.#cookie.set(cookieValueOf(session.id!, this.#options.signer), expires, request)], vary: plan.vary };
  }

  #facts(session: Session<T>, state: ServerState): SaveFacts {
    const nowMs = this.#options.clock();
    const record = state.record;
    return {
      storage: 'server',
      session: readSessionFacts(session),
      hasRecord: record !== undefined,
      hadRequestedId: state.requestedId !== undefined,
      refreshDue: record !== undefined && isTouchDue(record.expiresAt, state.createdAt, nowMs, this.#options.rules),
      createdAtMs: record === undefined ? undefined : state.createdAt,
      nowMs,
    };
  }

  /** Carries out the plan's data action with store calls. */
  async #carryOut(plan: SavePlan, session: Session<T>, state: ServerState, nowMs: number): Promise<Outcome> {
    const key = state.record === undefined ? undefined : this.keyPrefix + session.id;
    switch (plan.data) {
      case 'none':
        return 'done';
      case 'delete':
        await this.#deleteRecord(state, key);
        return 'done';
      case 'create':
        // Destroyed, then written again: the old record goes first; the new data gets a new id.
        if (plan.deleteLoaded) await this.#deleteRecord(state, key);
        await this.#storeUnderFreshId(plan, session, state, nowMs);
        return 'done';
      case 'recreate':
        // regenerate(): the new record exists before the old one goes, so a failure loses nothing.
        await this.#storeUnderFreshId(plan, session, state, nowMs);
        await this.#deleteRecord(undefined, key);
        return 'done';
      case 'update':
        return this.#queue.run(key!, (turn) => this.#update(session, state, key!, turn));
      case 'touch':
        return this.#touch(state, key!, nowMs);
    }
  }

  async #deleteRecord(state: ServerState | undefined, key: string | undefined): Promise<void> {
    if (key !== undefined) await (await this.store()).destroy(key);
    if (state) state.record = undefined;
  }

  /** Stores the session under a fresh id (a new session, or `regenerate()`). */
  async #storeUnderFreshId(plan: SavePlan, session: Session<T>, state: ServerState, nowMs: number): Promise<void> {
    const store = await this.store();
    const createdAt = plan.createdAtMs;
    const value = (await this.codec()).encode(sessionInternals().snapshotData(session), { createdAt });
    const ttl = recordTtl(createdAt, nowMs, this.#options.rules);
    const { id, version } = await createUnderFreshId(store, this.keyPrefix, value, ttl);
    state.record = { value, version, expiresAt: nowMs + ttl };
    state.createdAt = createdAt;
    sessionInternals().adopt(session, { id });
  }

  /** The conditional write of this request's changes, in its turn among the saves of this process. */
  async #update(session: Session<T>, state: ServerState, key: string, turn: SaveTurn): Promise<Outcome> {
    const internals = sessionInternals();
    const mine = internals.snapshotData(session);
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    const written = await writeChanges({
      store,
      codec,
      key,
      loaded: state.record!,
      createdAt: state.createdAt,
      mine,
      changed: keysToWrite(internals.changedKeys(session), mine),
      updates: internals.recordedUpdates(session),
      previous: turn.previous,
      onMergeConflict: this.#options.onMergeConflict,
      maxRetries: this.#options.maxRetries,
      rules: this.#options.rules,
      clock: this.#options.clock,
    });
    if (!written) return 'gone';
    state.record = written.record;
    turn.wrote(written);
    internals.adopt(session, { data: written.data, updatesWritten: true });
    return 'done';
  }

  /** Extends an unchanged record's expiry; `gone` when the record no longer exists. */
  async #touch(state: ServerState, key: string, nowMs: number): Promise<Outcome> {
    const record = state.record!;
    const ttl = recordTtl(state.createdAt, nowMs, this.#options.rules);
    if (!(await (await this.store()).touch(key, ttl))) return 'gone';
    state.record = { ...record, expiresAt: nowMs + ttl };
    return 'done';
  }

  /** A merge may take `permanent` from another request's write: the cookie follows the stored data. */
  #expiresAfterMerge(session: Session<T>, plan: SavePlan, nowMs: number): Date | undefined {
    const permanent = sessionInternals().peek(session, PERMANENT_KEY) === true;
    return expirationTime(permanent, this.#options.rules, nowMs, absoluteEnd(plan.createdAtMs, this.#options.rules));
  }

  /** Ends a session whose record vanished: it becomes new and empty, and its cookie is deleted. */
  #end(session: Session<T>, state: ServerState, request: RequestInfo | undefined): SaveResult {
    state.record = undefined;
    sessionInternals().adopt(session, { id: undefined, data: {}, isNew: true });
    return { setCookie: [this.#cookie.delete(request)], vary: true };
  }
}
