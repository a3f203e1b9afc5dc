// #region snippet
import { CookieSessionInterface, ServerSessionInterface } from 'sessionkit';
import { MemoryStore } from 'sessionkit/stores/memory';

// Types the session of every adapter, app-wide (undeclared keys hold `unknown` values).
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

export const sessionInterface =
  process.env.SESSION_STORE === 'memory'
    ? new ServerSessionInterface({ store: new MemoryStore() }) // data in a store, id in the cookie
    : new CookieSessionInterface({ secret: process.env.SECRET_KEY! }); // data in a signed cookie
// #endregion snippet
