/**
 * When two session values count as the same value for merging, and a hash that agrees with it.
 *
 * "Same" means "the same value of the same kind", exact for everything a session holds: a side
 * whose value is the same as the base did not change it. When in doubt the answer is "different":
 * a false "different" can only make this request's value win, while a false "same" would drop
 * a write. Hence:
 * - numbers compare as `Object.is`: `-0` and `0` differ (Flask's tagged JSON and msgpack both
 *   store `-0.0`, so a change from `0` to `-0` is a change of the stored value); `NaN` is the
 *   same as `NaN` (a `NaN` that did not change is unchanged);
 * - a `bigint` never equals a `number`, whatever their values;
 * - plain arrays and `Tuple`s are different kinds (they serialize differently), compared item
 *   by item; plain objects (including null-prototype ones) compare by their present keys (keys
 *   whose value is `undefined` do not count, as for Flask) and ignore key order, as Python's
 *   `dict ==` does;
 * - byte arrays compare by their bytes (a `Buffer` and a `Uint8Array` with the same bytes are the
 *   same value: both store as bytes); `Date` by its time, `UUID` by its hex digits, `Markup` by
 *   its HTML;
 * - any other object (a custom tagged type, a `Map`…) is the same only as itself.
 */
import { MAX_DEPTH } from '../serialization/errors.js';
import { PyFloat } from '../serialization/python-float.js';
import { isPlainObject } from '../serialization/value-kinds.js';
import { Markup, UUID } from '../serialization/values.js';

/** Whether `a` and `b` are the same session value (see the module comment for the exact rules). */
export function sameValue(a: unknown, b: unknown): boolean {
  return same(a, b, 0);
}

function same(a: unknown, b: unknown, depth: number): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  // Deeper than any storable value (or circular): never claim sameness.
  if (depth >= MAX_DEPTH) return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && sameBytes(a, b);
  const proto: unknown = Object.getPrototypeOf(a);
  if (proto !== Object.getPrototypeOf(b)) {
    // `{}` and `Object.create(null)` are both dicts.
    return isPlainObject(a) && isPlainObject(b) && sameEntries(a, b, depth);
  }
  if (Array.isArray(a)) return sameItems(a, b as unknown[], depth);
  if (isPlainObject(a)) return sameEntries(a, b as Record<string, unknown>, depth);
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (a instanceof UUID) return a.hex === (b as UUID).hex;
  if (a instanceof Markup) return a.html === (b as Markup).html;
  if (a instanceof PyFloat) return Object.is(a.value, (b as PyFloat).value);
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameItems(a: readonly unknown[], b: readonly unknown[], depth: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i], depth + 1)) return false;
  return true;
}

function sameEntries(a: Record<string, unknown>, b: Record<string, unknown>, depth: number): boolean {
  let count = 0;
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (value === undefined) continue;
    count++;
    if (!Object.hasOwn(b, key) || !same(value, b[key], depth + 1)) return false;
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) count--;
  return count === 0;
}

// Seeds that keep kinds apart in the hash (collisions only cost a `sameValue` call).
const SEED = {
  undefined: 0x1f3a5b7d,
  null: 0x2e4c6a88,
  true: 0x3d5b7991,
  false: 0x4c6a88a2,
  nan: 0x5b7997b3,
  string: 0x6a88a6c4,
  number: 0x7997b5d5,
  bigint: 0x08a6c4e6,
  list: 0x17b5d3f7,
  otherList: 0x26c4e308,
  bytes: 0x35d3f219,
  dict: 0x44e3012a,
  date: 0x53f2103b,
  uuid: 0x6201204c,
  markup: 0x7110305d,
  other: 0x0f1f2f3f,
} as const;

/** Bytes of a byte array that enter its hash; the rest is left to `sameValue`. */
const HASHED_BYTES = 64;

const float = new Float64Array(1);
const floatWords = new Int32Array(float.buffer);

/**
 * A 32-bit hash of a session value that agrees with {@link sameValue}: values that are the same
 * have the same hash. Used to group array items before exact comparison.
 */
export function valueHash(value: unknown): number {
  return hash(value, 0);
}

function hash(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return hashString(SEED.string, value);
    case 'number':
      return hashNumber(value);
    case 'bigint':
      return hashString(SEED.bigint, value.toString());
    case 'boolean':
      return value ? SEED.true : SEED.false;
    case 'undefined':
      return SEED.undefined;
    case 'object':
      break;
    default:
      return SEED.other; // functions and symbols: the same only as themselves
  }
  if (value === null) return SEED.null;
  if (depth >= MAX_DEPTH) return SEED.other;
  if (value instanceof Uint8Array) {
    let h = mix(SEED.bytes, value.length);
    const end = Math.min(value.length, HASHED_BYTES);
    for (let i = 0; i < end; i++) h = mix(h, value[i] as number);
    return h;
  }
  if (Array.isArray(value)) {
    // Plain arrays, Tuples and other subclasses are told apart by `sameValue`'s prototype check.
    let h = mix(Object.getPrototypeOf(value) === Array.prototype ? SEED.list : SEED.otherList, value.length);
    for (let i = 0; i < value.length; i++) h = mix(h, hash(value[i], depth + 1));
    return h;
  }
  if (isPlainObject(value)) {
    // Order-independent: entries are combined by addition.
    let sum = 0;
    let count = 0;
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      count++;
      sum = (sum + mix(hashString(SEED.dict, key), hash(item, depth + 1))) | 0;
    }
    return mix(mix(SEED.dict, count), sum);
  }
  if (value instanceof Date) return mix(SEED.date, hashNumber(value.getTime()));
  if (value instanceof UUID) return hashString(SEED.uuid, value.hex);
  if (value instanceof Markup) return hashString(SEED.markup, value.html);
  if (value instanceof PyFloat) return hashNumber(value.value);
  return SEED.other;
}

function hashNumber(n: number): number {
  if (Number.isNaN(n)) return SEED.nan;
  float[0] = n; // -0 and 0 have different bits, as `Object.is` tells them apart
  return mix(mix(SEED.number, floatWords[0] as number), floatWords[1] as number);
}

/** FNV-1a over UTF-16 code units. */
function hashString(seed: number, text: string): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

function mix(h: number, n: number): number {
  return Math.imul(h ^ n, 0x01000193) ^ (h >>> 15);
}
