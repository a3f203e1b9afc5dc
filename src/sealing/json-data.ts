/**
 * Which session data a seal carries without changing it: iron seals the `JSON.stringify` text, so
 * only what `JSON.parse` gives back the same may go in. Everything else would come back as
 * something else (a `Date` as a string, a `Uint8Array` as `{"0":…}`, `NaN` as `null`) or not at
 * all (a function), so it is refused with the place where it sits.
 */
import { Tuple } from '../serialization/values.js';
import { describeType, isPlainObject } from '../serialization/value-kinds.js';
import { SealDataError } from './errors.js';

/** A key written as `.key` in a path; any other key is written as `["key"]`. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** How to store a value of a refused kind instead, by `describeType` name. */
const INSTEAD: Readonly<Record<string, string>> = {
  Date: 'store date.toISOString() or date.getTime()',
  bigint: 'store it as a string, String(value), or as a number when it fits',
  Uint8Array: "store text instead, e.g. Buffer.from(bytes).toString('base64url')",
  Buffer: "store text instead, e.g. bytes.toString('base64url')",
  Map: 'store a plain object, Object.fromEntries(map)',
  Set: 'store an array, [...set]',
};

/**
 * Throws `SealDataError` naming the first value of `data` that JSON does not carry unchanged:
 * anything but `null`, booleans, strings, finite numbers, arrays and plain objects (a `Tuple`, as
 * Flask's flashes are stored, counts as an array and comes back as one). Object properties whose
 * value is `undefined` are allowed and left out, as `JSON.stringify` leaves them out; `undefined`
 * in an array is refused (it would come back as `null`), and so are cycles.
 */
export function checkJsonData(data: Readonly<Record<string, unknown>>): void {
  const ancestors = new Set<object>();
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (value !== undefined) checkValue(value, IDENTIFIER.test(key) ? key : `[${JSON.stringify(key)}]`, ancestors);
  }
}

function checkValue(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `${String(value)}, which JSON writes as null`);
      return;
    case 'object':
      if (value === null) return;
      checkContainer(value, path, ancestors);
      return;
    default:
      refuse(path, `a ${describeType(value)}, which JSON cannot hold`, INSTEAD[describeType(value)]);
  }
}

function checkContainer(value: object, path: string, ancestors: Set<object>): void {
  if (ancestors.has(value)) refuse(path, 'a reference to an object that contains it (a cycle)');
  if (Array.isArray(value)) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Array.prototype && proto !== Tuple.prototype) refuse(path, `a ${describeType(value)}, not a plain array`);
    ancestors.add(value);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) refuse(`${path}[${i}]`, 'undefined (or a hole) in an array, which JSON writes as null');
      checkValue(item, `${path}[${i}]`, ancestors);
    }
    ancestors.delete(value);
    return;
  }
  if (!isPlainObject(value)) {
    const kind = describeType(value);
    refuse(path, `a ${kind}, which JSON cannot hold`, INSTEAD[kind] ?? 'store a plain object with its fields');
  }
  ancestors.add(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (item !== undefined) checkValue(item, IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, ancestors);
  }
  ancestors.delete(value);
}

function refuse(path: string, what: string, instead?: string): never {
  throw new SealDataError(`${path} is ${what}${instead === undefined ? '' : `; ${instead}`}`, { path });
}
