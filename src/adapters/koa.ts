/**
 * Sessions for Koa 2 and 3: `app.use(session({ sessionInterface }))` puts `ctx.session` and
 * `ctx.sessionCookies` on every context and saves the session after the downstream middleware,
 * before Koa sends the response. Koa's own `ctx.cookies` is left alone.
 *
 * @module sessionkit/koa
 */
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import type { CookieJar } from '../cookies.js';
import type { Session, SessionData } from '../session.js';
import { reportedHttpError } from './internal/errors.js';
import { FailureLog } from './internal/failure-log.js';
import { openNodeSession } from './internal/node-session.js';
import { ADAPTER_OPTION_NAMES, optionalFunction, resolveBaseOptions, type BaseSessionOptions } from './internal/options.js';
import { requestSessionOf } from './internal/registry.js';

export type { LoadMode, BaseSessionOptions } from './internal/options.js';

/** What the middleware adds to the context. */
export interface SessionContext<T extends object = SessionData> {
  /** The request's session. */
  session: Session<T>;
  /** The request's cookies and the cookies to set (named so to leave Koa's `ctx.cookies` alone). */
  sessionCookies: CookieJar;
}

declare module 'koa' {
  /**
   * sessionkit's `ctx.session` (typed by `SessionData`) and `ctx.sessionCookies` on every
   * context of the app, routers included. Merged as a base interface, so a declaration of your
   * own (`session: Session<MyData>`) replaces it instead of clashing.
   */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges sessionkit's members in as a base type.
  interface DefaultContext extends SessionContext<SessionData> {}
}

/**
 * A Koa context carrying the session (`T` types the data), for handlers of an app whose session
 * type is not `SessionData`: `(ctx: KoaSessionContext<MyData>) => …`.
 */
export type KoaSessionContext<T extends object = SessionData> = ParameterizedContext<DefaultState, SessionContext<T>>;

/**
 * Answers a request whose session could not be loaded or saved: set `ctx.status` and `ctx.body`.
 * It receives the error itself (`StoreError`…), whose message is not for clients. Replaces the
 * default, which logs the failure once per distinct cause and throws its public form —
 * `SessionStoreUnavailableError` (`status` 503) for a store failure, else `SessionHandlingError`
 * (500), the failure as `cause` — into Koa's error handling (your upstream
 * `try { await next() }` middleware, or `ctx.onerror`).
 */
export type KoaErrorHandler<T extends object = SessionData> = (error: unknown, ctx: KoaSessionContext<T>) => void | Promise<void>;

/** Options of the Koa `session` middleware. */
export interface KoaSessionOptions<T extends object = SessionData> extends BaseSessionOptions<T> {
  /** Answers failed session loads and saves. Default: throw a public error (503 for store failures) into Koa's error handling. */
  onError?: KoaErrorHandler<T>;
}

const KOA_OPTIONS = ADAPTER_OPTION_NAMES.koa;

/**
 * The session middleware for Koa 2 and 3. Whether the request is HTTPS (for `secure: 'auto'`)
 * comes from `ctx.secure`, so `app.proxy` applies. Handlers that write to `ctx.res` themselves
 * are covered too: the session is saved before their headers leave.
 *
 * `ctx.session` is typed by `SessionData` in every handler of the app: augment `SessionData`
 * to type it. For a session interface of another type, `getSession<MyData>(ctx)`.
 */
export function session<T extends object = SessionData>(options: KoaSessionOptions<T>): Middleware {
  const base = resolveBaseOptions(options, KOA_OPTIONS, 'sessionkit/koa session()');
  const onError = optionalFunction<KoaErrorHandler<T>>('onError', options.onError);
  const failures = new FailureLog();
  return async function sessionMiddleware(ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> {
    let active = true;
    let failure: { error: unknown } | undefined;
    const answer = async (error: unknown): Promise<void> => {
      if (!onError) throw reportedHttpError(error, failures);
      await onError(error, ctx as unknown as KoaSessionContext<T>);
    };
    const { state, guard } = openNodeSession(ctx.req, ctx.res, base, { secure: ctx.secure }, (error) => {
      if (active) failure = { error };
      else ctx.onerror(reportedHttpError(error, failures));
    });
    ctx.session = state.session as unknown as Session<SessionData>;
    ctx.sessionCookies = state.cookies;
    try {
      try {
        await state.prepare(base.load);
      } catch (error) {
        guard.release();
        return await answer(error);
      }
      await next();
      if (guard.triggered) {
        // The handler wrote to ctx.res itself; the guard saved the session first.
        await guard.settled;
        if (!failure) return;
        // Its writes were dropped: let Koa answer with the error instead.
        ctx.respond = true;
        return await answer(failure.error);
      }
      guard.release();
      let result;
      try {
        result = await state.save();
      } catch (error) {
        return await answer(error);
      }
      if (result.setCookie.length > 0) ctx.append('Set-Cookie', result.setCookie);
      if (result.vary) ctx.vary('Cookie');
    } finally {
      active = false;
    }
  };
}

/** The session of a context the middleware handled, typed as you say. */
export function getSession<T extends object = SessionData>(ctx: { req: object }): Session<T> {
  return requestSessionOf<T>(ctx.req, 'koa').session;
}

/** The cookie jar of a context the middleware handled (`ctx.sessionCookies`). */
export function getCookies(ctx: { req: object }): CookieJar {
  return requestSessionOf(ctx.req, 'koa').cookies;
}
