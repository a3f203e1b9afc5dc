import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Whether an `X-Forwarded-Proto` value says the client used HTTPS (the first, client-side entry counts). */
export function forwardedHttps(value: string | readonly string[] | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  const text = typeof value === 'string' ? value : value.join(',');
  return text.split(',')[0]?.trim().toLowerCase() === 'https';
}

/**
 * Whether a node request came over HTTPS: its socket is a TLS socket, or — with `trustProxy` —
 * the proxy says so in `X-Forwarded-Proto`.
 */
export function isHttpsNodeRequest(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as Partial<TLSSocket> | undefined)?.encrypted === true) return true;
  return trustProxy && forwardedHttps(req.headers['x-forwarded-proto']);
}

/**
 * Whether a Fetch request came over HTTPS: its URL scheme, or — with `trustProxy` — the proxy's
 * `X-Forwarded-Proto`.
 */
export function isHttpsFetchRequest(request: Request, trustProxy: boolean): boolean {
  if (request.url.startsWith('https:')) return true;
  return trustProxy && forwardedHttps(request.headers.get('x-forwarded-proto'));
}
