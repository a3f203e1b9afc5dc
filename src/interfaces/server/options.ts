/**
 * The options of `ServerSessionInterface`, resolved once into a frozen object: every default
 * here, as a named constant with its reason.
 */
import {
  COOKIE_SETTING_NAMES,
  pickOption,
  rejectUnknownOptions,
  resolveCookieSettings,
  validate,
  type CookieSettings,
  type FlaskCookieSettings,
} from '../../config.js';
import type { SaveRules } from '../../decisions.js';
import { ConfigError } from '../../errors.js';
import type { MergeConflict } from '../../merge/merge3.js';
import { resolveSecrets, SECRET_OPTION_NAMES, type SecretOptions } from '../../secrets.js';
import { ExpressSessionCodec } from '../../serialization/records/express-session.js';
import type { FlaskSessionFormat } from '../../serialization/records/flask-session.js';

/**
 * A Flask-Session record format: `'msgpack'` / `'json'` (`SESSION_SERIALIZATION_FORMAT`, the
 * Redis, memcached, SQL and MongoDB backends) or `'pickle'` (the `filesystem` and `cachelib`
 * backends, which pickle every session whatever `SESSION_SERIALIZATION_FORMAT` says).
 */
export type FlaskRecordFormat = FlaskSessionFormat | 'pickle';
/** Every Flask-Session record format `serializationFormat` accepts. */
export const FLASK_RECORD_FORMATS: readonly FlaskRecordFormat[] = ['msgpack', 'json', 'pickle'];
import { TaggedJsonRecordCodec, type RecordCodec } from '../../serialization/records/record-codec.js';
import type { DeletionCookieStyle } from '../../session-cookie.js';
import { Signer } from '../../signing/index.js';
import type { Store } from '../../stores/store.js';
import { ExpressSessionMigration } from './express-migration.js';
import { checkMigrateCookieName, resolveExpressSession, type ExpressSessionCompat } from './express-session.js';
import { MAX_SESSION_ID_BYTES, MIN_SESSION_ID_BYTES, SESSION_ID_BYTES, sessionIdCookie, type IdCookieFormat } from './ids.js';

/** Options of `ServerSessionInterface`. camelCase names or Flask / Flask-Session config names. */
export interface ServerSessionOptions extends Partial<CookieSettings>, FlaskCookieSettings, SecretOptions {
  /**
   * Where sessions live. Default: the embedded SQLite store at `.sessionkit/sessions.sqlite`
   * under the working directory (needs `better-sqlite3`).
   */
  store?: Store;
  /**
   * Sign the id in the cookie like Flask-Session (`Signer`, salt `flask-session`, hmac). Default
   * `false` (`SESSION_USE_SIGNER`): 256 random bits cannot be guessed; signing adds a second
   * check. Needs `secret` (old secrets in `secretFallbacks` still verify).
   */
  useSigner?: boolean;
  /** @see useSigner */
  SESSION_USE_SIGNER?: boolean;
  /** Prefix of store keys. Default `session:` (`SESSION_KEY_PREFIX`). */
  keyPrefix?: string;
  /** @see keyPrefix */
  SESSION_KEY_PREFIX?: string;
  /**
   * Whether new sessions are permanent (cookie with an expiry) unless the app says otherwise.
   * Default `true`, as Flask-Session (`SESSION_PERMANENT`).
   */
  permanent?: boolean;
  /** @see permanent */
  SESSION_PERMANENT?: boolean;
  /**
   * Bytes of randomness in new session ids (`SESSION_ID_LENGTH`, `secrets.token_urlsafe(n)`):
   * 16 to 96. Default 32 (256 bits, 43 characters). Ids of any length in that range are read,
   * whatever this is set to.
   */
  idLength?: number;
  /** @see idLength */
  SESSION_ID_LENGTH?: number;
  /**
   * Seconds of inactivity after which the session ends, enforced by the store's expiry.
   * Default: none (only the lifetime applies).
   */
  idleTimeout?: number;
  /**
   * Seconds after creation after which the session ends however active it is (a hard cap, e.g.
   * 12 hours for a bank). Default: none — like Flask-Session, an active session keeps sliding
   * `permanentLifetime` ahead.
   */
  absoluteTimeout?: number;
  /**
   * An unchanged session's expiry is extended at most once per this many seconds, so refreshing
   * costs one cheap store call now and then, not a write per request. Default: 60, or a tenth of
   * the shortest timeout if smaller.
   */
  touchInterval?: number;
  /** How many times a save re-applies its changes after a concurrent write. Default 50. */
  maxRetries?: number;
  /**
   * Seconds a `load()` or `save()` may take as the caller sees it — waiting for earlier saves of
   * the same session, conflict retries and merges included — before it fails with `StoreError`
   * (cause: `OperationTimeoutError`). Default: the store's `timeoutMs` plus 250 ms
   * (`DEADLINE_SLACK_MS`), or 10 s for stores without `timeoutMs` (memory, filesystem, SQLite).
   */
  operationTimeout?: number;
  /**
   * Debugging hook: called, after a save that met a concurrent write was stored, for every place
   * where the merge kept this request's value over the other request's change ("the later write
   * wins": both set `page`, say). The merge does not depend on it; an exception it throws fails
   * the request, with the data already saved. Default: none.
   */
  onMergeConflict?: (conflict: MergeConflict) => void;
  /**
   * Store records as Flask-Session 0.8 does (`SESSION_SERIALIZATION_FORMAT`): the bare session
   * dict as msgpack (`'msgpack'`, needs `msgpackr`) or JSON, so a Flask app using Flask-Session
   * and this interface share sessions through one store (use a store in its Flask-Session
   * layout, e.g. `new RedisStore({ client, layout: 'flask-session' })`). Default: sessionkit's
   * own format (tagged JSON with the creation time). `'pickle'` is the format of Flask-Session's
   * `filesystem`/`cachelib` backends (use `new FileSystemStore({ dir, layout: 'flask-session' })`);
   * pickles are read by a restricted reader, never a general unpickler.
   */
  serializationFormat?: FlaskRecordFormat;
  /** @see serializationFormat */
  SESSION_SERIALIZATION_FORMAT?: FlaskRecordFormat;
  /** Format of stored records, for custom formats. Default: tagged JSON with creation time. */
  codec?: RecordCodec;
  /** Current time in epoch milliseconds (for tests). Default `Date.now`. */
  clock?: () => number;
  /**
   * Sessions of an express-session app (with connect-redis or another store of its records):
   * `{ mode: 'migrate', secret, store }` moves them to sessionkit as their users come back;
   * `{ mode: 'side-by-side', secret }` shares them with a running express-session app. Default:
   * none. See docs/migrating.md.
   */
  expressSession?: ExpressSessionCompat;
}

/** Prefix of store keys: Flask-Session's `SESSION_KEY_PREFIX`, so both find the same records. */
export const DEFAULT_KEY_PREFIX = 'session:';
/** New sessions are permanent by default, as Flask-Session's `SESSION_PERMANENT`. */
export const DEFAULT_PERMANENT = true;
/**
 * Longest default touch interval (ms): an unchanged session costs at most one touch a minute,
 * while its expiry stays within a minute of "last seen".
 */
export const MAX_DEFAULT_TOUCH_INTERVAL_MS = 60_000;
/**
 * The default touch interval is at most this fraction of the shortest timeout, so throttling
 * never costs more than a tenth of a timeout (a 5-minute idle timeout touches every 30 s).
 */
export const TOUCH_INTERVAL_FRACTION = 1 / 10;
/**
 * Concurrent writes a save tolerates before `SessionConflictError`: far more than two requests
 * of one user ever race; only a store that always reports a conflict exhausts it.
 */
export const DEFAULT_MAX_RETRIES = 50;
/**
 * Shortest `operationTimeout` accepted, in seconds: 1 ms, the resolution of node's timers. (A
 * deadline that short fails every operation; it is allowed for tests.)
 */
export const MIN_OPERATION_TIMEOUT_SECONDS = 0.001;
/** Flask-Session's signer of session ids (`SESSION_USE_SIGNER`): itsdangerous `Signer`, this salt, hmac, SHA-1. */
export const FLASK_SESSION_SIGNER = { salt: 'flask-session', keyDerivation: 'hmac', digest: 'sha1' } as const;

const OWN_OPTIONS = [
  'store', 'useSigner', 'SESSION_USE_SIGNER', 'keyPrefix', 'SESSION_KEY_PREFIX', 'permanent', 'SESSION_PERMANENT',
  'idLength', 'SESSION_ID_LENGTH', 'idleTimeout', 'absoluteTimeout', 'touchInterval', 'maxRetries', 'operationTimeout', 'onMergeConflict', 'codec',
  'serializationFormat', 'SESSION_SERIALIZATION_FORMAT', 'clock', 'expressSession',
];
/** Every option name `ServerSessionInterface` accepts (internal: the docs test compares it with the README). */
export const SERVER_SESSION_OPTION_NAMES: ReadonlySet<string> = new Set([...COOKIE_SETTING_NAMES, ...SECRET_OPTION_NAMES, ...OWN_OPTIONS]);

/** `ServerSessionOptions` with every default filled in and every value checked. */
export interface ResolvedServerOptions {
  /** The cookie settings. */
  readonly settings: Readonly<CookieSettings>;
  /** The rules of `decideSave`: cookie timing, permanence of new sessions, timeouts (ms). */
  readonly rules: Readonly<SaveRules>;
  /** The store given, or `undefined` for the default SQLite store. */
  readonly store: Store | undefined;
  /** Signs ids in the cookie (`useSigner`), or `undefined`. */
  readonly signer: Signer | undefined;
  /** How the id travels in the cookie: sessionkit's format, or express-session's side by side. */
  readonly idCookie: IdCookieFormat;
  /** Moves express-session's sessions over (`expressSession` in migrate mode), or `undefined`. */
  readonly migration: ExpressSessionMigration | undefined;
  /** Prefix of store keys. */
  readonly keyPrefix: string;
  /** Bytes of randomness in new session ids. */
  readonly idBytes: number;
  /**
   * Records are Flask-Session's (`serializationFormat` given): the deletion cookie is then sent as
   * Flask-Session sends it, whenever a session is emptied.
   */
  readonly flaskSession: boolean;
  /** How the deletion cookie is written. */
  readonly deletionStyle: DeletionCookieStyle;
  /** Concurrent writes a save tolerates. */
  readonly maxRetries: number;
  /** The deadline of one load or save in ms (`operationTimeout`), or `undefined` for the store's default. */
  readonly operationTimeoutMs: number | undefined;
  /** Told where a merge kept this request's value over another's change, if given. */
  readonly onMergeConflict: ((conflict: MergeConflict) => void) | undefined;
  /** A record codec, or a Flask-Session format whose codec loads on first use. */
  readonly codec: RecordCodec | FlaskRecordFormat;
  /** Current time in epoch ms. */
  readonly clock: () => number;
}

/** Resolves and checks the options; throws `ConfigError` naming the option. */
export function resolveServerOptions(options: ServerSessionOptions): ResolvedServerOptions {
  rejectUnknownOptions(options, SERVER_SESSION_OPTION_NAMES, 'ServerSessionInterface');
  // Side by side with express-session, its cookie, keys and record format are the interface's.
  const express = resolveExpressSession(options);
  const sideBySide = express?.mode === 'side-by-side' ? express : undefined;
  const settings = Object.freeze(resolveCookieSettings(sideBySide ? { ...options, cookieName: sideBySide.name } : options));
  if (express) checkMigrateCookieName(express, settings.cookieName);

  const signerOpt = pickOption(options, 'useSigner', 'SESSION_USE_SIGNER');
  const useSigner = signerOpt ? validate.boolean(signerOpt.name, signerOpt.value) : false;
  const signer = useSigner
    ? new Signer({ secret: resolveSecrets(options, 'to sign session ids (useSigner)').secrets, ...FLASK_SESSION_SIGNER })
    : undefined;

  const prefixOpt = pickOption(options, 'keyPrefix', 'SESSION_KEY_PREFIX');
  const keyPrefix = sideBySide?.prefix ?? (prefixOpt ? validate.string(prefixOpt.name, prefixOpt.value, { nonEmpty: false }) : DEFAULT_KEY_PREFIX);
  const permanentOpt = pickOption(options, 'permanent', 'SESSION_PERMANENT');
  const permanentByDefault = permanentOpt ? validate.boolean(permanentOpt.name, permanentOpt.value) : DEFAULT_PERMANENT;
  const idOpt = pickOption(options, 'idLength', 'SESSION_ID_LENGTH');
  const idBytes = idOpt ? validateIdBytes(idOpt.name, idOpt.value) : SESSION_ID_BYTES;

  const idleTimeoutMs = options.idleTimeout === undefined ? undefined : validate.seconds('idleTimeout', options.idleTimeout) * 1000;
  const absoluteTimeoutMs = options.absoluteTimeout === undefined ? undefined : validate.seconds('absoluteTimeout', options.absoluteTimeout) * 1000;
  const shortestMs = Math.min(absoluteTimeoutMs ?? Infinity, idleTimeoutMs ?? Infinity, settings.permanentLifetime * 1000);
  const touchIntervalMs =
    options.touchInterval === undefined
      ? Math.min(MAX_DEFAULT_TOUCH_INTERVAL_MS, shortestMs * TOUCH_INTERVAL_FRACTION)
      : validate.seconds('touchInterval', options.touchInterval, { min: 0 }) * 1000;
  const maxRetries = options.maxRetries === undefined ? DEFAULT_MAX_RETRIES : validate.count('maxRetries', options.maxRetries);
  const operationTimeoutMs =
    options.operationTimeout === undefined
      ? undefined
      : validate.seconds('operationTimeout', options.operationTimeout, { min: MIN_OPERATION_TIMEOUT_SECONDS }) * 1000;
  const onMergeConflict =
    options.onMergeConflict === undefined ? undefined : validate.function<(conflict: MergeConflict) => void>('onMergeConflict', options.onMergeConflict);

  const formatOpt = pickOption(options, 'serializationFormat', 'SESSION_SERIALIZATION_FORMAT');
  if (formatOpt && options.codec) throw new ConfigError(formatOpt.name, 'give either a serialization format or a codec, not both');
  const clock = options.clock === undefined ? Date.now : validate.function<() => number>('clock', options.clock);
  const codec = sideBySide
    ? new ExpressSessionCodec({ cookie: settings, clock })
    : formatOpt
      ? validate.oneOf(formatOpt.name, formatOpt.value, FLASK_RECORD_FORMATS)
      : (options.codec ?? new TaggedJsonRecordCodec());
  const idCookie = sideBySide ? sideBySide.idCookie : sessionIdCookie(signer);
  const migration = express?.mode === 'migrate' ? new ExpressSessionMigration(express, settings, clock) : undefined;

  const flaskSession = formatOpt !== undefined;

  const rules = Object.freeze({
    refreshEachRequest: settings.refreshEachRequest,
    permanentLifetime: settings.permanentLifetime,
    permanentByDefault,
    deleteCookieWithoutId: flaskSession,
    idleTimeoutMs,
    absoluteTimeoutMs,
    touchIntervalMs,
  });
  const deletionStyle: DeletionCookieStyle = flaskSession ? 'flask-session' : 'flask';
  return Object.freeze({ settings, rules, store: options.store, signer, idCookie, migration, keyPrefix, idBytes, flaskSession, deletionStyle, maxRetries, operationTimeoutMs, onMergeConflict, codec, clock });
}

function validateIdBytes(name: string, value: unknown): number {
  const bytes = validate.bytes(name, value, { min: MIN_SESSION_ID_BYTES });
  if (bytes > MAX_SESSION_ID_BYTES) throw new ConfigError(name, `expected a whole number of bytes <= ${MAX_SESSION_ID_BYTES}, got ${bytes}`);
  return bytes;
}

/** The store used when none is given: the embedded SQLite store under the working directory. */
export async function openDefaultStore(): Promise<Store> {
  const { SqliteStore, defaultSqlitePath } = await import('../../stores/sqlite/index.js');
  return new SqliteStore({ path: defaultSqlitePath() });
}
