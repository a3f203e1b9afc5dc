/**
 * `session.data`: the session's data as a plain-looking object whose every read, write and delete
 * goes through the session's own methods, so it is tracked exactly like `get`/`set`/`delete`.
 */

/** The part of `Session` the view needs, with string keys. */
export interface ViewedSession {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): boolean;
  has(key: string): boolean;
  keys(): string[];
}

/** What the view shows to `util.inspect` / `console.log`, without marking the session read. */
export type ViewSnapshot = () => Record<string, unknown>;

/** The key of Node's custom inspection hook (`util.inspect.custom`), without importing `node:util`. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
type Inspect = (value: unknown, options: object) => string;

function keyOf(key: string | symbol, action: string): string {
  if (typeof key === 'string') return key;
  throw new TypeError(`session.data keys are strings: cannot ${action} ${String(key)}`);
}

/**
 * The proxied view of a session's data. Reads are `session.get(key)` (so objects read through it
 * and changed in place are detected at save), assignments are `session.set(key, value)`
 * (assigning `undefined` deletes, as `set` does), `delete` is `session.delete(key)`, `in` is
 * `session.has(key)`, and `Object.keys`, spreading and `JSON.stringify` list `session.keys()`.
 * Symbol keys are not session data: reading one gives `undefined`, writing one throws.
 */
export function sessionDataView(session: ViewedSession, snapshot: ViewSnapshot): object {
  const target: Record<string | symbol, unknown> = Object.create(null) as Record<string | symbol, unknown>;
  // util.inspect looks at the proxy's target, never through the traps: show the data there.
  Object.defineProperty(target, INSPECT, {
    configurable: true, // a proxy must list non-configurable properties of its target among its keys
    value: (_depth: number, options: object, inspect: Inspect) => `Session data ${inspect(snapshot(), options)}`,
  });
  const handler: ProxyHandler<Record<string | symbol, unknown>> = {
    get: (_target, key) => (typeof key === 'string' ? session.get(key) : undefined),
    set: (_target, key, value) => {
      session.set(keyOf(key, 'set'), value);
      return true;
    },
    deleteProperty: (_target, key) => {
      session.delete(keyOf(key, 'delete'));
      return true;
    },
    has: (_target, key) => typeof key === 'string' && session.has(key),
    ownKeys: () => session.keys(),
    getOwnPropertyDescriptor: (_target, key) => {
      if (typeof key !== 'string' || !session.has(key)) return undefined;
      return { value: session.get(key), writable: true, enumerable: true, configurable: true };
    },
    defineProperty: (_target, key, descriptor) => {
      const name = keyOf(key, 'define');
      if (!('value' in descriptor)) throw new TypeError(`session.data.${name}: session data holds values, not getters or setters`);
      session.set(name, descriptor.value);
      return true;
    },
    getPrototypeOf: () => null,
    setPrototypeOf: () => {
      throw new TypeError('session.data has no prototype to change');
    },
    preventExtensions: () => {
      throw new TypeError('session.data cannot be frozen or sealed: it is the live session');
    },
  };
  return new Proxy(target, handler);
}
