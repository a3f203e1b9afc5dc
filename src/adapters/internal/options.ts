import type { CookieJarOptions } from '../../cookies.js';
import type { SessionInterface } from '../../interfaces/session-interface.js';

/**
 * When the adapter loads a server-side session: `'eager'` loads it before the handler runs (the
 * store is read only when the request carries the session cookie); `'lazy'` leaves it to the
 * handler (`await session.load()`), so requests that never use the session never touch the store.
 */
export type LoadMode = 'eager' | 'lazy';

/** Options every adapter accepts. */
export interface BaseSessionOptions<T extends object> {
  /** Opens and saves sessions: a `CookieSessionInterface` or a `ServerSessionInterface`. */
  sessionInterface: SessionInterface<T>;
  /** When to load server-side sessions. Default `'eager'`. */
  load?: LoadMode;
  /** Options of the cookie jar next to the session (secret of signed cookies, defaults). */
  cookies?: CookieJarOptions;
}

/** Base options with their defaults filled in. */
export interface ResolvedBaseOptions<T extends object> {
  sessionInterface: SessionInterface<T>;
  load: LoadMode;
  cookies: CookieJarOptions;
}

/** Fills the defaults of the options every adapter shares; throws on an invalid value. */
export function resolveBaseOptions<T extends object>(options: BaseSessionOptions<T>): ResolvedBaseOptions<T> {
  const { sessionInterface, load = 'eager', cookies = {} } = options;
  if (!sessionInterface || typeof sessionInterface.open !== 'function' || typeof sessionInterface.save !== 'function') {
    throw new TypeError('sessionkit adapters need { sessionInterface }: a CookieSessionInterface or ServerSessionInterface');
  }
  if (load !== 'eager' && load !== 'lazy') {
    throw new TypeError(`option load must be 'eager' or 'lazy', got ${String(load)}`);
  }
  return { sessionInterface, load, cookies };
}
