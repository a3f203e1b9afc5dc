/**
 * Everything sessionkit decides at the end of a request, for cookie and server-side sessions
 * alike: what happens to the data, which cookie is sent with which attributes and expiry, and
 * whether the response varies on `Cookie`. The interfaces gather the facts, call `decideSave`
 * and carry the plan out — the cookie interface by signing, the server interface by calling its
 * store. Flask's `save_session` is the model: Vary → delete if emptied → should we set? → set.
 *
 * The decision table of `decideSave`, first matching row wins ("cookie" and "server" say how
 * the two interfaces differ where they do):
 *
 * | # | facts                                   | data                          | cookie                                   | Vary        |
 * |---|-----------------------------------------|-------------------------------|------------------------------------------|-------------|
 * | 1 | not loaded                              | none                          | none                                     | no          |
 * | 2 | destroyed, then written again           | create (the loaded one goes)  | set                                      | yes         |
 * | 3 | destroyed, or emptied and changed       | delete if stored, else none   | delete (server: only if an id was sent*) | yes         |
 * | 4 | empty                                   | none                          | none                                     | if accessed |
 * | 5 | regenerate requested, unchanged         | none                          | none                                     | if accessed |
 * | 6 | regenerate requested                    | recreate (create if unstored) | set                                      | yes         |
 * | 7 | not stored yet, unchanged               | none                          | none                                     | if accessed |
 * | 8 | not stored yet                          | create                        | set                                      | yes         |
 * | 9 | changed                                 | update                        | set                                      | yes         |
 * |10 | unchanged, nothing to refresh           | none                          | none                                     | if accessed |
 * |11 | unchanged, refresh not due yet          | none                          | none                                     | if accessed |
 * |12 | unchanged, refresh due                  | touch                         | set if `shouldSetCookie`, else none      | if set or accessed |
 *
 * (*) or always, with the rule `deleteCookieWithoutId` (Flask-Session sends it whenever a session
 * is emptied).
 *
 * "Empty" is Python's `not session`: a cookie session is empty when it holds no key — so one
 * holding only `_permanent: false` is not, as in Flask; a server-side session is empty when it
 * holds nothing but `_permanent`, as Flask-Session's `ServerSideSession.__bool__` says, so such a
 * session is never stored. "Changed" is `needsSave` (modified, or a value read and changed in
 * place); setting `permanent` always counts, as Flask's dict assignment does. "Nothing to
 * refresh": a cookie session is refreshed only by re-sending its cookie (`shouldSetCookie`:
 * permanent with refresh-each-request); a server-side record is refreshed with
 * refresh-each-request whether the session is permanent or not (Flask-Session's
 * `should_set_storage`: the store keeps every session the permanent lifetime), and with an idle
 * timeout. "Refresh due" means the touch interval passed since the stored expiry was last
 * extended — always so for cookie sessions, whose cookie is their record.
 *
 * A session that starts with this save (rows 2 and 8, and 6 when it was not stored yet) gets a
 * new creation time. The interface's rule `permanentByDefault` (Flask-Session's
 * `SESSION_PERMANENT`) makes new sessions permanent: `ServerSessionInterface` opens them holding
 * `_permanent: true` already, as Flask-Session does; a starting session that holds no
 * `_permanent` at all (emptied by `destroy()`, or one a custom interface opened bare) is made
 * permanent at save (`makePermanent`), and one holding `_permanent: false` stays as the request
 * chose. A recreated session (row 6) keeps its creation time, so `regenerate()` never extends the
 * absolute timeout.
 */
import type { CookieSettings } from './config.js';
import type { CookieOptions } from './cookies.js';
import type { RequestInfo } from './interfaces/session-interface.js';
import { PERMANENT_KEY, type Session } from './session.js';
import { sessionInternals } from './session-internals.js';

/** What to do with the session cookie at the end of a request. */
export type CookieAction = 'none' | 'set' | 'delete';

/**
 * What to do with the stored data: nothing; `delete` the record; `create` a record under a fresh
 * id; `update` the record (a conditional write); `touch` it (extend its expiry only);
 * `recreate` it under a fresh id, keeping data and creation time, then delete the old one
 * (`regenerate()`). For cookie sessions the cookie is the record: every action but `none` and
 * `delete` means "sign a new cookie".
 */
export type DataAction = 'none' | 'delete' | 'create' | 'update' | 'touch' | 'recreate';

/** Where the data of a session lives. */
export type SessionStorage = 'cookie' | 'server';

/** What a session says about itself at save time; `readSessionFacts` reads them. */
export interface SessionFacts {
  /** The data was read from its cookie or store. */
  readonly loaded: boolean;
  /** The session was read or written during the request (Flask's `accessed`). */
  readonly accessed: boolean;
  /** The session holds no key. */
  readonly empty: boolean;
  /** The session holds `_permanent` and no other key (empty for server-side sessions, as in Flask-Session). */
  readonly onlyPermanent: boolean;
  /** `destroy()` was called. */
  readonly destroyed: boolean;
  /** `regenerate()` was called. */
  readonly regenerate: boolean;
  /** Something must be saved: `modified`, or a value read was changed in place. */
  readonly needsSave: boolean;
  /** The session is permanent (`_permanent` is true). */
  readonly permanent: boolean;
  /** The session holds `_permanent`, `true` or `false` (the request, or its opening, chose). */
  readonly permanentSet: boolean;
  /** The request carried no session cookie at all. */
  readonly startedNew: boolean;
  /** The session counts as new: no cookie, or one that was invalid, expired or unknown. */
  readonly isNew: boolean;
}

/** The facts `decideSave` decides on: the session's own, and what its interface knows. */
export interface SaveFacts {
  /** Where the data lives: in the cookie itself, or in a store under the id the cookie holds. */
  readonly storage: SessionStorage;
  /** What the session says about itself. */
  readonly session: SessionFacts;
  /**
   * A stored record of this session exists. Server: a live record was loaded for the request's
   * id. Cookie: the request's cookie was valid (the cookie is the record).
   */
  readonly hasRecord: boolean;
  /**
   * The request presented a session id the interface could read (server: well-formed, and
   * correctly signed with `useSigner`). A server-side session sends a deletion cookie only then;
   * a cookie session always does when it is emptied, as Flask.
   */
  readonly hadRequestedId: boolean;
  /** The stored expiry may be extended now (`isTouchDue`); always true for cookie sessions. */
  readonly refreshDue: boolean;
  /** When the stored session was created (epoch ms), if it is stored. */
  readonly createdAtMs?: number | undefined;
  /** The time of the decision (epoch ms). */
  readonly nowMs: number;
}

/** The rules `decideSave` applies: the cookie settings, and a server interface's timeouts. */
export interface SaveRules extends Pick<CookieSettings, 'refreshEachRequest' | 'permanentLifetime'> {
  /** New sessions are permanent unless the request says otherwise (Flask-Session's `SESSION_PERMANENT`). Default `false`. */
  readonly permanentByDefault?: boolean;
  /**
   * An emptied server-side session's deletion cookie is sent even when the request carried no
   * session id, as Flask-Session sends it whenever a session is emptied. Default `false`: only a
   * browser that holds a session cookie is told to drop it.
   */
  readonly deleteCookieWithoutId?: boolean;
  /** Inactivity after which a stored session ends (ms); any use of the session counts as activity. */
  readonly idleTimeoutMs?: number | undefined;
  /** Age after which a stored session ends however active it is (ms). */
  readonly absoluteTimeoutMs?: number | undefined;
  /** An unchanged session's stored expiry is extended at most once per this many ms. Default 0. */
  readonly touchIntervalMs?: number;
}

/** What to do at the end of a request, as `decideSave` returns it. */
export interface SavePlan {
  /** What to do with the stored data. */
  readonly data: DataAction;
  /** With `create`: delete the record the request loaded first (it was destroyed, then written again). */
  readonly deleteLoaded: boolean;
  /** Make the session permanent before it is stored (a new session under `permanentByDefault` holding no `_permanent`). */
  readonly makePermanent: boolean;
  /** What to do with the cookie. */
  readonly cookie: CookieAction;
  /** Add `Vary: Cookie`: the response depends on the session. */
  readonly vary: boolean;
  /** With cookie `set`: its `Expires` (`expirationTime`); `undefined` is a browser-session cookie. */
  readonly expires: Date | undefined;
  /** When the session was created (epoch ms) once this plan is carried out; drives the absolute timeout. */
  readonly createdAtMs: number;
}

/** The outcome of `decideCookieAction`. */
export interface CookieDecision {
  action: CookieAction;
  /** Add `Vary: Cookie`: the response depends on the session. */
  vary: boolean;
}

/**
 * What a session says about itself, read without marking it accessed or loading it (an unloaded
 * session reads as empty and unchanged). For custom `SessionInterface` implementations: pass the
 * result to `decideSave`.
 */
export function readSessionFacts<T extends object>(session: Session<T>): SessionFacts {
  const internals = sessionInternals();
  const loaded = session.loaded;
  const size = internals.size(session);
  const permanentFlag = internals.peek(session, PERMANENT_KEY);
  return {
    loaded,
    accessed: session.accessed,
    empty: size === 0,
    onlyPermanent: size === 1 && permanentFlag !== undefined,
    destroyed: internals.destroyed(session),
    regenerate: internals.regenerateRequested(session),
    needsSave: loaded && internals.needsSave(session),
    permanent: permanentFlag === true,
    permanentSet: permanentFlag !== undefined,
    startedNew: internals.startedNew(session),
    isNew: internals.isNew(session),
  };
}

/** The facts of a cookie session: its cookie is its record, and nothing throttles a refresh. */
export function cookieSaveFacts(session: SessionFacts, nowMs: number): SaveFacts {
  return { storage: 'cookie', session, hasRecord: !session.isNew, hadRequestedId: !session.startedNew, refreshDue: true, nowMs };
}

/**
 * Whether an unread cookie session is loaded at save anyway: with refresh-each-request a
 * permanent session's cookie is re-sent even when the handler never read it, and only its data
 * tells whether it is permanent. (A server-side session is never read from its store just for
 * that: row 1 of the table applies.)
 */
export function loadsBeforeSave(session: Pick<SessionFacts, 'loaded' | 'startedNew'>, settings: Pick<CookieSettings, 'refreshEachRequest'>): boolean {
  return !session.loaded && settings.refreshEachRequest && !session.startedNew;
}

/**
 * Whether a non-empty session's cookie must be (re)sent: it changed, or it is permanent and
 * refresh-each-request is on (Flask's `should_set_cookie`). The only refresh test.
 */
export function shouldSetCookie(session: Pick<SessionFacts, 'needsSave' | 'permanent'>, settings: Pick<CookieSettings, 'refreshEachRequest'>): boolean {
  return session.needsSave || (settings.refreshEachRequest && session.permanent);
}

/**
 * Whether a session counts as empty where its data lives (Python's `not session`): no key at all
 * in a cookie (Flask), nothing but `_permanent` on the server (Flask-Session).
 */
export function isEmptySession(session: Pick<SessionFacts, 'empty' | 'onlyPermanent'>, storage: SessionStorage): boolean {
  return session.empty || (storage === 'server' && session.onlyPermanent);
}

/**
 * Whether an unchanged session's record is refreshed at all: a cookie by re-sending it
 * (`shouldSetCookie`); a server-side record with refresh-each-request, permanent or not
 * (Flask-Session's `should_set_storage`), and whenever an idle timeout must slide.
 */
export function refreshesRecord(facts: Pick<SaveFacts, 'storage' | 'session'>, rules: SaveRules): boolean {
  if (facts.storage === 'cookie') return shouldSetCookie(facts.session, rules);
  return rules.refreshEachRequest || rules.idleTimeoutMs !== undefined;
}

/** The plan of one save: the decision table above. */
export function decideSave(facts: SaveFacts, rules: SaveRules): SavePlan {
  const s = facts.session;
  const quiet = (vary: boolean): SavePlan => plan(facts, rules, { data: 'none', cookie: 'none', vary });
  if (!s.loaded) return quiet(false);
  const empty = isEmptySession(s, facts.storage);
  if (s.destroyed && !empty) {
    return plan(facts, rules, { data: 'create', cookie: 'set', vary: true, deleteLoaded: facts.hasRecord, starts: true });
  }
  if (s.destroyed || (empty && s.needsSave)) {
    const sendDeletion = facts.storage === 'cookie' || facts.hadRequestedId || rules.deleteCookieWithoutId === true;
    return plan(facts, rules, { data: facts.hasRecord ? 'delete' : 'none', cookie: sendDeletion ? 'delete' : 'none', vary: true });
  }
  if (empty) return quiet(s.accessed);
  if (s.regenerate || !facts.hasRecord) {
    if (!s.needsSave) return quiet(s.accessed);
    const moves = s.regenerate && facts.hasRecord;
    return plan(facts, rules, { data: moves ? 'recreate' : 'create', cookie: 'set', vary: true, starts: !facts.hasRecord });
  }
  if (s.needsSave) return plan(facts, rules, { data: 'update', cookie: 'set', vary: true });
  if (!refreshesRecord(facts, rules)) return quiet(s.accessed);
  if (!facts.refreshDue) return quiet(s.accessed);
  const refreshCookie = shouldSetCookie(s, rules);
  return plan(facts, rules, { data: 'touch', cookie: refreshCookie ? 'set' : 'none', vary: refreshCookie || s.accessed });
}

/** The parts of a plan a table row chooses; the rest follows from them. */
interface Row {
  data: DataAction;
  cookie: CookieAction;
  vary: boolean;
  deleteLoaded?: boolean;
  /** The session starts with this save (new creation time, default permanence). */
  starts?: boolean;
}

function plan(facts: SaveFacts, rules: SaveRules, row: Row): SavePlan {
  const starts = row.starts === true;
  const makePermanent = starts && rules.permanentByDefault === true && !facts.session.permanentSet;
  const createdAtMs = starts || facts.createdAtMs === undefined ? facts.nowMs : facts.createdAtMs;
  const expires =
    row.cookie === 'set'
      ? expirationTime(facts.session.permanent || makePermanent, rules, facts.nowMs, absoluteEnd(createdAtMs, rules))
      : undefined;
  return { data: row.data, deleteLoaded: row.deleteLoaded === true, makePermanent, cookie: row.cookie, vary: row.vary, expires, createdAtMs };
}

/**
 * Flask's `save_session` decisions for a session, as `decideSave` takes them for a cookie
 * session: which cookie action, and whether to add `Vary: Cookie`.
 */
export function decideCookieAction<T extends object>(session: Session<T>, settings: CookieSettings): CookieDecision {
  const decided = decideSave(cookieSaveFacts(readSessionFacts(session), Date.now()), settings);
  return { action: decided.cookie, vary: decided.vary };
}

/** When the session ends however active it is (epoch ms): creation + absolute timeout, if any. */
export function absoluteEnd(createdAtMs: number, rules: Pick<SaveRules, 'absoluteTimeoutMs'>): number | undefined {
  return rules.absoluteTimeoutMs === undefined ? undefined : createdAtMs + rules.absoluteTimeoutMs;
}

/**
 * When the cookie of a session expires: now + lifetime when permanent, never after
 * `absoluteEndMs` (the absolute timeout), else a browser-session cookie (`undefined`).
 */
export function expirationTime(
  permanent: boolean,
  settings: Pick<CookieSettings, 'permanentLifetime'>,
  nowMs: number,
  absoluteEndMs?: number,
): Date | undefined {
  if (!permanent) return undefined;
  const end = nowMs + settings.permanentLifetime * 1000;
  return new Date(absoluteEndMs !== undefined && end > absoluteEndMs ? absoluteEndMs : end);
}

/**
 * How long a stored record lives from now (ms): the idle timeout, or else the permanent lifetime,
 * never beyond the absolute timeout — and at least 1 ms, since stores refuse a TTL of 0.
 */
export function recordTtl(createdAtMs: number, nowMs: number, rules: SaveRules): number {
  const lifetime = rules.permanentLifetime * 1000;
  const end = absoluteEnd(createdAtMs, rules);
  const absoluteLeft = end === undefined ? Infinity : end - nowMs;
  return Math.max(1, Math.min(absoluteLeft, rules.idleTimeoutMs ?? lifetime, lifetime));
}

/**
 * Whether an unchanged record's expiry may be extended now: a touch would move it by at least the
 * touch interval, so refreshing costs one cheap store call now and then, not a write per request.
 */
export function isTouchDue(expiresAtMs: number, createdAtMs: number, nowMs: number, rules: SaveRules): boolean {
  return nowMs + recordTtl(createdAtMs, nowMs, rules) - expiresAtMs >= (rules.touchIntervalMs ?? 0);
}

/** Whether a stored session is past its absolute lifetime, and so counts as gone. */
export function isPastAbsoluteLifetime(createdAtMs: number, nowMs: number, rules: Pick<SaveRules, 'absoluteTimeoutMs'>): boolean {
  const end = absoluteEnd(createdAtMs, rules);
  return end !== undefined && end <= nowMs;
}

/**
 * The cookie attributes for this request. `secure: 'auto'` follows the request; on a plain-HTTP
 * request browsers reject `SameSite=None` and `Partitioned` without `Secure`, so those are left
 * out there (the browser then applies its SameSite default).
 */
export function cookieAttributes(settings: CookieSettings, request?: RequestInfo): CookieOptions {
  const secure = settings.secure === 'auto' ? request?.secure === true : settings.secure;
  return {
    domain: settings.domain,
    path: settings.path,
    httpOnly: settings.httpOnly,
    secure,
    sameSite: !secure && settings.sameSite === 'None' ? false : settings.sameSite,
    partitioned: secure && settings.partitioned,
  };
}
