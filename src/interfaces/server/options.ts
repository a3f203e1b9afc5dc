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
import type { FlaskSessionFormat } from '../../serialization/records/flask-session.js';
import { TaggedJsonRecordCodec, type RecordCodec } from '../../serialization/records/record-codec.js';
import { Signer } from '../../signing/index.js';
import type { Store } from '../../stores/store.js';

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
   * own format (tagged JSON with the creation time).
   */
  serializationFormat?: FlaskSessionFormat;
  /** @see serializationFormat */
  SESSION_SERIALIZATION_FORMAT?: FlaskSessionFormat;
  /** Format of stored records, for custom formats. Default: tagged JSON with creation time. */
  codec?: RecordCodec;
  /** Current time in epoch milliseconds (for tests). Default `Date.now`. */
  clock?: () => number;
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
/** Flask-Session's signer of session ids (`SESSION_USE_SIGNER`): itsdangerous `Signer`, this salt, hmac, SHA-1. */
export const FLASK_SESSION_SIGNER = { salt: 'flask-session', keyDerivation: 'hmac', digest: 'sha1' } as const;

const OWN_OPTIONS = [
  'store', 'useSigner', 'SESSION_USE_SIGNER', 'keyPrefix', 'SESSION_KEY_PREFIX', 'permanent', 'SESSION_PERMANENT',
  'idleTimeout', 'absoluteTimeout', 'touchInterval', 'maxRetries', 'onMergeConflict', 'codec', 'serializationFormat',
  'SESSION_SERIALIZATION_FORMAT', 'clock',
];
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([...COOKIE_SETTING_NAMES, ...SECRET_OPTION_NAMES, ...OWN_OPTIONS]);

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
  /** Prefix of store keys. */
  readonly keyPrefix: string;
  /** Concurrent writes a save tolerates. */
  readonly maxRetries: number;
  /** Told where a merge kept this request's value over another's change, if given. */
  readonly onMergeConflict: ((conflict: MergeConflict) => void) | undefined;
  /** A record codec, or a Flask-Session format whose codec loads on first use. */
  readonly codec: RecordCodec | FlaskSessionFormat;
  /** Current time in epoch ms. */
  readonly clock: () => number;
}

/** Resolves and checks the options; throws `ConfigError` naming the option. */
export function resolveServerOptions(options: ServerSessionOptions): ResolvedServerOptions {
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'ServerSessionInterface');
  const settings = Object.freeze(resolveCookieSettings(options));

  const signerOpt = pickOption(options, 'useSigner', 'SESSION_USE_SIGNER');
  const useSigner = signerOpt ? validate.boolean(signerOpt.name, signerOpt.value) : false;
  const signer = useSigner
    ? new Signer({ secret: resolveSecrets(options, 'to sign session ids (useSigner)').secrets, ...FLASK_SESSION_SIGNER })
    : undefined;

  const prefixOpt = pickOption(options, 'keyPrefix', 'SESSION_KEY_PREFIX');
  const keyPrefix = prefixOpt ? validate.string(prefixOpt.name, prefixOpt.value, { nonEmpty: false }) : DEFAULT_KEY_PREFIX;
  const permanentOpt = pickOption(options, 'permanent', 'SESSION_PERMANENT');
  const permanentByDefault = permanentOpt ? validate.boolean(permanentOpt.name, permanentOpt.value) : DEFAULT_PERMANENT;

  const idleTimeoutMs = options.idleTimeout === undefined ? undefined : validate.seconds('idleTimeout', options.idleTimeout) * 1000;
  const absoluteTimeoutMs = options.absoluteTimeout === undefined ? undefined : validate.seconds('absoluteTimeout', options.absoluteTimeout) * 1000;
  const shortestMs = Math.min(absoluteTimeoutMs ?? Infinity, idleTimeoutMs ?? Infinity, settings.permanentLifetime * 1000);
  const touchIntervalMs =
    options.touchInterval === undefined
      ? Math.min(MAX_DEFAULT_TOUCH_INTERVAL_MS, shortestMs * TOUCH_INTERVAL_FRACTION)
      : validate.seconds('touchInterval', options.touchInterval, { min: 0 }) * 1000;
  const maxRetries = options.maxRetries === undefined ? DEFAULT_MAX_RETRIES : validate.count('maxRetries', options.maxRetries);
  const onMergeConflict =
    options.onMergeConflict === undefined ? undefined : validate.function<(conflict: MergeConflict) => void>('onMergeConflict', options.onMergeConflict);

  const formatOpt = pickOption(options, 'serializationFormat', 'SESSION_SERIALIZATION_FORMAT');
  if (formatOpt && options.codec) throw new ConfigError(formatOpt.name, 'give either a serialization format or a codec, not both');
  const codec = formatOpt ? validate.oneOf(formatOpt.name, formatOpt.value, ['msgpack', 'json'] as const) : (options.codec ?? new TaggedJsonRecordCodec());
  const clock = options.clock === undefined ? Date.now : validate.function<() => number>('clock', options.clock);

  const rules = Object.freeze({
    refreshEachRequest: settings.refreshEachRequest,
    permanentLifetime: settings.permanentLifetime,
    permanentByDefault,
    idleTimeoutMs,
    absoluteTimeoutMs,
    touchIntervalMs,
  });
  return Object.freeze({ settings, rules, store: options.store, signer, keyPrefix, maxRetries, onMergeConflict, codec, clock });
}

/** The store used when none is given: the embedded SQLite store under the working directory. */
export async function openDefaultStore(): Promise<Store> {
  const { SqliteStore, defaultSqlitePath } = await import('../../stores/sqlite/index.js');
  return new SqliteStore({ path: defaultSqlitePath() });
}
