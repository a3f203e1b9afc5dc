import { COOKIE_SETTING_NAMES, rejectUnknownOptions, resolveCookieSettings, validate, type CookieSettings, type FlaskCookieSettings } from '../config.js';
import { resolveSecrets, SECRET_OPTION_NAMES, type SecretOptions } from '../secrets.js';
import { TaggedJSONSerializer } from '../serialization/index.js';
import { isSessionData } from '../serialization/value-kinds.js';
import type { Session } from '../session.js';
import { URLSafeTimedSerializer, type Digest, type KeyDerivation } from '../signing/index.js';
import { COOKIE_SIZE_OPTION_NAMES, CookieStorage, type CookieSizeOptions } from './cookie-storage.js';
import type { RequestInfo, SaveResult, SessionInterface } from './session-interface.js';

/** Turns session data into text and back (default: Flask's tagged JSON). */
export interface SessionSerializer {
  dumps(value: unknown): string;
  loads(text: string): unknown;
}

/** Options of `CookieSessionInterface`. camelCase names or Flask's config names, not both. */
export interface CookieSessionOptions extends Partial<CookieSettings>, FlaskCookieSettings, SecretOptions, CookieSizeOptions {
  /** Signing salt. Default `cookie-session` (Flask's). */
  salt?: string;
  /** HMAC digest. Default `sha1` (Flask's). */
  digest?: Digest;
  /** Key derivation. Default `hmac` (Flask's). */
  keyDerivation?: KeyDerivation;
  /** Data format inside the cookie. Default: Flask's tagged JSON. */
  serializer?: SessionSerializer;
  /** Current time in epoch milliseconds (for tests). Default `Date.now`. */
  clock?: () => number;
}

/** Flask's signing profile of the session cookie (`SecureCookieSessionInterface`). */
export const FLASK_COOKIE_SIGNING = { salt: 'cookie-session', digest: 'sha1', keyDerivation: 'hmac' } as const;

const OWN_OPTIONS = ['salt', 'digest', 'keyDerivation', ...COOKIE_SIZE_OPTION_NAMES, 'serializer', 'clock'];
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([...COOKIE_SETTING_NAMES, ...SECRET_OPTION_NAMES, ...OWN_OPTIONS]);

/**
 * Sessions kept in a signed cookie, byte-compatible with Flask's `SecureCookieSessionInterface`:
 * a Flask app and this interface, given the same secret, read and write each other's sessions.
 * The data is signed, not encrypted: users can read it, not change it.
 */
export class CookieSessionInterface<T extends object = Record<string, unknown>> implements SessionInterface<T> {
  /** The resolved cookie settings (Flask's defaults where not given). */
  readonly settings: Readonly<CookieSettings>;
  readonly #clock: () => number;
  readonly #serializer: URLSafeTimedSerializer<unknown>;
  readonly #storage: CookieStorage<T>;

  constructor(options: CookieSessionOptions) {
    rejectUnknownOptions(options, KNOWN_OPTIONS, 'CookieSessionInterface');
    this.settings = Object.freeze(resolveCookieSettings(options));
    const { secrets } = resolveSecrets(options, 'to sign session cookies');
    const salt = options.salt === undefined ? FLASK_COOKIE_SIGNING.salt : validate.string('salt', options.salt);
    const digest = options.digest === undefined ? FLASK_COOKIE_SIGNING.digest : validate.oneOf('digest', options.digest, ['sha1', 'sha256', 'sha512'] as const);
    const keyDerivation =
      options.keyDerivation === undefined
        ? FLASK_COOKIE_SIGNING.keyDerivation
        : validate.oneOf('keyDerivation', options.keyDerivation, ['hmac', 'django-concat', 'concat', 'none'] as const);
    const clock = options.clock === undefined ? Date.now : validate.function<() => number>('clock', options.clock);
    const data = options.serializer ?? new TaggedJSONSerializer();
    this.#serializer = new URLSafeTimedSerializer<unknown>({
      secret: secrets,
      salt,
      serializer: data,
      signer: { keyDerivation, digest },
      now: () => Math.floor(clock() / 1000),
    });
    this.#storage = new CookieStorage<T>({
      settings: this.settings,
      rules: this.settings,
      size: options,
      clock,
      codec: {
        decode: (value) => this.decode(value),
        encode: (record, _plan, nowMs) => this.encode(record, nowMs),
        fingerprint: (value) => data.dumps(value),
      },
    });
    this.#clock = clock;
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
    return this.#storage.open(cookieHeader);
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
    return this.#storage.save(session, request);
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
