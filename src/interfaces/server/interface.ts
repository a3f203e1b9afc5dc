/**
 * `ServerSessionInterface`: opens a session from the id in its cookie, and at the end of the
 * request carries out what `decideSave` planned with store calls.
 */
import type { CookieSettings } from '../../config.js';
import { readCookieValues } from '../../cookies.js';
import { absoluteEnd, decideSave, expirationTime, isTouchDue, readSessionFacts, recordTtl, type SaveFacts, type SavePlan } from '../../decisions.js';
import { SessionKitError } from '../../errors.js';
import { FlaskSessionCodec } from '../../serialization/records/flask-session.js';
import { FlaskSessionPickleCodec } from '../../serialization/records/flask-session-pickle.js';
import { dumpsPickle } from '../../serialization/pickle.js';
import type { RecordCodec } from '../../serialization/records/record-codec.js';
import { TaggedJSONSerializer } from '../../serialization/tagged-json.js';
import { SessionCookieWriter } from '../../session-cookie.js';
import { sessionInternals } from '../../session-internals.js';
import { PERMANENT_KEY, Session, type SessionData } from '../../session.js';
import type { Store, StoreRecord } from '../../stores/store.js';
import type { RequestInfo, SaveResult, SessionInterface } from '../session-interface.js';
import { keysToWrite, writeChanges } from './conflict.js';
import { operationDeadlineMs, withinDeadline, type BoundedOperation } from './deadline.js';
import { moveSession, type LegacySession } from './express-migration.js';
import { createUnderFreshId, idsFromCookies } from './ids.js';
import { decodeLive } from './live-record.js';
import { openDefaultStore, resolveServerOptions, type ResolvedServerOptions, type ServerSessionOptions } from './options.js';
import { SaveQueue, type SaveTurn } from './save-queue.js';

/** What the interface remembers about a session between `open` and `save`. */
interface ServerState {
  /**
   * Ids the request presented in cookies of the session's name, in order (unsigned and
   * well-formed); the session is the first of them the store knows.
   */
  requestedIds: readonly string[];
  /** The record as loaded or last written, while the session is stored. */
  record: StoreRecord | undefined;
  /** When the stored session was created (epoch ms). */
  createdAt: number;
  /** The express-session session the request brought, when migrating from express-session. */
  legacy: LegacySession | undefined;
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
export class ServerSessionInterface<T extends object = SessionData> implements SessionInterface<T> {
  /** The resolved cookie settings. */
  readonly settings: Readonly<CookieSettings>;
  /** Prefix of store keys. */
  readonly keyPrefix: string;
  readonly #options: ResolvedServerOptions;
  readonly #cookie: SessionCookieWriter;
  readonly #queue = new SaveQueue();
  readonly #state = new WeakMap<Session<T>, ServerState>();
  readonly #fingerprint: (value: unknown) => string;
  /** Milliseconds one load or save may take, as its caller sees it. */
  readonly #deadlineMs: number;
  /** Name of the store for errors, known once the default store is opened. */
  #storeName: string;
  #store: Promise<Store> | undefined;
  #codec: Promise<RecordCodec> | undefined;

  constructor(options: ServerSessionOptions = {}) {
    this.#options = resolveServerOptions(options);
    this.settings = this.#options.settings;
    this.keyPrefix = this.#options.keyPrefix;
    this.#cookie = new SessionCookieWriter(this.settings, this.#options.deletionStyle);
    // Pickled sessions hold values tagged JSON has no form for (integral floats, naive
    // datetimes): their changes are detected on their pickle instead.
    const json = new TaggedJSONSerializer();
    this.#fingerprint =
      this.#options.codec === 'pickle' ? (value) => Buffer.from(dumpsPickle(value)).toString('latin1') : (value) => json.dumps(value);
    this.#deadlineMs = operationDeadlineMs(this.#options.operationTimeoutMs, this.#options.store?.timeoutMs);
    this.#storeName = this.#options.store?.name ?? 'default';
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /** The store in use (the default SQLite store is opened on first use). */
  store(): Promise<Store> {
    const given = this.#options.store;
    this.#store ??= given
      ? Promise.resolve(given)
      : openDefaultStore().then((store) => {
          this.#storeName = store.name;
          return store;
        });
    return this.#store;
  }

  /** The record format in use (a Flask-Session format loads its serializer on first use). */
  codec(): Promise<RecordCodec> {
    const option = this.#options.codec;
    this.#codec ??=
      typeof option !== 'string'
        ? Promise.resolve(option)
        : option === 'pickle'
          ? Promise.resolve(new FlaskSessionPickleCodec())
          : FlaskSessionCodec.create(option);
    return this.#codec;
  }

  /**
   * Starts the session of a request. Does no I/O: the store is read by `await session.load()`
   * (the adapters call it before the handler unless told to be lazy). Without a valid id in the
   * cookie the session is new, empty and already loaded. When the header carries several cookies
   * of the session's name (other paths or domains, or one planted by a sibling subdomain), the
   * session is the first of them — up to `MAX_COOKIES_PER_NAME` — whose id the store knows.
   */
  open(cookieHeader: string | null | undefined, _request?: RequestInfo): Session<T> {
    const requestedIds = idsFromCookies(readCookieValues(cookieHeader, this.settings.cookieName), this.#options.idCookie);
    const legacy = this.#options.migration?.open(cookieHeader);
    const state: ServerState = { requestedIds, record: undefined, createdAt: 0, legacy };
    const fingerprint = this.#fingerprint;
    // Like Flask-Session's sessions, clear() keeps the permanent flag.
    const backend = { fingerprint, keepsPermanentOnClear: true };
    // Without a valid id there is nothing to read: the session starts loaded, new and empty.
    const session: Session<T> =
      requestedIds.length === 0 && legacy === undefined
        ? new Session<T>({ data: this.#newSessionData(), isNew: true, backend })
        : new Session<T>({
            isNew: false,
            backend: { ...backend, loadAsync: () => this.#bounded('load', (signal) => this.#load(session, state, signal)) },
          });
    this.#state.set(session, state);
    return session;
  }

  /** Reads a session's data by id, as a request with that id would see it; `null` if none. */
  get(id: string): Promise<Record<string, unknown> | null> {
    return this.#bounded('load', async () => {
      const [store, codec] = await Promise.all([this.store(), this.codec()]);
      const record = await store.load(this.keyPrefix + id);
      if (!record) return null;
      return decodeLive(record, codec, this.#options.clock(), this.#options.rules)?.data ?? null;
    });
  }

  /** Runs one load or save within its deadline (see `deadline.ts`). */
  #bounded<R>(operation: BoundedOperation, fn: (signal: AbortSignal) => Promise<R>): Promise<R> {
    return withinDeadline(this.#deadlineMs, () => this.#storeName, operation, fn);
  }

  async #load(session: Session<T>, state: ServerState, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (state.requestedIds.length === 0) return state.legacy ? this.#loadLegacy(session, state, state.legacy) : this.#newSessionData();
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    // The first id the store knows is the session; a later id is read only when those before it
    // are unknown, so the usual request (one cookie) reads the store once.
    for (const id of state.requestedIds) {
      signal.throwIfAborted();
      const record = await store.load(this.keyPrefix + id);
      // Past the deadline the caller has its StoreError: the session stays as it was.
      signal.throwIfAborted();
      const live = record ? decodeLive(record, codec, this.#options.clock(), this.#options.rules) : undefined;
      if (!record || !live) continue;
      state.record = record;
      state.createdAt = live.createdAt;
      sessionInternals().adopt(session, { id, isNew: false });
      return live.data;
    }
    // An express-session cookie beside a dead sessionkit cookie still holds the session.
    if (state.legacy) return this.#loadLegacy(session, state, state.legacy);
    // Unknown, expired or unreadable: never adopt an id the client sent.
    sessionInternals().adopt(session, { isNew: true });
    return this.#newSessionData();
  }

  /**
   * The data a new session starts with: `{ _permanent: true }` when new sessions are permanent
   * (`SESSION_PERMANENT`), as Flask-Session opens them — so `session.permanent` reads true from
   * the start, `_permanent` is the first key, and a session holding nothing else counts as empty.
   */
  #newSessionData(): Record<string, unknown> {
    return this.#options.rules.permanentByDefault === true ? { [PERMANENT_KEY]: true } : {};
  }

  /** Loads the session of an express-session cookie: still in its record, or moved a moment ago. */
  async #loadLegacy(session: Session<T>, state: ServerState, legacy: LegacySession): Promise<Record<string, unknown>> {
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    const rules = this.#options.rules;
    const found = await this.#options.migration!.load(legacy, { store, codec, keyPrefix: this.keyPrefix, rules, nowMs: this.#options.clock() });
    if (found.kind === 'none') {
      sessionInternals().adopt(session, { isNew: true });
      return {};
    }
    if (found.kind === 'moved') {
      Object.assign(state, { requestedIds: [found.id], record: found.record, createdAt: found.createdAt });
      sessionInternals().adopt(session, { id: found.id, isNew: false });
    } else {
      sessionInternals().adopt(session, { isNew: false });
    }
    return found.data;
  }

  /**
   * Writes what changed and says which cookie to send, as Flask-Session's `save_session`: decide,
   * then carry out — permanence of a new session, the store call, the cookie. A request that
   * never loaded the session makes no store call. Throws `StoreError` when the store fails
   * (nothing is half-written), or when the store calls, together with the wait for earlier saves
   * of this session, take longer than the deadline (`operationTimeout`); saves waiting behind
   * one that failed so fail at once, with its error.
   */
  async save(session: Session<T>, request?: RequestInfo): Promise<SaveResult> {
    const state = this.#state.get(session);
    if (!state) throw new SessionKitError('This session was not opened by this ServerSessionInterface.');
    if (!session.loaded) return { setCookie: [], vary: false };
    const result = await this.#save(session, state, request);
    return state.legacy ? this.#settleLegacy(session, state, state.legacy, result, request) : result;
  }

  async #save(session: Session<T>, state: ServerState, request: RequestInfo | undefined): Promise<SaveResult> {
    // 1. Decide, on the facts of the session and of its stored record.
    const facts = this.#facts(session, state);
    const plan = decideSave(facts, this.#options.rules);
    // 2. Nothing to store and no cookie to send: only Vary, if the session was used (an
    //    express-session session being ended still has its old record to delete, in step 4).
    if (plan.data === 'none' && plan.cookie === 'none' && !state.legacy?.pending) return { setCookie: [], vary: plan.vary };
    // 3. A new session is permanent unless the request said otherwise (SESSION_PERMANENT).
    if (plan.makePermanent) session.permanent = true;
    // 4. The store call: delete, create, recreate, update or touch.
    const outcome = await this.#bounded('save', (signal) => this.#carryOut(plan, session, state, facts.nowMs, signal));
    // An express-session session stored by sessionkit now, or ended: its old record goes.
    if (state.legacy?.pending && this.#options.migration!.retires(plan, facts.session)) await this.#options.migration!.retire(state.legacy);
    // 5. The record vanished meanwhile (destroyed elsewhere, or expired): this session ends too.
    if (outcome === 'gone') return this.#end(session, state, request);
    // 6. The cookie: set (with its expiry), delete, or nothing.
    if (plan.cookie === 'none') return { setCookie: [], vary: plan.vary };
    if (plan.cookie === 'delete') return { setCookie: [this.#cookie.delete(request)], vary: plan.vary };
    const expires = plan.data === 'update' ? this.#expiresAfterMerge(session, plan, facts.nowMs) : plan.expires;
    return { setCookie: [this.#cookie.set(this.#options.idCookie.write(session.id!), expires, request)], vary: plan.vary };
  }

  /**
   * The cookies of a request that brought express-session's cookie: once the session no longer
   * lives in express-session's record, that cookie is deleted, and a session another request
   * moved a moment ago sends its sessionkit cookie even when nothing else changed.
   */
  #settleLegacy(session: Session<T>, state: ServerState, legacy: LegacySession, result: SaveResult, request: RequestInfo | undefined): SaveResult {
    if (legacy.pending) return result;
    const setCookie = [...result.setCookie];
    if (legacy.joined && setCookie.length === 0 && state.record !== undefined) {
      const permanent = sessionInternals().peek(session, PERMANENT_KEY) === true;
      const nowMs = this.#options.clock();
      const expires = expirationTime(permanent, this.#options.rules, nowMs, absoluteEnd(state.createdAt, this.#options.rules));
      setCookie.push(this.#cookie.set(this.#options.idCookie.write(session.id!), expires, request));
    }
    setCookie.push(this.#options.migration!.deletion(request));
    return { setCookie, vary: true };
  }

  #facts(session: Session<T>, state: ServerState): SaveFacts {
    const nowMs = this.#options.clock();
    const record = state.record;
    return {
      storage: 'server',
      session: state.legacy?.pending ? this.#options.migration!.pendingFacts(readSessionFacts(session), this.#options.rules) : readSessionFacts(session),
      hasRecord: record !== undefined,
      hadRequestedId: state.requestedIds.length > 0,
      refreshDue: record !== undefined && isTouchDue(record.expiresAt, state.createdAt, nowMs, this.#options.rules),
      createdAtMs: record === undefined ? undefined : state.createdAt,
      nowMs,
    };
  }

  /**
   * Carries out the plan's data action with store calls. Once `signal` aborts (the deadline
   * passed), no further store call starts.
   */
  async #carryOut(plan: SavePlan, session: Session<T>, state: ServerState, nowMs: number, signal: AbortSignal): Promise<Outcome> {
    const key = state.record === undefined ? undefined : this.keyPrefix + session.id;
    switch (plan.data) {
      case 'none':
        return 'done';
      case 'delete':
        await this.#deleteRecord(state, key, signal);
        return 'done';
      case 'create':
        // Destroyed, then written again: the old record goes first; the new data gets a new id.
        if (plan.deleteLoaded) await this.#deleteRecord(state, key, signal);
        if (this.#movesLegacy(session, state)) return this.#moveLegacy(plan, session, state, state.legacy!, nowMs);
        await this.#storeUnderFreshId(plan, session, state, nowMs, signal);
        return 'done';
      case 'recreate':
        // regenerate(): the new record exists before the old one goes, so a failure loses nothing.
        await this.#storeUnderFreshId(plan, session, state, nowMs, signal);
        await this.#deleteRecord(undefined, key, signal);
        return 'done';
      case 'update':
        return this.#queue.run(key!, signal, (turn) => this.#update(session, state, key!, turn, signal));
      case 'touch':
        return this.#touch(state, key!, nowMs, signal);
    }
  }

  async #deleteRecord(state: ServerState | undefined, key: string | undefined, signal: AbortSignal): Promise<void> {
    if (key !== undefined) {
      const store = await this.store();
      signal.throwIfAborted();
      await store.destroy(key);
    }
    if (state) state.record = undefined;
  }

  /** Stores the session under a fresh id (a new session, or `regenerate()`). */
  async #storeUnderFreshId(plan: SavePlan, session: Session<T>, state: ServerState, nowMs: number, signal: AbortSignal): Promise<void> {
    const store = await this.store();
    const createdAt = plan.createdAtMs;
    const value = (await this.codec()).encode(sessionInternals().snapshotData(session), { createdAt });
    const ttl = recordTtl(createdAt, nowMs, this.#options.rules);
    const { id, version } = await createUnderFreshId(store, this.keyPrefix, value, ttl, this.#options.idBytes, signal);
    state.record = { value, version, expiresAt: nowMs + ttl };
    state.createdAt = createdAt;
    sessionInternals().adopt(session, { id });
  }

  /**
   * Whether a new record is the move of an express-session session, stored under its moved id:
   * not when it was destroyed or regenerated, which calls for an id nobody can derive.
   */
  #movesLegacy(session: Session<T>, state: ServerState): boolean {
    const internals = sessionInternals();
    return state.legacy?.pending === true && !internals.destroyed(session) && !internals.regenerateRequested(session);
  }

  /** Stores an express-session session in sessionkit's format under its moved id. */
  async #moveLegacy(plan: SavePlan, session: Session<T>, state: ServerState, legacy: LegacySession, nowMs: number): Promise<Outcome> {
    const internals = sessionInternals();
    const migration = this.#options.migration!;
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    const mine = internals.snapshotData(session);
    const id = migration.movedId(legacy.expressId);
    const moved = await moveSession(
      {
        store,
        codec,
        key: this.keyPrefix + id,
        value: codec.encode(mine, { createdAt: plan.createdAtMs }),
        ttlMs: recordTtl(plan.createdAtMs, nowMs, this.#options.rules),
        createdAt: plan.createdAtMs,
        mine,
        changed: internals.needsSave(session) ? keysToWrite(internals.changedKeys(session), mine) : new Set(),
        maxRetries: this.#options.maxRetries,
        rules: this.#options.rules,
        clock: this.#options.clock,
      },
      () => migration.holds(legacy),
    );
    if (!moved) return 'gone';
    state.record = moved.record;
    state.createdAt = moved.createdAt;
    internals.adopt(session, { id, data: moved.data });
    return 'done';
  }

  /** The conditional write of this request's changes, in its turn among the saves of this process. */
  async #update(session: Session<T>, state: ServerState, key: string, turn: SaveTurn, signal: AbortSignal): Promise<Outcome> {
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
      signal,
    });
    if (!written) return 'gone';
    state.record = written.record;
    turn.wrote(written);
    internals.adopt(session, { data: written.data, updatesWritten: true });
    return 'done';
  }

  /** Extends an unchanged record's expiry; `gone` when the record no longer exists. */
  async #touch(state: ServerState, key: string, nowMs: number, signal: AbortSignal): Promise<Outcome> {
    const record = state.record!;
    const ttl = recordTtl(state.createdAt, nowMs, this.#options.rules);
    const store = await this.store();
    signal.throwIfAborted();
    if (!(await store.touch(key, ttl))) return 'gone';
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
