/**
 * What a client is told when a session could not be loaded or saved: a status and a fixed text,
 * never the failure's own message — a driver's text, a folder's path, a connection string a
 * driver quoted — nor its stack (server file paths).
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { SessionHandlingError, SessionHttpError, SessionStoreUnavailableError, StoreError } from '../../errors.js';
import type { FailureLog } from './failure-log.js';

/** The status an error carries itself (`status` or `statusCode`, 400–599), if any. */
function ownStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value <= 599 ? value : undefined;
}

/**
 * The status to answer a failed request with: 503 when a session store failed, the error's own
 * 4xx/5xx status when it has one, otherwise 500.
 */
export function statusOf(error: unknown): number {
  if (error instanceof StoreError) return 503;
  return ownStatus(error) ?? 500;
}

/**
 * The public form of a failed session load or save, as the adapters hand it to a framework:
 * `SessionStoreUnavailableError` (503) for a `StoreError`, else `SessionHandlingError` (the
 * failure's own 4xx/5xx status, or 500); the failure is its `cause`. A `SessionHttpError` is
 * returned as it is.
 */
export function toHttpError(error: unknown): SessionHttpError {
  if (error instanceof SessionHttpError) return error;
  if (error instanceof StoreError) return new SessionStoreUnavailableError(error);
  return new SessionHandlingError(error, statusOf(error));
}

/**
 * `toHttpError` on the adapters' default path, when the app gave no `onError`: the failure is
 * logged in `failures` (once per distinct cause) before its public form goes to the framework.
 */
export function reportedHttpError(error: unknown, failures: FailureLog): SessionHttpError {
  const httpError = toHttpError(error);
  failures.report(error, httpError.status);
  return httpError;
}

/**
 * A short plain-text body for an error response: the public message of a session failure
 * ("Session store unavailable"), otherwise the status's reason phrase.
 */
export function errorText(error: unknown): string {
  const shown = error instanceof StoreError ? toHttpError(error) : error;
  if (shown instanceof SessionHttpError) return shown.message;
  return STATUS_CODES[statusOf(shown)] ?? 'Error';
}

/** Replaces whatever a node response had prepared with a plain-text error response. */
export function sendErrorResponse(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const body = errorText(error);
  res.statusCode = statusOf(error);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/**
 * The Fetch response for a request whose session could not be loaded or saved (what
 * `session.load()` or `commitSession` rejected with): 503 `Session store unavailable` for a
 * store failure, the error's own 4xx/5xx status if it has one, else 500 with its reason phrase —
 * plain text, never the error's message (a driver's text, a path, a connection string). Log the
 * error itself.
 *
 * ```ts
 * try {
 *   await session.load();
 *   return await commitSession(iface, session, await route(request));
 * } catch (error) {
 *   console.error(error);
 *   return errorResponse(error);
 * }
 * ```
 */
export function errorResponse(error: unknown): Response {
  return new Response(errorText(error), {
    status: statusOf(error),
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}
