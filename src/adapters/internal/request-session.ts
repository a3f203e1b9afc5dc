import { CookieJar, type CookieJarOptions } from '../../cookies.js';
import type { RequestInfo, SaveResult, SessionInterface } from '../../interfaces/session-interface.js';
import type { Session } from '../../session.js';
import type { LoadMode } from './options.js';

/**
 * The session and cookie jar of one request, and the single save that turns them into
 * response headers. Every adapter creates one per request.
 */
export class RequestSession<T extends object> {
  /** The request's session. */
  readonly session: Session<T>;
  /** The request's cookies and the cookies to set. */
  readonly cookies: CookieJar;
  readonly #iface: SessionInterface<T>;
  readonly #info: RequestInfo;
  #saving: Promise<SaveResult> | undefined;
  #failed = false;

  constructor(iface: SessionInterface<T>, cookieHeader: string | null | undefined, info: RequestInfo, jar: CookieJarOptions) {
    this.#iface = iface;
    this.#info = info;
    this.session = iface.open(cookieHeader, info);
    this.cookies = new CookieJar(cookieHeader, jar);
  }

  /**
   * Loads the session before the handler runs when `load` is `'eager'`. The store is read only
   * when the request carries a session cookie; without one, loading starts an empty session
   * without I/O, so the handler can use it synchronously either way.
   */
  async prepare(load: LoadMode): Promise<void> {
    if (load === 'eager' && !this.session.loaded) await this.session.load();
  }

  /** True once a save was attempted and failed. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Saves the session (once: later calls share the first result) and returns the headers to
   * send: the session's Set-Cookie values followed by the jar's, and whether to vary on Cookie.
   */
  save(): Promise<SaveResult> {
    this.#saving ??= this.#save();
    return this.#saving;
  }

  async #save(): Promise<SaveResult> {
    try {
      const result = await this.#iface.save(this.session, this.#info);
      return { setCookie: [...result.setCookie, ...this.cookies.setCookieHeaders()], vary: result.vary };
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }
}
