import { CookieJar, type CookieJarOptions } from '../../cookies.js';
import type { RequestInfo, SaveResult, SessionInterface } from '../../interfaces/session-interface.js';
import type { Session } from '../../session.js';
import type { LoadMode } from './options.js';

/** A session interface that can also save without a promise (`CookieSessionInterface`). */
interface SyncSavingInterface<T extends object> extends SessionInterface<T> {
  saveSync(session: Session<T>, request?: RequestInfo): SaveResult;
}

function savesSynchronously<T extends object>(iface: SessionInterface<T>): iface is SyncSavingInterface<T> {
  return typeof (iface as Partial<SyncSavingInterface<T>>).saveSync === 'function';
}

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
  /** The outcome of a synchronous save, until someone asks for it as a promise. */
  #saved: { result: SaveResult } | { error: unknown } | undefined;
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
    if (this.#saving) return this.#saving;
    const saved = this.#saved;
    if (saved === undefined) this.#saving = this.#save();
    else this.#saving = 'result' in saved ? Promise.resolve(saved.result) : Promise.reject(saved.error);
    return this.#saving;
  }

  /**
   * `save` without the promise when the session interface saves synchronously (cookie
   * sessions) and no save started yet; `undefined` otherwise (then use `save`). Throws what the
   * save throws.
   */
  saveSync(): SaveResult | undefined {
    if (this.#saving !== undefined || this.#saved !== undefined || !savesSynchronously(this.#iface)) return undefined;
    try {
      const result = this.#withJar(this.#iface.saveSync(this.session, this.#info));
      this.#saved = { result };
      return result;
    } catch (error) {
      this.#failed = true;
      this.#saved = { error };
      throw error;
    }
  }

  async #save(): Promise<SaveResult> {
    try {
      return this.#withJar(await this.#iface.save(this.session, this.#info));
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  /** The session's headers followed by the jar's cookies. */
  #withJar(result: SaveResult): SaveResult {
    const jar = this.cookies.setCookieHeaders();
    return { setCookie: jar.length === 0 ? result.setCookie : [...result.setCookie, ...jar], vary: result.vary };
  }
}
