/**
 * The tags of Flask's `TaggedJSONSerializer`, in Flask's order — one table, each tag with both
 * its tree form and its text form — and the shape of a custom tag.
 */
import { Buffer } from 'node:buffer';
import { MalformedTagError } from './errors.js';
import { formatHttpDate, parseHttpDate } from './http-date.js';
import { quotePythonString } from './json-string.js';
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

// Standard base64 with padding, as Python's `b64encode` writes it for the ` b` tag.
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes bytes as standard base64 with `=` padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes standard base64 with padding into a `Buffer`, or returns `undefined` if the text is not
 * exactly that (no whitespace, no URL-safe alphabet, no missing padding).
 */
export function decodeBase64(text: string): Buffer | undefined {
  return CANONICAL_BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
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

/**
 * What the fast path of a default tag's `write` uses to write nested values straight to JSON
 * text (the serializer's tagged writer implements it).
 */
export interface TextWriter {
  /** Writes a nested value with the default tags at `depth`. */
  value(value: unknown, depth: number): string;
  /** Writes an array whose items are tagged. */
  list(items: readonly unknown[], depth: number): string;
  /** Writes a plain object whose values are tagged, keys sorted as Python sorts them. */
  dict(obj: Record<string, unknown>, depth: number): string;
}

/**
 * A default tag: a `TagDefinition` plus `write`, which writes exactly the JSON text of
 * `{ [key]: toJSON(value) }` (of `toJSON(value)` for a pass-through tag) without building the
 * tagged tree first. `depth` counts JSON nesting levels as `dumpsPythonJson` does.
 */
export interface DefaultTag<T = unknown> extends TagDefinition<T> {
  write(value: T, depth: number, writer: TextWriter): string;
}

/** `{"<key>":<json>}` for a tag key (tag keys are plain ASCII, written as they are). */
function wrapped(key: string, json: string): string {
  return `{"${key}":${json}}`;
}

const DICT_KEY = ' di';
const TUPLE_KEY = ' t';
const BYTES_KEY = ' b';
const MARKUP_KEY = ' m';
const UUID_KEY = ' u';
const DATE_KEY = ' d';
/** The suffix that escapes the key of a one-key dict whose key is a tag key. */
const ESCAPED_KEY_SUFFIX = '__';

/** The only key of a one-key dict. */
function onlyKey(value: Record<string, unknown>): string {
  return presentKeys(value)[0] as string;
}

/** ` di`: a one-key dict whose key is a tag key; the key is written with a `__` suffix. */
const tagDict: DefaultTag<Record<string, unknown>> = {
  key: DICT_KEY,
  check: (value, context) => {
    if (typeof value !== 'object' || value === null || !isPlainObject(value)) return false;
    const keys = presentKeys(value);
    return keys.length === 1 && context.hasTag(keys[0] as string);
  },
  toJSON: (value, context) => {
    const key = onlyKey(value);
    const out: Record<string, unknown> = {};
    setOwn(out, `${key}${ESCAPED_KEY_SUFFIX}`, tagChild(context, value[key], keySegment(key)));
    return out;
  },
  toValue: (json) => {
    // As Flask: take the first key and drop its last two characters.
    if (typeof json !== 'object' || json === null || !isPlainObject(json)) {
      throw new MalformedTagError(DICT_KEY, 'expected an object');
    }
    const key = Object.keys(json)[0];
    if (key === undefined) throw new MalformedTagError(DICT_KEY, 'expected an object with one key');
    const out: Record<string, unknown> = {};
    setOwn(out, key.slice(0, -ESCAPED_KEY_SUFFIX.length), json[key]);
    return out;
  },
  write: (value, depth, writer) => {
    const key = onlyKey(value);
    try {
      return wrapped(DICT_KEY, `{${quotePythonString(`${key}${ESCAPED_KEY_SUFFIX}`)}:${writer.value(value[key], depth + 1)}}`);
    } catch (error) {
      if (error instanceof Refusal) error.segments.push(keySegment(key));
      throw error;
    }
  },
};

/** Plain objects: each value tagged, keys as they are. */
const passDict: DefaultTag<Record<string, unknown>> = {
  check: (value) => typeof value === 'object' && value !== null && isPlainObject(value),
  toJSON: (value, context) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item !== undefined) setOwn(out, key, tagChild(context, item, keySegment(key)));
    }
    return out;
  },
  write: (value, depth, writer) => writer.dict(value, depth),
};

/** ` t`: a {@link Tuple}. */
const tagTuple: DefaultTag<Tuple> = {
  key: TUPLE_KEY,
  check: (value) => value instanceof Tuple,
  toJSON: tagItems,
  toValue: (json) => {
    if (!Array.isArray(json)) throw new MalformedTagError(TUPLE_KEY, 'expected an array');
    return Tuple.from(json);
  },
  write: (value, depth, writer) => wrapped(TUPLE_KEY, writer.list(value, depth)),
};

/** Arrays: each item tagged. */
const passList: DefaultTag<unknown[]> = {
  check: (value) => Array.isArray(value),
  toJSON: tagItems,
  write: (value, depth, writer) => writer.list(value, depth),
};

/** ` b`: bytes (`Uint8Array`, `Buffer`) as standard base64. */
const tagBytes: DefaultTag<Uint8Array> = {
  key: BYTES_KEY,
  check: (value) => value instanceof Uint8Array,
  toJSON: (value) => encodeBase64(value),
  toValue: (json) => {
    const bytes = decodeBase64(expectString(BYTES_KEY, json));
    if (bytes === undefined) throw new MalformedTagError(BYTES_KEY, 'not standard padded base64');
    return bytes;
  },
  // Base64 needs no escaping.
  write: (value) => wrapped(BYTES_KEY, `"${encodeBase64(value)}"`),
};

/** ` m`: anything with `__html__()`, read back as {@link Markup}. */
const tagMarkup: DefaultTag<HtmlLike> = {
  key: MARKUP_KEY,
  check: hasHtml,
  toJSON: (value) => String(value.__html__()),
  toValue: (json) => new Markup(expectString(MARKUP_KEY, json)),
  write: (value) => wrapped(MARKUP_KEY, quotePythonString(String(value.__html__()))),
};

/** ` u`: a {@link UUID} as 32 hex digits. */
const tagUUID: DefaultTag<UUID> = {
  key: UUID_KEY,
  check: (value) => value instanceof UUID,
  toJSON: (value) => value.hex,
  toValue: (json) => {
    const text = expectString(UUID_KEY, json);
    try {
      return new UUID(text);
    } catch (error) {
      throw new MalformedTagError(UUID_KEY, `not a UUID: ${JSON.stringify(text)}`, { cause: error });
    }
  },
  // Hex digits need no escaping.
  write: (value) => wrapped(UUID_KEY, `"${value.hex}"`),
};

/** The HTTP date Flask stores for a `Date`; refuses dates Python cannot hold. */
function httpDateOf(value: Date): string {
  const text = formatHttpDate(value);
  if (text === undefined) throw new Refusal('Date', 'an invalid Date, or a year outside 1..9999');
  return text;
}

/** ` d`: a `Date` as Werkzeug's `http_date` (UTC, whole seconds). */
const tagDateTime: DefaultTag<Date> = {
  key: DATE_KEY,
  check: (value) => value instanceof Date,
  toJSON: httpDateOf,
  toValue: (json) => {
    const text = expectString(DATE_KEY, json);
    const date = parseHttpDate(text);
    if (date === undefined) throw new MalformedTagError(DATE_KEY, `not an HTTP date: ${JSON.stringify(text)}`);
    return date;
  },
  // An HTTP date is plain ASCII.
  write: (value) => wrapped(DATE_KEY, `"${httpDateOf(value)}"`),
};

/**
 * Flask's default tags, in Flask's order: the one table both ways of writing use — the tagged
 * tree (`toJSON`) and the fast path straight to text (`write`).
 */
export const DEFAULT_TAGS: readonly DefaultTag[] = [
  tagDict,
  passDict,
  tagTuple,
  passList,
  tagBytes,
  tagMarkup,
  tagUUID,
  tagDateTime,
] as readonly DefaultTag[];
