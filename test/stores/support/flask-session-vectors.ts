/**
 * The Flask-Session 0.8 backend vectors in test/fixtures/flask-session-backends/: what real
 * Flask-Session 0.8.0 (Flask 3.1.3, msgspec 0.22.0, SQLAlchemy 2.1.1, pymongo 4.18.2) wrote to
 * its SQLAlchemy tables on SQLite, PostgreSQL 15 and MariaDB 10.11 and to MongoDB, read back with
 * plain drivers, and what rows / documents a third party wrote that Flask-Session did or did not
 * accept. The files are copied unchanged from the generator's output (its `make_vectors.py`);
 * `sessions.sqlite` is the SQLite database Flask-Session wrote. This module types the parts the
 * tests read and derives what they need from them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folder of the recorded files. */
export const VECTORS_DIR = fileURLToPath(new URL('../../fixtures/flask-session-backends/', import.meta.url));

/** The Flask / Flask-Session configuration of one recorded app. */
export interface FlaskConfig {
  SECRET_KEY: string;
  SESSION_SERIALIZATION_FORMAT: 'msgpack' | 'json';
  SESSION_USE_SIGNER: boolean;
  SESSION_KEY_PREFIX: string;
  SESSION_PERMANENT: boolean;
  PERMANENT_SESSION_LIFETIME: number;
  SESSION_COOKIE_NAME: string;
  SESSION_SQLALCHEMY_TABLE?: string;
  SESSION_MONGODB_DB?: string;
  SESSION_MONGODB_COLLECT?: string;
}

/** A value in the files' typed-JSON convention (`{"$bytes": …}`, `{"$float": …}`…). */
export type Typed = unknown;

/** A SQL row as read back with a plain driver. */
export interface RecordedRow {
  id: number;
  session_id: string;
  /** `base64` when the data was (re)written by that request, else `unchanged_from_preceding_write`. */
  data: { base64?: string; unchanged_from_preceding_write?: true; as_written?: true; length: number };
  /** As the database prints it: SQLite's stored value, PostgreSQL `expiry::text`, MariaDB `CAST(expiry AS CHAR)`. */
  expiry: string | number | null;
  sqlite_typeof?: Record<string, string>;
  expiry_pg_type?: string;
  expiry_mysql_type?: string;
}

/** A MongoDB document's top-level BSON element. */
export interface BsonElement {
  name: string;
  type_code: string;
  binary_subtype?: string;
  int64_ms?: number;
  value?: string;
}

/** One request of a forward vector. */
export interface RecordedRequest {
  request: string;
  request_cookie_header: string | null;
  session_interface_calls: { op: '_upsert_session' | '_delete_session'; store_id: string; session_lifetime_seconds?: number }[];
  store_id: string;
  storage_after: {
    row_count?: number;
    row?: RecordedRow | null;
    document?: Record<string, Typed> | null;
    document_bson_b64?: string;
    bson_elements?: BsonElement[];
  };
  expiry?: { storage_expiry_stored: unknown; storage_expiry_unix: number; request_started_unix: number };
}

/** A session Flask-Session wrote, request by request. */
export interface ForwardVector {
  id: string;
  spec_id: string;
  serialization_format: 'msgpack' | 'json';
  flask_config: FlaskConfig;
  requests: RecordedRequest[];
  summary: {
    store_id: string;
    sid: string;
    session_dict_saved?: Record<string, Typed>;
    session_dict_read_back?: Record<string, Typed>;
  };
}

/** A row or document written by plain Python, and whether Flask-Session then used it. */
export interface ReverseVector {
  id: string;
  description: string;
  serialization_format: 'msgpack' | 'json';
  flask_config: FlaskConfig;
  store_id: string;
  cookie_sent: string;
  written_by_plain_python: { sql?: string; params?: Typed[]; document_bson_b64?: string };
  response_status: number;
  response_set_cookie: string[];
  expected_flask_sees_session: boolean;
  flask_saw_this_session: boolean;
}

/** One recorded file. */
export interface VectorFile {
  versions: Record<string, string>;
  vectors: ForwardVector[];
  reverse_vectors: ReverseVector[];
  tables?: Record<string, Record<string, unknown> & { sqlalchemy_create_table?: string; ddl_written_by_plain_python?: string }>;
  indexes_created?: Record<string, { index_documents: Record<string, unknown>[] }>;
}

/** Reads `sqlalchemy-sqlite.json`, `sqlalchemy-postgres.json`, `sqlalchemy-mysql.json` or `mongodb.json`. */
export function readVectorFile(name: string): VectorFile {
  return JSON.parse(readFileSync(`${VECTORS_DIR}${name}`, 'utf8')) as VectorFile;
}

/** The bytes of a `{"$bytes": base64}` value. */
export function typedBytes(value: Typed): Buffer {
  const base64 = (value as { $bytes?: unknown } | null)?.$bytes;
  if (typeof base64 !== 'string') throw new Error(`expected {"$bytes": …}, got ${JSON.stringify(value)}`);
  return Buffer.from(base64, 'base64');
}

/**
 * A typed value as `FlaskSessionCodec` decodes it: bytes → Buffer, floats → numbers, integers
 * beyond 2^53 → bigint, tuples → arrays. Other tags are not used by the vectors the tests read.
 */
export function fromTyped(value: Typed): unknown {
  if (Array.isArray(value)) return value.map(fromTyped);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [tag, inner] = entries[0] ?? [];
  if (entries.length === 1 && tag?.startsWith('$')) {
    if (tag === '$bytes') return typedBytes(value);
    if (tag === '$float') return Number(inner === 'inf' ? Infinity : inner === '-inf' ? -Infinity : inner);
    if (tag === '$int') return BigInt(inner as string);
    if (tag === '$tuple') return (inner as Typed[]).map(fromTyped);
    throw new Error(`the typed value ${tag} is not supported here`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, fromTyped(v)]));
}

/** The session Flask-Session read back on the request after the write (what a reader must see). */
export function sessionReadBack(vector: ForwardVector): Record<string, unknown> {
  const typed = vector.summary.session_dict_read_back ?? vector.summary.session_dict_saved;
  if (!typed) throw new Error(`${vector.id} has no saved session`);
  return fromTyped(typed) as Record<string, unknown>;
}

/** The specs the end-to-end tests read through `ServerSessionInterface`: text (unsigned id) and bytes (signed id). */
const INTERFACE_SPECS = ['01-str-nonascii', '04-bytes'];

/** The vectors the end-to-end tests read through `ServerSessionInterface`, both formats, as `it.each` rows. */
export function interfaceVectors(file: VectorFile): (readonly [string, ForwardVector])[] {
  return file.vectors.filter((vector) => INTERFACE_SPECS.includes(vector.spec_id)).map((vector) => [vector.id, vector] as const);
}

/** What a request left in the store, with the data carried over from the last request that wrote it. */
export interface StoredState {
  /** The request that produced it. */
  request: RecordedRequest;
  /** The store key. */
  storeId: string;
  /** What Flask-Session did: stored the session (`upsert`), or deleted it. */
  op: 'upsert' | 'delete';
  /** Whether this request wrote new data (else it only moved the expiry, or deleted). */
  wroteData: boolean;
  /** The stored bytes after the request; `undefined` once deleted. */
  data: Buffer | undefined;
  /** The row after the request (SQL), or `undefined` once deleted. */
  row: RecordedRow | undefined;
  /** Epoch milliseconds of the stored expiry, as recorded. */
  expiresAtMs: number | undefined;
  /** The lifetime Flask-Session stored the session with, in milliseconds. */
  ttlMs: number;
}

/** The storage after each request that wrote or deleted (the read-only requests refresh: they write too). */
export function storedStates(vector: ForwardVector): StoredState[] {
  const states: StoredState[] = [];
  let data: Buffer | undefined;
  for (const request of vector.requests) {
    const call = request.session_interface_calls[0];
    if (!call) continue;
    const stored = request.storage_after;
    const row = stored.row ?? undefined;
    let wroteData = false;
    if (call.op === '_delete_session') {
      data = undefined;
    } else if (row?.data.base64 !== undefined) {
      data = Buffer.from(row.data.base64, 'base64');
      wroteData = true;
    } else if (stored.document) {
      const fresh = stored.document_bson_b64 !== undefined;
      data = fresh ? typedBytes(stored.document.val) : data;
      wroteData = fresh;
    }
    states.push({
      request,
      storeId: call.store_id,
      op: call.op === '_delete_session' ? 'delete' : 'upsert',
      wroteData,
      data,
      row,
      expiresAtMs: request.expiry ? unixToMs(request.expiry.storage_expiry_unix) : undefined,
      ttlMs: vector.flask_config.PERMANENT_SESSION_LIFETIME * 1000,
    });
  }
  return states;
}

/** The last state of a vector's session (`data` undefined when it ended deleted). */
export function finalState(vector: ForwardVector): StoredState {
  const states = storedStates(vector);
  const last = states.at(-1);
  if (!last) throw new Error(`${vector.id} stored nothing`);
  return last;
}

/** Epoch seconds with microseconds (as recorded) in epoch milliseconds, rounded to the microsecond. */
export function unixToMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}

/** The time Flask-Session's clock showed during a request, in epoch ms. */
export function requestTime(request: RecordedRequest): number {
  if (!request.expiry) throw new Error(`${request.request} has no recorded times`);
  return unixToMs(request.expiry.request_started_unix);
}

/**
 * When the reverse vectors of a file were opened by Flask, in epoch ms: the earliest request of
 * a session Flask used, read from its `Set-Cookie` (`Expires` = request time + lifetime, whole
 * seconds). Expiries in the reverse vectors are relative to that moment (now + 1 h, now − 60 s…).
 */
export function reverseTime(file: VectorFile): number {
  const times = file.reverse_vectors.flatMap((vector) =>
    vector.response_set_cookie.flatMap((cookie) => {
      const expires = /Expires=([^;]+)/.exec(cookie)?.[1];
      return expires ? [Date.parse(expires) - vector.flask_config.PERMANENT_SESSION_LIFETIME * 1000] : [];
    }),
  );
  if (times.length === 0) throw new Error('no reverse vector of this file was used by Flask');
  return Math.min(...times);
}

/** A third party's parameter: `{"$bytes": …}` as a Buffer, anything else as is. */
export function writtenParam(value: Typed): unknown {
  return value !== null && typeof value === 'object' && '$bytes' in value ? typedBytes(value) : value;
}
