import {
  COOKIE_SETTING_NAMES,
  DEFAULT_MAX_COOKIE_SIZE,
  rejectUnknownOptions,
  resolveCookieSettings,
  validate,
  type CookieSettings,
  type FlaskCookieSettings,
} from '../config.js';
import { readCookieValues } from '../cookies.js';
import { cookieSaveFacts, decideSave, loadsBeforeSave, readSessionFacts } from '../decisions.js';
import { CookieTooLargeError } from '../errors.js';
import { resolveSecrets, SECRET_OPTION_NAMES, type SecretOptions } from '../secrets.js';
import { TaggedJSONSerializer } from '../serialization/index.js';
import { isSessionData } from '../serialization/value-kinds.js';
import { SessionCookieWriter } from '../session-cookie.js';
import { sessionInternals } from '../session-internals.js';
import { Session, type SessionData } from '../session.js';
import { URLSafeTimedSerializer, type Digest, type KeyDerivation } from '../signing/index.js';
import { CookieSessionMigration, type CookieSessionCompat, type CookieSessionCookies } from './cookie-session-migration.js';
import type { RequestInfo, SaveResult, SessionInterface } from './session-interface.js';

/** Turns session data into text and back (default: Flask's tagged JSON). */
export interface SessionSerializer {
  dumps(value: unknown): string;
  loads(text: string): unknown;
}

/** Options of `CookieSessionInterface`. camelCase names or Flask's config names, not both. */
export interface CookieSessionOptions extends Partial<CookieSettings>, FlaskCookieSettings, SecretOptions {
  /** Signing salt. Default `cookie-session` (Flask's). */
  salt?: string;
  /** HMAC digest. Default `sha1` (Flask's). */
  digest?: Digest;
  /** Key derivation. Default `hmac` (Flask's). */
  keyDerivation?: KeyDerivation;
  /** Largest `Set-Cookie` value accepted, in bytes. Default 4093. */
  maxCookieSize?: number;
  /**
   * What happens when the cookie exceeds `maxCookieSize`: `'error'` (default) throws
   * `CookieTooLargeError` from `save`; `'warn'` sends it anyway and calls `onWarning`.
   */
  onOversize?: 'error' | 'warn';
  /** Receives warnings. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /** Data format inside the cookie. Default: Flask's tagged JSON. */
  serializer?: SessionSerializer;
  /** Current time in epoch milliseconds (for tests). Default `Date.now`. */
  clock?: () => number;
  /**
   * Take over the sessions of a cookie-session app: a request with its correctly signed
   * `session` + `session.sig` cookies (and no sessionkit cookie) gets their data, and its
   * response re-issues the data as a sessionkit cookie and deletes the old two. Default: none.
   * See docs/migrating.md.
   */
  cookieSession?: CookieSessionCompat;
}

/** Flask's signing profile of the session cookie (`SecureCookieSessionInterface`). */
export const FLASK_COOKIE_SIGNING = { salt: 'cookie-session', digest: 'sha1', keyDerivation: 'hmac' } as const;

const OWN_OPTIONS = ['salt', 'digest', 'keyDerivation', 'maxCookieSize', 'onOversize', 'onWarning', 'serializer', 'clock', 'cookieSession'];
/** Every option name `CookieSessionInterface` accepts (internal: the docs test compares it with the README). */
export const COOKIE_SESSION_OPTION_NAMES: ReadonlySet<string> = new Set([...COOKIE_SETTING_NAMES, ...SECRET_OPTION_NAMES, ...OWN_OPTIONS]);

/**
 * Sessions kept in a signed cookie, byte-compatible with Flask's `SecureCookieSessionInterface`:
 * a Flask app and this interface, given the same secret, read and write each other's sessions.
 * The data is signed, not encrypted: users can read it, not change it.
 */
export class CookieSessionInterface<T extends object = SessionData> implements SessionInterface<T> {
  /** The resolved cookie settings (Flask's defaults where not given). */
  readonly settings: Readonly<CookieSettings>;
  readonly #serializer: URLSafeTimedSerializer<unknown>;
  readonly #data: SessionSerializer;
  readonly #maxCookieSize: number;
  readonly #onOversize: 'error' | 'warn';
  readonly #warn: (message: string) => void;
  readonly #clock: () => number;
  readonly #fingerprint: (value: unknown) => string;
  readonly #cookie: SessionCookieWriter;
  readonly #migration: CookieSessionMigration | undefined;
  /** cookie-session's cookies of the requests that brought them. */
  readonly #legacy = new WeakMap<Session<T>, CookieSessionCookies>();

  constructor(options: CookieSessionOptions) {
    rejectUnknownOptions(options, COOKIE_SESSION_OPTION_NAMES, 'CookieSessionInterface');
    this.settings = Object.freeze(resolveCookieSettings(options));
    this.#cookie = new SessionCookieWriter(this.settings);
    const { secrets } = resolveSecrets(options, 'to sign session cookies');
    const salt = options.salt === undefined ? FLASK_COOKIE_SIGNING.salt : validate.string('salt', options.salt);
    const digest = options.digest === undefined ? FLASK_COOKIE_SIGNING.digest : validate.oneOf('digest', options.digest, ['sha1', 'sha256', 'sha512'] as const);
    const keyDerivation =
      options.keyDerivation === undefined
        ? FLASK_COOKIE_SIGNING.keyDerivation
        : validate.oneOf('keyDerivation', options.keyDerivation, ['hmac', 'django-concat', 'concat', 'none'] as const);
    this.#maxCookieSize = options.maxCookieSize === undefined ? DEFAULT_MAX_COOKIE_SIZE : validate.bytes('maxCookieSize', options.maxCookieSize);
    this.#onOversize = options.onOversize === undefined ? 'error' : validate.oneOf('onOversize', options.onOversize, ['error', 'warn'] as const);
    this.#warn =
      options.onWarning === undefined
        ? (message) => process.emitWarning(message, 'SessionCookieWarning')
        : validate.function<(message: string) => void>('onWarning', options.onWarning);
    this.#clock = options.clock === undefined ? Date.now : validate.function<() => number>('clock', options.clock);
    this.#data = options.serializer ?? new TaggedJSONSerializer();
    const clock = this.#clock;
    this.#serializer = new URLSafeTimedSerializer<unknown>({
      secret: secrets,
      salt,
      serializer: this.#data,
      signer: { keyDerivation, digest },
      now: () => Math.floor(clock() / 1000),
    });
    const data = this.#data;
    this.#fingerprint = (value) => data.dumps(value);
    this.#migration = options.cookieSession === undefined ? undefined : new CookieSessionMigration(options.cookieSession, this.settings);
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /**
   * Starts the session of a request from its `Cookie` header. Nothing is verified or parsed until
   * the session is used. When the header carries several cookies of the session's name (set for
   * other paths or domains, or planted by a sibling subdomain), the first of them — up to
   * `MAX_COOKIES_PER_NAME` — that verifies is the session; a bad cookie, or none that verifies,
   * yields an empty, new session.
   */
  open(cookieHeader: string | null | undefined, _request?: RequestInfo): Session<T> {
    const values = readCookieValues(cookieHeader, this.settings.cookieName).filter((value) => value !== '');
    const legacy = this.#migration?.open(cookieHeader);
    const session: Session<T> = new Session<T>({
      isNew: values.length === 0 && !legacy,
      backend: {
        loadSync: () => {
          const data = this.#firstValid(values) ?? (legacy ? this.#migration!.adopt(legacy) : undefined);
          if (!data && (values.length > 0 || legacy)) sessionInternals().adopt(session, { isNew: true });
          return data ?? {};
        },
        fingerprint: this.#fingerprint,
      },
    });
    if (legacy) this.#legacy.set(session, legacy);
    return session;
  }

  /** The data of the first cookie value that verifies, or `null` when none does. */
  #firstValid(values: readonly string[]): Record<string, unknown> | null {
    for (const value of values) {
      const data = this.decode(value);
      if (data !== null) return data;
    }
    return null;
  }

  /**
   * Decides and builds the `Set-Cookie`/`Vary` for a session. Throws `CookieTooLargeError` when
   * the cookie would be over the browser limit (unless `onOversize: 'warn'`).
   */
  async save(session: Session<T>, request?: RequestInfo): Promise<SaveResult> {
    return this.saveSync(session, request);
  }

  /** `save` without the promise, for callers on a hot path. */
  saveSync(session: Session<T>, request?: RequestInfo): SaveResult {
    const legacy = this.#legacy.get(session);
    const result = this.#saveSync(session, request, legacy);
    if (!legacy) return result;
    const deletions = this.#migration!.deletions(legacy, result.setCookie.length > 0, request);
    return deletions.length === 0 ? result : { setCookie: [...result.setCookie, ...deletions], vary: true };
  }

  #saveSync(session: Session<T>, request: RequestInfo | undefined, legacy: CookieSessionCookies | undefined): SaveResult {
    if (loadsBeforeSave({ loaded: session.loaded, startedNew: sessionInternals().startedNew(session) }, this.settings)) session.loadNow();
    // cookie-session's data taken over: re-issued as a sessionkit cookie.
    if (legacy?.adopted) session.modified = true;
    const now = this.#clock();
    const plan = decideSave(cookieSaveFacts(readSessionFacts(session), now), this.settings);
    if (plan.cookie === 'none') return { setCookie: [], vary: plan.vary };
    if (plan.cookie === 'delete') return { setCookie: [this.#cookie.delete(request)], vary: plan.vary };
    const value = this.encode(sessionInternals().snapshotData(session), now);
    const header = this.#cookie.set(value, plan.expires, request);
    if (header.length > this.#maxCookieSize) {
      const error = new CookieTooLargeError(this.settings.cookieName, header.length, this.#maxCookieSize);
      if (this.#onOversize === 'error') throw error;
      this.#warn(error.message);
    }
    return { setCookie: [header], vary: plan.vary };
  }

  /** Signs session data into a cookie value, exactly as Flask would at that time. */
  encode(data: Record<string, unknown>, nowMs: number = this.#clock()): string {
    return this.#serializer.dumps(data, { timestamp: Math.floor(nowMs / 1000) });
  }

  /**
   * Opens a cookie value: the session data, or `null` when it is tampered, expired (older than
   * the permanent lifetime, or from the future) or malformed.
   */
  decode(value: string): Record<string, unknown> | null {
    try {
      const data = this.#serializer.loads(value, { maxAge: this.settings.permanentLifetime });
      return isSessionData(data) ? data : null;
    } catch {
      return null;
    }
  }
}
