import { STATUS_CODES, type ServerResponse } from 'node:http';
import { SessionKitError, StoreError } from '../../errors.js';

/** An error as the adapters hand it to a framework: with the HTTP status to answer with. */
export type HttpStatusError = Error & { status: number; statusCode: number };

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

/** A short plain-text body for the error response; names the store when a store failed. */
export function errorText(error: unknown): string {
  if (error instanceof StoreError) return `Session store unavailable (${error.store})`;
  const status = statusOf(error);
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * Returns the error with `status` and `statusCode` set (as Express, Koa and Fastify read them),
 * wrapping values that are not `Error`s. An existing 4xx/5xx status is kept.
 */
export function toHttpError(error: unknown): HttpStatusError {
  const base = error instanceof Error ? error : new SessionKitError(`session handling failed: ${String(error)}`, { cause: error });
  const status = statusOf(base);
  return Object.assign(base, { status, statusCode: status });
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
