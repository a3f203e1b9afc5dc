import { ConfigError } from './errors.js';
import type { SameSite } from './cookies.js';
import { closestName, foreignOptionHint } from './option-hints.js';

/** 31 days, Flask's default `PERMANENT_SESSION_LIFETIME`, in seconds. */
export const DEFAULT_PERMANENT_LIFETIME = 31 * 24 * 60 * 60;

/**
 * Largest `Set-Cookie` value browsers reliably keep (Werkzeug's `max_cookie_size` default):
 * beyond it the cookie is silently dropped.
 */
export const DEFAULT_MAX_COOKIE_SIZE = 4093;

/** Attributes and timing of the session cookie, shared by cookie and server-side sessions. */
export interface CookieSettings {
  /** Cookie name. Default `session` (`SESSION_COOKIE_NAME`). */
  cookieName: string;
  /** `Domain` attribute; unset means host-only (`SESSION_COOKIE_DOMAIN`). */
  domain: string | undefined;
  /** `Path` attribute. Default `/` (`SESSION_COOKIE_PATH`). */
  path: string;
  /** `HttpOnly`. Default `true` (`SESSION_COOKIE_HTTPONLY`). */
  httpOnly: boolean;
  /**
   * `Secure`. Default `false` (`SESSION_COOKIE_SECURE`). `'auto'`: secure exactly when the request
   * came over HTTPS as the framework sees it (its trust-proxy setting included).
   */
  secure: boolean | 'auto';
  /** `SameSite`. Default not sent (`SESSION_COOKIE_SAMESITE`, Flask's `None`). */
  sameSite: SameSite | false;
  /** `Partitioned` (CHIPS). Default `false` (`SESSION_COOKIE_PARTITIONED`). */
  partitioned: boolean;
  /**
   * Re-send a permanent session's cookie on every request that reads it, sliding its expiry.
   * Default `true` (`SESSION_REFRESH_EACH_REQUEST`).
   */
  refreshEachRequest: boolean;
  /**
   * Lifetime of a permanent session in seconds; also the maximum age of any session cookie.
   * Default 31 days (`PERMANENT_SESSION_LIFETIME`).
   */
  permanentLifetime: number;
}

/** The camelCase option names of `CookieSettings` and the Flask config names that mean the same. */
export const COOKIE_SETTING_ALIASES = {
  cookieName: 'SESSION_COOKIE_NAME',
  domain: 'SESSION_COOKIE_DOMAIN',
  path: 'SESSION_COOKIE_PATH',
  httpOnly: 'SESSION_COOKIE_HTTPONLY',
  secure: 'SESSION_COOKIE_SECURE',
  sameSite: 'SESSION_COOKIE_SAMESITE',
  partitioned: 'SESSION_COOKIE_PARTITIONED',
  refreshEachRequest: 'SESSION_REFRESH_EACH_REQUEST',
  permanentLifetime: 'PERMANENT_SESSION_LIFETIME',
} as const;

/** Cookie settings given under Flask's config names. */
export type FlaskCookieSettings = {
  [K in keyof typeof COOKIE_SETTING_ALIASES as (typeof COOKIE_SETTING_ALIASES)[K]]?: K extends 'sameSite'
    ? SameSite | false | null
    : K extends 'domain'
      ? string | null
      : CookieSettings[K];
};

/**
 * Reads one option given either as `camel` or as Flask's `flask` name. Giving both with different
 * values is an error; `null` under a Flask name means "not set", as Python's `None`.
 */
export function pickOption(options: object, camel: string, flask?: string): { value: unknown; name: string } | undefined {
  const bag = options as Record<string, unknown>;
  const hasCamel = Object.hasOwn(bag, camel) && bag[camel] !== undefined;
  const hasFlask = flask !== undefined && Object.hasOwn(bag, flask) && bag[flask] !== undefined;
  if (hasCamel && hasFlask && bag[camel] !== bag[flask]) {
    throw new ConfigError(camel, `given twice with different values (${camel} and ${flask}); keep one`);
  }
  if (hasCamel) return { value: bag[camel], name: camel };
  if (hasFlask) return { value: bag[flask], name: flask };
  return undefined;
}

/**
 * Longest duration `validate.seconds` accepts: 10 years. No session lasts that long (browsers
 * cap cookie lifetimes at 400 days), so a bigger number is almost surely milliseconds, the unit
 * of express-session's and cookie-session's `maxAge`.
 */
export const MAX_DURATION_SECONDS = 10 * 365 * 24 * 60 * 60;

/** Options of the numeric validators. */
export interface NumberRule {
  /** Smallest value accepted. */
  min?: number;
}

function checkNumber(name: string, value: unknown, unit: string, min: number, integer: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!ok) throw new ConfigError(name, `expected ${integer ? 'a whole number' : 'a number'} of ${unit} >= ${min}, got ${describe(value)}`);
  return value;
}

/**
 * Validates a value read with `pickOption`; each returns the normalized value or throws
 * `ConfigError` naming the option. Numeric validators are named by unit, so a message says what
 * the number means (`maxCookieSize: 0` → "expected a whole number of bytes >= 1").
 */
export const validate = {
  string(name: string, value: unknown, { nonEmpty = true } = {}): string {
    if (typeof value !== 'string') throw new ConfigError(name, `expected a string, got ${describe(value)}`);
    if (nonEmpty && value.length === 0) throw new ConfigError(name, 'must not be empty');
    return value;
  },
  boolean(name: string, value: unknown): boolean {
    if (typeof value !== 'boolean') throw new ConfigError(name, `expected true or false, got ${describe(value)}`);
    return value;
  },
  /**
   * A duration in seconds (fractions allowed). Default minimum 1. Above
   * `MAX_DURATION_SECONDS` (10 years) it is refused as milliseconds given by mistake.
   */
  seconds(name: string, value: unknown, { min = 1 }: NumberRule = {}): number {
    const seconds = checkNumber(name, value, 'seconds', min, false);
    if (seconds > MAX_DURATION_SECONDS) {
      throw new ConfigError(name, `${seconds} looks like milliseconds: sessionkit durations are seconds (did you mean ${seconds / 1000}?)`);
    }
    return seconds;
  },
  /** A duration in milliseconds (fractions allowed). Default minimum 1. */
  milliseconds(name: string, value: unknown, { min = 1 }: NumberRule = {}): number {
    return checkNumber(name, value, 'milliseconds', min, false);
  },
  /** A size in bytes (whole). Default minimum 1. */
  bytes(name: string, value: unknown, { min = 1 }: NumberRule = {}): number {
    return checkNumber(name, value, 'bytes', min, true);
  },
  /** A count (whole). Default minimum 0. */
  count(name: string, value: unknown, { min = 0 }: NumberRule = {}): number {
    return checkNumber(name, value, 'items', min, true);
  },
  /** A function (a clock, a callback). */
  function<F extends (...args: never[]) => unknown>(name: string, value: unknown): F {
    if (typeof value !== 'function') throw new ConfigError(name, `expected a function, got ${describe(value)}`);
    return value as F;
  },
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      throw new ConfigError(name, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  },
};

/** Short description of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SAME_SITE_VALUES: Record<string, SameSite> = { lax: 'Lax', strict: 'Strict', none: 'None' };

/** Resolves cookie settings from options (camelCase or Flask names) with Flask's defaults, validated. */
export function resolveCookieSettings(options: object): CookieSettings {
  const get = (key: keyof typeof COOKIE_SETTING_ALIASES) => pickOption(options, key, COOKIE_SETTING_ALIASES[key]);

  const name = get('cookieName');
  const cookieName = name ? validate.string(name.name, name.value) : 'session';
  if (!COOKIE_NAME.test(cookieName)) throw new ConfigError(name?.name ?? 'cookieName', `${JSON.stringify(cookieName)} is not a valid cookie name`);

  const domainOpt = get('domain');
  const domain = domainOpt && domainOpt.value !== null && domainOpt.value !== false ? validate.string(domainOpt.name, domainOpt.value) : undefined;

  const pathOpt = get('path');
  const path = pathOpt ? validate.string(pathOpt.name, pathOpt.value) : '/';
  if (!path.startsWith('/')) throw new ConfigError(pathOpt?.name ?? 'path', 'must start with "/"');

  const httpOnlyOpt = get('httpOnly');
  const secureOpt = get('secure');
  let secure: boolean | 'auto' = false;
  if (secureOpt) secure = secureOpt.value === 'auto' ? 'auto' : validate.boolean(secureOpt.name, secureOpt.value);

  const sameSiteOpt = get('sameSite');
  let sameSite: SameSite | false = false;
  if (sameSiteOpt && sameSiteOpt.value !== null && sameSiteOpt.value !== false) {
    const normalized = typeof sameSiteOpt.value === 'string' ? SAME_SITE_VALUES[sameSiteOpt.value.toLowerCase()] : undefined;
    if (!normalized) throw new ConfigError(sameSiteOpt.name, `expected "Lax", "Strict", "None" or false, got ${describe(sameSiteOpt.value)}`);
    sameSite = normalized;
  }

  const partitionedOpt = get('partitioned');
  const refreshOpt = get('refreshEachRequest');
  const lifetimeOpt = get('permanentLifetime');

  const settings: CookieSettings = {
    cookieName,
    domain,
    path,
    httpOnly: httpOnlyOpt ? validate.boolean(httpOnlyOpt.name, httpOnlyOpt.value) : true,
    secure,
    sameSite,
    partitioned: partitionedOpt ? validate.boolean(partitionedOpt.name, partitionedOpt.value) : false,
    refreshEachRequest: refreshOpt ? validate.boolean(refreshOpt.name, refreshOpt.value) : true,
    permanentLifetime: lifetimeOpt ? validate.seconds(lifetimeOpt.name, lifetimeOpt.value) : DEFAULT_PERMANENT_LIFETIME,
  };
  if (settings.sameSite === 'None' && settings.secure === false) {
    throw new ConfigError(sameSiteOpt?.name ?? 'sameSite', 'SameSite=None requires secure: true (or "auto"); browsers reject it otherwise');
  }
  if (settings.partitioned && settings.secure === false) {
    throw new ConfigError(partitionedOpt?.name ?? 'partitioned', 'a partitioned cookie requires secure: true (or "auto")');
  }
  return settings;
}

/**
 * Rejects option names that are not in `known` (typos, options of another library), with one
 * message pattern for every constructor: `option X is invalid: unknown option of <owner>; …`,
 * followed by what to give instead: the sessionkit equivalent of another session library's
 * option (`maxAge` → `permanentLifetime`, in seconds), or the known name closest to a typo.
 * `owner` is the class or function the options were given to, e.g. `RedisStore`.
 */
export function rejectUnknownOptions(options: object, known: ReadonlySet<string>, owner = 'this constructor'): void {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', `expected an object of options for ${owner}, got ${describe(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (known.has(key)) continue;
    const hint = foreignOptionHint(key, value, known);
    const typo = hint === undefined ? closestName(key, known) : undefined;
    const advice = hint ?? (typo === undefined ? undefined : `did you mean ${typo}?`);
    throw new ConfigError(key, `unknown option of ${owner}${advice === undefined ? ' (check the spelling; see the README for the list)' : `; ${advice}`}`);
  }
}

/** Every option name accepted by `resolveCookieSettings`. */
export const COOKIE_SETTING_NAMES: readonly string[] = [
  ...Object.keys(COOKIE_SETTING_ALIASES),
  ...Object.values(COOKIE_SETTING_ALIASES),
];
