import {
  COOKIE_SETTING_NAMES,
  DEFAULT_MAX_COOKIE_SIZE,
  pickOption,
  rejectUnknownOptions,
  resolveCookieSettings,
  validate,
  type CookieSettings,
  type FlaskCookieSettings,
} from '../config.js';
import { readCookie } from '../cookies.js';
import { decideCookieAction, expirationTime } from '../decisions.js';
import { ConfigError, CookieTooLargeError } from '../errors.js';
import { TaggedJSONSerializer } from '../serialization/index.js';
import { isSessionData } from '../serialization/value-kinds.js';
import { SessionCookieWriter } from '../session-cookie.js';
import { Session } from '../session.js';
import { URLSafeTimedSerializer, type Digest, type KeyDerivation, type Secret } from '../signing/index.js';
import type { RequestInfo, SaveResult, SessionInterface } from './session-interface.js';

/** Turns session data into text and back (default: Flask's tagged JSON). */
export interface SessionSerializer {
  dumps(value: unknown): string;
  loads(text: string): unknown;
}

/** Options of `CookieSessionInterface`. camelCase names or Flask's config names, not both. */
export interface CookieSessionOptions extends Partial<CookieSettings>, FlaskCookieSettings {
  /** The secret key that signs cookies (`SECRET_KEY`). Required; keep it out of source control. */
  secret?: Secret;
  /** @see secret */
  SECRET_KEY?: Secret;
  /**
   * Old secrets that still verify cookies, oldest first; only `secret` signs
   * (`SECRET_KEY_FALLBACKS`). Rotate by moving the old secret here.
   */
  secretFallbacks?: readonly Secret[];
  /** @see secretFallbacks */
  SECRET_KEY_FALLBACKS?: readonly Secret[];
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
}

const OWN_OPTIONS = [
  'secret', 'SECRET_KEY', 'secretFallbacks', 'SECRET_KEY_FALLBACKS', 'salt', 'digest', 'keyDerivation',
  'maxCookieSize', 'onOversize', 'onWarning', 'serializer', 'clock',
];
const KNOWN_OPTIONS = new Set([...COOKIE_SETTING_NAMES, ...OWN_OPTIONS]);

/**
 * Sessions kept in a signed cookie, byte-compatible with Flask's `SecureCookieSessionInterface`:
 * a Flask app and this interface, given the same secret, read and write each other's sessions.
 * The data is signed, not encrypted: users can read it, not change it.
 */
export class CookieSessionInterface<T extends object = Record<string, unknown>> implements SessionInterface<T> {
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

  constructor(options: CookieSessionOptions) {
    rejectUnknownOptions(options, KNOWN_OPTIONS);
    this.settings = Object.freeze(resolveCookieSettings(options));
    this.#cookie = new SessionCookieWriter(this.settings);
    const secretOpt = pickOption(options, 'secret', 'SECRET_KEY');
    if (!secretOpt || secretOpt.value === null || (typeof secretOpt.value === 'string' && secretOpt.value === '')) {
      throw new ConfigError(secretOpt?.name ?? 'secret', 'a non-empty secret key is required to sign session cookies; set secret (or SECRET_KEY) to a long random string');
    }
    const secret = secretOpt.value as Secret;
    if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
      throw new ConfigError(secretOpt.name, 'expected a string or bytes');
    }
    if (secret instanceof Uint8Array && secret.length === 0) throw new ConfigError(secretOpt.name, 'must not be empty');
    const fallbacksOpt = pickOption(options, 'secretFallbacks', 'SECRET_KEY_FALLBACKS');
    const fallbacks = (fallbacksOpt?.value ?? []) as readonly Secret[];
    if (!Array.isArray(fallbacks) || fallbacks.some((f) => (typeof f !== 'string' && !(f instanceof Uint8Array)) || f.length === 0)) {
      throw new ConfigError(fallbacksOpt?.name ?? 'secretFallbacks', 'expected a list of non-empty strings or bytes');
    }
    const salt = options.salt === undefined ? 'cookie-session' : validate.string('salt', options.salt);
    const digest = options.digest === undefined ? 'sha1' : validate.oneOf('digest', options.digest, ['sha1', 'sha256', 'sha512'] as const);
    const keyDerivation = options.keyDerivation === undefined ? 'hmac' : validate.oneOf('keyDerivation', options.keyDerivation, ['hmac', 'django-concat', 'concat', 'none'] as const);
    this.#maxCookieSize = options.maxCookieSize === undefined ? DEFAULT_MAX_COOKIE_SIZE : validate.seconds('maxCookieSize', options.maxCookieSize);
    this.#onOversize = options.onOversize === undefined ? 'error' : validate.oneOf('onOversize', options.onOversize, ['error', 'warn'] as const);
    this.#warn = options.onWarning ?? ((message) => process.emitWarning(message, 'SessionCookieWarning'));
    this.#clock = options.clock ?? Date.now;
    this.#data = options.serializer ?? new TaggedJSONSerializer();
    const clock = this.#clock;
    this.#serializer = new URLSafeTimedSerializer<unknown>({
      secret: [...fallbacks, secret],
      salt,
      serializer: this.#data,
      signer: { keyDerivation, digest },
      now: () => Math.floor(clock() / 1000),
    });
    const data = this.#data;
    this.#fingerprint = (value) => data.dumps(value);
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /**
   * Starts the session of a request from its `Cookie` header. Nothing is verified or parsed until
   * the session is used; a bad cookie then yields an empty, new session.
   */
  open(cookieHeader: string | null | undefined, _request?: RequestInfo): Session<T> {
    const value = readCookie(cookieHeader, this.settings.cookieName);
    const session: Session<T> = new Session<T>({
      isNew: !value,
      backend: {
        loadSync: () => {
          const data = value ? this.decode(value) : null;
          if (data === null && value) session.adopt({ isNew: true });
          return data ?? {};
        },
        fingerprint: this.#fingerprint,
      },
    });
    return session;
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
    // Refresh-each-request extends a permanent session even when the handler never read it.
    if (!session.loaded && this.settings.refreshEachRequest && !session.startedNew) session.loadNow();
    const decision = decideCookieAction(session, this.settings);
    if (decision.action === 'none') return { setCookie: [], vary: decision.vary };
    if (decision.action === 'delete') return { setCookie: [this.#cookie.delete(request)], vary: true };
    const now = this.#clock();
    const value = this.encode(session.snapshotData(), now);
    const header = this.#cookie.set(value, expirationTime(session.permanent, this.settings, now), request);
    if (header.length > this.#maxCookieSize) {
      const error = new CookieTooLargeError(this.settings.cookieName, header.length, this.#maxCookieSize);
      if (this.#onOversize === 'error') throw error;
      this.#warn(error.message);
    }
    return { setCookie: [header], vary: true };
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
