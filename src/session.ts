import { SessionNotLoadedError } from './errors.js';
import { sessionDataView, type ViewedSession } from './session-data-view.js';
import { guardSessionPrototype, rejectCallback } from './session-guard.js';
import { installSessionInternals, sessionInternals } from './session-internals.js';
import { setOwn } from './serialization/value-kinds.js';
import { Tuple } from './serialization/values.js';

/**
 * The shape of a session's data when no type is given: string keys, any serializable value
 * (`unknown` until you say more). Augment it once to type every session of the app —
 * `req.session` in Express, `request.session` in Fastify, `ctx.session` in Koa,
 * `c.get('session')` in Hono, node's `req.session`, `openSession()` and `Session` itself:
 *
 * ```ts
 * declare module 'sessionkit' {
 *   interface SessionData {
 *     user?: string;
 *     cart?: number[];
 *   }
 * }
 * ```
 *
 * Keys you do not declare still work, as `unknown`. For one interface only, give its type
 * instead: `new CookieSessionInterface<MyData>(…)`.
 */
export interface SessionData {
  [key: string]: unknown;
}

/**
 * The type of `session.data`: the keys and values of `T`. (A mapped copy of `T`, so that a
 * `Session<MyData>` is still a `Session` when `MyData` is an interface.)
 */
export type SessionDataView<T extends object> = { [K in keyof T]: T[K] };

/** Key under which Flask stores the permanent flag inside the session data. */
export const PERMANENT_KEY = '_permanent';
/** Key under which Flask stores flash messages: a list of `[category, message]` tuples. */
export const FLASHES_KEY = '_flashes';

/** A flash message as `consumeFlashes({ withCategories: true })` returns it. */
export interface FlashMessage<M = string> {
  category: string;
  message: M;
}

/** Options of `Session.consumeFlashes`, mirroring Flask's `get_flashed_messages`. */
export interface ConsumeFlashesOptions {
  /** Only return (and consume) messages of these categories; the others stay stored. */
  categories?: readonly string[];
}

/** A function given to `session.update(key, fn)`: the value stored under the key from the value before. */
export type SessionUpdater = (current: unknown) => unknown;

/**
 * What the interface that created a session can do for it. Sessions never talk to cookies or
 * stores themselves; `SessionInterface` implementations pass these hooks in.
 */
export interface SessionBackend {
  /** Reads the data synchronously on first use (cookie sessions decode lazily this way). */
  loadSync?: () => Record<string, unknown>;
  /** Reads the data asynchronously (server-side sessions); called once by `session.load()`. */
  loadAsync?: () => Promise<Record<string, unknown>>;
  /**
   * Serializes one value, to tell whether a mutable value read from the session was changed in
   * place. Without it, in-place changes are not detected (like Flask).
   */
  fingerprint?: (value: unknown) => string;
  /**
   * `clear()` keeps the permanent flag, as Flask-Session's sessions do (`_permanent` stays, `false`
   * when it was not set). Default: `clear()` removes every key, as Flask's cookie sessions do.
   */
  keepsPermanentOnClear?: boolean;
}

/**
 * A dict-like session with Flask's semantics: it tracks whether it was read (`accessed`),
 * changed (`modified`) and which keys changed, holds the `permanent` flag as `_permanent`, and
 * stores flash messages as Flask does.
 *
 * Values read from the session that are objects or arrays can be changed in place
 * (`session.get('cart')!.push(item)`): the change is detected at save time and saved, which
 * Flask silently drops. Only values actually read are compared, so a request that never reads
 * the session serializes nothing.
 *
 * `T` describes the data: `Session<{ user?: string; cart?: number[] }>`.
 */
export class Session<T extends object = SessionData> {
  #data: Map<string, unknown> | undefined;
  #backend: SessionBackend;
  #loading: Promise<this> | undefined;
  #accessed = false;
  #modified = false;
  #cleared = false;
  #regenerate = false;
  #destroyed = false;
  #changedKeys = new Set<string>();
  /** The `update(key, fn)` calls of keys written only through `update`, in call order. */
  #updates: Map<string, SessionUpdater[]> | undefined;
  #snapshots: Map<string, string> | undefined;
  #isNew: boolean;
  readonly #startedNew: boolean;
  #id: string | undefined;
  /** `data`, made on first use (typed `object`: a `T` here would make `Session<A>` and `Session<B>` unrelated). */
  #view: object | undefined;

  /**
   * Sessions are normally created by a `SessionInterface`'s `open()`; create one yourself only
   * for tests or a custom interface.
   */
  constructor(init: { data?: Record<string, unknown>; isNew?: boolean; id?: string; backend?: SessionBackend } = {}) {
    this.#backend = init.backend ?? {};
    this.#isNew = init.isNew ?? init.data === undefined;
    this.#startedNew = this.#isNew;
    this.#id = init.id;
    if (init.data !== undefined) this.#data = toMap(init.data);
    else if (!this.#backend.loadSync && !this.#backend.loadAsync) this.#data = new Map();
  }

  /** The server-side session id (`undefined` for cookie sessions and new sessions not yet saved). */
  get id(): string | undefined {
    return this.#id;
  }

  /** True when the request brought no valid session (a fresh one was started). */
  get isNew(): boolean {
    this.#ensureLoaded();
    return this.#isNew;
  }

  /** True once the data has been read from its cookie or store. */
  get loaded(): boolean {
    return this.#data !== undefined;
  }

  /** True when the session was read or written during this request (Flask's `accessed`). */
  get accessed(): boolean {
    return this.#accessed;
  }

  /**
   * True when the session was changed. Set it to `true` yourself to force a save, as in Flask.
   * In-place changes of values read from the session are found at save time, not here.
   */
  get modified(): boolean {
    return this.#modified;
  }
  set modified(value: boolean) {
    this.#modified = value;
    this.#accessed ||= value;
  }

  /**
   * The data as an object: `session.data.user = 'alice'`, `delete session.data.cart`,
   * `session.data.cart.push(item)`, `{ ...session.data }`. Every read, write and delete goes
   * through `get`, `set` and `delete`, so it is tracked and saved exactly like them (assigning
   * `undefined` deletes). Server-side sessions must be loaded first, as for `get`.
   */
  get data(): SessionDataView<T> {
    this.#view ??= sessionDataView(this as unknown as ViewedSession, () => sessionInternals().snapshotData(this));
    return this.#view as SessionDataView<T>;
  }

  /** Loads the data if it is not loaded yet (server-side sessions); resolves to the session. */
  load(): Promise<this> {
    if (this.#data) return Promise.resolve(this);
    if (this.#loading) return this.#loading;
    const { loadAsync, loadSync } = this.#backend;
    if (!loadAsync) {
      this.#data = toMap(loadSync ? loadSync() : {});
      return Promise.resolve(this);
    }
    this.#loading = loadAsync().then(
      (data) => {
        this.#data ??= toMap(data);
        return this;
      },
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  /** Loads synchronously when the data comes from a cookie; throws `SessionNotLoadedError` otherwise. */
  loadNow(): void {
    this.#ensureLoaded();
  }

  /** Returns the value stored under `key`, or `undefined`. */
  get<K extends keyof T & string>(key: K): T[K] | undefined;
  /** Returns the value stored under `key`, or `fallback` when there is none. */
  get<K extends keyof T & string>(key: K, fallback: NonNullable<T[K]>): NonNullable<T[K]>;
  get(key: string, fallback?: unknown): unknown {
    const data = this.#read();
    if (!data.has(key)) return fallback;
    const value = data.get(key);
    this.#watch(key, value);
    return value;
  }

  /** Stores `value` under `key`. */
  set<K extends keyof T & string>(key: K, value: T[K]): this {
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    this.#write().set(key, value);
    this.#markChanged(key);
    return this;
  }

  /** Stores several keys at once (Python's `dict.update`). */
  update(values: Partial<T>): this;
  /**
   * Read-modify-write of one key that no concurrent request can undo: runs `fn` on the current
   * value now, stores its result (`undefined` deletes the key) and returns it. A server-side save
   * that meets a concurrent write runs `fn` again on the value stored by then, so
   * `session.update('visits', (n = 0) => n + 1)` from 50 concurrent requests adds 50.
   *
   * `fn` must be pure: it may run several times, and must return a new value rather than change
   * its argument in place. The recorded calls of a key are dropped once the request writes the
   * key directly (`set`, `delete`, `pop`, `clear`…): the key is then saved like any changed key
   * (merged, or the later write wins), and later `update` calls on it only compute a value. Cookie
   * sessions run `fn` once (each request's cookie holds its own copy: nothing to re-run against).
   * On an untyped session, type the parameter: `update('n', (n: number | undefined) => (n ?? 0) + 1)`.
   */
  update<K extends keyof T & string, V extends T[K] = T[K]>(key: K, fn: (current: V | undefined) => V): V;
  update(valuesOrKey: Partial<T> | string, fn?: unknown): unknown {
    if (typeof valuesOrKey === 'string') {
      if (typeof fn !== 'function') {
        throw new TypeError(
          `session.update(key, fn) takes a function as its second argument, got ${fn === null ? 'null' : typeof fn}; ` +
            'to store a value use session.set(key, value) or session.update({ key: value })',
        );
      }
      return this.#updateKey(valuesOrKey, fn as SessionUpdater);
    }
    if (fn !== undefined) throw new TypeError('session.update(values) takes one object; for a read-modify-write use session.update(key, fn)');
    for (const [key, value] of Object.entries(valuesOrKey)) this.set(key as keyof T & string, value as T[keyof T & string]);
    return this;
  }

  /** Returns the value under `key`, storing `fallback` first when the key is absent (`dict.setdefault`). */
  setDefault<K extends keyof T & string>(key: K, fallback: NonNullable<T[K]>): NonNullable<T[K]> {
    const data = this.#read();
    if (!data.has(key)) this.set(key, fallback);
    return this.get(key, fallback);
  }

  /** True when `key` is stored. */
  has(key: keyof T & string): boolean {
    return this.#read().has(key);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: keyof T & string): boolean {
    const data = this.#read();
    if (!data.has(key)) return false;
    this.#write().delete(key);
    this.#markChanged(key);
    return true;
  }

  /** Removes `key` and returns its value (or `fallback`). */
  pop<K extends keyof T & string>(key: K, fallback?: T[K]): T[K] | undefined {
    const data = this.#read();
    if (!data.has(key)) return fallback;
    const value = data.get(key) as T[K];
    this.delete(key);
    return value;
  }

  /**
   * Removes every key; an emptied session's cookie is deleted at save. Like Flask's dict, it marks
   * the session modified even when it was empty already. Where the interface keeps the permanent
   * flag through a clear (Flask-Session), `_permanent` stays, as its first key.
   */
  clear(): void {
    const data = this.#read();
    const permanent = data.get(PERMANENT_KEY) === true;
    for (const key of data.keys()) this.#changedKeys.add(key);
    data.clear();
    this.#snapshots?.clear();
    this.#updates = undefined;
    this.#cleared = true;
    this.#modified = true;
    if (this.#backend.keepsPermanentOnClear) {
      data.set(PERMANENT_KEY, permanent);
      this.#changedKeys.add(PERMANENT_KEY);
    }
  }

  /** The stored keys. */
  keys(): Array<keyof T & string> {
    return [...this.#read().keys()] as Array<keyof T & string>;
  }

  /** The stored `[key, value]` pairs. */
  entries(): Array<[keyof T & string, T[keyof T]]> {
    const pairs = [...this.#read().entries()];
    for (const [key, value] of pairs) this.#watch(key, value);
    return pairs as Array<[keyof T & string, T[keyof T]]>;
  }

  /** The stored values. */
  values(): Array<T[keyof T]> {
    return this.entries().map(([, value]) => value);
  }

  /** Number of stored keys. */
  get size(): number {
    return this.#read().size;
  }

  /** Iterates `[key, value]` pairs. */
  [Symbol.iterator](): IterableIterator<[keyof T & string, T[keyof T]]> {
    return this.entries()[Symbol.iterator]();
  }

  /** A shallow copy of the data as a plain object (safe for keys like `__proto__`). */
  toObject(): Partial<T> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of this.entries()) setOwn(out, key, value);
    return out as Partial<T>;
  }

  /** Same as `toObject()`, so `JSON.stringify(session)` shows the data. */
  toJSON(): Partial<T> {
    return this.toObject();
  }

  /**
   * Whether the session outlives the browser session. A permanent session's cookie gets an
   * expiry of now + the configured lifetime. Stored as `_permanent` exactly as Flask's setter
   * (`self["_permanent"] = bool(value)`) stores it: `false` is stored too, and every assignment
   * marks the session modified, even of the value it already has (so `permanent = true` re-sends
   * the cookie with a fresh expiry).
   */
  get permanent(): boolean {
    return this.#read().get(PERMANENT_KEY) === true;
  }
  set permanent(value: boolean) {
    this.#write().set(PERMANENT_KEY, Boolean(value));
    this.#markChanged(PERMANENT_KEY);
  }

  /** Adds a flash message for the next request, stored as Flask's `flash()` stores it. */
  flash(message: string, category = 'message'): void {
    const data = this.#write();
    const current = data.get(FLASHES_KEY);
    const flashes = Array.isArray(current) ? [...current] : [];
    flashes.push(Tuple.of(category, message));
    data.set(FLASHES_KEY, flashes);
    this.#markChanged(FLASHES_KEY);
  }

  /**
   * Returns the flash messages and removes them from the session (Flask's
   * `get_flashed_messages(with_categories=True)`).
   */
  consumeFlashes(options: ConsumeFlashesOptions = {}): FlashMessage[] {
    const data = this.#read();
    const stored = data.get(FLASHES_KEY);
    if (!Array.isArray(stored) || stored.length === 0) return [];
    const all = stored.map(toFlashMessage);
    const wanted = options.categories;
    const taken = wanted ? all.filter((m) => wanted.includes(m.category)) : all;
    const kept = wanted ? stored.filter((_, i) => !wanted.includes(all[i]!.category)) : [];
    if (kept.length > 0) this.#write().set(FLASHES_KEY, kept);
    else this.#write().delete(FLASHES_KEY);
    this.#markChanged(FLASHES_KEY);
    return taken;
  }

  /** Flash messages without consuming them. */
  peekFlashes(): FlashMessage[] {
    const stored = this.#read().get(FLASHES_KEY);
    return Array.isArray(stored) ? stored.map(toFlashMessage) : [];
  }

  /**
   * Gives the session a new id at save time and keeps its data; the old id stops working. Call
   * it when privileges change (log-in) to defeat session fixation. For cookie sessions this
   * re-signs the cookie.
   */
  regenerate(): void {
    // eslint-disable-next-line prefer-rest-params -- JavaScript callers may pass express-session's callback; the signature takes none.
    rejectCallback('regenerate', arguments);
    this.#ensureLoaded();
    this.#regenerate = true;
    this.#modified = true;
    this.#accessed = true;
  }

  /**
   * Ends the session: its data is removed (from the store too) and its cookie deleted at save.
   * Writing afterwards (say, a "logged out" flash message) starts a new session with a new id,
   * as Django's `flush()`.
   */
  destroy(): void {
    // eslint-disable-next-line prefer-rest-params -- JavaScript callers may pass express-session's callback; the signature takes none.
    rejectCallback('destroy', arguments);
    const data = this.#data ?? new Map<string, unknown>();
    this.#data = data;
    for (const key of data.keys()) this.#changedKeys.add(key);
    data.clear();
    this.#snapshots?.clear();
    this.#updates = undefined;
    this.#destroyed = true;
    this.#cleared = true;
    this.#modified = true;
    this.#accessed = true;
  }

  static {
    installSessionInternals({
      regenerateRequested: (session) => session.#regenerate,
      destroyed: (session) => session.#destroyed,
      cleared: (session) => session.#cleared,
      startedNew: (session) => session.#startedNew,
      isNew: (session) => session.#data !== undefined && session.#isNew,
      size: (session) => session.#data?.size ?? 0,
      changedKeys: (session) => session.#changedKeysNow(),
      keyChanged: (session, key) => session.#keyChanged(key),
      needsSave: (session) => session.#needsSave(),
      peek: (session, key) => session.#data?.get(key),
      recordedUpdates: (session) => session.#updatesNow(),
      snapshotData: (session) => {
        const out: Record<string, unknown> = {};
        if (session.#data) for (const [key, value] of session.#data) setOwn(out, key, value);
        return out;
      },
      adopt: (session, state) => {
        if ('id' in state) session.#id = state.id;
        if (state.data) session.#data = toMap(state.data);
        if (state.isNew !== undefined) session.#isNew = state.isNew;
        if (state.updatesWritten) session.#updates = undefined;
      },
    });
  }

  /** Whether the value under `key`, fingerprinted as `before` when it was read, was changed in place. */
  #changedInPlace(key: string, before: string): boolean {
    const fingerprint = this.#backend.fingerprint;
    return fingerprint !== undefined && this.#data !== undefined && this.#data.has(key) && fingerprint(this.#data.get(key)) !== before;
  }

  #changedKeysNow(): Set<string> {
    const changed = new Set(this.#changedKeys);
    if (this.#snapshots) for (const [key, before] of this.#snapshots) if (this.#changedInPlace(key, before)) changed.add(key);
    return changed;
  }

  #keyChanged(key: string): boolean {
    if (this.#changedKeys.has(key)) return true;
    const before = this.#snapshots?.get(key);
    return before !== undefined && this.#changedInPlace(key, before);
  }

  #needsSave(): boolean {
    if (this.#modified) return true;
    if (!this.#snapshots || this.#snapshots.size === 0) return false;
    return this.#changedKeysNow().size > 0;
  }

  #ensureLoaded(): Map<string, unknown> {
    if (this.#data) return this.#data;
    if (this.#backend.loadSync) {
      this.#data = toMap(this.#backend.loadSync());
      return this.#data;
    }
    throw new SessionNotLoadedError();
  }

  #read(): Map<string, unknown> {
    const data = this.#ensureLoaded();
    this.#accessed = true;
    return data;
  }

  #write(): Map<string, unknown> {
    return this.#read();
  }

  /** A direct write of `key`: its recorded `update` calls no longer decide its value. */
  #markChanged(key: string): void {
    this.#updates?.delete(key);
    this.#noteChange(key);
  }

  #noteChange(key: string): void {
    this.#changedKeys.add(key);
    this.#snapshots?.delete(key);
    this.#modified = true;
  }

  #updateKey(key: string, fn: SessionUpdater): unknown {
    const data = this.#write();
    const next = fn(data.get(key));
    // Written directly before (or the session was emptied): the result is a plain value.
    const recordable = !this.#cleared && (this.#updates?.has(key) === true || !this.#keyChanged(key));
    if (next === undefined) data.delete(key);
    else data.set(key, next);
    this.#noteChange(key);
    if (!recordable) return next;
    this.#updates ??= new Map();
    const calls = this.#updates.get(key);
    if (calls) calls.push(fn);
    else this.#updates.set(key, [fn]);
    // Fingerprinted like a value read, so a later in-place change counts as a direct write.
    if (next !== null && typeof next === 'object' && this.#backend.fingerprint) {
      this.#snapshots ??= new Map();
      this.#snapshots.set(key, this.#backend.fingerprint(next));
    }
    return next;
  }

  /** The recorded updates, without keys whose value was changed in place after its last `update`. */
  #updatesNow(): ReadonlyMap<string, readonly SessionUpdater[]> {
    const updates = this.#updates;
    if (!updates) return NO_UPDATES;
    for (const key of updates.keys()) {
      const before = this.#snapshots?.get(key);
      if (before !== undefined && this.#changedInPlace(key, before)) updates.delete(key);
    }
    return updates;
  }

  #watch(key: string, value: unknown): void {
    if (value === null || typeof value !== 'object' || !this.#backend.fingerprint) return;
    if (this.#changedKeys.has(key)) return;
    this.#snapshots ??= new Map();
    if (!this.#snapshots.has(key)) this.#snapshots.set(key, this.#backend.fingerprint(value));
  }
}

guardSessionPrototype(Session.prototype);
const NO_UPDATES: ReadonlyMap<string, readonly SessionUpdater[]> = new Map();

function toMap(data: Record<string, unknown>): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(data)) map.set(key, data[key]);
  return map;
}

function toFlashMessage(entry: unknown): FlashMessage {
  if (Array.isArray(entry) && entry.length === 2) {
    return { category: String(entry[0]), message: entry[1] as string };
  }
  // Flask also accepts bare messages when with_categories is off; treat them as "message".
  return { category: 'message', message: entry as string };
}
