/**
 * CSRF protection: a random token kept in the session, sent back by every POST form in a hidden
 * field and compared in constant time. (The session cookie's `SameSite=Lax` already keeps it off
 * cross-site POSTs; the token also covers browsers and setups where it does not.)
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { html, type SafeHtml } from './html.js';
import type { DemoSession } from './session-data.js';

/** Name of the form field carrying the token. */
export const CSRF_FIELD = 'csrf_token';

/** The session's token, created on first use (so sessions without forms never get one). */
export function csrfToken(session: DemoSession): string {
  const current = session.get('csrf_token');
  if (typeof current === 'string' && current.length > 0) return current;
  const token = randomBytes(32).toString('base64url');
  session.set('csrf_token', token);
  return token;
}

/** The hidden form field with the session's token. */
export function csrfField(session: DemoSession): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(session)}">`;
}

/** Whether a submitted token matches the session's. A session without a token matches nothing. */
export function isValidCsrfToken(session: DemoSession, submitted: string | null): boolean {
  const expected = session.get('csrf_token');
  if (typeof expected !== 'string' || expected.length === 0 || submitted === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
