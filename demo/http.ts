/**
 * Small `node:http` helpers: reading a submitted form, sending a page or a redirect with the
 * demo's security headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';

/** Largest form body accepted, in bytes. */
export const MAX_FORM_BYTES = 16 * 1024;

/** An error that is answered with its HTTP status and message. */
export class HttpError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Headers of every page: no caching (pages show per-user data), no framing, no sniffing, and a
 * content security policy that allows no script at all — the pages need none.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

/** Reads an `application/x-www-form-urlencoded` body (at most `MAX_FORM_BYTES`). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Forms must be sent as application/x-www-form-urlencoded.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'That form is too large.');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Sends an HTML page. */
export function sendHtml(res: ServerResponse, status: number, page: SafeHtml): void {
  const body = `<!doctype html>\n${page.toString()}`;
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Redirects with `303 See Other`, so the browser follows with a GET (post/redirect/get). */
export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

/** A path that is safe to redirect to after log-in: local, absolute, not protocol-relative. */
export function safeLocalPath(value: string | null): string | undefined {
  if (!value || !/^\/[A-Za-z0-9_\-/]*$/.test(value) || value.startsWith('//')) return undefined;
  return value;
}
