/**
 * `SealedCookieSessionInterface`: the session data in the cookie, encrypted and authenticated in
 * iron's `Fe26.2` format exactly as iron-session 8 seals it. Users can neither read nor change
 * it, and an app that used iron-session keeps its users' sessions when it switches (same
 * password, same cookie name), in both directions.
 */
import { COOKIE_SETTING_ALIASES, COOKIE_SETTING_NAMES, pickOption, rejectUnknownOptions, resolveCookieSettings, validate, type CookieSettings, type FlaskCookieSettings } from '../config.js';
import { ConfigError } from '../errors.js';
import { checkJsonData } from '../sealing/json-data.js';
import { DEFAULT_SEAL_TTL, IronSealer, TIMESTAMP_SKEW_MS } from '../sealing/iron.js';
import type { IronPassword } from '../sealing/passwords.js';
import { isSessionData } from '../serialization/value-kinds.js';
import { PERMANENT_KEY, type Session } from '../session.js';
import type { SavePlan } from '../decisions.js';
import { COOKIE_SIZE_OPTION_NAMES, CookieStorage, type CookieSizeOptions } from './cookie-storage.js';
import type { RequestInfo, SaveResult, SessionInterface } from './session-interface.js';

/** The cookie settings of a sealed session: all of them but the lifetime, which is `ttl`. */
type SealedCookieSettings = Partial<Omit<CookieSettings, 'permanentLifetime'>> & Omit<FlaskCookieSettings, 'PERMANENT_SESSION_LIFETIME'>;

/** Options of `SealedCookieSessionInterface`. Cookie settings under camelCase or Flask's names, not both. */
export interface SealedCookieSessionOptions extends SealedCookieSettings, CookieSizeOptions {
  /**
   * iron-session's `password`: at least 32 characters, or passwords by whole-number id for
   * rotation, `{ 1: old, 2: new }` — the highest id seals, every id unseals. Keep it out of source
   * control; `openssl rand -base64 32` makes one.
   */
  password: IronPassword;
  /**
   * Seconds a session lives after its last save: its seal opens until then (iron's 60 s of clock
   * skew included) and a permanent session's cookie expires at that same instant. At least 61.
   * Default 1209600 (14 days, iron-session's).
   */
  ttl?: number;
  /**
   * Whether sessions are permanent (their cookie has an expiry) unless the app sets
   * `session.permanent = false`. Default `true`: iron-session's cookies always have one.
   */
  permanent?: boolean;
  /** Current time in epoch milliseconds (for tests). Default `Date.now`. */
  clock?: () => number;
}

/**
 * iron-session 8's cookie attributes where they differ from Flask's, the defaults of the other
 * interfaces: `Secure` and `SameSite=Lax`. An app moving from iron-session keeps its cookie as it was.
 */
export const IRON_SESSION_COOKIE_DEFAULTS = { secure: true, sameSite: 'Lax' } as const;

/**
 * Shortest `ttl` in seconds (61): the expiration written into a seal is 60 s
 * (`TIMESTAMP_SKEW_MS`) before the session ends, and must still lie ahead when it is written.
 */
export const MIN_SEALED_TTL = TIMESTAMP_SKEW_MS / 1000 + 1;

/** Written by the fingerprint of a value that has no JSON text, so that it always counts as changed. */
const NOT_JSON = '\u0000not JSON';

/** The lifetime settings the sealed interface does not take (its lifetime is `ttl`). */
const LIFETIME_SETTING_NAMES: ReadonlySet<string> = new Set(['permanentLifetime', COOKIE_SETTING_ALIASES.permanentLifetime]);

const OWN_OPTIONS = ['password', 'ttl', 'permanent', 'clock', ...COOKIE_SIZE_OPTION_NAMES];
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([...COOKIE_SETTING_NAMES.filter((name) => !LIFETIME_SETTING_NAMES.has(name)), ...OWN_OPTIONS]);

/**
 * Sessions kept in a cookie sealed as iron-session 8 seals it: AES-256-CBC and HMAC-SHA256 with
 * keys derived from `password`, so the data is secret as well as tamper-proof. Same `Session`,
 * same save decisions and same adapters as `CookieSessionInterface`; the data is JSON, as in
 * iron-session, and values JSON cannot hold are refused at save with `SealDataError`.
 *
 * Permanence is not written into the seal when it is the default (`permanent` option), so
 * iron-session sees exactly the app's data: `_permanent` appears in a seal only as the
 * exception (`false` under the default `permanent: true`).
 */
export class SealedCookieSessionInterface<T extends object = Record<string, unknown>> implements SessionInterface<T> {
  /** The resolved cookie settings; `permanentLifetime` is the `ttl`. */
  readonly settings: Readonly<CookieSettings>;
  /** Seconds a session lives after its last save. */
  readonly ttl: number;
  /** Whether sessions are permanent unless the app says otherwise. */
  readonly permanent: boolean;
  readonly #ttlMs: number;
  readonly #sealer: IronSealer;
  readonly #clock: () => number;
  readonly #storage: CookieStorage<T>;

  constructor(options: SealedCookieSessionOptions) {
    rejectUnknownOptions(options, KNOWN_OPTIONS, 'SealedCookieSessionInterface');
    const password = pickOption(options, 'password');
    if (!password) {
      throw new ConfigError('password', 'required: a secret of at least 32 characters (iron-session\'s password), or a map { 1: "...", 2: "..." } to rotate');
    }
    this.ttl = resolveTtl(pickOption(options, 'ttl')?.value);
    this.#ttlMs = this.ttl * 1000;
    const permanent = pickOption(options, 'permanent');
    this.permanent = permanent ? validate.boolean('permanent', permanent.value) : true;
    this.#clock = options.clock === undefined ? Date.now : validate.function<() => number>('clock', options.clock);
    this.settings = Object.freeze(resolveCookieSettings({ ...options, ...ironCookieDefaults(options), permanentLifetime: this.ttl }));
    this.#sealer = new IronSealer({ password: password.value as IronPassword, clock: this.#clock });
    this.#storage = new CookieStorage<T>({
      settings: this.settings,
      rules: { ...this.settings, permanentByDefault: this.permanent },
      size: options,
      clock: this.#clock,
      codec: {
        decode: (value, nowMs) => this.decode(value, nowMs),
        encode: (data, plan, nowMs) => this.#seal(data, sessionEnd(plan, nowMs, this.#ttlMs), nowMs),
        fingerprint: jsonFingerprint,
      },
    });
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /** Id of the password that seals: the highest one. */
  get passwordId(): string {
    return this.#sealer.passwordId;
  }

  /**
   * Starts the session of a request from its `Cookie` header. Nothing is opened until the session
   * is used; a cookie that does not open then yields an empty, new session.
   */
  open(cookieHeader: string | null | undefined, _request?: RequestInfo): Session<T> {
    return this.#storage.open(cookieHeader);
  }

  /**
   * Decides and builds the `Set-Cookie`/`Vary` for a session. Throws `SealDataError` when the data
   * holds a value JSON cannot carry, and `CookieTooLargeError` when the cookie would be over the
   * browser limit (unless `onOversize: 'warn'`).
   */
  async save(session: Session<T>, request?: RequestInfo): Promise<SaveResult> {
    return this.saveSync(session, request);
  }

  /** `save` without the promise, for callers on a hot path. */
  saveSync(session: Session<T>, request?: RequestInfo): SaveResult {
    return this.#storage.save(session, request);
  }

  /**
   * Seals session data (as the session holds it, `_permanent` included) into a cookie value that
   * iron-session reads, for a session saved at `nowMs` that ends `ttl` later. Throws
   * `SealDataError` for values JSON cannot carry.
   */
  encode(data: Record<string, unknown>, nowMs: number = this.#clock()): string {
    return this.#seal({ ...data }, nowMs + this.#ttlMs, nowMs);
  }

  /**
   * Opens a cookie value: the session data (with `_permanent` as the session holds it), or `null`
   * when it is tampered with, expired, sealed with an unknown password, malformed, or sealed to
   * expire further ahead than `ttl` allows (or never, as iron-session's `ttl: 0` seals).
   */
  decode(value: string, nowMs: number = this.#clock()): Record<string, unknown> | null {
    const opened = this.#sealer.unsealWithExpiration(value, nowMs);
    if (opened === null || !isSessionData(opened.data)) return null;
    if (opened.expiresAt === undefined || opened.expiresAt > nowMs + this.#ttlMs + TIMESTAMP_SKEW_MS) return null;
    return this.#fromSealed(opened.data);
  }

  /**
   * Seals `data` for a session that ends at `endMs`: the seal's own expiration is 60 s before the
   * cookie's whole second, so with iron's skew it opens exactly as long as the cookie lives.
   */
  #seal(data: Record<string, unknown>, endMs: number, nowMs: number): string {
    const sealed = this.#toSealed(data);
    checkJsonData(sealed);
    const cookieEndMs = Math.floor(endMs / 1000) * 1000;
    return this.#sealer.sealUntil(sealed, cookieEndMs - TIMESTAMP_SKEW_MS, nowMs);
  }

  /** The data to seal: `_permanent` only where it differs from the interface's default. */
  #toSealed(data: Record<string, unknown>): Record<string, unknown> {
    const permanent = data[PERMANENT_KEY] === true;
    delete data[PERMANENT_KEY];
    if (permanent !== this.permanent) data[PERMANENT_KEY] = permanent;
    return data;
  }

  /** The data as the session holds it: `_permanent: true` for a permanent session, else no key. */
  #fromSealed(data: Record<string, unknown>): Record<string, unknown> {
    const stored = data[PERMANENT_KEY];
    delete data[PERMANENT_KEY];
    if (stored === true || (stored !== false && this.permanent)) data[PERMANENT_KEY] = true;
    return data;
  }
}

/** The `ttl` option in seconds: iron-session's default, refused below `MIN_SEALED_TTL` and for `0`. */
function resolveTtl(value: unknown): number {
  if (value === undefined) return DEFAULT_SEAL_TTL;
  if (value === 0) {
    throw new ConfigError('ttl', 'sealed sessions always expire, so 0 (iron-session: never) is not supported; give a lifetime in seconds, e.g. 1209600 (14 days)');
  }
  return validate.seconds('ttl', value, { min: MIN_SEALED_TTL });
}

/** `IRON_SESSION_COOKIE_DEFAULTS` for the settings given under neither name. */
function ironCookieDefaults(options: object): Partial<CookieSettings> {
  const defaults: Partial<CookieSettings> = {};
  if (!pickOption(options, 'secure', COOKIE_SETTING_ALIASES.secure)) defaults.secure = IRON_SESSION_COOKIE_DEFAULTS.secure;
  if (!pickOption(options, 'sameSite', COOKIE_SETTING_ALIASES.sameSite)) defaults.sameSite = IRON_SESSION_COOKIE_DEFAULTS.sameSite;
  return defaults;
}

/** When the session saved by `plan` ends: its cookie's expiry, or `ttl` from now for a browser-session cookie. */
function sessionEnd(plan: SavePlan, nowMs: number, ttlMs: number): number {
  return plan.expires === undefined ? nowMs + ttlMs : plan.expires.getTime();
}

/**
 * `JSON.stringify`, the text iron seals, to find in-place changes. A value that has none (a
 * `BigInt` put in place, a cycle) gets a text no JSON equals, so it counts as changed and the save
 * refuses it with `SealDataError`.
 */
function jsonFingerprint(value: unknown): string {
  try {
    return JSON.stringify(value) ?? NOT_JSON;
  } catch {
    return NOT_JSON;
  }
}
