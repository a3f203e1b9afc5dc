import { rejectUnknownOptions, validate } from '../../config.js';
import type { CookieJarOptions } from '../../cookies.js';
import { ConfigError } from '../../errors.js';
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

/** The options of `BaseSessionOptions`. */
const BASE_OPTIONS = ['sessionInterface', 'load', 'cookies'] as const;
/** The options of `CookieJarOptions`. */
const COOKIE_JAR_OPTIONS: ReadonlySet<string> = new Set(['secret', 'salt', 'defaults']);
const LOAD_MODES: readonly LoadMode[] = ['eager', 'lazy'];

/** The set of option names an adapter accepts: the base options and its own. */
function adapterOptionNames(own: readonly string[]): ReadonlySet<string> {
  return new Set([...BASE_OPTIONS, ...own]);
}

const BASE_ONLY = adapterOptionNames([]);

/** The option names each adapter factory accepts: the one list of them (docs/adapters.md documents each). */
export const ADAPTER_OPTION_NAMES = {
  node: adapterOptionNames(['trustProxy', 'onError']),
  express: adapterOptionNames(['onError']),
  fastify: adapterOptionNames(['onRawError']),
  koa: adapterOptionNames(['onError']),
  hono: adapterOptionNames(['trustProxy', 'onError']),
  /** `openSession`'s options, which are not the middleware's. */
  fetch: new Set(['cookies', 'trustProxy']) as ReadonlySet<string>,
} as const;

/**
 * Fills the defaults of the options every adapter shares and checks them, refusing option names
 * that are not in `known` (default: the base options only); `owner` names the factory in
 * messages, e.g. `sessionkit/express session()`.
 */
export function resolveBaseOptions<T extends object>(
  options: BaseSessionOptions<T>,
  known: ReadonlySet<string> = BASE_ONLY,
  owner = 'the session adapter',
): ResolvedBaseOptions<T> {
  rejectUnknownOptions(options, known, owner);
  const { sessionInterface, load = 'eager', cookies = {} } = options;
  if (!sessionInterface || typeof sessionInterface.open !== 'function' || typeof sessionInterface.save !== 'function') {
    throw new ConfigError('sessionInterface', 'sessionkit adapters need { sessionInterface }: a CookieSessionInterface or ServerSessionInterface');
  }
  checkCookieJarOptions(cookies, owner);
  return { sessionInterface, load: validate.oneOf('load', load, LOAD_MODES), cookies };
}

/** Refuses unknown names in the `cookies` option (the cookie jar's options) given to `owner`. */
export function checkCookieJarOptions(cookies: object, owner: string): void {
  rejectUnknownOptions(cookies, COOKIE_JAR_OPTIONS, `the cookies option of ${owner}`);
}

/** An optional callback option (`onError`…): the function, or `undefined`. */
export function optionalFunction<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  return value === undefined ? undefined : validate.function<F>(name, value);
}

/** An optional boolean option (`trustProxy`…), `false` when not given. */
export function optionalFlag(name: string, value: unknown): boolean {
  return value === undefined ? false : validate.boolean(name, value);
}
