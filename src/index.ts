/**
 * sessionkit: HTTP sessions for TypeScript servers. Signed-cookie sessions byte-compatible with
 * Flask, server-side sessions on pluggable stores without lost updates, and cookie helpers.
 * Framework adapters live under `sessionkit/node`, `sessionkit/express`, `sessionkit/fastify`,
 * `sessionkit/koa`, `sessionkit/hono` and `sessionkit/fetch`; stores under `sessionkit/stores/*`.
 */
export { Session, PERMANENT_KEY, FLASHES_KEY } from './session.js';
export type { SessionData, SessionBackend, FlashMessage, ConsumeFlashesOptions, SessionUpdater } from './session.js';
export { CookieSessionInterface } from './interfaces/cookie.js';
export type { CookieSessionOptions, SessionSerializer } from './interfaces/cookie.js';
export { ServerSessionInterface, SessionConflictError } from './interfaces/server.js';
export type { ServerSessionOptions } from './interfaces/server.js';
export type { MergeConflict, MergeConflictReason } from './merge/merge3.js';
export type { SessionInterface, SaveResult, RequestInfo } from './interfaces/session-interface.js';
export { TaggedJsonRecordCodec, RecordFormatError } from './serialization/records/record-codec.js';
export { FlaskSessionCodec } from './serialization/records/flask-session.js';
export type { FlaskSessionFormat } from './serialization/records/flask-session.js';
export type { RecordCodec, RecordMeta } from './serialization/records/record-codec.js';
export { generateSessionId, isWellFormedSessionId } from './interfaces/server/ids.js';
export type { Store, StoreRecord, UpdateResult } from './stores/store.js';
export { CookieJar, CookieError, parseCookies, readCookie, serializeCookie, serializeCookieDeletion } from './cookies.js';
export type { CookieOptions, CookieJarOptions, SameSite } from './cookies.js';
export { DEFAULT_PERMANENT_LIFETIME, DEFAULT_MAX_COOKIE_SIZE, resolveCookieSettings } from './config.js';
export type { CookieSettings, FlaskCookieSettings } from './config.js';
export {
  decideSave,
  readSessionFacts,
  cookieSaveFacts,
  decideCookieAction,
  shouldSetCookie,
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
export { SessionKitError, ConfigError, CookieTooLargeError, SessionNotLoadedError, StoreError } from './errors.js';
export * from './signing/index.js';
export * from './serialization/index.js';
