/**
 * Sessions for Fastify 5: `app.register(sessionPlugin({ sessionInterface }))` decorates every
 * request with `request.session` and `request.cookies`, replies with `reply.setCookie()` and
 * `reply.clearCookie()`, and saves the session in an `onSend` hook, before headers are sent.
 *
 * @module sessionkit/fastify
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CookieJar, CookieOptions } from '../cookies.js';
import type { SaveResult } from '../interfaces/session-interface.js';
import type { Session, SessionData } from '../session.js';
import { reportedHttpError, sendErrorResponse, statusOf } from './internal/errors.js';
import { FailureLog } from './internal/failure-log.js';
import { mergeVary } from './internal/save-result.js';
import { openNodeSession } from './internal/node-session.js';
import { ADAPTER_OPTION_NAMES, optionalFunction, resolveBaseOptions, type BaseSessionOptions } from './internal/options.js';
import { requestSessionOf } from './internal/registry.js';
import type { ResponseGuard } from './internal/response-guard.js';

export type { LoadMode, BaseSessionOptions } from './internal/options.js';

/** Attributes accepted by `reply.clearCookie` (those that identify the cookie). */
export type ClearCookieOptions = Omit<CookieOptions, 'maxAge' | 'expires'>;

/**
 * What the plugin adds to every Fastify request, merged into `FastifyRequest`: `request.session`,
 * whose data `SessionData` types (augment it once for the app, see `SessionData`), and
 * `request.cookies`. Merged as a base interface, so a declaration of your own replaces it
 * instead of clashing.
 */
export interface FastifySessionRequest {
  /** The request's session (`sessionkit/fastify`). */
  session: Session<SessionData>;
  /** The request's cookies and the cookies to set (`sessionkit/fastify`). */
  cookies: CookieJar;
}

/** What the plugin adds to every Fastify reply, merged into `FastifyReply`. */
export interface FastifySessionReply {
  /** Sets a cookie on the response (`sessionkit/fastify`). */
  setCookie(name: string, value: string, options?: CookieOptions): FastifyReply;
  /** Deletes a cookie in the browser; give the `path`/`domain` it was set with (`sessionkit/fastify`). */
  clearCookie(name: string, options?: ClearCookieOptions): FastifyReply;
}

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges sessionkit's members in as a base type (see FastifySessionRequest).
  interface FastifyRequest extends FastifySessionRequest {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges sessionkit's members in as a base type.
  interface FastifyReply extends FastifySessionReply {}
}

/**
 * Answers a hijacked reply (one the handler writes to `reply.raw` itself) whose session could not
 * be saved; it receives the error itself (`StoreError`…), whose message is not for clients. Other
 * failures are logged once per distinct cause and go to Fastify's error handler in their public
 * form: `SessionStoreUnavailableError` (`statusCode` 503) for a store failure, else
 * `SessionHandlingError` (500), the failure as `cause`.
 */
export type FastifyRawErrorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => void;

/** Options of `sessionPlugin`. */
export interface FastifySessionOptions<T extends object = SessionData> extends BaseSessionOptions<T> {
  /** Answers hijacked replies whose save failed. Default: log once per cause, and a plain-text 503 `Session store unavailable` (500 for other errors). */
  onRawError?: FastifyRawErrorHandler;
}

const guards = new WeakMap<FastifyRequest, ResponseGuard>();
const FASTIFY_OPTIONS = ADAPTER_OPTION_NAMES.fastify;

/**
 * The Fastify plugin. It is not encapsulated (like plugins wrapped with `fastify-plugin`): its
 * hooks and decorations reach every route of the instance it is registered on. Whether the
 * request is HTTPS (for `secure: 'auto'`) comes from `request.protocol`, so Fastify's
 * `trustProxy` applies. It takes the name `cookies` on requests and `setCookie`/`clearCookie` on
 * replies, so it cannot be registered next to `@fastify/cookie`.
 */
export function sessionPlugin<T extends object = SessionData>(options: FastifySessionOptions<T>): FastifyPluginAsync {
  const base = resolveBaseOptions(options, FASTIFY_OPTIONS, 'sessionkit/fastify sessionPlugin()');
  const failures = new FailureLog();
  const onRawError =
    optionalFunction<FastifyRawErrorHandler>('onRawError', options.onRawError) ??
    ((error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
      failures.report(error, statusOf(error));
      sendErrorResponse(reply.raw, error);
    });

  async function sessionkitPlugin(fastify: FastifyInstance): Promise<void> {
    fastify.decorateRequest('session', {
      getter(this: FastifyRequest): Session<SessionData> {
        return requestSessionOf<SessionData>(this.raw, 'fastify').session;
      },
    });
    fastify.decorateRequest('cookies', {
      getter(this: FastifyRequest): CookieJar {
        return requestSessionOf(this.raw, 'fastify').cookies;
      },
    });
    fastify.decorateReply('setCookie', function setCookie(this: FastifyReply, name: string, value: string, cookieOptions?: CookieOptions) {
      this.request.cookies.set(name, value, cookieOptions);
      return this;
    });
    fastify.decorateReply('clearCookie', function clearCookie(this: FastifyReply, name: string, cookieOptions?: ClearCookieOptions) {
      this.request.cookies.delete(name, cookieOptions);
      return this;
    });

    fastify.addHook('onRequest', async function openRequestSession(request, reply) {
      const fail = (error: unknown): void => onRawError(error, request, reply);
      const { state, guard } = openNodeSession(request.raw, reply.raw, base, { secure: request.protocol === 'https' }, fail);
      guards.set(request, guard);
      try {
        await state.prepare(base.load);
      } catch (error) {
        guard.release();
        throw reportedHttpError(error, failures);
      }
    });

    fastify.addHook('onSend', async function saveSession(request, reply, payload) {
      const guard = guards.get(request);
      if (!guard || guard.triggered) return payload;
      guard.release();
      const state = requestSessionOf<T>(request.raw, 'fastify');
      if (state.failed) return payload;
      try {
        applySaveResult(reply, await state.save());
      } catch (error) {
        // The prepared response is dropped whole: none of its headers (Location…) reach the error response.
        for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
        throw reportedHttpError(error, failures);
      }
      return payload;
    });
  }

  return Object.assign(sessionkitPlugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'sessionkit',
  });
}

/** Adds a save result to a reply: Set-Cookie values appended, `Cookie` merged into `Vary`. */
function applySaveResult(reply: FastifyReply, result: SaveResult): void {
  // Fastify appends to an existing Set-Cookie header instead of replacing it.
  if (result.setCookie.length > 0) reply.header('set-cookie', result.setCookie);
  if (result.vary) {
    const existing = reply.getHeader('vary');
    reply.header('vary', mergeVary(existing === undefined ? undefined : [existing].flat().join(', ')));
  }
}

/** The session of a request the plugin handled: `request.session`, typed as you say (default `SessionData`). */
export function getSession<T extends object = SessionData>(request: FastifyRequest): Session<T> {
  return requestSessionOf<T>(request.raw, 'fastify').session;
}
