/**
 * Flask-Session 0.8's record format, so a Flask app and sessionkit share sessions in one store.
 */
import type { Packr } from 'msgpackr';
import { importDriver } from '../../stores/internal/driver.js';
import { dumpsPythonJson, parsePythonJson } from '../python-json.js';
import { isPlainObject, isSessionData, setOwn } from '../value-kinds.js';
import { Markup, UUID } from '../values.js';
import { RecordFormatError, type RecordCodec, type RecordMeta } from './record-codec.js';

/** How Flask-Session 0.8 serializes sessions (`SESSION_SERIALIZATION_FORMAT`). */
export type FlaskSessionFormat = 'msgpack' | 'json';

const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

/**
 * The record format of Flask-Session 0.8 (msgspec): the session dict itself, `_permanent`
 * included, as msgpack (default) or JSON, with no envelope. Values map as msgspec maps them:
 * bytes ↔ msgpack bin (JSON: base64 text), datetime ↔ msgpack timestamp (JSON: RFC 3339 text),
 * tuples → arrays, UUID and Markup → strings. Integers keep their exact value (beyond 2^53 as
 * `bigint`). Pickle, Flask-Session's old format, is never read.
 *
 * The format has no room for a creation time, so `absoluteTimeout` cannot be enforced on such
 * records beyond the store's TTL.
 */
export class FlaskSessionCodec implements RecordCodec {
  readonly name: string;
  readonly format: FlaskSessionFormat;
  readonly #packr: Packr | undefined;

  private constructor(format: FlaskSessionFormat, packr: Packr | undefined) {
    this.format = format;
    this.name = `flask-session-${format}`;
    this.#packr = packr;
  }

  /** Creates the codec; the msgpack format loads the optional `msgpackr` package. */
  static async create(format: FlaskSessionFormat = 'msgpack'): Promise<FlaskSessionCodec> {
    if (format === 'json') return new FlaskSessionCodec(format, undefined);
    const { Packr } = await importDriver('flask-session', 'load', {
      packageName: 'msgpackr',
      versionRange: '1',
      load: () => import('msgpackr'),
    });
    // Maps decode as Map (turned into pollution-safe objects below); no msgpackr extensions.
    // int64AsType 'auto' (numbers when safe, bigint beyond 2^53) exists at runtime but is
    // missing from msgpackr's type declarations.
    const int64AsType = 'auto' as 'bigint';
    const packr = new Packr({ useRecords: false, mapsAsObjects: false, int64AsType, moreTypes: false, bundleStrings: false });
    return new FlaskSessionCodec(format, packr);
  }

  encode(data: Record<string, unknown>, _meta: RecordMeta): Uint8Array {
    if (this.#packr) return this.#packr.pack(toMsgpackValue(data));
    return Buffer.from(dumpsPythonJson(toJsonValue(data)), 'utf8');
  }

  decode(bytes: Uint8Array): { data: Record<string, unknown>; meta: Partial<RecordMeta> } {
    let data: unknown;
    try {
      data = this.#packr ? fromMsgpackValue(this.#packr.unpack(bytes)) : parsePythonJson(Buffer.from(bytes).toString('utf8'));
    } catch (error) {
      throw new RecordFormatError(`not a ${this.name} session: ${(error as Error).message}`);
    }
    if (!isSessionData(data)) throw new RecordFormatError(`not a ${this.name} session: not a map`);
    return { data, meta: {} };
  }
}

/** A value as msgspec's msgpack encoder would receive it from Python. */
function toMsgpackValue(value: unknown): unknown {
  if (typeof value === 'number') {
    // msgpackr writes integers beyond 32 bits as float64; msgspec writes (and reads) int64.
    return Number.isInteger(value) && (value < INT32_MIN || value > UINT32_MAX) ? BigInt(value) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (value instanceof UUID) return value.toString();
  if (value instanceof Markup) return value.html;
  if (Array.isArray(value)) return Array.from(value, toMsgpackValue);
  if (!isPlainObject(value)) throw new TypeError(`a ${value.constructor?.name ?? 'object'} cannot be stored in a Flask-Session record`);
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out.set(k, toMsgpackValue(v));
  return out;
}

/** Decoded msgpack (maps as `Map`) → session values; keys such as `__proto__` stay plain data. */
function fromMsgpackValue(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) setOwn(out, String(k), fromMsgpackValue(v));
    return out;
  }
  if (Array.isArray(value)) return value.map(fromMsgpackValue);
  // bytes come back as Buffer, as from the tagged JSON of cookie sessions
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** A value as msgspec's JSON encoder writes it: bytes as base64, datetimes as RFC 3339. */
function toJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (value instanceof UUID) return value.toString();
  if (value instanceof Markup) return value.html;
  if (Array.isArray(value)) return Array.from(value, toJsonValue);
  if (!isPlainObject(value)) throw new TypeError(`a ${value.constructor?.name ?? 'object'} cannot be stored in a Flask-Session record`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, toJsonValue(v));
  return out;
}
