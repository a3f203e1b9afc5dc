/**
 * The JSON writer behind `dumpsPythonJson`: Python's
 * `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`.
 */
import { MAX_DEPTH, NestingTooDeepError, UnserializableValueError } from './errors.js';
import { PyFloat, pyFloatRepr } from './python-float.js';
import { quotePythonKey, quotePythonString, sortKeysPython } from './json-string.js';
import { describeType, isPlainObject } from './value-kinds.js';

/**
 * Thrown inside the writers while unwinding, collecting the path to a refused value; turned into an
 * {@link UnserializableValueError} at the top.
 */
export class Refusal {
  readonly segments: string[] = [];
  constructor(
    readonly valueType: string,
    readonly detail?: string,
  ) {}
  /** The public error, with the path `$.a[0]` built from the collected segments. */
  toError(): UnserializableValueError {
    return new UnserializableValueError(this.valueType, `$${this.segments.reverse().join('')}`, this.detail);
  }
}

/** The path segment for an object key, as in `$.name` or `$["odd key"]`. */
export function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A float as Python's json writes it: repr, or `NaN` / `Infinity` / `-Infinity`. */
export function writeFloat(n: number): string {
  if (n !== n) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return pyFloatRepr(n);
}

/**
 * A JS number: integral values as exact integer digits (`1e20` → `100000000000000000000`), `-0` as
 * the float `-0.0`, everything else as a Python float.
 */
export function writeNumber(n: number): string {
  if (Number.isSafeInteger(n)) return n === 0 && 1 / n < 0 ? '-0.0' : String(n);
  if (Number.isInteger(n)) return BigInt(n).toString();
  return writeFloat(n);
}

/** Writes any JSON-ready value; throws {@link Refusal} for anything else. */
export function writeValue(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return quotePythonString(value);
    case 'number':
      return writeNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw new NestingTooDeepError('serialize');
      if (Array.isArray(value)) return writeArrayOf(value, depth + 1, writeValue);
      if (isPlainObject(value)) return writeObjectOf(value, depth + 1, writeValue);
      if (value instanceof PyFloat) return writeFloat(value.value);
      throw new Refusal(describeType(value));
    case 'undefined':
      throw new Refusal('undefined', 'only an object property may be undefined (it is left out)');
    default:
      throw new Refusal(describeType(value));
  }
}

/** A writer of one nested value at `depth`; throws {@link Refusal}. */
export type ValueWriter = (value: unknown, depth: number) => string;

/** Writes an array with `writeItem` for its items, adding the item's index to a refusal's path. */
export function writeArrayOf(items: readonly unknown[], depth: number, writeItem: ValueWriter): string {
  let out = '[';
  const n = items.length;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    try {
      out += i === 0 ? writeItem(item, depth) : `,${writeItem(item, depth)}`;
    } catch (e) {
      if (e instanceof Refusal) e.segments.push(`[${i}]`);
      throw e;
    }
  }
  return `${out}]`;
}

/**
 * The keys of a plain object that are written: own enumerable keys whose value is not `undefined`,
 * in Python's order.
 */
export function writtenKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (obj[keys[i] as string] === undefined) {
      return sortKeysPython(keys.filter((k) => obj[k] !== undefined));
    }
  }
  return sortKeysPython(keys);
}

/**
 * Writes a plain object with `writeItem` for its values, keys in Python's order, adding the key
 * to a refusal's path.
 */
export function writeObjectOf(obj: Record<string, unknown>, depth: number, writeItem: ValueWriter): string {
  const keys = writtenKeys(obj);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    try {
      out += `${i === 0 ? '' : ','}${quotePythonKey(key)}:${writeItem(obj[key], depth)}`;
    } catch (e) {
      if (e instanceof Refusal) e.segments.push(keySegment(key));
      throw e;
    }
  }
  return `${out}}`;
}

/** Runs a writer and turns a {@link Refusal} into the public {@link UnserializableValueError}. */
export function runWriter<T>(write: (value: T) => string, value: T): string {
  try {
    return write(value);
  } catch (e) {
    if (e instanceof Refusal) throw e.toError();
    throw e;
  }
}
