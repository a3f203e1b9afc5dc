/**
 * Flask's `flask.json.tag.TaggedJSONSerializer`: JSON that also carries tuples, bytes, Markup,
 * UUIDs and datetimes, byte-for-byte as Flask writes its session cookie.
 */
import { ConfigError, SessionKitError } from '../errors.js';
import { DuplicateTagError, MalformedTagError, MAX_DEPTH, NestingTooDeepError } from './errors.js';
import { parseJsonText } from './python-json-parser.js';
import { INEXACT, isInexactNumber, parseJsonQuickly } from './quick-parse.js';
import { Refusal, runWriter, writeValue } from './python-json-writer.js';
import { DEFAULT_TAGS, type TagContext, type TagDefinition } from './tags.js';
import { taggedTextWriter } from './tagged-writer.js';
import { isPlainObject, setOwn } from './value-kinds.js';

/** Options of {@link TaggedJSONSerializer.register}. */
export interface RegisterOptions {
  /**
   * Position in the tag order (as Python's `list.insert`: negative counts from the end); appended
   * when left out. Put a special case of an existing tag before it, e.g. `index: 0`.
   */
  index?: number;
  /** Replace a tag already registered under the same key instead of throwing. */
  force?: boolean;
}

// A leaf of a JSON.parse tree; a number JSON.parse may have read differently from Python sends the
// text to the exact parser.
function checkedLeaf(value: unknown, checkNumbers: boolean): unknown {
  if (checkNumbers && typeof value === 'number' && isInexactNumber(value)) throw INEXACT;
  return value;
}

/**
 * Flask's `TaggedJSONSerializer`. Beside JSON data it writes and reads:
 * {@link Tuple} ↔ ` t`, `Uint8Array`/`Buffer` ↔ ` b` (read back as `Buffer`), anything with
 * `__html__()` ↔ ` m` (read back as {@link Markup}), {@link UUID} ↔ ` u`, `Date` ↔ ` d` (whole
 * seconds, UTC), and a one-key object whose key is a tag key ↔ ` di`.
 */
export class TaggedJSONSerializer {
  readonly #tags = new Map<string, TagDefinition>();
  readonly #order: TagDefinition[] = [];
  readonly #context: TagContext;
  /** The fast path of `dumps`, valid while only the default tags are registered. */
  readonly #writeDefault: (value: unknown) => string;
  #customized = false;
  #depth = 0;

  constructor() {
    this.#context = {
      tag: (value) => this.#tag(value),
      hasTag: (key) => this.#tags.has(key),
    };
    for (const tag of DEFAULT_TAGS) this.#add(tag, {});
    this.#writeDefault = taggedTextWriter(this.#context);
  }

  /**
   * Adds a tag, as Flask's `register`. Tags are tried in order and the first whose `check` is true
   * tags the value.
   *
   * @throws DuplicateTagError if the key is taken and `force` is not set.
   * @throws ConfigError if a tag with a key has no `toValue`.
   */
  register<T>(tag: TagDefinition<T>, options: RegisterOptions = {}): void {
    this.#add(tag as TagDefinition, options);
    this.#customized = true;
  }

  /** Whether `key` is a registered tag key (e.g. `" t"`). */
  hasTag(key: string): boolean {
    return this.#tags.has(key);
  }

  /**
   * The JSON-ready tree Flask's `tag()` makes of `value`: tagged values wrapped as `{key: json}`.
   * Values no tag claims are returned as they are; {@link dumps} refuses those that are not JSON.
   *
   * @throws UnserializableValueError for a `Date` Python cannot hold (invalid, or year outside 1..9999).
   */
  tag(value: unknown): unknown {
    try {
      return this.#tag(value);
    } catch (e) {
      if (e instanceof Refusal) throw e.toError();
      throw e;
    }
  }

  /**
   * Rebuilds values from a parsed JSON tree, bottom-up exactly as Flask's `_untag_scan`: every
   * object with a single key that is a tag key is replaced by that tag's value. The input is not
   * modified.
   *
   * @throws MalformedTagError if a tagged value's payload is malformed.
   */
  untag(tree: unknown): unknown {
    return this.#scan(tree, 0, true, false);
  }

  /**
   * Tags and writes `value` as Flask writes the session: compact, keys sorted, ASCII only.
   *
   * @throws UnserializableValueError for values Flask's format cannot carry (`Map`, `Set`,
   *   functions, symbols, `undefined` in an array, class instances…).
   */
  dumps(value: unknown): string {
    if (!this.#customized) return runWriter(this.#writeDefault, value);
    return runWriter((v: unknown) => writeValue(this.#tag(v), 0), value);
  }

  /**
   * Parses Flask's tagged JSON. Objects are plain, pollution-safe (`__proto__` is an ordinary key),
   * integers beyond 2^53 - 1 are `bigint`.
   *
   * @throws JsonSyntaxError if the text is not JSON.
   * @throws MalformedTagError if a tagged value's payload is malformed.
   */
  loads(text: string): unknown {
    const quick = parseJsonQuickly(text, false);
    if (quick !== INEXACT) {
      try {
        return this.#scan(quick, 0, false, true);
      } catch (e) {
        if (e !== INEXACT) throw e;
      }
    }
    return this.#scan(parseJsonText(text, false), 0, false, false);
  }

  #add(tag: TagDefinition, options: RegisterOptions): void {
    const key = tag.key;
    if (key !== undefined) {
      if (typeof key !== 'string') throw new ConfigError('tag.key', 'must be a string');
      if (typeof tag.toValue !== 'function') {
        throw new ConfigError('tag.toValue', `the tag ${JSON.stringify(key)} needs a toValue function`);
      }
      if (!options.force && this.#tags.has(key)) throw new DuplicateTagError(key);
      this.#tags.set(key, tag);
    }
    if (options.index === undefined) this.#order.push(tag);
    else this.#order.splice(options.index, 0, tag);
  }

  #tag(value: unknown): unknown {
    const context = this.#context;
    for (const tag of this.#order) {
      if (tag.check(value, context)) {
        // Tags recurse through context.tag(); count the levels to stop at cycles.
        if (this.#depth >= MAX_DEPTH) throw new NestingTooDeepError('serialize');
        this.#depth++;
        try {
          const json = tag.toJSON(value, context);
          return tag.key === undefined ? json : { [tag.key]: json };
        } finally {
          this.#depth--;
        }
      }
    }
    return value;
  }

  #untagOne(key: string, tag: TagDefinition, json: unknown): unknown {
    try {
      return (tag.toValue as NonNullable<TagDefinition['toValue']>)(json, this.#context);
    } catch (error) {
      if (error instanceof SessionKitError) throw error;
      throw new MalformedTagError(key, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  // Flask's _untag_scan. In place on a fresh parse tree, or building new containers (`copy`).
  #scan(value: unknown, depth: number, copy: boolean, checkNumbers: boolean): unknown {
    if (typeof value !== 'object' || value === null) return checkedLeaf(value, checkNumbers);
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return value; // a Tuple is not a list
      if (depth >= MAX_DEPTH) throw new NestingTooDeepError('parse');
      const out: unknown[] = copy ? new Array<unknown>(value.length) : value;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const scanned =
          typeof item === 'object' && item !== null
            ? this.#scan(item, depth + 1, copy, checkNumbers)
            : checkedLeaf(item, checkNumbers);
        if (copy || scanned !== item) out[i] = scanned;
      }
      return out;
    }
    if (!isPlainObject(value)) return value;
    if (depth >= MAX_DEPTH) throw new NestingTooDeepError('parse');
    const keys = Object.keys(value);
    const out: Record<string, unknown> = copy ? {} : value;
    for (const key of keys) {
      const item = value[key];
      const scanned =
        typeof item === 'object' && item !== null
          ? this.#scan(item, depth + 1, copy, checkNumbers)
          : checkedLeaf(item, checkNumbers);
      if (copy || scanned !== item) setOwn(out, key, scanned);
    }
    if (keys.length === 1) {
      const key = keys[0] as string;
      const tag = this.#tags.get(key);
      if (tag !== undefined) return this.#untagOne(key, tag, out[key]);
    }
    return out;
  }
}
