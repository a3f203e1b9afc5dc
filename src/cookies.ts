import { parse as parseCookieHeader, serialize as serializeSetCookie } from 'cookie';
import { ConfigError, SessionKitError } from './errors.js';
import { Signer, type Secret } from './signing/index.js';

/** The `SameSite` attribute: `false` leaves it out. */
export type SameSite = 'Strict' | 'Lax' | 'None';

/** Attributes of a cookie being set. Every field is optional; `path` defaults to `/`. */
export interface CookieOptions {
  /** Lifetime in seconds (`Max-Age`); `0` or negative expires the cookie now. */
  maxAge?: number;
  /** Absolute expiry (`Expires`). Without it and without `maxAge`, a browser-session cookie. */
  expires?: Date;
  /** `Domain`; leave unset for a host-only cookie. */
  domain?: string;
  /** `Path`. Default `/`. */
  path?: string;
  /** `Secure`: sent over HTTPS only. Default `false`. */
  secure?: boolean;
  /** `HttpOnly`: hidden from page scripts. Default `false` (as Flask's `set_cookie`). */
  httpOnly?: boolean;
  /** `SameSite`. Default: not sent. `None` requires `secure`. */
  sameSite?: SameSite | false;
  /** `Partitioned` (CHIPS). Requires `secure`. */
  partitioned?: boolean;
  /** `Priority` (Chromium). */
  priority?: 'Low' | 'Medium' | 'High';
}

/** A cookie could not be written as asked (bad name, value or attribute combination). */
export class CookieError extends SessionKitError {}

/**
 * Parses a `Cookie` request header into name → value (percent-decoded). Tolerant: malformed
 * pairs are skipped, the first of duplicate names wins. The result has no prototype, so a cookie
 * named `__proto__` is plain data.
 */
export function parseCookies(header: string | null | undefined): Record<string, string> {
  if (!header) return Object.create(null) as Record<string, string>;
  return parseCookieHeader(header) as Record<string, string>;
}

/** Reads one cookie from a `Cookie` header; `undefined` when absent. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header || !header.includes(name)) return undefined;
  return parseCookies(header)[name];
}

/**
 * How many cookies of one name the session interfaces look at. A browser sends several when
 * cookies of that name were set for different paths or domains — a sibling subdomain can plant
 * one for the parent domain (cookie tossing) and it may come first — so the session is the first
 * of them that verifies, not merely the first. A few cover every legitimate overlap; the bound
 * keeps a header stuffed with copies to a few signature checks or store reads per request.
 */
export const MAX_COOKIES_PER_NAME = 5;

/**
 * Every value a `Cookie` header carries for `name`, in the order sent (percent-decoded as
 * `parseCookies` does), at most `limit` of them.
 */
export function readCookieValues(header: string | null | undefined, name: string, limit: number = MAX_COOKIES_PER_NAME): string[] {
  if (!header || !header.includes(name)) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    if (values.length >= limit) break;
    if (!pair.includes(name)) continue;
    const value = parseCookieHeader(pair)[name];
    if (value !== undefined) values.push(value);
  }
  return values;
}

/**
 * Builds a `Set-Cookie` value. Strict where browsers are: rejects invalid names and values,
 * `SameSite=None` or `Partitioned` without `Secure`, and breaks of the `__Host-` / `__Secure-`
 * prefix rules — a browser would silently drop such a cookie.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const path = options.path ?? '/';
  if (options.sameSite === 'None' && !options.secure) {
    throw new CookieError(`cookie ${name}: SameSite=None requires secure: true (browsers reject it otherwise)`);
  }
  if (options.partitioned && !options.secure) {
    throw new CookieError(`cookie ${name}: partitioned requires secure: true`);
  }
  if (name.startsWith('__Secure-') && !options.secure) {
    throw new CookieError(`cookie ${name}: the __Secure- prefix requires secure: true`);
  }
  if (name.startsWith('__Host-') && (!options.secure || path !== '/' || options.domain)) {
    throw new CookieError(`cookie ${name}: the __Host- prefix requires secure: true, path "/" and no domain`);
  }
  try {
    return serializeSetCookie(name, value, {
      maxAge: options.maxAge === undefined ? undefined : Math.floor(options.maxAge),
      expires: options.expires,
      domain: options.domain,
      path,
      secure: options.secure,
      httpOnly: options.httpOnly,
      sameSite: options.sameSite ? (options.sameSite.toLowerCase() as 'lax' | 'strict' | 'none') : undefined,
      partitioned: options.partitioned,
      priority: options.priority ? (options.priority.toLowerCase() as 'low' | 'medium' | 'high') : undefined,
    });
  } catch (error) {
    throw new CookieError(`cookie ${name}: ${(error as Error).message}`, { cause: error });
  }
}

/** The Unix epoch: `Expires` of a deleted cookie. */
const EPOCH = new Date(0);

/**
 * Builds the `Set-Cookie` value that deletes a cookie: empty value, `Expires` in 1970 and
 * `Max-Age=0`. `path` and `domain` must match the ones the cookie was set with.
 */
export function serializeCookieDeletion(name: string, options: Omit<CookieOptions, 'maxAge' | 'expires'> = {}): string {
  return serializeCookie(name, '', { ...options, expires: EPOCH, maxAge: 0 });
}

/** Options of a `CookieJar`. */
export interface CookieJarOptions {
  /** Secret(s) for signed cookies, oldest first: the newest signs, every one verifies. */
  secret?: Secret | readonly Secret[];
  /** Salt of the signer of signed cookies. Default `sessionkit.cookie`. */
  salt?: string;
  /** Attributes applied to every cookie set through the jar unless overridden. */
  defaults?: CookieOptions;
}

/** Signers by jar options: adapters pass the same options object on every request. */
const signers = new WeakMap<CookieJarOptions, Signer>();

function signerFor(options: CookieJarOptions): Signer {
  let signer = signers.get(options);
  if (!signer) {
    signer = new Signer({ secret: options.secret!, salt: options.salt ?? 'sessionkit.cookie', keyDerivation: 'hmac', digest: 'sha256' });
    signers.set(options, signer);
  }
  return signer;
}

/**
 * The cookies of one request and the `Set-Cookie` headers to send back: what the adapters put
 * next to the session (`req.cookies`, `ctx.cookies`, `c.get('cookies')`).
 */
export class CookieJar {
  readonly #header: string | null | undefined;
  #parsed: Record<string, string> | undefined;
  readonly #pending = new Map<string, string>();
  readonly #signer: Signer | undefined;
  readonly #defaults: CookieOptions;

  constructor(cookieHeader: string | null | undefined, options: CookieJarOptions = {}) {
    this.#header = cookieHeader;
    this.#defaults = options.defaults ?? {};
    if (options.secret !== undefined) this.#signer = signerFor(options);
  }

  #all(): Record<string, string> {
    this.#parsed ??= parseCookies(this.#header);
    return this.#parsed;
  }

  /** The value the request sent for `name`, or `undefined`. */
  get(name: string): string | undefined {
    return this.#all()[name];
  }

  /** Every cookie the request sent. */
  all(): Record<string, string> {
    return { ...this.#all() };
  }

  /** The value of a signed cookie if its signature is valid, otherwise `undefined`. */
  getSigned(name: string): string | undefined {
    const raw = this.get(name);
    if (raw === undefined) return undefined;
    const signer = this.#requireSigner('getSigned');
    try {
      return signer.unsign(raw);
    } catch {
      return undefined;
    }
  }

  /** Sets a cookie on the response. */
  set(name: string, value: string, options: CookieOptions = {}): this {
    this.#pending.set(name, serializeCookie(name, value, { ...this.#defaults, ...options }));
    return this;
  }

  /** Sets a cookie whose value is signed (tamper-evident, not encrypted). */
  setSigned(name: string, value: string, options: CookieOptions = {}): this {
    return this.set(name, this.#requireSigner('setSigned').sign(value), options);
  }

  /** Deletes a cookie in the browser; give the `path`/`domain` it was set with. */
  delete(name: string, options: Omit<CookieOptions, 'maxAge' | 'expires'> = {}): this {
    const { maxAge: _maxAge, expires: _expires, ...defaults } = this.#defaults;
    this.#pending.set(name, serializeCookieDeletion(name, { ...defaults, ...options }));
    return this;
  }

  /** The `Set-Cookie` values to send, one per cookie set or deleted (the last call per name wins). */
  setCookieHeaders(): string[] {
    return [...this.#pending.values()];
  }

  #requireSigner(method: string): Signer {
    if (!this.#signer) throw new ConfigError('secret', `CookieJar.${method} needs a secret: pass { secret } to the jar (or cookieSecret to the adapter)`);
    return this.#signer;
  }
}
