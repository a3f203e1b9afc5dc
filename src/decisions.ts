/**
 * Every decision about the session cookie, in one place, shared by cookie and server-side
 * sessions — Flask's `save_session` as an ordered list: Vary → delete if emptied → should we
 * set? → set with which attributes and expiry.
 */
import type { CookieSettings } from './config.js';
import type { CookieOptions } from './cookies.js';
import type { RequestInfo } from './interfaces/session-interface.js';
import type { Session } from './session.js';

/** What to do with the session cookie at the end of a request. */
export type CookieAction = 'none' | 'set' | 'delete';

/** The outcome of `decideCookieAction`. */
export interface CookieDecision {
  action: CookieAction;
  /** Add `Vary: Cookie`: the response depends on the session. */
  vary: boolean;
}

/**
 * Whether a non-empty session's cookie must be (re)sent: it changed, or it is permanent and
 * refresh-each-request is on (Flask's `should_set_cookie`).
 */
export function shouldSetCookie<T extends object>(session: Session<T>, settings: CookieSettings): boolean {
  return session.needsSave() || (settings.refreshEachRequest && session.permanent);
}

/**
 * Flask's `save_session` decisions. A session that was never loaded was not used, so nothing is
 * sent. `Vary: Cookie` whenever the session was accessed, set or deleted.
 */
export function decideCookieAction<T extends object>(session: Session<T>, settings: CookieSettings): CookieDecision {
  if (!session.loaded) return { action: 'none', vary: false };
  const vary = session.accessed;
  if (session.size === 0) {
    return session.needsSave() ? { action: 'delete', vary: true } : { action: 'none', vary };
  }
  if (!shouldSetCookie(session, settings)) return { action: 'none', vary };
  return { action: 'set', vary: true };
}

/** When the cookie of a session expires: now + lifetime when permanent, else a browser-session cookie. */
export function expirationTime(permanent: boolean, settings: CookieSettings, nowMs: number): Date | undefined {
  return permanent ? new Date(nowMs + settings.permanentLifetime * 1000) : undefined;
}

/** The cookie attributes for this request (`secure: 'auto'` resolved from the request). */
export function cookieAttributes(settings: CookieSettings, request?: RequestInfo): CookieOptions {
  return {
    domain: settings.domain,
    path: settings.path,
    httpOnly: settings.httpOnly,
    secure: settings.secure === 'auto' ? request?.secure === true : settings.secure,
    sameSite: settings.sameSite,
    partitioned: settings.partitioned,
  };
}
