/**
 * Writes a value with Flask's default tags straight to JSON text, without building the tagged tree
 * first. Gives the same text as tagging with the default tags and then `dumpsPythonJson`.
 */
import { encodeBase64 } from './base64.js';
import { MAX_DEPTH, NestingTooDeepError } from './depth.js';
import { formatHttpDate } from './http-date.js';
import { quotePythonKey, quotePythonString } from './json-string.js';
import { keySegment, Refusal, writeValue, writtenKeys } from './python-json-writer.js';
import { describeType, hasHtml, isPlainObject } from './value-kinds.js';
import { Tuple, UUID } from './values.js';

const DEFAULT_KEYS: ReadonlySet<string> = new Set([' di', ' t', ' b', ' m', ' u', ' d']);

/** Writes `value` as Flask's default `TaggedJSONSerializer.dumps`; throws {@link Refusal}. */
export function writeTagged(value: unknown, depth: number): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return writeValue(value, depth);
  }
  if (depth >= MAX_DEPTH) throw new NestingTooDeepError('serialize');
  // Flask's order: TagDict/PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime.
  if (typeof value === 'object' && isPlainObject(value)) return writeDict(value, depth + 1);
  if (value instanceof Tuple) return `{" t":${writeList(value, depth + 1)}}`;
  if (Array.isArray(value)) return writeList(value, depth + 1);
  if (value instanceof Uint8Array) return `{" b":"${encodeBase64(value)}"}`;
  if (hasHtml(value)) return `{" m":${quotePythonString(String(value.__html__()))}}`;
  if (value instanceof UUID) return `{" u":"${value.hex}"}`;
  if (value instanceof Date) {
    const text = formatHttpDate(value);
    if (text === undefined) throw new Refusal('Date', 'an invalid Date, or a year outside 1..9999');
    return `{" d":"${text}"}`;
  }
  throw new Refusal(describeType(value));
}

function writeList(items: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    try {
      out += i === 0 ? writeTagged(items[i], depth) : `,${writeTagged(items[i], depth)}`;
    } catch (e) {
      if (e instanceof Refusal) e.segments.push(`[${i}]`);
      throw e;
    }
  }
  return `${out}]`;
}

function writeDict(obj: Record<string, unknown>, depth: number): string {
  const keys = writtenKeys(obj);
  if (keys.length === 1 && DEFAULT_KEYS.has(keys[0] as string)) {
    // A one-key dict whose key is a tag key: escaped as {" di": {"<key>__": value}}.
    const key = keys[0] as string;
    try {
      return `{" di":{${quotePythonString(`${key}__`)}:${writeTagged(obj[key], depth + 1)}}}`;
    } catch (e) {
      if (e instanceof Refusal) e.segments.push(keySegment(key));
      throw e;
    }
  }
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    try {
      out += `${i === 0 ? '' : ','}${quotePythonKey(key)}:${writeTagged(obj[key], depth)}`;
    } catch (e) {
      if (e instanceof Refusal) e.segments.push(keySegment(key));
      throw e;
    }
  }
  return `${out}}`;
}
