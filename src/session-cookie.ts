/**
 * The session cookie's `Set-Cookie` values, with attributes formatted once per interface.
 */
import type { CookieSettings } from './config.js';
import { serializeCookie, serializeCookieDeletion } from './cookies.js';
import { cookieAttributes } from './decisions.js';
import type { RequestInfo } from './interfaces/session-interface.js';

const PLACEHOLDER = 'sessionkit-value';
const EPOCH_EXPIRES = `; Expires=${new Date(0).toUTCString()}`;
/**
 * Characters of every session cookie value we write: base64url, the `.` of itsdangerous, the `*`
 * and `~` of iron seals (RFC 6265 cookie-octets, left as they are by the `cookie` package), and
 * `%` of the percent-encoded values of other formats (express-session's `s%3A…`).
 */
const SAFE_VALUE = /^[A-Za-z0-9_.%*~-]*$/;

/** The fixed parts of one variant (secure or not) of the session cookie. */
interface Template {
  /** `name=` */
  head: string;
  /** Attributes before `Expires` (`; Domain=…; Path=…`). */
  beforeExpires: string;
  /** Attributes after `Expires` (`; HttpOnly; Secure; SameSite=…`). */
  afterExpires: string;
  /** The whole deletion header. */
  deletion: string;
}

/**
 * How the cookie that deletes the session cookie is written: `'flask'` with every attribute of
 * the session cookie (Werkzeug's `delete_cookie` as Flask calls it); `'flask-session'` with only
 * `Domain` and `Path`, exactly as Flask-Session 0.8 sends it:
 * `session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`.
 */
export type DeletionCookieStyle = 'flask' | 'flask-session';

/**
 * Writes the session cookie's `Set-Cookie` values. The attributes never change between requests,
 * so they are validated and formatted once by the `cookie` package; each request only adds the
 * value and the expiry. Same bytes as `serializeCookie`, at a fraction of the cost.
 */
export class SessionCookieWriter {
  readonly #templates: { plain: Template; secure: Template };
  readonly #auto: boolean;
  #expiresSecond = Number.NaN;
  #expiresText = '';

  constructor(settings: CookieSettings, deletionStyle: DeletionCookieStyle = 'flask') {
    this.#auto = settings.secure === 'auto';
    const plain = template(settings, { secure: false }, deletionStyle);
    this.#templates = { plain, secure: this.#auto ? template(settings, { secure: true }, deletionStyle) : plain };
  }

  /** `Set-Cookie` for `value`, with `Expires` when given (a permanent session). */
  set(value: string, expires: Date | undefined, request?: RequestInfo): string {
    if (!SAFE_VALUE.test(value)) throw new TypeError(`session cookie value has characters a cookie cannot hold: ${JSON.stringify(value)}`);
    const t = this.#pick(request);
    return expires === undefined
      ? t.head + value + t.beforeExpires + t.afterExpires
      : t.head + value + t.beforeExpires + this.#formatExpires(expires) + t.afterExpires;
  }

  /** `Set-Cookie` that deletes the session cookie. */
  delete(request?: RequestInfo): string {
    return this.#pick(request).deletion;
  }

  #pick(request: RequestInfo | undefined): Template {
    return this.#auto && request?.secure === true ? this.#templates.secure : this.#templates.plain;
  }

  /** `; Expires=<HTTP date>`, formatted once per second. */
  #formatExpires(expires: Date): string {
    const second = Math.floor(expires.getTime() / 1000);
    if (second !== this.#expiresSecond) {
      this.#expiresSecond = second;
      this.#expiresText = `; Expires=${expires.toUTCString()}`;
    }
    return this.#expiresText;
  }
}

function template(settings: CookieSettings, request: RequestInfo, deletionStyle: DeletionCookieStyle): Template {
  const attributes = cookieAttributes(settings, request);
  const full = serializeCookie(settings.cookieName, PLACEHOLDER, { ...attributes, expires: new Date(0) });
  const head = `${settings.cookieName}=`;
  const at = full.indexOf(EPOCH_EXPIRES);
  return {
    head,
    beforeExpires: full.slice(head.length + PLACEHOLDER.length, at),
    afterExpires: full.slice(at + EPOCH_EXPIRES.length),
    deletion:
      deletionStyle === 'flask-session'
        ? flaskSessionDeletion(settings.cookieName, attributes.domain, attributes.path)
        : serializeCookieDeletion(settings.cookieName, attributes),
  };
}

/**
 * Flask-Session's deletion cookie (`response.delete_cookie(key, domain=…, path=…)`), in Werkzeug's
 * attribute order. Name, domain and path were validated by `serializeCookie` above.
 */
function flaskSessionDeletion(name: string, domain: string | undefined, path = '/'): string {
  const domainPart = domain === undefined ? '' : `; Domain=${domain}`;
  return `${name}=${domainPart}${EPOCH_EXPIRES}; Max-Age=0; Path=${path}`;
}
