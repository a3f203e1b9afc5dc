import type { Session, SessionData } from '../session.js';

/** Facts about the request that the cookie decisions depend on. Adapters fill it in. */
export interface RequestInfo {
  /**
   * Whether the request reached the app over HTTPS, as the framework sees it (its trust-proxy
   * setting included). Used when the `secure` option is `'auto'`.
   */
  secure?: boolean;
}

/** What `SessionInterface.save` asks the adapter to send with the response. */
export interface SaveResult {
  /** `Set-Cookie` header values to append (empty when no cookie must be sent). */
  setCookie: string[];
  /** Whether to add `Cookie` to the `Vary` header (the session was accessed). */
  vary: boolean;
}

/**
 * Opens a session from a request's `Cookie` header and saves it into response headers, as
 * Flask's `SessionInterface.open_session` / `save_session` do. Implemented by
 * `CookieSessionInterface` (data in the cookie) and `ServerSessionInterface` (data in a store).
 *
 * `open` never fails on bad input: a tampered, expired or malformed cookie yields a new, empty
 * session. `save` must be awaited before the response's headers are sent.
 */
export interface SessionInterface<T extends object = SessionData> {
  /** Name of the session cookie. */
  readonly cookieName: string;
  /**
   * Starts the session of a request. Does no I/O and verifies nothing until the session is used
   * (server-side sessions: until `await session.load()`).
   */
  open(cookieHeader: string | null | undefined, request?: RequestInfo): Session<T>;
  /** Persists what changed and says which headers to send. */
  save(session: Session<T>, request?: RequestInfo): Promise<SaveResult>;
}
