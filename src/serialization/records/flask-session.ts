/**
 * Flask-Session 0.8's record format, so a Flask app and sessionkit share sessions in one store.
 */
import type { Packr } from 'msgpackr';
import { importDriver } from '../../stores/internal/driver.js';
import { parsePythonJson } from '../python-json.js';
import { isSessionData, setOwn } from '../value-kinds.js';
import { encodeMsgspecJson } from './msgspec-json.js';
import { encodeMsgspecMsgpack } from './msgspec-msgpack.js';
import { RecordFormatError, type RecordCodec, type RecordMeta } from './record-codec.js';

/** How Flask-Session 0.8 serializes sessions (`SESSION_SERIALIZATION_FORMAT`). */
export type FlaskSessionFormat = 'msgpack' | 'json';

/**
 * The record format of Flask-Session 0.8 (msgspec): the session dict itself, `_permanent`
 * included, as msgpack (default) or JSON, with no envelope, written byte for byte as msgspec
 * writes it (keys in insertion order). Values map as msgspec maps them: bytes ↔ msgpack bin
 * (JSON: base64 text), datetime ↔ msgpack timestamp (JSON: RFC 3339 text, microseconds), tuples
 * → arrays, UUID and Markup → strings, floats (`-0.0` too) → float64 (JSON: msgspec's float text,
 * non-finite as `null`). Integers keep their exact value (beyond 2^53 as `bigint`). Pickle,
 * Flask-Session's old format, is never read.
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

  /**
   * Creates the codec. The msgpack format needs the optional `msgpackr` package to read records;
   * the JSON format uses it, when installed, only to read a msgpack record met under JSON.
   */
  static async create(format: FlaskSessionFormat = 'msgpack'): Promise<FlaskSessionCodec> {
    const packr = format === 'msgpack' ? await loadPackr() : await loadPackr().catch(() => undefined);
    return new FlaskSessionCodec(format, packr);
  }

  encode(data: Record<string, unknown>, _meta: RecordMeta): Uint8Array {
    if (this.format === 'msgpack') return encodeMsgspecMsgpack(data);
    return Buffer.from(encodeMsgspecJson(data), 'utf8');
  }

  /**
   * Reads a record as Flask-Session's `MsgSpecSerializer.decode` does: the configured format,
   * then the other one (a store may hold records of both while an app changes formats).
   */
  decode(bytes: Uint8Array): { data: Record<string, unknown>; meta: Partial<RecordMeta> } {
    const readers = this.format === 'msgpack' ? [this.#readMsgpack, readJson] : [readJson, this.#readMsgpack];
    // The message tells why the configured format failed.
    let failure: string | undefined;
    for (const read of readers) {
      let data: unknown;
      try {
        data = read(bytes);
      } catch (error) {
        failure ??= (error as Error).message;
        continue;
      }
      if (isSessionData(data)) return { data, meta: {} };
      failure ??= 'not a map';
    }
    throw new RecordFormatError(`not a ${this.name} session: ${failure ?? 'not a map'}`);
  }

  readonly #readMsgpack = (bytes: Uint8Array): unknown => {
    if (!this.#packr) throw new RecordFormatError('msgpackr is not installed to read msgpack');
    return fromMsgpackValue(this.#packr.unpack(bytes));
  };
}

async function loadPackr(): Promise<Packr> {
  const { Packr } = await importDriver('flask-session', 'load', {
    packageName: 'msgpackr',
    versionRange: '1',
    load: () => import('msgpackr'),
  });
  // Maps decode as Map (turned into pollution-safe objects below); no msgpackr extensions.
  // int64AsType 'auto' (numbers when safe, bigint beyond 2^53) exists at runtime but is
  // missing from msgpackr's type declarations.
  const int64AsType = 'auto' as 'bigint';
  return new Packr({ useRecords: false, mapsAsObjects: false, int64AsType, moreTypes: false, bundleStrings: false });
}

function readJson(bytes: Uint8Array): unknown {
  return parsePythonJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
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
