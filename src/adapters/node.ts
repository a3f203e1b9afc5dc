/**
 * Sessions for plain `node:http` servers: wrap a `(req, res)` handler with `withSession` and it
 * finds `req.session` and `req.cookies` ready, with the session saved before any header leaves.
 *
 * @module sessionkit/node
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CookieJar } from '../cookies.js';
import { SessionKitError } from '../errors.js';
import type { Session, SessionData } from '../session.js';
import { sendErrorResponse, statusOf } from './internal/errors.js';
import { FailureLog } from './internal/failure-log.js';
import { openNodeSession } from './internal/node-session.js';
import { ADAPTER_OPTION_NAMES, optionalFlag, optionalFunction, resolveBaseOptions, type BaseSessionOptions } from './internal/options.js';
import { isHttpsNodeRequest } from './internal/protocol.js';
import { requestSessionOf } from './internal/registry.js';

export type { LoadMode, BaseSessionOptions } from './internal/options.js';

/** A node request with its session (`T` types the data) and cookie jar. */
export interface SessionRequest<T extends object = SessionData> extends IncomingMessage {
  /** The request's session. */
  session: Session<T>;
  /** The request's cookies; cookies set here are sent with the response. */
  cookies: CookieJar;
}

/** A node:http handler that receives the session on its request. */
export type SessionHandler<T extends object = SessionData> = (req: SessionRequest<T>, res: ServerResponse) => void | Promise<void>;

/**
 * Answers a request that failed: the session could not be loaded or saved (a `StoreError`, a
 * `CookieTooLargeError`…) or the handler threw before responding. Nothing was sent yet.
 */
export type NodeErrorHandler = (error: unknown, req: IncomingMessage, res: ServerResponse) => void;

/** Options of `withSession`. */
export interface NodeSessionOptions<T extends object = SessionData> extends BaseSessionOptions<T> {
  /**
   * Trust the `X-Forwarded-Proto` header of a reverse proxy to tell whether the request came over
   * HTTPS (used by `secure: 'auto'`). Default `false`: only a TLS socket counts.
   */
  trustProxy?: boolean;
  /**
   * Answers failed requests; it receives the error itself (`StoreError`…), whose message is not
   * for clients. Default: a plain-text response that shows none of it — 503 `Session store
   * unavailable` when a store failed, the error's own 4xx/5xx status if it has one, else 500 —
   * and a log line (`console.error`, with the error and its cause): once per distinct cause for
   * sessionkit's errors, for every unexpected 500 of the handler.
   */
  onError?: NodeErrorHandler;
}

const NODE_OPTIONS = ADAPTER_OPTION_NAMES.node;

/**
 * Wraps a node:http handler with sessions. The session is loaded before the handler runs
 * (`load: 'eager'`, the default) and saved when the handler starts its response — whatever way
 * it does (`writeHead`, `write`, `end`, piping a stream) — before any header is sent.
 *
 * ```ts
 * http.createServer(withSession({ sessionInterface }, (req, res) => {
 *   req.session.set('visits', (req.session.get('visits') ?? 0) + 1);
 *   res.end('hello');
 * }));
 * ```
 */
export function withSession<T extends object = SessionData>(
  options: NodeSessionOptions<T>,
  handler: SessionHandler<T>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const base = resolveBaseOptions(options, NODE_OPTIONS, 'sessionkit/node withSession()');
  const trustProxy = optionalFlag('trustProxy', options.trustProxy);
  const failures = new FailureLog();
  const onError =
    optionalFunction<NodeErrorHandler>('onError', options.onError) ??
    ((error: unknown, _req: IncomingMessage, res: ServerResponse) => defaultErrorHandler(error, res, failures));
  return async function sessionHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fail = (error: unknown): void => onError(error, req, res);
    const { state, guard } = openNodeSession(req, res, base, { secure: isHttpsNodeRequest(req, trustProxy) }, fail);
    const request = Object.assign(req, { session: state.session, cookies: state.cookies });
    try {
      await state.prepare(base.load);
    } catch (error) {
      guard.release();
      fail(error);
      return;
    }
    try {
      await handler(request, res);
    } catch (error) {
      if (!guard.triggered) {
        fail(error);
        return;
      }
      await guard.settled;
      if (!res.writableEnded) res.destroy();
    }
  };
}

/** The session of a request handled by `withSession`, typed as you say. */
export function getSession<T extends object = SessionData>(req: IncomingMessage): Session<T> {
  return requestSessionOf<T>(req, 'node').session;
}

/** The cookie jar of a request handled by `withSession`. */
export function getCookies(req: IncomingMessage): CookieJar {
  return requestSessionOf(req, 'node').cookies;
}

/**
 * The default `onError`: a short plain-text response. sessionkit's errors (a store down…) are
 * logged once per distinct cause; the handler's unexpected errors every time.
 */
function defaultErrorHandler(error: unknown, res: ServerResponse, failures: FailureLog): void {
  const status = statusOf(error);
  if (error instanceof SessionKitError) failures.report(error, status);
  else if (status === 500) console.error(error);
  sendErrorResponse(res, error);
}
