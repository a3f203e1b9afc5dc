/**
 * Sessions for Express 4 and 5: `app.use(session({ sessionInterface }))` puts `req.session` and
 * `req.cookies` on every request and saves the session before the response's headers leave.
 *
 * @module sessionkit/express
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CookieJar } from '../cookies.js';
import type { Session, SessionData } from '../session.js';
import { reportedHttpError } from './internal/errors.js';
import { FailureLog } from './internal/failure-log.js';
import { openNodeSession } from './internal/node-session.js';
import { ADAPTER_OPTION_NAMES, optionalFunction, resolveBaseOptions, type BaseSessionOptions } from './internal/options.js';
import { requestSessionOf } from './internal/registry.js';

export type { LoadMode, BaseSessionOptions } from './internal/options.js';

/**
 * What the middleware adds to every Express request, merged into Express's global
 * `Express.Request`: `req.session`, whose data `SessionData` types (augment it once for the app,
 * see `SessionData`), and `req.cookies`.
 *
 * It is merged as a base interface, not as property declarations, so that a declaration of your
 * own (`interface Request { session: Session<MyData> }`) replaces it instead of clashing. Where
 * `@types/express-session` is installed too, its `req.session` wins the same way (and with
 * `skipLibCheck: false` the compiler reports the two libraries' types as incompatible): use
 * `getSession(req)` then.
 */
export interface ExpressSessionRequest {
  /** The request's session (`sessionkit/express`). */
  session: Session<SessionData>;
  /**
   * The request's cookies and the cookies to set (`sessionkit/express`). Express declares
   * `req.cookies` as `any` itself; `getCookies(req)` gives it typed.
   */
  cookies: CookieJar;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express declares its request type in this global namespace.
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges sessionkit's members in as a base type (see ExpressSessionRequest).
    interface Request extends ExpressSessionRequest {}
  }
}

/**
 * Answers a request whose session could not be loaded or saved; it receives the error itself
 * (`StoreError`…), whose message is not for clients. Replaces the default, which logs the failure
 * once per distinct cause and calls `next()` with its public form — `SessionStoreUnavailableError`
 * (`status` 503) for a store failure, else `SessionHandlingError` (500), the failure as `cause` —
 * so that Express's error handlers answer without showing the failure.
 */
export type ExpressErrorHandler = (error: unknown, req: Request, res: Response, next: NextFunction) => void;

/** Options of the Express `session` middleware. */
export interface ExpressSessionOptions<T extends object = SessionData> extends BaseSessionOptions<T> {
  /** Answers failed session loads and saves. Default: `next()` with a public error (503 for store failures), the failure as `cause`. */
  onError?: ExpressErrorHandler;
}

const EXPRESS_OPTIONS = ADAPTER_OPTION_NAMES.express;

/**
 * The session middleware for Express 4 and 5. Whether the request is HTTPS (for `secure: 'auto'`)
 * comes from `req.secure`, so Express's `trust proxy` setting applies.
 *
 * ```ts
 * app.use(session({ sessionInterface: new CookieSessionInterface({ secret }) }));
 * app.get('/', (req, res) => {
 *   req.session.set('visits', Number(req.session.get('visits') ?? 0) + 1);
 *   res.send('hello');
 * });
 * ```
 */
export function session<T extends object = SessionData>(options: ExpressSessionOptions<T>): RequestHandler {
  const base = resolveBaseOptions(options, EXPRESS_OPTIONS, 'sessionkit/express session()');
  const onError = optionalFunction<ExpressErrorHandler>('onError', options.onError);
  const failures = new FailureLog();
  return function sessionMiddleware(req: Request, res: Response, next: NextFunction): void {
    const fail = (error: unknown): void => {
      if (onError) onError(error, req, res, next);
      else next(reportedHttpError(error, failures));
    };
    const { state, guard } = openNodeSession(req, res, base, { secure: req.secure }, fail);
    // Through `unknown`: with @types/express-session installed, its `req.session` type wins.
    (req as { session: unknown }).session = state.session;
    req.cookies = state.cookies;
    state.prepare(base.load).then(
      () => next(),
      (error: unknown) => {
        guard.release();
        fail(error);
      },
    );
  };
}

/**
 * The session of a request that went through the middleware: `req.session`, typed as you say
 * (default `SessionData`). Works whatever another library declared `req.session` to be.
 */
export function getSession<T extends object = SessionData>(req: Request): Session<T> {
  return requestSessionOf<T>(req, 'express').session;
}

/** The cookie jar of a request that went through the middleware (`req.cookies`, typed). */
export function getCookies(req: Request): CookieJar {
  return requestSessionOf(req, 'express').cookies;
}
