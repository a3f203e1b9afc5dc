/**
 * Makes habits from express-session and cookie-session fail loudly on a `Session` instead of
 * silently losing data or hanging a request: property writes on the session object, callbacks
 * passed to its methods, and calls of methods it does not have.
 */

/** Methods of express-session's `Session` that sessionkit has no use for, and what to do instead. */
const MISSING_METHODS: Readonly<Record<string, string>> = {
  save:
    'session.save() does not exist: sessionkit saves the session for you before the response\'s headers are sent ' +
    '(only when something changed). Remove the call and put the code of its callback after your change.',
  reload:
    'session.reload() does not exist: a session is loaded once per request (await session.load() with the ' +
    "adapter option load: 'lazy'). Remove the call.",
  touch:
    'session.touch() does not exist: sessionkit extends the expiry itself (refreshEachRequest, touchInterval). ' +
    'Remove the call.',
  resetMaxAge:
    "session.resetMaxAge() does not exist: a permanent session's cookie gets a fresh expiry of permanentLifetime " +
    'whenever it is sent. Remove the call.',
};

/** Properties of express-session's `Session` whose reading alone shows the habit. */
const MISSING_PROPERTIES: Readonly<Record<string, string>> = {
  cookie:
    "session.cookie does not exist: the cookie's attributes are options of the session interface " +
    '(permanentLifetime, sameSite, secure…); session.permanent = true makes this session outlive the browser.',
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `'user'` as a string literal in JavaScript source. */
function literal(key: string): string {
  return IDENTIFIER.test(key) ? `'${key}'` : JSON.stringify(key);
}

/** `.user`, or `["a-b"]` for keys that are not identifiers. */
function member(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The advice for writing a property of the session object (`req.session.user = 'alice'`). */
function propertyWriteMessage(key: string): string {
  return (
    `session${member(key)} = … is not stored: a sessionkit session is not a plain object. ` +
    `Write session.set(${literal(key)}, value) or session.data${member(key)} = value ` +
    `(delete with session.delete(${literal(key)}) or delete session.data${member(key)}).`
  );
}

/** Throws when a method that takes no callback was given arguments (`regenerate(callback)`). */
export function rejectCallback(method: 'regenerate' | 'destroy', args: ArrayLike<unknown>): void {
  if (args.length === 0) return;
  const what =
    method === 'regenerate'
      ? 'the session gets its new id when it is saved, which the adapter does before the response\'s headers are sent'
      : 'the record and the cookie are deleted when the session is saved, before the response\'s headers are sent';
  throw new TypeError(
    `session.${method}() takes no callback: ${what}. Call session.${method}() and go on with the handler ` +
      '(the callback would never be called).',
  );
}

/**
 * Guards a class's instances: puts a proxy at the end of `prototype`'s chain (the instances use
 * #private fields, so they cannot be proxies themselves) so that assigning a property an instance
 * and its class do not define throws a `TypeError` naming `set()` and `data`, in sloppy-mode
 * JavaScript too. Accessors of the class keep working; those without a setter get one that
 * throws instead of ignoring the write. Reading a method express-session has and this class
 * lacks (`save`…) gives a function that throws with advice. Symbol-keyed writes (markers set by
 * other libraries) go through as on a plain object.
 */
export function guardSessionPrototype(prototype: object): void {
  const base = Object.getPrototypeOf(prototype) as object | null;
  const target = Object.create(base) as object;
  const trap = new Proxy(target, {
    set(proxyTarget, key, value, receiver) {
      if (typeof key === 'string') throw new TypeError(propertyWriteMessage(key));
      return Reflect.set(proxyTarget, key, value, receiver);
    },
    get(proxyTarget, key, receiver) {
      if (typeof key === 'string' && Object.hasOwn(MISSING_METHODS, key)) return missingMethod(MISSING_METHODS[key]!);
      if (typeof key === 'string' && Object.hasOwn(MISSING_PROPERTIES, key)) throw new TypeError(MISSING_PROPERTIES[key]);
      return Reflect.get(proxyTarget, key, receiver);
    },
  });
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(prototype))) {
    if (descriptor.get && !descriptor.set) {
      Object.defineProperty(prototype, name, { ...descriptor, set: readOnlySetter(name) });
    }
  }
  Object.setPrototypeOf(prototype, trap);
}

function missingMethod(message: string): () => never {
  return function missingSessionMethod(): never {
    throw new TypeError(message);
  };
}

function readOnlySetter(name: string): (value: unknown) => void {
  return function readOnlySessionProperty(): void {
    throw new TypeError(
      `session.${name} is read-only. Session data is written with session.set(${literal(name)}, value) or session.data${member(name)} = value.`,
    );
  };
}
