/**
 * Sessions for Hono, on any runtime: `app.use(session({ sessionInterface }))` sets the
 * `session` and `cookies` variables (`c.get('session')`) and adds the session's headers to the
 * response after the handler ran.
 *
 * @module sessionkit/hono
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { CookieJar } from '../cookies.js';
import type { SaveResult } from '../interfaces/session-interface.js';
import type { SessionHttpError } from '../errors.js';
import type { Session, SessionData } from '../session.js';
import { errorResponse, reportedHttpError } from './internal/errors.js';
import { FailureLog } from './internal/failure-log.js';
import { tryApplySaveResult } from './internal/fetch-headers.js';
import { ADAPTER_OPTION_NAMES, optionalFlag, optionalFunction, resolveBaseOptions, type BaseSessionOptions } from './internal/options.js';
import { isHttpsFetchRequest } from './internal/protocol.js';
import { RequestSession } from './internal/request-session.js';

export type { LoadMode, BaseSessionOptions } from './internal/options.js';

/** The variables the middleware sets: `c.get('session')` and `c.get('cookies')`. */
export interface SessionVariables<T extends object = SessionData> {
  /** The request's session. */
  session: Session<T>;
  /** The request's cookies and the cookies to set. */
  cookies: CookieJar;
}

/**
 * The Hono environment of an app using sessions: `new Hono<SessionEnv<MyData>>()` types
 * `c.get('session')` as `Session<MyData>`. Without it, `c.get('session')` is typed by
 * `SessionData` (sessionkit adds its variables to Hono's `ContextVariableMap`).
 */
export type SessionEnv<T extends object = SessionData> = { Variables: SessionVariables<T> };

declare module 'hono' {
  /** `c.get('session')` and `c.get('cookies')` in every app (`sessionkit/hono`), typed by `SessionData`. */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges sessionkit's variables in as a base type.
  interface ContextVariableMap extends SessionVariables<SessionData> {}
}

/**
 * Answers a request whose session could not be loaded or saved with a response of your own. It
 * receives the error itself (`StoreError`…), whose message is not for clients. Replaces the
 * default, which logs the failure once per distinct cause and throws its public form —
 * `SessionStoreUnavailableError` (`status` 503) for a store failure, else `SessionHandlingError`
 * (500), the failure as `cause` — to the app's `onError` (Hono's default handler answers it with
 * that status and its fixed text).
 */
export type HonoErrorHandler<T extends object = SessionData> = (error: unknown, c: Context<SessionEnv<T>>) => Response | Promise<Response>;

/** Options of the Hono `session` middleware. */
export interface HonoSessionOptions<T extends object = SessionData> extends BaseSessionOptions<T> {
  /**
   * Trust `X-Forwarded-Proto` to tell whether the request came over HTTPS (for `secure: 'auto'`).
   * Default `false`: the request URL's scheme decides.
   */
  trustProxy?: boolean;
  /** Answers failed session loads and saves. Default: throw a public error (503 for store failures) to the app's `onError`. */
  onError?: HonoErrorHandler<T>;
}

const HONO_OPTIONS = ADAPTER_OPTION_NAMES.hono;

/**
 * The session middleware for Hono. Headers are added to `c.res` once the handler returned, so a
 * streamed body (`stream()`, `streamText()`) works as long as the session is changed before the
 * handler returns its response.
 */
export function session<T extends object = SessionData>(options: HonoSessionOptions<T>): MiddlewareHandler<SessionEnv<T>> {
  const base = resolveBaseOptions(options, HONO_OPTIONS, 'sessionkit/hono session()');
  const trustProxy = optionalFlag('trustProxy', options.trustProxy);
  const onError = optionalFunction<HonoErrorHandler<T>>('onError', options.onError);
  const failures = new FailureLog();
  return async function sessionMiddleware(c, next): Promise<void> {
    const fail = async (error: unknown): Promise<void> => {
      // Drop the handler's response whole: Hono builds later responses on the headers of c.res
      // (or, without one, on those the handler prepared), so put a blank one in its place.
      c.res = undefined;
      c.res = new Response(null);
      if (!onError) throw honoError(reportedHttpError(error, failures));
      c.res = await onError(error, c);
    };
    const secure = isHttpsFetchRequest(c.req.raw, trustProxy);
    const state = new RequestSession(base.sessionInterface, c.req.header('cookie'), { secure }, base.cookies);
    c.set('session', state.session);
    c.set('cookies', state.cookies);
    try {
      await state.prepare(base.load);
    } catch (error) {
      return fail(error);
    }
    await next();
    let result: SaveResult;
    try {
      result = await state.save();
    } catch (error) {
      return fail(error);
    }
    if (!tryApplySaveResult(c.res.headers, result)) {
      // Immutable headers (e.g. `Response.redirect()`): Hono copies the response on assignment.
      c.res = new Response(c.res.body, c.res);
      tryApplySaveResult(c.res.headers, result);
    }
  };
}

/**
 * The public error with a `getResponse()` as Hono's `HTTPException` has, so Hono's default error
 * handler answers with its status and fixed text instead of a bare 500.
 */
function honoError(httpError: SessionHttpError): SessionHttpError {
  return Object.assign(httpError, { getResponse: () => errorResponse(httpError) });
}
