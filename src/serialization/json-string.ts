/**
 * Strings and object keys as Python's `json.dumps(..., ensure_ascii=True, sort_keys=True)` writes
 * them.
 */

// Printable ASCII except `"` and `\`: written as is.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
// What JSON.stringify leaves unescaped but Python escapes: DEL and everything above ASCII.
// (JSON.stringify already escapes lone surrogates as lowercase \udxxx, as Python does.)
const NON_ASCII = /[\x7f-\uffff]/g;
const SURROGATE = /[\ud800-\udfff]/;

function escapeUnit(ch: string): string {
  const hex = ch.charCodeAt(0).toString(16);
  return hex.length === 2 ? `\\u00${hex}` : hex.length === 3 ? `\\u0${hex}` : `\\u${hex}`;
}

/**
 * Quotes a string as Python's `json.dumps(s, ensure_ascii=True)`: `\"`, `\\`, `\n`, `\r`, `\t`,
 * `\b`, `\f`; other control characters, DEL and every non-ASCII UTF-16 unit (so astral characters
 * become surrogate pairs, and lone surrogates their own escape) as lowercase `\uXXXX`.
 */
export function quotePythonString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  // JSON.stringify's short escapes and \u00xx control escapes are exactly Python's.
  return JSON.stringify(s).replace(NON_ASCII, escapeUnit);
}

function isHigh(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLow(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Orders strings by Unicode code point, as Python sorts `str`. Differs from the default UTF-16
 * order only when a surrogate meets a unit in U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Compare whole code points. When the units before this one are the same high surrogate and
    // either side continues it with a low surrogate, the code point starts one unit earlier.
    let at = i;
    if (i > 0 && isHigh(a.charCodeAt(i - 1)) && (isLow(x) || isLow(y))) at = i - 1;
    const cx = a.codePointAt(at) ?? x;
    const cy = b.codePointAt(at) ?? y;
    return cx < cy ? -1 : cx > cy ? 1 : 0;
  }
  return a.length - b.length;
}

// Quoted forms of recently seen plain-ASCII keys: session keys repeat on every request.
const KEY_CACHE_LIMIT = 2048;
const quotedKeys = new Map<string, string>();

/**
 * {@link quotePythonString} for an object key, remembering plain-ASCII keys. Returns `undefined`
 * for keys that are not plain ASCII (the caller quotes those, and checks them for surrogates).
 */
function cachedPlainKey(key: string): string | undefined {
  const hit = quotedKeys.get(key);
  if (hit !== undefined) return hit;
  if (key.length > 64 || !PLAIN.test(key)) return undefined;
  if (quotedKeys.size >= KEY_CACHE_LIMIT) quotedKeys.clear();
  const quoted = `"${key}"`;
  quotedKeys.set(key, quoted);
  return quoted;
}

/** Quotes an object key exactly as {@link quotePythonString}, faster for keys seen before. */
export function quotePythonKey(key: string): string {
  return cachedPlainKey(key) ?? quotePythonString(key);
}

// Insertion sort by UTF-16 units: much cheaper than Array#sort for the few keys of a session.
function sortUnits(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** Sorts keys in place by code point (Python's order) and returns them. */
export function sortKeysPython(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  if (keys.length <= 32) sortUnits(keys);
  else keys.sort();
  for (const key of keys) {
    // Only keys with surrogates can sort differently by code point.
    if (cachedPlainKey(key) === undefined && SURROGATE.test(key)) return keys.sort(compareCodePoints);
  }
  return keys;
}
