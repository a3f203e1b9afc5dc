/**
 * JSON exactly as msgspec 0.22's `msgspec.json.Encoder().encode(dict(session))` writes it —
 * Flask-Session 0.8's `SESSION_SERIALIZATION_FORMAT = "json"` — byte for byte: compact, keys in
 * insertion order, UTF-8 unescaped, floats in msgspec's own layout, non-finite floats as `null`,
 * bytes as base64, datetimes as RFC 3339 with microseconds.
 */
import { MAX_DEPTH } from '../errors.js';
import { isPlainObject } from '../value-kinds.js';
import { Markup, UUID } from '../values.js';

/** What msgspec escapes in strings (its `escape_table`): `"`, `\` and the controls below 0x20. */
// eslint-disable-next-line no-control-regex -- the control characters are what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex -- the control characters are what must be escaped
const NEEDS_ESCAPE_ALL = /["\\\u0000-\u001f]/g;
/** msgspec's short escapes; the other controls become `\u00XX` (lowercase hex). */
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
/** Numbers of up to this many integer digits are written positionally (`1e16` is the first in exponent form). */
const MAX_POSITIONAL_DIGITS = 16;
/** Numbers from 10^-5 up are written as `0.000…`; smaller ones in exponent form. */
const MIN_POSITIONAL_EXPONENT = -5;

/**
 * Encodes session data as msgspec's JSON encoder encodes the Python values it stands for: safe
 * integers as digits, `bigint` as digits, every other number as a float (`-0.0`, `1.5`, `1e16`,
 * `5e-324`; `NaN` and infinities as `null`, which is what msgspec writes for them), bytes as
 * padded base64, `Date` as `2030-01-02T03:04:05Z` or `…05.500000Z`, tuples as arrays, `UUID` and
 * `Markup` as their text. Object properties whose value is `undefined` are left out.
 *
 * @throws TypeError for a value Flask-Session cannot store (`Map`, class instances, functions, an
 *   invalid `Date`) or nesting deeper than `MAX_DEPTH`.
 */
export function encodeMsgspecJson(value: unknown): string {
  const parts: string[] = [];
  writeValue(parts, value, 0);
  return parts.join('');
}

function writeValue(parts: string[], value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
      parts.push(quote(value));
      return;
    case 'number':
      parts.push(Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : msgspecFloat(value));
      return;
    case 'bigint':
      parts.push(value.toString());
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'undefined':
      parts.push('null');
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`a ${typeof value} cannot be stored in a Flask-Session record`);
  }
  if (value === null) parts.push('null');
  else if (value instanceof Uint8Array) parts.push(`"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`);
  else if (value instanceof Date) parts.push(`"${msgspecDatetime(value)}"`);
  else if (value instanceof UUID || value instanceof Markup) parts.push(quote(value.toString()));
  else if (depth >= MAX_DEPTH) throw new TypeError(`session data nests deeper than ${MAX_DEPTH} levels (or is circular)`);
  else if (Array.isArray(value)) {
    parts.push('[');
    (value as unknown[]).forEach((item, i) => {
      if (i > 0) parts.push(',');
      writeValue(parts, item, depth + 1);
    });
    parts.push(']');
  } else if (isPlainObject(value)) {
    parts.push('{');
    let first = true;
    for (const key of Object.keys(value)) {
      if (value[key] === undefined) continue;
      if (!first) parts.push(',');
      first = false;
      parts.push(quote(key), ':');
      writeValue(parts, value[key], depth + 1);
    }
    parts.push('}');
  } else {
    throw new TypeError(`a ${value.constructor?.name ?? 'object'} cannot be stored in a Flask-Session record`);
  }
}

function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  return `"${text.replace(NEEDS_ESCAPE_ALL, (c) => SHORT_ESCAPES[c] ?? `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/**
 * A float as msgspec's `write_f64` writes it: the shortest digits that read back as the same
 * double, laid out `1.0`, `1000000000000000.0`, `1.5`, `0.00001`, `1e16`, `1.5e-7`, `5e-324`
 * (no `+`, no zero padding in the exponent); `-0.0`; `null` for `NaN` and the infinities.
 */
export function msgspecFloat(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits: "1.2345e-7".
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const point = Number(exponent) + 1; // digits before the decimal point
  let text: string;
  if (point >= digits.length && point <= MAX_POSITIONAL_DIGITS) text = `${digits}${'0'.repeat(point - digits.length)}.0`;
  else if (point > 0 && point <= MAX_POSITIONAL_DIGITS) text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  else if (point > MIN_POSITIONAL_EXPONENT && point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else text = `${digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits}e${point - 1}`;
  return sign + text;
}

/**
 * A `Date` as msgspec writes an aware UTC datetime: `YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff`
 * (six digits, microseconds) when the fraction is not zero.
 */
export function msgspecDatetime(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('an invalid Date cannot be stored in a Flask-Session record');
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const millis = iso.slice(20, 23);
  return millis === '000' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${millis}000Z`;
}
