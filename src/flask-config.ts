/**
 * Configuring sessionkit from a Flask app's config, so a Node service and a Flask app sharing
 * sessions read one settings file. `SESSION_TYPE` picks the interface and the store (in its
 * Flask-Session layout); every other Flask / Flask-Session name maps to an option, and a name
 * sessionkit cannot honour is a `ConfigError` naming it.
 */
import { join } from 'node:path';
import { COOKIE_SETTING_NAMES, describe, validate } from './config.js';
import { ConfigError } from './errors.js';
import { CookieSessionInterface } from './interfaces/cookie.js';
import { ServerSessionInterface } from './interfaces/server.js';
import { SESSION_ID_BYTES } from './interfaces/server/ids.js';
import { SECRET_OPTION_NAMES } from './secrets.js';
import { CACHELIB_DEFAULT_THRESHOLD, CACHELIB_FILE_MODE } from './serialization/cachelib-file.js';
import type { SqlStore } from './stores/sql/index.js';
import type { Store } from './stores/store.js';

/** A Flask app's config as a plain object (`app.config` dumped to JSON, or a settings file). */
export type FlaskConfig = Readonly<Record<string, unknown>>;

/** What `fromFlaskConfig` returns. */
export interface FlaskSessionSetup {
  /** The interface matching the Flask app: cookie sessions without `SESSION_TYPE`, else server-side. */
  sessionInterface: CookieSessionInterface | ServerSessionInterface;
  /** The store it opened (server-side sessions only); close it on shutdown if it has `close()`. */
  store?: Store & { close?(): Promise<void> };
}

/** Options of `fromFlaskConfig` that are not Flask settings. */
export interface FromFlaskConfigOptions {
  /** Current time in epoch milliseconds, for the interface and the stores that compute expiry (tests). Default `Date.now`. */
  clock?: () => number;
}

/** The values of `SESSION_TYPE` sessionkit follows. */
export const FLASK_SESSION_TYPES = ['redis', 'memcached', 'filesystem', 'cachelib', 'sqlalchemy', 'mongodb'] as const;
type FlaskSessionType = (typeof FLASK_SESSION_TYPES)[number];

/** Flask-Session 0.8's defaults that differ per store. */
const DEFAULT_FILE_DIR = 'flask_session';
const DEFAULT_SQLALCHEMY_TABLE = 'sessions';
const DEFAULT_MONGODB_DB = 'flask_session';
const DEFAULT_MONGODB_COLLECTION = 'sessions';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_MEMCACHED = '127.0.0.1:11211';

/** Flask-Session names passed to `ServerSessionInterface` as they are. */
const SERVER_NAMES = ['SESSION_PERMANENT', 'SESSION_USE_SIGNER', 'SESSION_KEY_PREFIX', 'SESSION_SERIALIZATION_FORMAT'];
/** The store names of each `SESSION_TYPE`. */
const STORE_NAMES: Readonly<Record<FlaskSessionType, readonly string[]>> = {
  redis: ['SESSION_REDIS'],
  memcached: ['SESSION_MEMCACHED'],
  filesystem: ['SESSION_FILE_DIR', 'SESSION_FILE_THRESHOLD', 'SESSION_FILE_MODE'],
  cachelib: ['SESSION_CACHELIB'],
  sqlalchemy: ['SESSION_SQLALCHEMY', 'SQLALCHEMY_DATABASE_URI', 'SESSION_SQLALCHEMY_TABLE', 'SESSION_SQLALCHEMY_CREATE_TABLE'],
  mongodb: ['SESSION_MONGODB', 'SESSION_MONGODB_DB', 'SESSION_MONGODB_COLLECT'],
};
/**
 * Flask-Session names sessionkit cannot honour when set: SQLAlchemy schemas, binds and sequences,
 * Flask-Session's request-counted cleanup (sessionkit stores sweep or expire natively), DynamoDB.
 */
const UNSUPPORTED_NAMES = [
  'SESSION_SQLALCHEMY_SCHEMA', 'SESSION_SQLALCHEMY_BIND_KEY', 'SESSION_SQLALCHEMY_SEQUENCE', 'SESSION_CLEANUP_N_REQUESTS',
  'SESSION_DYNAMODB', 'SESSION_DYNAMODB_TABLE', 'SESSION_DYNAMODB_TABLE_EXISTS',
];
const FLASK_SESSION_NAMES: ReadonlySet<string> = new Set([
  'SESSION_TYPE', 'SESSION_ID_LENGTH', ...SERVER_NAMES, ...Object.values(STORE_NAMES).flat(), ...UNSUPPORTED_NAMES,
]);
const PASSED_NAMES: ReadonlySet<string> = new Set([...COOKIE_SETTING_NAMES, ...SECRET_OPTION_NAMES]);

/**
 * The session interface (and store) a Flask app with this config uses: Flask's signed cookies
 * when `SESSION_TYPE` is absent, else `ServerSessionInterface` on the store `SESSION_TYPE` names,
 * opened in its Flask-Session layout (`filesystem`/`cachelib`: pickled files). Config names that
 * are neither Flask's session settings nor Flask-Session's (`DEBUG`, …) are ignored. Values are
 * those of the Python config: `PERMANENT_SESSION_LIFETIME` in seconds, URLs for `SESSION_REDIS`,
 * `SESSION_SQLALCHEMY` / `SQLALCHEMY_DATABASE_URI` and `SESSION_MONGODB`, a list of `host:port`
 * for `SESSION_MEMCACHED`, a folder for `SESSION_CACHELIB`.
 *
 * @throws ConfigError naming a setting sessionkit cannot honour (e.g. `SESSION_SQLALCHEMY_BIND_KEY`),
 *   an unknown `SESSION_` name or an invalid value, before anything is connected.
 */
export async function fromFlaskConfig(config: FlaskConfig, options: FromFlaskConfigOptions = {}): Promise<FlaskSessionSetup> {
  const clock = options.clock === undefined ? undefined : validate.function<() => number>('clock', options.clock);
  const given = (name: string): boolean => config[name] !== undefined && config[name] !== null;
  for (const name of Object.keys(config)) {
    if (name.startsWith('SESSION_') && !PASSED_NAMES.has(name) && !FLASK_SESSION_NAMES.has(name)) {
      throw new ConfigError(name, 'not a Flask or Flask-Session 0.8 setting; remove it or check its spelling');
    }
  }
  const passed = Object.fromEntries(Object.entries(config).filter(([name, value]) => PASSED_NAMES.has(name) && value !== undefined));
  if (!given('SESSION_TYPE')) {
    const stray = Object.keys(config).filter((name) => FLASK_SESSION_NAMES.has(name) && given(name));
    if (stray.length > 0) throw new ConfigError(stray[0]!, 'Flask-Session settings need SESSION_TYPE; without it Flask keeps sessions in signed cookies');
    return { sessionInterface: new CookieSessionInterface(passed) };
  }
  const type = validate.oneOf('SESSION_TYPE', config.SESSION_TYPE, FLASK_SESSION_TYPES);
  for (const name of UNSUPPORTED_NAMES) {
    if (given(name)) throw new ConfigError(name, 'sessionkit cannot honour this Flask-Session setting; remove it (or set it to None)');
  }
  for (const [other, names] of Object.entries(STORE_NAMES)) {
    const misplaced = other === type ? undefined : names.find((name) => given(name) && !(name === 'SQLALCHEMY_DATABASE_URI'));
    if (misplaced) throw new ConfigError(misplaced, `applies to SESSION_TYPE '${other}', not '${type}'`);
  }
  if (given('SESSION_ID_LENGTH') && config.SESSION_ID_LENGTH !== SESSION_ID_BYTES) {
    throw new ConfigError('SESSION_ID_LENGTH', `sessionkit creates ids of ${SESSION_ID_BYTES} random bytes, as Flask-Session's default; got ${describe(config.SESSION_ID_LENGTH)}`);
  }
  const server = Object.fromEntries(SERVER_NAMES.filter(given).map((name) => [name, config[name]]));
  const store = await openFlaskStore(type, config, given, clock);
  // The filesystem and cachelib backends pickle every session, whatever SESSION_SERIALIZATION_FORMAT says.
  if (type === 'filesystem' || type === 'cachelib') server.SESSION_SERIALIZATION_FORMAT = 'pickle';
  else server.SESSION_SERIALIZATION_FORMAT ??= 'msgpack';
  return { sessionInterface: new ServerSessionInterface({ ...passed, ...server, store, clock }), store };
}

/** Opens the store `type` names, in its Flask-Session layout (store modules load only when used). */
async function openFlaskStore(
  type: FlaskSessionType,
  config: FlaskConfig,
  given: (name: string) => boolean,
  clock: (() => number) | undefined,
): Promise<Store & { close?(): Promise<void> }> {
  const layout = 'flask-session';
  switch (type) {
    case 'redis': {
      const { openStore } = await import('./stores/from-url.js');
      return openStore(given('SESSION_REDIS') ? validate.string('SESSION_REDIS', config.SESSION_REDIS) : DEFAULT_REDIS_URL, { layout });
    }
    case 'memcached': {
      const { MemcachedStore } = await import('./stores/memcached/index.js');
      return new MemcachedStore({ servers: memcachedServers(config.SESSION_MEMCACHED), layout, clock });
    }
    case 'filesystem': {
      const { FileSystemStore } = await import('./stores/filesystem/index.js');
      return new FileSystemStore({
        dir: given('SESSION_FILE_DIR') ? validate.string('SESSION_FILE_DIR', config.SESSION_FILE_DIR) : join(process.cwd(), DEFAULT_FILE_DIR),
        threshold: given('SESSION_FILE_THRESHOLD') ? validate.count('SESSION_FILE_THRESHOLD', config.SESSION_FILE_THRESHOLD) : CACHELIB_DEFAULT_THRESHOLD,
        mode: given('SESSION_FILE_MODE') ? (config.SESSION_FILE_MODE as number) : CACHELIB_FILE_MODE,
        layout,
        clock,
      });
    }
    case 'cachelib': {
      // A cachelib instance cannot cross from Python: give the folder of its FileSystemCache.
      const { FileSystemStore } = await import('./stores/filesystem/index.js');
      return new FileSystemStore({
        dir: given('SESSION_CACHELIB') ? validate.string('SESSION_CACHELIB', config.SESSION_CACHELIB) : join(process.cwd(), DEFAULT_FILE_DIR),
        layout,
        clock,
      });
    }
    case 'sqlalchemy':
      return sqlStore(config, given);
    case 'mongodb': {
      const { MongoStore } = await import('./stores/mongodb/index.js');
      return new MongoStore({
        url: validate.string('SESSION_MONGODB', config.SESSION_MONGODB),
        db: given('SESSION_MONGODB_DB') ? validate.string('SESSION_MONGODB_DB', config.SESSION_MONGODB_DB) : DEFAULT_MONGODB_DB,
        collection: given('SESSION_MONGODB_COLLECT') ? validate.string('SESSION_MONGODB_COLLECT', config.SESSION_MONGODB_COLLECT) : DEFAULT_MONGODB_COLLECTION,
        layout,
      });
    }
  }
}

/** `SESSION_MEMCACHED`: a list of `host:port` (or one such string) as memjs' comma-separated servers. */
function memcachedServers(value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_MEMCACHED;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((entry) => typeof entry === 'string' && /^[^\s,]+:\d+$/.test(entry))) {
    throw new ConfigError('SESSION_MEMCACHED', `expected a list of "host:port" strings, got ${describe(value)}`);
  }
  return list.join(',');
}

/** SQLAlchemy URL schemes and the SqlStore dialect each opens; `+driver` suffixes are dropped. */
const SQLALCHEMY_DIALECTS: Readonly<Record<string, 'postgres' | 'mysql' | 'sqlite'>> = {
  postgresql: 'postgres', postgres: 'postgres', mysql: 'mysql', mariadb: 'mysql', sqlite: 'sqlite',
};
/** `sqlite:///relative.db` and `sqlite:////absolute.db`, as SQLAlchemy spells SQLite files. */
const SQLITE_URL = /^sqlite(?:\+\w+)?:\/\/\/(.+)$/;

async function sqlStore(config: FlaskConfig, given: (name: string) => boolean): Promise<SqlStore> {
  const name = given('SESSION_SQLALCHEMY') ? 'SESSION_SQLALCHEMY' : 'SQLALCHEMY_DATABASE_URI';
  const url = validate.string(name, config[name]);
  const scheme = /^([a-z]+)(?:\+\w+)?:/.exec(url)?.[1];
  const dialect = scheme === undefined ? undefined : SQLALCHEMY_DIALECTS[scheme];
  if (!dialect) throw new ConfigError(name, `expected a postgresql:, mysql:, mariadb: or sqlite: SQLAlchemy URL, got ${scheme ?? 'no scheme'}`);
  const table = given('SESSION_SQLALCHEMY_TABLE') ? validate.string('SESSION_SQLALCHEMY_TABLE', config.SESSION_SQLALCHEMY_TABLE) : DEFAULT_SQLALCHEMY_TABLE;
  const createTable = given('SESSION_SQLALCHEMY_CREATE_TABLE') ? validate.boolean('SESSION_SQLALCHEMY_CREATE_TABLE', config.SESSION_SQLALCHEMY_CREATE_TABLE) : true;
  const { SqlStore } = await import('./stores/sql/index.js');
  const common = { table, createTable, layout: 'flask-session' } as const;
  if (dialect === 'sqlite') {
    const file = SQLITE_URL.exec(url)?.[1];
    if (file === undefined) throw new ConfigError(name, 'expected sqlite:///<file> (in-memory SQLite is not shared with a Flask app)');
    return new SqlStore({ dialect, filename: file, ...common });
  }
  return new SqlStore({ dialect, connection: url.replace(/^([a-z]+)\+\w+:/, dialect === 'postgres' ? 'postgres:' : 'mysql:'), ...common });
}
