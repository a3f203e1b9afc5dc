import { createHash } from 'node:crypto';

/**
 * How a versioned record is laid out in Redis: one string per key,
 *
 *   "sk1:" <version> ":" <value bytes>
 *
 * with the record's expiry as the key's own TTL (PEXPIRE). The version is a random base64url
 * token (never contains ":"). A single string keeps every operation a single-key command or a
 * single-key Lua script: atomic on the server, and routable on Redis Cluster.
 *
 * The layout is confined to this module, next to the Flask-Session compatible one
 * (`VALUE_LAYOUT`): the string is the bare value, as Flask-Session writes it, and the version is
 * the SHA-1 of the value, compared by a script over the value itself.
 */

/** Prefix of every record; also rejects foreign values found under a key. */
export const RECORD_MAGIC = 'sk1:';
const MAGIC_BYTES = Buffer.from(RECORD_MAGIC, 'latin1');

/** What a version token may look like; anything else can never match a stored record. */
const VERSION_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** A value found under a key is not a sessionkit record. */
export class RedisRecordFormatError extends Error {
  constructor() {
    super('the key holds a value that is not a sessionkit record');
    this.name = 'RedisRecordFormatError';
  }
}

/** A single-key Lua script and its SHA-1 (for EVALSHA). */
export interface LuaScript {
  source: string;
  sha1: string;
}

function script(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** KEYS[1] → nil, or { record, PTTL in ms } read atomically. */
export const LOAD_SCRIPT = script(`
local record = redis.call('GET', KEYS[1])
if not record then return false end
return { record, redis.call('PTTL', KEYS[1]) }
`);

/**
 * KEYS[1], ARGV = { "sk1:<expected version>:", new record, ttl ms } →
 * 1 updated, 0 missing, -1 version conflict (error reply for a foreign value).
 */
export const UPDATE_SCRIPT = script(`
local record = redis.call('GET', KEYS[1])
if not record then return 0 end
if string.sub(record, 1, ${RECORD_MAGIC.length}) ~= '${RECORD_MAGIC}' then
  return redis.error_reply('SESSIONKIT the key holds a value that is not a sessionkit record')
end
if string.sub(record, 1, #ARGV[1]) ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

/** The bytes stored for `version` and `value`. */
export function encodeRedisRecord(version: string, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${RECORD_MAGIC}${version}:`, 'latin1'), value]);
}

/** The prefix UPDATE_SCRIPT compares: the header of a record with version `expected`. */
export function expectedHeader(expected: string): Buffer {
  // An impossible token keeps the comparison exact for input that is not a version ("a:b").
  const token = VERSION_TOKEN.test(expected) ? expected : '!';
  return Buffer.from(`${RECORD_MAGIC}${token}:`, 'latin1');
}

/** Splits stored bytes into version and value (the value is a view, not a copy). */
export function decodeRedisRecord(raw: Buffer): { version: string; value: Uint8Array } {
  if (raw.length < MAGIC_BYTES.length || !raw.subarray(0, MAGIC_BYTES.length).equals(MAGIC_BYTES)) {
    throw new RedisRecordFormatError();
  }
  const end = raw.indexOf(0x3a, MAGIC_BYTES.length); // ':'
  if (end < 0) throw new RedisRecordFormatError();
  const value = raw.subarray(end + 1);
  return {
    version: raw.toString('latin1', MAGIC_BYTES.length, end),
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
  };
}

/** How records are laid out under a key: encoding, decoding and the compare-and-set script. */
export interface RedisLayout {
  /** The bytes stored for a new `version` of `value`. */
  encode(version: string, value: Uint8Array): Buffer;
  /** Splits stored bytes into version and value. */
  decode(raw: Buffer): { version: string; value: Uint8Array };
  /** The version a write of `value` gets. */
  nextVersion(value: Uint8Array): string;
  /** The argument the update script compares with the stored record for `expected`. */
  expected(expected: string): Buffer;
  /** KEYS[1], ARGV = { expected, new record, ttl ms } → 1 updated, 0 missing, -1 conflict. */
  updateScript: LuaScript;
}

/** sessionkit's own layout: `sk1:<version>:<value>`, a random version per write. */
export function versionedLayout(randomVersion: () => string): RedisLayout {
  return {
    encode: encodeRedisRecord,
    decode: decodeRedisRecord,
    nextVersion: () => randomVersion(),
    expected: expectedHeader,
    updateScript: UPDATE_SCRIPT,
  };
}

/** Compare-and-set over the bare value: the stored value's SHA-1 must still be ARGV[1]. */
export const VALUE_UPDATE_SCRIPT = script(`
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
if redis.sha1hex(value) ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

const sha1hex = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');

/**
 * Flask-Session's layout: the key holds the bare serialized session (`SET key value EX ttl`), with
 * no room for a version, so the version is the value's SHA-1 and an update applies only if the
 * stored value is still the one that was read. Two writes of identical bytes share a version;
 * that is harmless, since a save over an identical value loses nothing.
 */
export const VALUE_LAYOUT: RedisLayout = {
  encode: (_version, value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  decode: (raw) => ({ version: sha1hex(raw), value: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) }),
  nextVersion: sha1hex,
  expected: (expected) => Buffer.from(/^[0-9a-f]{40}$/.test(expected) ? expected : '!', 'latin1'),
  updateScript: VALUE_UPDATE_SCRIPT,
};
