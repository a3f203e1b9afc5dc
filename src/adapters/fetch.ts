/**
 * Sessions for any Fetch-API runtime (Bun, Deno, workers, Next.js route handlers…), without a
 * framework: `openSession` at the start of a request, `commitSession` on the way out.
 *
 * @module sessionkit/fetch
 */
import { rejectUnknownOptions } from '../config.js';
import { CookieJar, type CookieJarOptions } from '../cookies.js';
import type { RequestInfo, SessionInterface } from '../interfaces/session-interface.js';
import type { Session } from '../session.js';
import { applySaveResultToResponse } from './internal/fetch-headers.js';
import { ADAPTER_OPTION_NAMES, checkCookieJarOptions, optionalFlag } from './internal/options.js';
import { isHttpsFetchRequest } from './internal/protocol.js';

export { errorResponse } from './internal/errors.js';

/** Options of `openSession`. */
export interface OpenSessionOptions {
  /** Options of the cookie jar (secret of signed cookies, defaults). */
  cookies?: CookieJarOptions;
  /**
   * Trust `X-Forwarded-Proto` to tell whether the request came over HTTPS (for `secure: 'auto'`).
   * Default `false`: the request URL's scheme decides.
   */
  trustProxy?: boolean;
}

/** The session and cookie jar of a request. */
export interface OpenedSession<T extends object> {
  /** The request's session. Server-side sessions need `await session.load()` before use. */
  session: Session<T>;
  /** The request's cookies and the cookies to set. */
  cookies: CookieJar;
}

const OPEN_SESSION_OPTIONS = ADAPTER_OPTION_NAMES.fetch;
const OWNER = 'sessionkit/fetch openSession()';

const opened = new WeakMap<object, { info: RequestInfo; cookies: CookieJar }>();

/**
 * Opens the session of a request. Nothing is read or verified yet; cookie sessions load on first
 * use, server-side sessions on `await session.load()`.
 */
export function openSession<T extends object>(iface: SessionInterface<T>, request: Request, options: OpenSessionOptions = {}): OpenedSession<T> {
  rejectUnknownOptions(options, OPEN_SESSION_OPTIONS, OWNER);
  if (options.cookies !== undefined) checkCookieJarOptions(options.cookies, OWNER);
  const header = request.headers.get('cookie');
  const info: RequestInfo = { secure: isHttpsFetchRequest(request, optionalFlag('trustProxy', options.trustProxy)) };
  const session = iface.open(header, info);
  const cookies = new CookieJar(header, options.cookies);
  opened.set(session, { info, cookies });
  return { session, cookies };
}

/**
 * Saves the session and returns the response with its `Set-Cookie` and `Vary` headers added —
 * the same response, or a copy when its headers are immutable (`Response.redirect()`,
 * `fetch()` results). Cookies set on `cookies` (default: the jar `openSession` returned) are sent
 * too. Rejects when the save fails (`StoreError`…): answer with `errorResponse(error)` then.
 */
export async function commitSession<T extends object>(iface: SessionInterface<T>, session: Session<T>, response: Response, cookies?: CookieJar): Promise<Response> {
  const origin = opened.get(session);
  const result = await iface.save(session, origin?.info);
  const jar = cookies ?? origin?.cookies;
  const setCookie = jar ? [...result.setCookie, ...jar.setCookieHeaders()] : result.setCookie;
  return applySaveResultToResponse(response, { setCookie, vary: result.vary });
}

