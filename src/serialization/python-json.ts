/**
 * JSON text exactly as Python writes and reads it for Flask's session cookie:
 * `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)` and `json.loads`.
 */
import { parseJsonText } from './python-json-parser.js';
import { INEXACT, parseJsonQuickly } from './quick-parse.js';
import { runWriter, writeValue } from './python-json-writer.js';

export { pyFloatRepr } from './python-float.js';

function writeRoot(value: unknown): string {
  return writeValue(value, 0);
}

/**
 * Writes `value` as Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))` would
 * write the corresponding Python value: keys sorted by code point, non-ASCII escaped as `\uXXXX`,
 * integral numbers as exact integers, other numbers as Python's float repr, `-0` as `-0.0`,
 * `bigint` as integer digits, `NaN`/`Infinity`/`-Infinity` as Python writes them. Object
 * properties whose value is `undefined` are left out.
 *
 * @throws UnserializableValueError for anything that is not JSON data (`Map`, `Date`, class
 *   instances, functions, symbols, `undefined` in an array…).
 * @throws NestingTooDeepError beyond 1000 levels of nesting (or a circular reference).
 */
export function dumpsPythonJson(value: unknown): string {
  return runWriter(writeRoot, value);
}

/**
 * Parses JSON as Python's `json.loads` does: strict JSON plus `NaN`, `Infinity`, `-Infinity`.
 * Integers beyond ±(2^53 - 1) come back as exact `bigint`s, the integer `-0` as `0`; duplicate
 * keys keep the last value; a `__proto__` or `constructor` key is an ordinary own property.
 *
 * @throws JsonSyntaxError if the text is not valid JSON.
 */
export function parsePythonJson(text: string): unknown {
  const tree = parseJsonQuickly(text);
  return tree === INEXACT ? parseJsonText(text, false) : tree;
}

/**
 * Exactly `json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))`: integer tokens
 * kept exact at any size, float tokens rewritten as Python's repr of the parsed double (`1.0`
 * stays `1.0`, `1E5` becomes `100000.0`), duplicate keys last-wins, keys sorted, non-ASCII escaped.
 *
 * @throws JsonSyntaxError if the text is not valid JSON.
 */
export function canonicalPythonJson(text: string): string {
  return runWriter(writeRoot, parseJsonText(text, true));
}
