import { ConfigError } from '../errors.js';
import { FlaskSessionCodec } from '../serialization/records/flask-session.js';
import { TaggedJsonRecordCodec, type RecordCodec } from '../serialization/records/record-codec.js';
import { parsePythonJson, TaggedJSONSerializer } from '../serialization/index.js';
import { openStore, StorageMissingError, type OpenedStore } from '../stores/from-url.js';
import type { Store } from '../stores/store.js';
import { isSessionData } from '../serialization/value-kinds.js';
import { parseCommandLine } from './args.js';
import { EXIT, UsageError, type CliIo } from './io.js';

/** Usage of `sessionkit store`. */
export const STORE_USAGE = `Usage: sessionkit store <list|get|set|delete|purge> [args] --store URL [--prefix P]
                        [--flask-session [--format msgpack|json]]

  list                     print the ids of live sessions, one per line
  get <id>                 print a session's data as tagged JSON (exit 1 if there is none)
  set <id> <json> [--ttl S] write a session (tagged JSON object), replacing any existing one;
                           --ttl: seconds until it expires (default 2678400, 31 days)
  delete <id>              remove a session
  purge [--all]            remove expired sessions (stores without native expiry);
                           --all: remove every session under the prefix
  Only set creates storage (a database file, a table, a folder); for the others a missing
  one holds no sessions.

  --store URL       memory://, file:///dir, sqlite:///path.db, redis://host:port/db,
                    memcached://host:port[,host:port], mongodb://host:port, postgres://…, mysql://…
  --prefix P        key prefix (default "session:", Flask-Session's SESSION_KEY_PREFIX)
  --flask-session   read and write sessions as Flask-Session 0.8 stores them (redis, memcached,
                    mongodb, postgres, mysql, sqlite): the bare session dict, in Flask-Session's
                    documents and table; get prints it as JSON (bytes in base64, dates in
                    RFC 3339, as msgspec writes JSON); set takes plain JSON
  --format F        Flask-Session's SESSION_SERIALIZATION_FORMAT: msgpack (default) or json

Session ids may start with "-": give them after "--", e.g. sessionkit store get --store URL -- -abc…
`;

const DEFAULT_TTL_SECONDS = 31 * 24 * 60 * 60;
/** The only action that may create storage (a database file, a table, a folder); the others never do. */
const CREATING_ACTION = 'set';

/** `sessionkit store …`: inspect and edit server-side sessions. */
export async function storeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      store: { type: 'string' },
      prefix: { type: 'string', default: 'session:' },
      ttl: { type: 'string' },
      all: { type: 'boolean', default: false },
      'flask-session': { type: 'boolean', default: false },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(STORE_USAGE);
    return EXIT.ok;
  }
  const [action, ...rest] = positionals;
  const arity: Record<string, number> = { list: 0, get: 1, set: 2, delete: 1, purge: 0 };
  if (action === undefined || !(action in arity)) throw new UsageError(`expected one of list, get, set, delete, purge; got ${action ?? 'nothing'}`);
  if (rest.length !== arity[action]) throw new UsageError(`"${action}" takes ${arity[action]} argument(s), got ${rest.length}`);
  if (!values.store) throw new UsageError('--store URL is required');
  let ttlMs = DEFAULT_TTL_SECONDS * 1000;
  if (values.ttl !== undefined) {
    if (!/^\d+$/.test(values.ttl) || Number(values.ttl) === 0) throw new UsageError(`--ttl must be a positive number of seconds, got "${values.ttl}"`);
    ttlMs = Number(values.ttl) * 1000;
  }
  const flask = values['flask-session'];
  if (values.format !== undefined && !flask) throw new UsageError('--format goes with --flask-session');
  const format = values.format ?? 'msgpack';
  if (format !== 'msgpack' && format !== 'json') throw new UsageError(`--format must be msgpack or json, got "${format}"`);
  const codec: RecordCodec = flask ? await FlaskSessionCodec.create(format) : new TaggedJsonRecordCodec();
  const show = flask ? await flaskJson() : (data: Record<string, unknown>) => new TaggedJSONSerializer().dumps(data);
  const read = flask ? parsePythonJson : (text: string) => new TaggedJSONSerializer().loads(text);
  const prefix = values.prefix;
  let store: OpenedStore;
  try {
    store = await openStore(values.store, { layout: flask ? 'flask-session' : 'sessionkit', create: action === CREATING_ACTION });
  } catch (error) {
    // The URL itself is not repeated: it may hold a password.
    if (error instanceof ConfigError) throw new UsageError(`--store is not a usable store URL (${error.message})`);
    if (error instanceof StorageMissingError) return nothingStored(action, prefix + (rest[0] ?? ''), values.all, error, io);
    throw error;
  }
  try {
    switch (action) {
      case 'list':
        return await list(store, prefix, io);
      case 'get':
        return await get(store, codec, prefix + rest[0], show, io);
      case 'set':
        return await set(store, codec, prefix + rest[0], () => read(rest[1]!), ttlMs);
      case 'delete':
        await store.destroy(prefix + rest[0]);
        return EXIT.ok;
      default:
        return await purge(store, prefix, values.all, io);
    }
  } finally {
    await store.close();
  }
}

/**
 * What a command that creates nothing does when the storage does not exist: it holds no
 * sessions. `list` prints none (and says why on stderr), `get` finds none (exit 1), `delete` has
 * nothing to delete, `purge` removes nothing.
 */
function nothingStored(action: string, key: string, all: boolean, missing: StorageMissingError, io: CliIo): number {
  switch (action) {
    case 'list':
      io.stderr(`no sessions: ${missing.missing} does not exist\n`);
      return EXIT.ok;
    case 'get':
      io.stderr(`no session stored under ${key} (${missing.missing} does not exist)\n`);
      return EXIT.rejected;
    case 'purge':
      io.stdout(all ? 'removed 0 session(s)\n' : 'removed 0 expired session(s)\n');
      return EXIT.ok;
    case 'delete':
      return EXIT.ok;
    default:
      throw missing;
  }
}

async function list(store: Store, prefix: string, io: CliIo): Promise<number> {
  if (!store.keys) throw new Error(`the ${store.name} store cannot list its sessions`);
  for await (const key of store.keys(prefix)) io.stdout(`${key.slice(prefix.length)}\n`);
  return EXIT.ok;
}

/** Shows session data as msgspec's JSON does: bytes in base64, datetimes in RFC 3339. */
async function flaskJson(): Promise<(data: Record<string, unknown>) => string> {
  const json = await FlaskSessionCodec.create('json');
  return (data) => Buffer.from(json.encode(data, { createdAt: 0 })).toString('utf8');
}

async function get(store: Store, codec: RecordCodec, key: string, show: (data: Record<string, unknown>) => string, io: CliIo): Promise<number> {
  const record = await store.load(key);
  if (!record) {
    io.stderr(`no session stored under ${key}\n`);
    return EXIT.rejected;
  }
  const { data } = codec.decode(record.value);
  io.stdout(`${show(data)}\n`);
  return EXIT.ok;
}

async function set(store: Store, codec: RecordCodec, key: string, parse: () => unknown, ttlMs: number): Promise<number> {
  let data: unknown;
  try {
    data = parse();
  } catch (error) {
    throw new UsageError(`<json> is not valid JSON: ${(error as Error).message}`);
  }
  if (!isSessionData(data)) throw new UsageError('<json> must be a JSON object');
  const value = codec.encode(data, { createdAt: Date.now() });
  for (let attempt = 0; attempt < 10; attempt++) {
    const existing = await store.load(key);
    if (!existing) {
      if ((await store.create(key, value, ttlMs)) !== null) return EXIT.ok;
    } else if ((await store.update(key, value, existing.version, ttlMs)).ok) {
      return EXIT.ok;
    }
  }
  throw new Error(`could not write ${key}: it kept changing under concurrent writes`);
}

async function purge(store: Store, prefix: string, all: boolean, io: CliIo): Promise<number> {
  if (all) {
    if (!store.keys) throw new Error(`the ${store.name} store cannot list its sessions`);
    const keys: string[] = [];
    for await (const key of store.keys(prefix)) keys.push(key);
    for (const key of keys) await store.destroy(key);
    io.stdout(`removed ${keys.length} session(s)\n`);
    return EXIT.ok;
  }
  const removed = store.sweep ? await store.sweep() : 0;
  io.stdout(store.sweep ? `removed ${removed} expired session(s)\n` : `the ${store.name} store expires sessions itself; nothing to purge\n`);
  return EXIT.ok;
}
