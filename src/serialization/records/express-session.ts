/**
 * express-session's record format, as its stores (connect-redis, MemoryStore…) keep a session:
 * `JSON.stringify(req.session)`, i.e. `{"cookie": {...}, ...data}`.
 */
import type { CookieSettings } from '../../config.js';
import { PERMANENT_KEY } from '../../session.js';
import { MAX_DEPTH, NestingTooDeepError, UnserializableValueError } from '../errors.js';
import { describeType, isPlainObject, isSessionData, setOwn } from '../value-kinds.js';
import { RecordFormatError, type RecordCodec, type RecordMeta } from './record-codec.js';

/** The key of express-session's cookie object in every record; not session data. */
export const EXPRESS_COOKIE_KEY = 'cookie';

/** The cookie settings an express-session record repeats (express-session sends its cookie with them). */
export type ExpressCookieSettings = Pick<CookieSettings, 'permanentLifetime' | 'path' | 'domain' | 'httpOnly' | 'secure' | 'sameSite' | 'partitioned'>;

/** Options of `ExpressSessionCodec`. */
export interface ExpressSessionCodecOptions {
  /**
   * The cookie settings written into each record's `cookie` object: express-session sends its
   * cookie with the attributes stored there, so give the ones of the interface using the codec.
   */
  cookie: ExpressCookieSettings;
  /** Current time in epoch milliseconds, for the stored `cookie.expires`. Default `Date.now`. */
  clock?: () => number;
}

/** express-session's stored cookie object (`Cookie#toJSON`), as far as the codec writes it. */
interface StoredCookie {
  originalMaxAge: number | null;
  expires: string | null;
  secure?: boolean;
  httpOnly: boolean;
  domain?: string;
  path: string;
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
}

/**
 * The record format of express-session: the session as JSON with express-session's `cookie`
 * object first, the way connect-redis and express-session's MemoryStore store it, so an
 * express-session app and sessionkit read each other's records.
 *
 * Reading, the `cookie` object is not data: a session whose stored cookie has an expiry (a
 * `cookie.maxAge` was set) reads as permanent. Writing, the data goes out as `JSON.stringify`
 * writes it (a `Date` becomes its ISO text, as express-session stores it too) after a `cookie`
 * object made from the codec's cookie settings: a permanent session gets `expires` = now +
 * `permanentLifetime` and `originalMaxAge` = that lifetime in milliseconds, any other
 * session `null` for both, as express-session writes a browser-session cookie. Values JSON has no
 * text for (bytes, `bigint`, `Map`, `Set`, UUID, Markup, functions) are refused with
 * `ExpressSessionValueError`, as is data under the key `cookie`.
 *
 * The format has no creation time, so `absoluteTimeout` cannot be enforced on these records.
 */
export class ExpressSessionCodec implements RecordCodec {
  readonly name = 'express-session';
  readonly #cookie: ExpressCookieSettings;
  readonly #clock: () => number;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(options: ExpressSessionCodecOptions) {
    this.#cookie = options.cookie;
    this.#clock = options.clock ?? Date.now;
  }

  encode(data: Record<string, unknown>, _meta: RecordMeta): Uint8Array {
    if (Object.hasOwn(data, EXPRESS_COOKIE_KEY)) {
      throw new ExpressSessionValueError(describeType(data[EXPRESS_COOKIE_KEY]), `$.${EXPRESS_COOKIE_KEY}`, 'express-session keeps its cookie object under this key; store the value under another key');
    }
    const record: Record<string, unknown> = { [EXPRESS_COOKIE_KEY]: this.#storedCookie(data[PERMANENT_KEY] === true) };
    for (const key of Object.keys(data)) if (key !== PERMANENT_KEY) setOwn(record, key, data[key]);
    checkJsonValue(record, '$', 0);
    return this.#encoder.encode(JSON.stringify(record));
  }

  decode(bytes: Uint8Array): { data: Record<string, unknown>; meta: Partial<RecordMeta> } {
    let record: unknown;
    try {
      record = JSON.parse(this.#decoder.decode(bytes));
    } catch (error) {
      throw new RecordFormatError(`not an ${this.name} session record: ${(error as Error).message}`);
    }
    if (!isSessionData(record)) throw new RecordFormatError(`not an ${this.name} session record: not a JSON object`);
    const cookie = record[EXPRESS_COOKIE_KEY];
    const data: Record<string, unknown> = {};
    for (const key of Object.keys(record)) if (key !== EXPRESS_COOKIE_KEY && key !== PERMANENT_KEY) setOwn(data, key, record[key]);
    if (isSessionData(cookie) && cookie.expires !== null && cookie.expires !== undefined) data[PERMANENT_KEY] = true;
    return { data, meta: {} };
  }

  /** The `cookie` object express-session would store for this session, made now. */
  #storedCookie(permanent: boolean): StoredCookie {
    const settings = this.#cookie;
    const lifetimeMs = settings.permanentLifetime * 1000;
    const cookie: StoredCookie = {
      originalMaxAge: permanent ? lifetimeMs : null,
      expires: permanent ? new Date(this.#clock() + lifetimeMs).toISOString() : null,
      httpOnly: settings.httpOnly,
      path: settings.path,
    };
    // 'auto' is decided per request, which a record cannot say: express-session then sends no Secure.
    if (settings.secure === true) cookie.secure = true;
    if (settings.domain !== undefined) cookie.domain = settings.domain;
    if (settings.sameSite !== false) cookie.sameSite = settings.sameSite.toLowerCase() as StoredCookie['sameSite'];
    if (settings.partitioned) cookie.partitioned = true;
    return cookie;
  }
}

/** Data of an express-session record that JSON cannot hold; `path` says where (`$.cart[2]`). */
export class ExpressSessionValueError extends UnserializableValueError {
  constructor(valueType: string, path: string, detail: string) {
    super(valueType, path, detail);
    this.message = `Object of type ${valueType} at ${path} cannot be stored in an express-session record: ${detail}`;
  }
}

const JSON_KINDS = 'an express-session record is JSON: store plain objects, arrays, strings, numbers, booleans or null';

/**
 * Refuses what `JSON.stringify` would silently drop or change beyond recognition (bytes would
 * become `{"type":"Buffer",...}`, a `Map` `{}`); a `Date` passes, as its ISO text.
 */
function checkJsonValue(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new NestingTooDeepError('serialize');
  switch (typeof value) {
    case 'bigint':
      throw new ExpressSessionValueError('bigint', path, 'JSON numbers hold integers up to 2^53 only; store it as a string');
    case 'function':
    case 'symbol':
      throw new ExpressSessionValueError(typeof value, path, JSON_KINDS);
    case 'object':
      break;
    default:
      return;
  }
  if (value === null || value instanceof Date) return;
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => checkJsonValue(item, `${path}[${index}]`, depth + 1));
    return;
  }
  if (!isPlainObject(value)) throw new ExpressSessionValueError(describeType(value), path, JSON_KINDS);
  for (const key of Object.keys(value)) checkJsonValue(value[key], `${path}.${key}`, depth + 1);
}
