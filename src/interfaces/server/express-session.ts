/**
 * The `expressSession` option of `ServerSessionInterface`: working with the sessions of an
 * express-session app, either by moving them over (`'migrate'`) or by sharing them
 * (`'side-by-side'`). This module reads the option and knows express-session's id cookie; the
 * moving itself is `express-migration.ts`.
 */
import { pickOption, rejectUnknownOptions, validate } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { checkSecrets, type Secret } from '../../secrets.js';
import { signCookieValue, unsignCookieValue } from '../../signing/cookie-signature.js';
import { optionNames } from '../../stores/internal/options.js';
import type { Store } from '../../stores/store.js';
import { isWellFormedSessionId, type IdCookieFormat } from './ids.js';

/** What both modes of the `expressSession` option take. */
interface ExpressSessionCommon {
  /**
   * express-session's `secret` exactly as the express-session app gives it: one secret, or a
   * list whose first entry signs and whose every entry verifies.
   */
  secret: Secret | readonly Secret[];
  /** express-session's cookie name (its `name` option). Default `connect.sid`. */
  name?: string;
  /** The key prefix of its store (connect-redis' `prefix` option). Default `sess:`. */
  prefix?: string;
}

/**
 * Move an express-session app's sessions to sessionkit. A request that brings only
 * express-session's cookie reads its session where express-session left it; the first request
 * that writes or refreshes it stores it in sessionkit's format under a new id, sends sessionkit's
 * cookie, and deletes express-session's record and cookie. Nobody is logged out.
 */
export interface ExpressSessionMigrate extends ExpressSessionCommon {
  mode: 'migrate';
  /**
   * The store holding express-session's records, in their layout: for connect-redis,
   * `new RedisStore({ client, layout: 'express-session' })` on the same Redis.
   */
  store: Store;
  /** The `path` of express-session's cookie (its `cookie.path`), to delete it. Default `/`. */
  path?: string;
  /** The `domain` of express-session's cookie (its `cookie.domain`), to delete it. Default: none. */
  domain?: string;
}

/**
 * Share sessions with a running express-session app: sessionkit reads and writes
 * express-session's own cookie (name, `s:` signature) and records (`sess:` keys, its JSON with
 * the `cookie` object), so both apps serve the same users during a rolling deploy. Give the
 * interface a store in express-session's layout (`new RedisStore({ client, layout:
 * 'express-session' })`) and the cookie settings of the express-session app.
 */
export interface ExpressSessionSideBySide extends ExpressSessionCommon {
  mode: 'side-by-side';
}

/** The `expressSession` option of `ServerSessionInterface`: one of the two modes. */
export type ExpressSessionCompat = ExpressSessionMigrate | ExpressSessionSideBySide;

/** express-session's default cookie name. */
export const EXPRESS_SESSION_COOKIE_NAME = 'connect.sid';
/** connect-redis' default key prefix. */
export const EXPRESS_SESSION_KEY_PREFIX = 'sess:';
/** Bytes of express-session's default ids: `uid-safe(24)`, 32 base64url characters. */
export const EXPRESS_SESSION_ID_BYTES = 24;
/** express-session marks a signed cookie value with this prefix (an unsigned one it ignores). */
export const SIGNED_VALUE_PREFIX = 's:';

const OPTION = 'expressSession';
const MIGRATE_OPTIONS = optionNames<ExpressSessionMigrate>({ mode: true, secret: true, name: true, prefix: true, store: true, path: true, domain: true });
const SIDE_BY_SIDE_OPTIONS = optionNames<ExpressSessionSideBySide>({ mode: true, secret: true, name: true, prefix: true });

/**
 * Options of `ServerSessionInterface` that side-by-side mode decides itself, with the reason
 * given when one is passed anyway.
 */
const DECIDED_BY_SIDE_BY_SIDE: readonly (readonly [names: readonly string[], reason: string])[] = [
  [['cookieName', 'SESSION_COOKIE_NAME'], "the cookie is express-session's; give its name as expressSession.name"],
  [['keyPrefix', 'SESSION_KEY_PREFIX'], "the records are express-session's; give its store's prefix as expressSession.prefix"],
  [['useSigner', 'SESSION_USE_SIGNER'], "the id is signed as express-session signs it, with expressSession.secret"],
  [['codec', 'serializationFormat', 'SESSION_SERIALIZATION_FORMAT'], "the records are in express-session's format"],
  [['absoluteTimeout'], 'express-session records have no creation time to count from'],
];

/**
 * express-session's signed id cookie: `s:<id>.<signature>` (cookie-signature: HMAC-SHA256,
 * base64 without padding), URL-encoded in the cookie as express-session sends it. Reads ids of
 * express-session's default shape (32 characters) and of sessionkit's (43); writes with the
 * first secret.
 */
export class ExpressSessionIdCookie implements IdCookieFormat {
  readonly #secrets: readonly Secret[];

  /** `secrets` in express-session's order: the first signs, every one verifies. */
  constructor(secrets: readonly Secret[]) {
    this.#secrets = secrets;
  }

  read(value: string | undefined): string | undefined {
    if (!value?.startsWith(SIGNED_VALUE_PREFIX)) return undefined;
    const id = unsignCookieValue(value.slice(SIGNED_VALUE_PREFIX.length), this.#secrets);
    if (id === undefined) return undefined;
    return isWellFormedSessionId(id) ? id : undefined;
  }

  write(id: string): string {
    return encodeURIComponent(SIGNED_VALUE_PREFIX + signCookieValue(id, this.#secrets[0]!));
  }
}

/** The `expressSession` option, checked. */
export interface ResolvedExpressSession {
  readonly mode: ExpressSessionCompat['mode'];
  /** express-session's cookie name. */
  readonly name: string;
  /** The key prefix of its records. */
  readonly prefix: string;
  /** Its secrets, the signing one first. */
  readonly secrets: readonly Secret[];
  /** Reads and writes its id cookie. */
  readonly idCookie: ExpressSessionIdCookie;
  /** migrate: the store of its records, and its cookie's path and domain. */
  readonly migrate?: { readonly store: Store; readonly path: string; readonly domain: string | undefined };
}

/**
 * Reads the `expressSession` option of `options` (`undefined` when not given); throws
 * `ConfigError` naming the option at fault, including options of the interface that
 * side-by-side mode decides itself.
 */
export function resolveExpressSession(options: object): ResolvedExpressSession | undefined {
  const block = (options as { expressSession?: unknown }).expressSession;
  if (block === undefined) return undefined;
  if (block === null || typeof block !== 'object') {
    throw new ConfigError(OPTION, "expected { mode: 'migrate' | 'side-by-side', secret, … }");
  }
  const given = block as Partial<Record<keyof ExpressSessionMigrate, unknown>>;
  const mode = validate.oneOf(`${OPTION}.mode`, given.mode, ['migrate', 'side-by-side'] as const);
  rejectUnknownOptions(block, mode === 'migrate' ? MIGRATE_OPTIONS : SIDE_BY_SIDE_OPTIONS, `ServerSessionInterface ${OPTION} (${mode})`);
  const secrets = checkSecrets(`${OPTION}.secret`, given.secret);
  const name = given.name === undefined ? EXPRESS_SESSION_COOKIE_NAME : validate.string(`${OPTION}.name`, given.name);
  const prefix = given.prefix === undefined ? EXPRESS_SESSION_KEY_PREFIX : validate.string(`${OPTION}.prefix`, given.prefix, { nonEmpty: false });
  const resolved = { mode, name, prefix, secrets, idCookie: new ExpressSessionIdCookie(secrets) };
  if (mode === 'side-by-side') {
    refuseDecidedOptions(options);
    return Object.freeze(resolved);
  }
  if (!isStore(given.store)) {
    throw new ConfigError(`${OPTION}.store`, "expected the store holding express-session's records, e.g. new RedisStore({ client, layout: 'express-session' })");
  }
  const path = given.path === undefined ? '/' : validate.string(`${OPTION}.path`, given.path);
  const domain = given.domain === undefined ? undefined : validate.string(`${OPTION}.domain`, given.domain);
  return Object.freeze({ ...resolved, migrate: Object.freeze({ store: given.store, path, domain }) });
}

/** Throws when a migrating interface's own cookie has express-session's name: both are sent while sessions move. */
export function checkMigrateCookieName(express: ResolvedExpressSession, cookieName: string): void {
  if (express.mode === 'migrate' && express.name === cookieName) {
    throw new ConfigError(
      `${OPTION}.name`,
      `sessionkit's cookie and express-session's are both named ${JSON.stringify(cookieName)}; while sessions move both are sent, so give sessionkit another cookieName`,
    );
  }
}

function refuseDecidedOptions(options: object): void {
  for (const [names, reason] of DECIDED_BY_SIDE_BY_SIDE) {
    for (const name of names) {
      if (pickOption(options, name) !== undefined) throw new ConfigError(name, `not used with expressSession side-by-side mode: ${reason}`);
    }
  }
}

function isStore(value: unknown): value is Store {
  if (value === null || typeof value !== 'object') return false;
  const store = value as Partial<Record<keyof Store, unknown>>;
  return ['load', 'create', 'update', 'touch', 'destroy'].every((method) => typeof store[method as keyof Store] === 'function');
}
