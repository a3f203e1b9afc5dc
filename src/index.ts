/**
 * sessionkit: HTTP sessions for TypeScript servers. Signed-cookie sessions byte-compatible with
 * Flask, sealed (encrypted) cookie sessions compatible with iron-session, server-side sessions on
 * pluggable stores without lost updates, and cookie helpers.
 * Framework adapters live under `sessionkit/node`, `sessionkit/express`, `sessionkit/fastify`,
 * `sessionkit/koa`, `sessionkit/hono` and `sessionkit/fetch`; stores under `sessionkit/stores/*`.
 */
export { Session, PERMANENT_KEY, FLASHES_KEY } from './session.js';
export type { SessionData, SessionDataView, SessionBackend, FlashMessage, ConsumeFlashesOptions, SessionUpdater } from './session.js';
export { CookieSessionInterface } from './interfaces/cookie.js';
export type { CookieSessionOptions, SessionSerializer } from './interfaces/cookie.js';
export type { CookieSessionCompat } from './interfaces/cookie-session-migration.js';
export type { CookieSizeOptions } from './interfaces/cookie-storage.js';
export { SealedCookieSessionInterface, IRON_SESSION_COOKIE_DEFAULTS, MIN_SEALED_TTL } from './interfaces/sealed-cookie.js';
export type { SealedCookieSessionOptions } from './interfaces/sealed-cookie.js';
export { ServerSessionInterface, SessionConflictError } from './interfaces/server.js';
export { fromFlaskConfig, FLASK_SESSION_TYPES, type FlaskConfig, type FlaskSessionSetup, type FromFlaskConfigOptions } from './flask-config.js';
export type { ServerSessionOptions } from './interfaces/server.js';
export type { ExpressSessionCompat, ExpressSessionMigrate, ExpressSessionSideBySide } from './interfaces/server/express-session.js';
export type { MergeConflict, MergeConflictReason } from './merge/merge3.js';
export type { SessionInterface, SaveResult, RequestInfo } from './interfaces/session-interface.js';
export { TaggedJsonRecordCodec, RecordFormatError } from './serialization/records/record-codec.js';
export { FlaskSessionCodec } from './serialization/records/flask-session.js';
export type { FlaskSessionFormat } from './serialization/records/flask-session.js';
export { ExpressSessionCodec, ExpressSessionValueError } from './serialization/records/express-session.js';
export type { ExpressSessionCodecOptions, ExpressCookieSettings } from './serialization/records/express-session.js';
export type { RecordCodec, RecordMeta } from './serialization/records/record-codec.js';
export { generateSessionId, isWellFormedSessionId, MIN_SESSION_ID_CHARS, MAX_SESSION_ID_CHARS } from './interfaces/server/ids.js';
export type { Store, StoreRecord, UpdateResult } from './stores/store.js';
export {
  CookieJar,
  CookieError,
  parseCookies,
  readCookie,
  readCookieValues,
  MAX_COOKIES_PER_NAME,
  serializeCookie,
  serializeCookieDeletion,
} from './cookies.js';
export type { CookieOptions, CookieJarOptions, SameSite } from './cookies.js';
export { DEFAULT_PERMANENT_LIFETIME, DEFAULT_MAX_COOKIE_SIZE, resolveCookieSettings } from './config.js';
export type { CookieSettings, FlaskCookieSettings } from './config.js';
export {
  decideSave,
  readSessionFacts,
  cookieSaveFacts,
  decideCookieAction,
  shouldSetCookie,
  isEmptySession,
  refreshesRecord,
  loadsBeforeSave,
  expirationTime,
  recordTtl,
  isTouchDue,
  cookieAttributes,
} from './decisions.js';
export type {
  CookieAction,
  CookieDecision,
  DataAction,
  SaveFacts,
  SavePlan,
  SaveRules,
  SessionFacts,
  SessionStorage,
} from './decisions.js';
export type { SecretOptions } from './secrets.js';
export {
  SessionKitError,
  ConfigError,
  CookieTooLargeError,
  SessionNotLoadedError,
  StoreError,
  SessionHttpError,
  SessionStoreUnavailableError,
  SessionHandlingError,
} from './errors.js';
export { OperationTimeoutError } from './stores/internal/deadline.js';
export * from './signing/index.js';
export * from './serialization/index.js';
export * from './sealing/index.js';
