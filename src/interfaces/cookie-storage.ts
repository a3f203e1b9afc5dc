/**
 * What the interfaces that keep the session data in the cookie itself share
 * (`CookieSessionInterface`: signed, `SealedCookieSessionInterface`: sealed): opening a session
 * whose cookie is read on first use, the save carried out from `decideSave`'s plan, and the
 * browser's cookie size limit. Each interface only says how data becomes a cookie value and back.
 */
import { DEFAULT_MAX_COOKIE_SIZE, validate, type CookieSettings } from '../config.js';
import { readCookieValues } from '../cookies.js';
import { cookieSaveFacts, decideSave, loadsBeforeSave, readSessionFacts, type SavePlan, type SaveRules } from '../decisions.js';
import { CookieTooLargeError } from '../errors.js';
import { SessionCookieWriter } from '../session-cookie.js';
import { sessionInternals } from '../session-internals.js';
import { Session } from '../session.js';
import type { RequestInfo, SaveResult } from './session-interface.js';

/** Options about the size of the session cookie, the same for every interface that keeps data in it. */
export interface CookieSizeOptions {
  /** Largest `Set-Cookie` value accepted, in bytes. Default 4093. */
  maxCookieSize?: number;
  /**
   * What happens when the cookie exceeds `maxCookieSize`: `'error'` (default) throws
   * `CookieTooLargeError` from `save`; `'warn'` sends it anyway and calls `onWarning`.
   */
  onOversize?: 'error' | 'warn';
  /** Receives warnings. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

/** The option names of `CookieSizeOptions`. */
export const COOKIE_SIZE_OPTION_NAMES: readonly string[] = ['maxCookieSize', 'onOversize', 'onWarning'];

/** How an interface turns session data into its cookie value and back. */
export interface CookieValueCodec {
  /** The data held by a cookie value, or `null` when it is not valid at `nowMs`. Never throws. */
  decode(value: string, nowMs: number): Record<string, unknown> | null;
  /** The cookie value of `data` for a save at `nowMs` carried out according to `plan`. */
  encode(data: Record<string, unknown>, plan: SavePlan, nowMs: number): string;
  /** Serializes one value read from the session, to find in-place changes at save. */
  fingerprint(value: unknown): string;
}

/** Refuses or reports a session cookie over the size browsers keep. */
export class CookieSizeGuard {
  readonly #cookieName: string;
  readonly #maxCookieSize: number;
  readonly #onOversize: 'error' | 'warn';
  readonly #warn: (message: string) => void;

  /** Validates the size options (already checked for unknown names by the interface). */
  constructor(cookieName: string, options: CookieSizeOptions) {
    this.#cookieName = cookieName;
    this.#maxCookieSize = options.maxCookieSize === undefined ? DEFAULT_MAX_COOKIE_SIZE : validate.bytes('maxCookieSize', options.maxCookieSize);
    this.#onOversize = options.onOversize === undefined ? 'error' : validate.oneOf('onOversize', options.onOversize, ['error', 'warn'] as const);
    this.#warn =
      options.onWarning === undefined
        ? (message) => process.emitWarning(message, 'SessionCookieWarning')
        : validate.function<(message: string) => void>('onWarning', options.onWarning);
  }

  /** Throws `CookieTooLargeError` for a `Set-Cookie` value over the limit, or warns under `'warn'`. */
  check(header: string): void {
    if (header.length <= this.#maxCookieSize) return;
    const error = new CookieTooLargeError(this.#cookieName, header.length, this.#maxCookieSize);
    if (this.#onOversize === 'error') throw error;
    this.#warn(error.message);
  }
}

/** Everything `CookieStorage` needs: settings, rules, the size options, the codec and the clock. */
export interface CookieStorageParts {
  /** The resolved cookie settings. */
  readonly settings: Readonly<CookieSettings>;
  /** The rules `decideSave` applies (the settings, and permanence of new sessions if any). */
  readonly rules: SaveRules;
  /** The size limit and what to do over it. */
  readonly size: CookieSizeOptions;
  /** Data ↔ cookie value. */
  readonly codec: CookieValueCodec;
  /** Current time in epoch milliseconds. */
  readonly clock: () => number;
}

/**
 * Sessions whose cookie is their record: opened lazily from the `Cookie` header, saved as
 * `decideSave` plans it for cookie facts (nothing, delete the cookie, or encode a new one).
 */
export class CookieStorage<T extends object> {
  readonly #settings: Readonly<CookieSettings>;
  readonly #rules: SaveRules;
  readonly #codec: CookieValueCodec;
  readonly #clock: () => number;
  readonly #cookie: SessionCookieWriter;
  readonly #size: CookieSizeGuard;
  readonly #fingerprint: (value: unknown) => string;

  constructor(parts: CookieStorageParts) {
    this.#settings = parts.settings;
    this.#rules = parts.rules;
    this.#codec = parts.codec;
    this.#clock = parts.clock;
    this.#cookie = new SessionCookieWriter(parts.settings);
    this.#size = new CookieSizeGuard(parts.settings.cookieName, parts.size);
    const codec = parts.codec;
    this.#fingerprint = (value) => codec.fingerprint(value);
  }

  /**
   * The session of a request's `Cookie` header. Its cookie is decoded on first use; an invalid
   * one then gives an empty session that counts as new.
   */
  open(cookieHeader: string | null | undefined): Session<T> {
    // Several cookies of the session's name (other paths or domains, or planted by a sibling
    // subdomain): the first that opens is the session.
    const values = readCookieValues(cookieHeader, this.#settings.cookieName).filter((value) => value !== '');
    const session: Session<T> = new Session<T>({
      isNew: values.length === 0,
      backend: {
        loadSync: () => {
          const now = this.#clock();
          let data: Record<string, unknown> | null = null;
          for (const value of values) if ((data = this.#codec.decode(value, now)) !== null) break;
          if (data === null && values.length > 0) sessionInternals().adopt(session, { isNew: true });
          return data ?? {};
        },
        fingerprint: this.#fingerprint,
      },
    });
    return session;
  }

  /**
   * Carries out the plan of one save: no cookie, the deletion cookie, or a new cookie value.
   * Throws `CookieTooLargeError` when that cookie is over the limit (unless `onOversize: 'warn'`).
   */
  save(session: Session<T>, request?: RequestInfo): SaveResult {
    if (loadsBeforeSave({ loaded: session.loaded, startedNew: sessionInternals().startedNew(session) }, this.#settings)) session.loadNow();
    const now = this.#clock();
    const plan = decideSave(cookieSaveFacts(readSessionFacts(session), now), this.#rules);
    if (plan.cookie === 'none') return { setCookie: [], vary: plan.vary };
    if (plan.cookie === 'delete') return { setCookie: [this.#cookie.delete(request)], vary: plan.vary };
    if (plan.makePermanent) session.permanent = true;
    const value = this.#codec.encode(sessionInternals().snapshotData(session), plan, now);
    const header = this.#cookie.set(value, plan.expires, request);
    this.#size.check(header);
    return { setCookie: [header], vary: plan.vary };
  }
}
