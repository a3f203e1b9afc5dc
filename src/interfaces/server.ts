import {
  COOKIE_SETTING_NAMES,
  pickOption,
  rejectUnknownOptions,
  resolveCookieSettings,
  validate,
  type CookieSettings,
  type FlaskCookieSettings,
} from '../config.js';
import { readCookie } from '../cookies.js';
import { expirationTime } from '../decisions.js';
import { ConfigError, SessionKitError } from '../errors.js';
import { setOwn } from '../serialization/value-kinds.js';
import { SessionCookieWriter } from '../session-cookie.js';
import { PERMANENT_KEY, Session } from '../session.js';
import { Signer, type Secret } from '../signing/index.js';
import type { Store, StoreRecord } from '../stores/store.js';
import { TaggedJSONSerializer } from '../serialization/index.js';
import { FlaskSessionCodec, type FlaskSessionFormat } from './flask-session-codec.js';
import { RecordFormatError, TaggedJsonRecordCodec, type RecordCodec } from './record-codec.js';
import { generateSessionId, isWellFormedSessionId, SESSION_ID_BYTES } from './session-id.js';
import type { RequestInfo, SaveResult, SessionInterface } from './session-interface.js';

/** Options of `ServerSessionInterface`. camelCase names or Flask / Flask-Session config names. */
export interface ServerSessionOptions extends Partial<CookieSettings>, FlaskCookieSettings {
  /**
   * Where sessions live. Default: the embedded SQLite store at `.sessionkit/sessions.sqlite`
   * under the working directory (needs `better-sqlite3`).
   */
  store?: Store;
  /** Secret that signs the id in the cookie; required with `useSigner` (`SECRET_KEY`). */
  secret?: Secret;
  /** @see secret */
  SECRET_KEY?: Secret;
  /** Old secrets still accepted for signed ids, oldest first (`SECRET_KEY_FALLBACKS`). */
  secretFallbacks?: readonly Secret[];
  /** @see secretFallbacks */
  SECRET_KEY_FALLBACKS?: readonly Secret[];
  /**
   * Sign the id in the cookie like Flask-Session (`Signer`, salt `flask-session`, hmac). Default
   * `false` (`SESSION_USE_SIGNER`): 256 random bits cannot be guessed; signing adds a second check.
   */
  useSigner?: boolean;
  /** @see useSigner */
  SESSION_USE_SIGNER?: boolean;
  /** Prefix of store keys. Default `session:` (`SESSION_KEY_PREFIX`). */
  keyPrefix?: string;
  /** @see keyPrefix */
  SESSION_KEY_PREFIX?: string;
  /**
   * Whether new sessions are permanent (cookie with an expiry) unless the app says otherwise.
   * Default `true`, as Flask-Session (`SESSION_PERMANENT`).
   */
  permanent?: boolean;
  /** @see permanent */
  SESSION_PERMANENT?: boolean;
  /**
   * Seconds of inactivity after which the session ends, enforced by the store's expiry.
   * Default: none (only the lifetime applies).
   */
  idleTimeout?: number;
  /**
   * Seconds after creation after which the session ends however active it is (a hard cap, e.g.
   * 12 hours for a bank). Default: none — like Flask-Session, an active session keeps sliding
   * `permanentLifetime` ahead.
   */
  absoluteTimeout?: number;
  /**
   * An unchanged session's expiry is extended at most once per this many seconds, so refreshing
   * costs one cheap store call now and then, not a write per request. Default: 60, or a tenth of
   * the shortest timeout if smaller.
   */
  touchInterval?: number;
  /** How many times a save re-applies its changes after a concurrent write. Default 50. */
  maxRetries?: number;
  /**
   * Store records as Flask-Session 0.8 does (`SESSION_SERIALIZATION_FORMAT`): the bare session
   * dict as msgpack (`'msgpack'`, needs `msgpackr`) or JSON, so a Flask app using Flask-Session
   * and this interface share sessions through one store (use a store in its Flask-Session
   * layout, e.g. `new RedisStore({ client, layout: 'flask-session' })`). Default: sessionkit's
   * own format (tagged JSON with the creation time).
   */
  serializationFormat?: FlaskSessionFormat;
  /** @see serializationFormat */
  SESSION_SERIALIZATION_FORMAT?: FlaskSessionFormat;
  /** Format of stored records, for custom formats. Default: tagged JSON with creation time. */
  codec?: RecordCodec;
  /** Current time in epoch milliseconds (for tests). Default `Date.now`. */
  clock?: () => number;
}

const OWN_OPTIONS = [
  'store', 'secret', 'SECRET_KEY', 'secretFallbacks', 'SECRET_KEY_FALLBACKS', 'useSigner', 'SESSION_USE_SIGNER',
  'keyPrefix', 'SESSION_KEY_PREFIX', 'permanent', 'SESSION_PERMANENT', 'idleTimeout', 'absoluteTimeout',
  'touchInterval', 'maxRetries', 'codec', 'serializationFormat', 'SESSION_SERIALIZATION_FORMAT', 'clock',
];
const KNOWN_OPTIONS = new Set([...COOKIE_SETTING_NAMES, ...OWN_OPTIONS]);

/** A save gave up after `maxRetries` concurrent writes in a row. Nothing was lost; retry the request. */
export class SessionConflictError extends SessionKitError {}

/** What the interface remembers about a session between `open` and `save`. */
interface ServerState {
  /** Id the request presented (already unsigned and well-formed), if any. */
  requestedId: string | undefined;
  /** The record as loaded, when the id was found in the store. */
  record: StoreRecord | undefined;
  createdAt: number;
}

/**
 * Server-side sessions, like Flask-Session: the cookie holds only a random id; the data lives in
 * a `Store`. Beyond Flask-Session: no lost updates between concurrent requests (a save re-applies
 * only the keys it changed after a concurrent write), `regenerate()` keeps the data, idle and
 * absolute timeouts, and store failures surface as `StoreError`, never as an empty session.
 */
export class ServerSessionInterface<T extends object = Record<string, unknown>> implements SessionInterface<T> {
  /** The resolved cookie settings. */
  readonly settings: Readonly<CookieSettings>;
  /** Prefix of store keys. */
  readonly keyPrefix: string;
  readonly #storeOption: Store | undefined;
  #store: Promise<Store> | undefined;
  readonly #signer: Signer | undefined;
  readonly #permanentByDefault: boolean;
  readonly #idleTimeoutMs: number | undefined;
  readonly #absoluteTimeoutMs: number | undefined;
  readonly #touchIntervalMs: number;
  readonly #maxRetries: number;
  readonly #codecOption: RecordCodec | FlaskSessionFormat;
  #codec: Promise<RecordCodec> | undefined;
  readonly #fingerprintJson = new TaggedJSONSerializer();
  readonly #clock: () => number;
  readonly #state = new WeakMap<Session<T>, ServerState>();
  /** The last queued save per store key: saves of one session in this process run one at a time. */
  readonly #saving = new Map<string, Promise<unknown>>();
  /** What the last save of a key wrote, kept only while more saves of that key are queued. */
  readonly #written = new Map<string, { record: StoreRecord; data: Record<string, unknown> }>();
  readonly #cookie: SessionCookieWriter;

  constructor(options: ServerSessionOptions = {}) {
    rejectUnknownOptions(options, KNOWN_OPTIONS);
    this.settings = Object.freeze(resolveCookieSettings(options));
    this.#cookie = new SessionCookieWriter(this.settings);
    this.#storeOption = options.store;
    const useSignerOpt = pickOption(options, 'useSigner', 'SESSION_USE_SIGNER');
    const useSigner = useSignerOpt ? validate.boolean(useSignerOpt.name, useSignerOpt.value) : false;
    if (useSigner) {
      const secretOpt = pickOption(options, 'secret', 'SECRET_KEY');
      if (!secretOpt || (typeof secretOpt.value !== 'string' && !(secretOpt.value instanceof Uint8Array)) || secretOpt.value.length === 0) {
        throw new ConfigError(secretOpt?.name ?? 'secret', 'useSigner needs a non-empty secret key (secret or SECRET_KEY)');
      }
      const fallbacks = (pickOption(options, 'secretFallbacks', 'SECRET_KEY_FALLBACKS')?.value ?? []) as Secret[];
      this.#signer = new Signer({ secret: [...fallbacks, secretOpt.value], salt: 'flask-session', keyDerivation: 'hmac', digest: 'sha1' });
    }
    const prefixOpt = pickOption(options, 'keyPrefix', 'SESSION_KEY_PREFIX');
    this.keyPrefix = prefixOpt ? validate.string(prefixOpt.name, prefixOpt.value, { nonEmpty: false }) : 'session:';
    const permanentOpt = pickOption(options, 'permanent', 'SESSION_PERMANENT');
    this.#permanentByDefault = permanentOpt ? validate.boolean(permanentOpt.name, permanentOpt.value) : true;
    this.#idleTimeoutMs = options.idleTimeout === undefined ? undefined : validate.seconds('idleTimeout', options.idleTimeout) * 1000;
    this.#absoluteTimeoutMs =
      options.absoluteTimeout === undefined ? undefined : validate.seconds('absoluteTimeout', options.absoluteTimeout) * 1000;
    const shortest = Math.min(this.#absoluteTimeoutMs ?? Infinity, this.#idleTimeoutMs ?? Infinity, this.settings.permanentLifetime * 1000);
    this.#touchIntervalMs =
      options.touchInterval === undefined ? Math.min(60_000, shortest / 10) : validate.seconds('touchInterval', options.touchInterval, { min: 0 }) * 1000;
    this.#maxRetries = options.maxRetries === undefined ? 50 : validate.seconds('maxRetries', options.maxRetries, { min: 0 });
    const formatOpt = pickOption(options, 'serializationFormat', 'SESSION_SERIALIZATION_FORMAT');
    if (formatOpt && options.codec) throw new ConfigError(formatOpt.name, 'give either a serialization format or a codec, not both');
    this.#codecOption = formatOpt
      ? validate.oneOf(formatOpt.name, formatOpt.value, ['msgpack', 'json'] as const)
      : (options.codec ?? new TaggedJsonRecordCodec());
    this.#clock = options.clock ?? Date.now;
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /** The store in use (the default SQLite store is opened on first use). */
  store(): Promise<Store> {
    this.#store ??= this.#storeOption ? Promise.resolve(this.#storeOption) : openDefaultStore();
    return this.#store;
  }

  /** The record format in use (a Flask-Session format loads its serializer on first use). */
  codec(): Promise<RecordCodec> {
    const option = this.#codecOption;
    this.#codec ??= typeof option === 'string' ? FlaskSessionCodec.create(option) : Promise.resolve(option);
    return this.#codec;
  }

  /**
   * Starts the session of a request. Does no I/O: the store is read by `await session.load()`
   * (the adapters call it before the handler unless told to be lazy). Without a valid id in the
   * cookie the session is new, empty and already loaded.
   */
  open(cookieHeader: string | null | undefined, _request?: RequestInfo): Session<T> {
    const requestedId = this.#idFromCookie(readCookie(cookieHeader, this.settings.cookieName));
    const state: ServerState = { requestedId, record: undefined, createdAt: 0 };
    const fingerprint = (value: unknown) => this.#fingerprintJson.dumps(value);
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
    return this.#decodeLive(record, await this.codec())?.data ?? null;
  }

  async #load(session: Session<T>, state: ServerState): Promise<Record<string, unknown>> {
    const id = state.requestedId;
    if (id === undefined) return {};
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    const record = await store.load(this.keyPrefix + id);
    const decoded = record ? this.#decodeLive(record, codec) : undefined;
    if (!record || !decoded) {
      // Unknown, expired or unreadable: never adopt the id the client sent.
      session.adopt({ isNew: true });
      return {};
    }
    state.record = record;
    state.createdAt = decoded.createdAt;
    session.adopt({ id, isNew: false });
    return decoded.data;
  }

  /** Decodes a record, or `undefined` when it is unreadable or past its absolute lifetime. */
  #decodeLive(record: StoreRecord, codec: RecordCodec): { data: Record<string, unknown>; createdAt: number } | undefined {
    let decoded: ReturnType<RecordCodec['decode']>;
    try {
      decoded = codec.decode(record.value);
    } catch (error) {
      if (error instanceof RecordFormatError) return undefined;
      throw error;
    }
    const now = this.#clock();
    const createdAt = decoded.meta.createdAt ?? now;
    if (this.#absoluteTimeoutMs !== undefined && createdAt + this.#absoluteTimeoutMs <= now) return undefined;
    return { data: decoded.data, createdAt };
  }

  /**
   * Writes what changed and says which cookie to send. A request that never loaded the session
   * makes no store call. Throws `StoreError` when the store fails (nothing is half-written).
   */
  async save(session: Session<T>, request?: RequestInfo): Promise<SaveResult> {
    const state = this.#state.get(session);
    if (!state) throw new SessionKitError('This session was not opened by this ServerSessionInterface.');
    if (!session.loaded) return { setCookie: [], vary: false };
    const vary = session.accessed;
    const key = state.record ? this.keyPrefix + session.id : undefined;

    if (session.destroyed && session.size > 0) {
      // Destroyed, then written again: the old record goes, the new data gets a new id.
      if (key) await (await this.store()).destroy(key);
      state.record = undefined;
      state.createdAt = 0;
      return this.#create(session, state, undefined, request);
    }
    if (session.destroyed || (session.size === 0 && session.needsSave())) {
      if (key) await (await this.store()).destroy(key);
      state.record = undefined;
      return { setCookie: state.requestedId === undefined ? [] : [this.#deletionCookie(request)], vary: true };
    }
    if (session.size === 0) return { setCookie: [], vary };

    if (session.regenerateRequested || !state.record) {
      if (!session.needsSave()) return { setCookie: [], vary };
      return this.#create(session, state, key, request);
    }
    if (session.needsSave()) return this.#inTurn(key!, () => this.#update(session, state, key!, request));
    return this.#refresh(session, state, key!, request, vary);
  }

  /** Stores the session under a fresh id (new session, or `regenerate()`); the old record goes. */
  async #create(session: Session<T>, state: ServerState, oldKey: string | undefined, request?: RequestInfo): Promise<SaveResult> {
    const store = await this.store();
    if (!state.record && this.#permanentByDefault && !session.changedKeys().has(PERMANENT_KEY)) session.permanent = true;
    const now = this.#clock();
    const createdAt = state.record ? state.createdAt : now;
    const value = (await this.codec()).encode(session.snapshotData(), { createdAt });
    const ttl = this.#ttl(createdAt, now);
    for (let attempt = 0; ; attempt++) {
      const id = generateSessionId(SESSION_ID_BYTES);
      const version = await store.create(this.keyPrefix + id, value, ttl);
      if (version !== null) {
        if (oldKey) await store.destroy(oldKey);
        state.record = { value, version, expiresAt: now + ttl };
        state.createdAt = createdAt;
        session.adopt({ id });
        return { setCookie: [this.#sessionCookie(session, id, createdAt, request)], vary: true };
      }
      if (attempt >= 3) throw new SessionKitError('Could not find a free session id after 4 tries; is the store returning null from create() for every key?');
    }
  }

  /**
   * Runs the saves of one session in this process one after another, so concurrent requests of
   * one session do not race each other's retries; each save starts from what the save before it
   * wrote (no reload), and only a write from another process makes it reload and retry.
   */
  async #inTurn<R>(key: string, save: () => Promise<R>): Promise<R> {
    const previous = this.#saving.get(key);
    const mine = (previous ?? Promise.resolve()).then(save, save);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#saving.set(key, settled);
    try {
      return await mine;
    } finally {
      if (this.#saving.get(key) === settled) {
        this.#saving.delete(key);
        this.#written.delete(key);
      }
    }
  }

  /**
   * Conditional write of the keys this request changed. On a concurrent write: reload, re-apply
   * only those keys on top of what the other request stored, retry. A record destroyed meanwhile
   * (logout elsewhere) is never brought back.
   */
  async #update(session: Session<T>, state: ServerState, key: string, request?: RequestInfo): Promise<SaveResult> {
    const [store, codec] = await Promise.all([this.store(), this.codec()]);
    const changed = session.changedKeys();
    let data = session.snapshotData();
    // `session.modified = true` without a tracked key: the whole session is this request's write.
    if (changed.size === 0) for (const k of Object.keys(data)) changed.add(k);
    let record = state.record!;
    const before = this.#written.get(key);
    if (before && before.record.version !== record.version) {
      // A save of this process wrote since this request loaded: build on it instead of reloading
      // (the conditional write still catches anything newer from elsewhere).
      record = before.record;
      data = mergeChanges(before.data, data, changed);
    }
    for (let attempt = 0; ; attempt++) {
      const now = this.#clock();
      const ttl = this.#ttl(state.createdAt, now);
      const value = codec.encode(data, { createdAt: state.createdAt });
      const result = await store.update(key, value, record.version, ttl);
      if (result.ok) {
        state.record = { value, version: result.version, expiresAt: now + ttl };
        if (this.#saving.has(key)) this.#written.set(key, { record: state.record, data });
        session.adopt({ data });
        return { setCookie: [this.#sessionCookie(session, session.id!, state.createdAt, request)], vary: true };
      }
      const fresh = result.reason === 'conflict' ? await store.load(key) : null;
      const decoded = fresh ? this.#decodeLive(fresh, codec) : undefined;
      if (!fresh || !decoded) return this.#gone(session, state, request);
      if (attempt >= this.#maxRetries) {
        throw new SessionConflictError(`Gave up saving session changes after ${attempt + 1} concurrent writes in a row; the stored session is intact.`);
      }
      record = fresh;
      data = mergeChanges(decoded.data, session.snapshotData(), changed);
      if (attempt > 2) await delay(Math.random() * Math.min(50, 2 ** attempt));
    }
  }

  /** The record vanished during the request (destroyed elsewhere, or expired): end this session too. */
  #gone(session: Session<T>, state: ServerState, request?: RequestInfo): SaveResult {
    state.record = undefined;
    session.adopt({ id: undefined, data: {}, isNew: true });
    return { setCookie: [this.#deletionCookie(request)], vary: true };
  }

  /** An unchanged session: extend its expiry now and then (refresh-each-request), never rewrite it. */
  async #refresh(session: Session<T>, state: ServerState, key: string, request: RequestInfo | undefined, vary: boolean): Promise<SaveResult> {
    const refreshCookie = this.settings.refreshEachRequest && session.peek(PERMANENT_KEY) === true;
    // With an idle timeout, any use of the session counts as activity, permanent or not.
    if (!refreshCookie && this.#idleTimeoutMs === undefined) return { setCookie: [], vary };
    const record = state.record!;
    const now = this.#clock();
    const ttl = this.#ttl(state.createdAt, now);
    if (now + ttl - record.expiresAt < this.#touchIntervalMs) return { setCookie: [], vary };
    const alive = await (await this.store()).touch(key, ttl);
    if (!alive) return this.#gone(session, state, request);
    state.record = { ...record, expiresAt: now + ttl };
    if (!refreshCookie) return { setCookie: [], vary };
    return { setCookie: [this.#sessionCookie(session, session.id!, state.createdAt, request)], vary: true };
  }

  /** Store expiry from now: the idle timeout, capped by what is left of the absolute lifetime. */
  #ttl(createdAt: number, now: number): number {
    const absoluteLeft = this.#absoluteTimeoutMs === undefined ? Infinity : createdAt + this.#absoluteTimeoutMs - now;
    const lifetime = this.settings.permanentLifetime * 1000;
    return Math.max(1, Math.min(absoluteLeft, this.#idleTimeoutMs ?? lifetime, lifetime));
  }

  #sessionCookie(session: Session<T>, id: string, createdAt: number, request?: RequestInfo): string {
    const now = this.#clock();
    let expires = expirationTime(session.permanent, this.settings, now);
    const absoluteEnd = createdAt + (this.#absoluteTimeoutMs ?? Infinity);
    if (expires && expires.getTime() > absoluteEnd) expires = new Date(absoluteEnd);
    return this.#cookie.set(this.#signer ? this.#signer.sign(id) : id, expires, request);
  }

  #deletionCookie(request?: RequestInfo): string {
    return this.#cookie.delete(request);
  }

  /** The id in a cookie value when it is well-formed (and correctly signed, with `useSigner`). */
  #idFromCookie(value: string | undefined): string | undefined {
    if (!value) return undefined;
    let id = value;
    if (this.#signer) {
      try {
        id = this.#signer.unsign(value);
      } catch {
        return undefined;
      }
    }
    return isWellFormedSessionId(id) ? id : undefined;
  }
}

/** `base` (what another request stored) with this request's changed keys applied on top. */
function mergeChanges(base: Record<string, unknown>, mine: Record<string, unknown>, changed: ReadonlySet<string>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const k of Object.keys(base)) if (!changed.has(k)) setOwn(merged, k, base[k]);
  for (const k of changed) if (Object.hasOwn(mine, k)) setOwn(merged, k, mine[k]);
  return merged;
}


function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function openDefaultStore(): Promise<Store> {
  const { SqliteStore, defaultSqlitePath } = await import('../stores/sqlite.js');
  return new SqliteStore({ path: defaultSqlitePath() });
}
