/**
 * Small predicates and descriptions for the JavaScript values the serializers meet.
 */

/** A plain object (`{}` literal, `JSON.parse` output or null-prototype object): Python's `dict`. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether a decoded value can be session data: a dict (plain object), not a list or tagged value. */
export function isSessionData(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && isPlainObject(value);
}

/** Names a value's type for error messages: `Map`, `function`, `undefined`, `symbol`… */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}

/** Defines `obj[key] = value` as an own data property, even for `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** A value with markupsafe's `__html__()` method, e.g. {@link Markup}. */
export interface HtmlLike {
  /** Returns the safe HTML. */
  __html__(): unknown;
}

/** Whether `value` follows markupsafe's protocol (Flask: `callable(getattr(value, "__html__"))`). */
export function hasHtml(value: unknown): value is HtmlLike {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { __html__?: unknown }).__html__ === 'function'
  );
}

/** The keys of a plain object that count for Flask: those whose value is not `undefined`. */
export function presentKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  for (const key of keys) {
    if (obj[key] === undefined) return keys.filter((k) => obj[k] !== undefined);
  }
  return keys;
}
