/**
 * The tags of Flask's `TaggedJSONSerializer`, in Flask's order, and the shape of a custom tag.
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import { MalformedTagError } from './errors.js';
import { formatHttpDate, parseHttpDate } from './http-date.js';
import { keySegment, Refusal } from './python-json-writer.js';
import { Markup, Tuple, UUID } from './values.js';
import { hasHtml, isPlainObject, presentKeys, setOwn, type HtmlLike } from './value-kinds.js';

/** What a tag sees of the serializer: tagging nested values, and the registered tag keys. */
export interface TagContext {
  /** Tags a nested value (Flask's `self.serializer.tag(value)`). */
  tag(value: unknown): unknown;
  /** Whether `key` is a registered tag key. */
  hasTag(key: string): boolean;
}

/**
 * A tag, as Flask's `JSONTag`: values for which `check` is true are written as
 * `{ [key]: toJSON(value) }` and read back with `toValue`. Without a `key` the tag passes its
 * `toJSON` result through unwrapped (as Flask's `PassDict`/`PassList`) and never untags.
 * `toJSON` must return JSON data; call `context.tag(child)` on nested values.
 */
export interface TagDefinition<T = unknown> {
  /** The key that marks a tagged value, e.g. `" od"`; by convention it starts with a space. */
  readonly key?: string;
  /** Whether this tag handles `value`. Tags are tried in order; the first match wins. */
  check(value: unknown, context: TagContext): boolean;
  /** The JSON representation of `value` (without the `{key: …}` wrapper). */
  toJSON(value: T, context: TagContext): unknown;
  /** Rebuilds the value from its JSON representation, whose own tagged parts are already rebuilt. */
  toValue?(json: unknown, context: TagContext): unknown;
}

/** Tags a nested value, adding its path segment to a refusal on the way out. */
function tagChild(context: TagContext, value: unknown, segment: string): unknown {
  try {
    return context.tag(value);
  } catch (error) {
    if (error instanceof Refusal) error.segments.push(segment);
    throw error;
  }
}

function tagItems(items: readonly unknown[], context: TagContext): unknown[] {
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = tagChild(context, items[i], `[${i}]`);
  return out;
}

function expectString(tag: string, json: unknown): string {
  if (typeof json !== 'string') throw new MalformedTagError(tag, `expected a string, got ${typeof json}`);
  return json;
}

/** ` di`: a one-key dict whose key is a tag key; the key is written with a `__` suffix. */
const tagDict: TagDefinition<Record<string, unknown>> = {
  key: ' di',
  check: (value, context) => {
    if (typeof value !== 'object' || value === null || !isPlainObject(value)) return false;
    const keys = presentKeys(value);
    return keys.length === 1 && context.hasTag(keys[0] as string);
  },
  toJSON: (value, context) => {
    const key = presentKeys(value)[0] as string;
    const out: Record<string, unknown> = {};
    setOwn(out, `${key}__`, tagChild(context, value[key], keySegment(key)));
    return out;
  },
  toValue: (json) => {
    // As Flask: take the first key and drop its last two characters.
    if (typeof json !== 'object' || json === null || !isPlainObject(json)) {
      throw new MalformedTagError(' di', 'expected an object');
    }
    const key = Object.keys(json)[0];
    if (key === undefined) throw new MalformedTagError(' di', 'expected an object with one key');
    const out: Record<string, unknown> = {};
    setOwn(out, key.slice(0, -2), json[key]);
    return out;
  },
};

/** Plain objects: each value tagged, keys as they are. */
const passDict: TagDefinition<Record<string, unknown>> = {
  check: (value) => typeof value === 'object' && value !== null && isPlainObject(value),
  toJSON: (value, context) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item !== undefined) setOwn(out, key, tagChild(context, item, keySegment(key)));
    }
    return out;
  },
};

/** ` t`: a {@link Tuple}. */
const tagTuple: TagDefinition<Tuple> = {
  key: ' t',
  check: (value) => value instanceof Tuple,
  toJSON: tagItems,
  toValue: (json) => {
    if (!Array.isArray(json)) throw new MalformedTagError(' t', 'expected an array');
    return Tuple.from(json);
  },
};

/** Arrays: each item tagged. */
const passList: TagDefinition<unknown[]> = {
  check: (value) => Array.isArray(value),
  toJSON: tagItems,
};

/** ` b`: bytes (`Uint8Array`, `Buffer`) as standard base64. */
const tagBytes: TagDefinition<Uint8Array> = {
  key: ' b',
  check: (value) => value instanceof Uint8Array,
  toJSON: (value) => encodeBase64(value),
  toValue: (json) => {
    const bytes = decodeBase64(expectString(' b', json));
    if (bytes === undefined) throw new MalformedTagError(' b', 'not standard padded base64');
    return bytes;
  },
};

/** ` m`: anything with `__html__()`, read back as {@link Markup}. */
const tagMarkup: TagDefinition<HtmlLike> = {
  key: ' m',
  check: hasHtml,
  toJSON: (value) => String(value.__html__()),
  toValue: (json) => new Markup(expectString(' m', json)),
};

/** ` u`: a {@link UUID} as 32 hex digits. */
const tagUUID: TagDefinition<UUID> = {
  key: ' u',
  check: (value) => value instanceof UUID,
  toJSON: (value) => value.hex,
  toValue: (json) => {
    const text = expectString(' u', json);
    try {
      return new UUID(text);
    } catch (error) {
      throw new MalformedTagError(' u', `not a UUID: ${JSON.stringify(text)}`, { cause: error });
    }
  },
};

/** ` d`: a `Date` as Werkzeug's `http_date` (UTC, whole seconds). */
const tagDateTime: TagDefinition<Date> = {
  key: ' d',
  check: (value) => value instanceof Date,
  toJSON: (value) => {
    const text = formatHttpDate(value);
    if (text === undefined) throw new Refusal('Date', 'an invalid Date, or a year outside 1..9999');
    return text;
  },
  toValue: (json) => {
    const text = expectString(' d', json);
    const date = parseHttpDate(text);
    if (date === undefined) throw new MalformedTagError(' d', `not an HTTP date: ${JSON.stringify(text)}`);
    return date;
  },
};

/** Flask's default tags, in Flask's order. */
export const DEFAULT_TAGS: readonly TagDefinition[] = [
  tagDict,
  passDict,
  tagTuple,
  passList,
  tagBytes,
  tagMarkup,
  tagUUID,
  tagDateTime,
] as readonly TagDefinition[];
