/**
 * The `cookieSession` option of `CookieSessionInterface`: reading the cookies of a
 * cookie-session 2 app, so its users keep their sessions when the app moves to sessionkit.
 *
 * cookie-session keeps the session in two cookies: `<name>` holds base64 of the JSON data and
 * `<name>.sig` the keygrip signature (HMAC-SHA1, base64url) of the text `<name>=<value>`. A
 * request without a valid sessionkit cookie but with a correctly signed pair gets that data; its
 * response re-issues the data as a sessionkit cookie and deletes the two old ones.
 */
import { parse as parseCookieHeader } from 'cookie';
import { rejectUnknownOptions, validate, type CookieSettings } from '../config.js';
import { serializeCookieDeletion } from '../cookies.js';
import { cookieAttributes } from '../decisions.js';
import { ConfigError } from '../errors.js';
import { checkSecrets, type Secret } from '../secrets.js';
import { isSessionData, setOwn } from '../serialization/value-kinds.js';
import { PERMANENT_KEY } from '../session.js';
import { keygripVerify } from '../signing/keygrip.js';
import { optionNames } from '../stores/internal/options.js';
import type { RequestInfo } from './session-interface.js';

/** The `cookieSession` option of `CookieSessionInterface`: where the cookie-session app's sessions are. */
export interface CookieSessionCompat {
  /**
   * cookie-session's `keys` exactly as the cookie-session app gives them (or its `secret`, as
   * one key): the first signs, every one verifies.
   */
  keys: Secret | readonly Secret[];
  /** Its cookie name (cookie-session's `name`). Default `session`. */
  name?: string;
  /** The `path` its cookies were set with, to delete them. Default `/`. */
  path?: string;
  /** The `domain` its cookies were set with, to delete them. Default: none. */
  domain?: string;
  /**
   * Whether sessions taken over are permanent (their sessionkit cookie outlives the browser):
   * give `true` when the cookie-session app set `maxAge` or `expires`. Default `false`, as
   * cookie-session's cookies without them.
   */
  permanent?: boolean;
}

/** cookie-session's default cookie name. */
export const COOKIE_SESSION_NAME = 'session';
/** The suffix of the cookie holding the signature (the `cookies` package's). */
export const SIGNATURE_SUFFIX = '.sig';

const OPTION = 'cookieSession';
const OPTIONS = optionNames<CookieSessionCompat>({ keys: true, name: true, path: true, domain: true, permanent: true });
/** Cookie values as sent: the signature covers the text, so nothing is percent-decoded. */
const RAW = { decode: (value: string): string => value };

/** What one request brought of cookie-session's cookies. */
export interface CookieSessionCookies {
  /** `<name>`'s value, if sent. */
  readonly value: string | undefined;
  /** `<name>.sig`'s value. */
  readonly signature: string;
  /** The data was taken over (the pair was valid and no sessionkit cookie was). */
  adopted: boolean;
}

/** Reads a cookie-session app's cookies and says how to delete them. */
export class CookieSessionMigration {
  readonly #name: string;
  readonly #keys: readonly Secret[];
  readonly #path: string;
  readonly #domain: string | undefined;
  readonly #permanent: boolean;
  readonly #settings: Readonly<CookieSettings>;

  /** Checks the `cookieSession` option; throws `ConfigError` naming the entry at fault. */
  constructor(compat: CookieSessionCompat, settings: Readonly<CookieSettings>) {
    if (compat === null || typeof compat !== 'object') throw new ConfigError(OPTION, 'expected { keys, name?, path?, domain?, permanent? }');
    rejectUnknownOptions(compat, OPTIONS, `CookieSessionInterface ${OPTION}`);
    this.#keys = checkSecrets(`${OPTION}.keys`, compat.keys);
    this.#name = compat.name === undefined ? COOKIE_SESSION_NAME : validate.string(`${OPTION}.name`, compat.name);
    this.#path = compat.path === undefined ? '/' : validate.string(`${OPTION}.path`, compat.path);
    this.#domain = compat.domain === undefined ? undefined : validate.string(`${OPTION}.domain`, compat.domain);
    this.#permanent = compat.permanent === undefined ? false : validate.boolean(`${OPTION}.permanent`, compat.permanent);
    this.#settings = settings;
  }

  /** cookie-session's cookies in a `Cookie` header; `undefined` without a signature cookie. */
  open(cookieHeader: string | null | undefined): CookieSessionCookies | undefined {
    if (!cookieHeader?.includes(this.#name + SIGNATURE_SUFFIX)) return undefined;
    const cookies = parseCookieHeader(cookieHeader, RAW);
    const signature = cookies[this.#name + SIGNATURE_SUFFIX];
    return signature === undefined ? undefined : { value: cookies[this.#name], signature, adopted: false };
  }

  /**
   * The session data of a correctly signed pair (marked adopted), or `undefined`: unsigned,
   * signed with another key, or not base64 of a JSON object.
   */
  adopt(cookies: CookieSessionCookies): Record<string, unknown> | undefined {
    const value = cookies.value;
    if (!value || !keygripVerify(`${this.#name}=${value}`, cookies.signature, this.#keys)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isSessionData(parsed)) return undefined;
    const data: Record<string, unknown> = {};
    for (const key of Object.keys(parsed)) setOwn(data, key, parsed[key]);
    if (this.#permanent) data[PERMANENT_KEY] = true;
    cookies.adopted = true;
    return data;
  }

  /**
   * `Set-Cookie` values deleting cookie-session's cookies once their data was taken over:
   * `<name>.sig`, and `<name>` unless it is sessionkit's own cookie (both are called `session`
   * by default) that this response sets or deletes anyway (`sessionCookieSent`).
   */
  deletions(cookies: CookieSessionCookies, sessionCookieSent: boolean, request: RequestInfo | undefined): string[] {
    if (!cookies.adopted) return [];
    const settings = this.#settings;
    const { secure } = cookieAttributes(settings, request);
    const remove = (name: string): string => serializeCookieDeletion(name, { path: this.#path, domain: this.#domain, secure, httpOnly: true });
    const sameCookie = this.#name === settings.cookieName && this.#path === settings.path && this.#domain === settings.domain;
    const replaced = sameCookie && sessionCookieSent;
    return replaced ? [remove(this.#name + SIGNATURE_SUFFIX)] : [remove(this.#name + SIGNATURE_SUFFIX), remove(this.#name)];
  }
}
