import { describe, expect, it } from 'vitest';
import {
  cookieAttributes,
  cookieSaveFacts,
  CookieSessionInterface,
  decideCookieAction,
  decideSave,
  expirationTime,
  isEmptySession,
  isTouchDue,
  loadsBeforeSave,
  readSessionFacts,
  recordTtl,
  refreshesRecord,
  resolveCookieSettings,
  Session,
  shouldSetCookie,
  type SaveFacts,
  type SavePlan,
  type SaveRules,
  type SessionFacts,
} from '../../src/index.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;
const CREATED = NOW - HOUR;

/** A loaded, accessed, stored, non-empty session that changed nothing. */
const QUIET: SessionFacts = {
  loaded: true,
  accessed: true,
  empty: false,
  onlyPermanent: false,
  destroyed: false,
  regenerate: false,
  needsSave: false,
  permanent: false,
  permanentSet: false,
  startedNew: false,
  isNew: false,
};

/** Rules of a server interface with Flask-Session's defaults; a lifetime of one day. */
const SERVER: SaveRules = { refreshEachRequest: true, permanentLifetime: 86_400, permanentByDefault: true, touchIntervalMs: 60_000 };
/** Rules of a cookie interface: the cookie settings alone. */
const COOKIE: SaveRules = { refreshEachRequest: true, permanentLifetime: 86_400 };

function server(session: Partial<SessionFacts>, facts: Partial<SaveFacts> = {}): SaveFacts {
  return {
    storage: 'server',
    session: { ...QUIET, ...session },
    hasRecord: true,
    hadRequestedId: true,
    refreshDue: true,
    createdAtMs: CREATED,
    nowMs: NOW,
    ...facts,
  };
}

function cookie(session: Partial<SessionFacts>): SaveFacts {
  return cookieSaveFacts({ ...QUIET, ...session }, NOW);
}

/** The parts of a plan a row of the table decides. */
function row(plan: SavePlan): Pick<SavePlan, 'data' | 'cookie' | 'vary'> & { deleteLoaded?: true; makePermanent?: true } {
  return {
    data: plan.data,
    cookie: plan.cookie,
    vary: plan.vary,
    ...(plan.deleteLoaded ? { deleteLoaded: true as const } : {}),
    ...(plan.makePermanent ? { makePermanent: true as const } : {}),
  };
}

describe('decideSave: the decision table, row by row', () => {
  it('1. a session never loaded: nothing at all, no Vary (both interfaces)', () => {
    const unloaded = { loaded: false, accessed: false, empty: true, needsSave: false };
    expect(row(decideSave(server(unloaded), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: false });
    expect(row(decideSave(cookie(unloaded), COOKIE))).toEqual({ data: 'none', cookie: 'none', vary: false });
  });

  it('2. destroyed, then written again: a new session replaces the stored one', () => {
    const rewritten = { destroyed: true, needsSave: true, permanentSet: true };
    expect(row(decideSave(server(rewritten), SERVER))).toEqual({ data: 'create', cookie: 'set', vary: true, deleteLoaded: true });
    expect(row(decideSave(server(rewritten, { hasRecord: false }), SERVER))).toEqual({ data: 'create', cookie: 'set', vary: true });
    const plan = decideSave(server({ destroyed: true, needsSave: true }), SERVER);
    expect(plan.makePermanent).toBe(true);
    expect(plan.createdAtMs).toBe(NOW);
    expect(row(decideSave(cookie(rewritten), COOKIE))).toEqual({ data: 'create', cookie: 'set', vary: true, deleteLoaded: true });
  });

  it('3. destroyed, or emptied and changed: the record and the cookie go', () => {
    const emptied = { empty: true, needsSave: true };
    expect(row(decideSave(server({ ...emptied, destroyed: true }), SERVER))).toEqual({ data: 'delete', cookie: 'delete', vary: true });
    expect(row(decideSave(server(emptied), SERVER))).toEqual({ data: 'delete', cookie: 'delete', vary: true });
    // The id was unknown: nothing stored, but the browser holds a cookie to clear.
    expect(row(decideSave(server(emptied, { hasRecord: false }), SERVER))).toEqual({ data: 'none', cookie: 'delete', vary: true });
    // No id was sent: no cookie to clear.
    expect(row(decideSave(server(emptied, { hasRecord: false, hadRequestedId: false }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: true });
    // A cookie session sends the deletion whenever it was emptied, as Flask.
    expect(row(decideSave(cookie({ ...emptied, startedNew: true, isNew: true }), COOKIE))).toEqual({ data: 'none', cookie: 'delete', vary: true });
    expect(row(decideSave(cookie(emptied), COOKIE))).toEqual({ data: 'delete', cookie: 'delete', vary: true });
  });

  it('4. empty and unchanged: nothing to store or send; Vary only if it was accessed', () => {
    for (const accessed of [true, false]) {
      expect(row(decideSave(server({ empty: true, accessed }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: accessed });
      expect(row(decideSave(cookie({ empty: true, accessed }), COOKIE))).toEqual({ data: 'none', cookie: 'none', vary: accessed });
    }
  });

  it('5. regenerate requested but nothing to save: nothing', () => {
    expect(row(decideSave(server({ regenerate: true }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: true });
  });

  it('6. regenerate requested: the stored session moves to a new id, keeping its creation time', () => {
    const plan = decideSave(server({ regenerate: true, needsSave: true, permanent: true }), SERVER);
    expect(row(plan)).toEqual({ data: 'recreate', cookie: 'set', vary: true });
    expect(plan.createdAtMs).toBe(CREATED);
    // Not stored yet: it is simply created, as a new session.
    expect(row(decideSave(server({ regenerate: true, needsSave: true }, { hasRecord: false }), SERVER))).toEqual({
      data: 'create',
      cookie: 'set',
      vary: true,
      makePermanent: true,
    });
    expect(row(decideSave(cookie({ regenerate: true, needsSave: true }), COOKIE))).toEqual({ data: 'recreate', cookie: 'set', vary: true });
  });

  it('7. not stored yet and unchanged: nothing', () => {
    expect(row(decideSave(server({}, { hasRecord: false }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: true });
    expect(row(decideSave(cookie({ isNew: true, accessed: false }), COOKIE))).toEqual({ data: 'none', cookie: 'none', vary: false });
  });

  it('8. not stored yet: created, permanent by default unless the request chose', () => {
    const fresh = { needsSave: true, startedNew: true, isNew: true };
    const plan = decideSave(server(fresh, { hasRecord: false, hadRequestedId: false, createdAtMs: undefined }), SERVER);
    expect(row(plan)).toEqual({ data: 'create', cookie: 'set', vary: true, makePermanent: true });
    expect(plan.createdAtMs).toBe(NOW);
    expect(plan.expires).toEqual(new Date(NOW + 86_400_000));
    const chose = decideSave(server({ ...fresh, permanentSet: true }, { hasRecord: false }), SERVER);
    expect(chose.makePermanent).toBe(false);
    expect(chose.expires).toBeUndefined();
    expect(decideSave(server(fresh, { hasRecord: false }), { ...SERVER, permanentByDefault: false }).makePermanent).toBe(false);
    // Cookie sessions have no such default (Flask).
    const cookiePlan = decideSave(cookie(fresh), COOKIE);
    expect(row(cookiePlan)).toEqual({ data: 'create', cookie: 'set', vary: true });
    expect(cookiePlan.expires).toBeUndefined();
  });

  it('9. changed: updated, cookie re-sent', () => {
    const plan = decideSave(server({ needsSave: true, permanent: true }), SERVER);
    expect(row(plan)).toEqual({ data: 'update', cookie: 'set', vary: true });
    expect(plan.createdAtMs).toBe(CREATED);
    expect(row(decideSave(cookie({ needsSave: true, accessed: false }), COOKIE))).toEqual({ data: 'update', cookie: 'set', vary: true });
  });

  it('10. unchanged, nothing to refresh: nothing', () => {
    for (const permanent of [true, false]) {
      const quiet = decideSave(server({ permanent }), { ...SERVER, refreshEachRequest: false });
      expect(row(quiet)).toEqual({ data: 'none', cookie: 'none', vary: true });
    }
    // A cookie session is refreshed only by re-sending it, which only a permanent one is.
    expect(row(decideSave(cookie({ permanent: false }), COOKIE))).toEqual({ data: 'none', cookie: 'none', vary: true });
    expect(row(decideSave(cookie({ permanent: false, accessed: false }), COOKIE))).toEqual({ data: 'none', cookie: 'none', vary: false });
    expect(row(decideSave(cookie({ permanent: true }), { ...COOKIE, refreshEachRequest: false }))).toEqual({ data: 'none', cookie: 'none', vary: true });
  });

  it('11. unchanged, refresh not due yet: nothing (server only; a cookie refresh is always due)', () => {
    expect(row(decideSave(server({ permanent: true, accessed: false }, { refreshDue: false }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: false });
    expect(cookie({}).refreshDue).toBe(true);
  });

  it('12. unchanged, refresh due: touched; the cookie re-sent only when refreshing it', () => {
    const refresh = decideSave(server({ permanent: true, accessed: false }), SERVER);
    expect(row(refresh)).toEqual({ data: 'touch', cookie: 'set', vary: true });
    expect(refresh.expires).toEqual(new Date(NOW + 86_400_000));
    // Refresh-each-request keeps a browser-session record alive too (Flask-Session's should_set_storage).
    expect(row(decideSave(server({ permanent: false, accessed: false }), SERVER))).toEqual({ data: 'touch', cookie: 'none', vary: false });
    const idle = { ...SERVER, idleTimeoutMs: 600_000 };
    expect(row(decideSave(server({ permanent: false, accessed: false }), idle))).toEqual({ data: 'touch', cookie: 'none', vary: false });
    expect(row(decideSave(server({ permanent: true }), { ...idle, refreshEachRequest: false }))).toEqual({ data: 'touch', cookie: 'none', vary: true });
    const cookiePlan = decideSave(cookie({ permanent: true, accessed: false }), COOKIE);
    expect(row(cookiePlan)).toEqual({ data: 'touch', cookie: 'set', vary: true });
    expect(cookiePlan.expires).toEqual(new Date(NOW + 86_400_000));
  });
});

describe('emptiness and permanence: Flask for cookies, Flask-Session on the server', () => {
  const onlyPermanent = { onlyPermanent: true, permanentSet: true };

  it('a cookie session holding only _permanent is not empty: its cookie is set (Flask)', () => {
    const plan = decideSave(cookie({ ...onlyPermanent, needsSave: true }), COOKIE);
    expect(row(plan)).toEqual({ data: 'update', cookie: 'set', vary: true });
    expect(plan.expires).toBeUndefined();
    const permanent = decideSave(cookie({ ...onlyPermanent, permanent: true, needsSave: true, isNew: true, startedNew: true }), COOKIE);
    expect(row(permanent)).toEqual({ data: 'create', cookie: 'set', vary: true });
    expect(permanent.expires).toEqual(new Date(NOW + 86_400_000));
  });

  it('a server-side session holding only _permanent is empty: never stored, deleted when emptied', () => {
    expect(row(decideSave(server({ ...onlyPermanent, needsSave: true }), SERVER))).toEqual({ data: 'delete', cookie: 'delete', vary: true });
    const fresh = { ...onlyPermanent, needsSave: true, isNew: true, startedNew: true };
    expect(row(decideSave(server(fresh, { hasRecord: false, hadRequestedId: false }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: true });
    const opened = { ...onlyPermanent, permanent: true, isNew: true, startedNew: true };
    expect(row(decideSave(server(opened, { hasRecord: false, hadRequestedId: false }), SERVER))).toEqual({ data: 'none', cookie: 'none', vary: true });
    expect(isEmptySession({ empty: false, onlyPermanent: true }, 'server')).toBe(true);
    expect(isEmptySession({ empty: false, onlyPermanent: true }, 'cookie')).toBe(false);
  });

  it('deleteCookieWithoutId: the deletion cookie goes out even to a browser that sent no id (Flask-Session)', () => {
    const emptied = { empty: true, needsSave: true, isNew: true, startedNew: true };
    const facts = server(emptied, { hasRecord: false, hadRequestedId: false });
    expect(row(decideSave(facts, SERVER)).cookie).toBe('none');
    expect(row(decideSave(facts, { ...SERVER, deleteCookieWithoutId: true }))).toEqual({ data: 'none', cookie: 'delete', vary: true });
  });

  it('a starting session is made permanent by default only when it holds no _permanent at all', () => {
    const starts = { needsSave: true, isNew: true, startedNew: true };
    const bare = decideSave(server(starts, { hasRecord: false }), SERVER);
    expect(bare.makePermanent).toBe(true);
    const chose = decideSave(server({ ...starts, permanentSet: true, permanent: false }, { hasRecord: false }), SERVER);
    expect(chose.makePermanent).toBe(false);
    expect(chose.expires).toBeUndefined();
    const opened = decideSave(server({ ...starts, permanentSet: true, permanent: true }, { hasRecord: false }), SERVER);
    expect(opened.makePermanent).toBe(false);
    expect(opened.expires).toEqual(new Date(NOW + 86_400_000));
  });

  it('refreshesRecord: a cookie only when its cookie is re-sent, a server record with refresh-each-request or an idle timeout', () => {
    const quiet = { ...QUIET, permanent: false };
    expect(refreshesRecord({ storage: 'cookie', session: quiet }, COOKIE)).toBe(false);
    expect(refreshesRecord({ storage: 'cookie', session: { ...quiet, permanent: true } }, COOKIE)).toBe(true);
    expect(refreshesRecord({ storage: 'server', session: quiet }, SERVER)).toBe(true);
    expect(refreshesRecord({ storage: 'server', session: quiet }, { ...SERVER, refreshEachRequest: false })).toBe(false);
    expect(refreshesRecord({ storage: 'server', session: quiet }, { ...SERVER, refreshEachRequest: false, idleTimeoutMs: 1000 })).toBe(true);
  });
});

describe('cookie expiry', () => {
  it('is now + lifetime for a permanent session, a browser-session cookie otherwise', () => {
    expect(expirationTime(true, { permanentLifetime: 60 }, NOW)).toEqual(new Date(NOW + 60_000));
    expect(expirationTime(false, { permanentLifetime: 60 }, NOW)).toBeUndefined();
  });

  it('never goes past the absolute timeout', () => {
    expect(expirationTime(true, { permanentLifetime: 86_400 }, NOW, NOW + 1000)).toEqual(new Date(NOW + 1000));
    expect(expirationTime(true, { permanentLifetime: 60 }, NOW, NOW + HOUR)).toEqual(new Date(NOW + 60_000));
    const capped = decideSave(server({ needsSave: true, permanent: true }), { ...SERVER, absoluteTimeoutMs: 2 * HOUR });
    expect(capped.expires).toEqual(new Date(CREATED + 2 * HOUR));
    // A regenerated session keeps its creation time, so regenerate() cannot extend the cap.
    const moved = decideSave(server({ regenerate: true, needsSave: true, permanent: true }), { ...SERVER, absoluteTimeoutMs: 2 * HOUR });
    expect(moved.expires).toEqual(new Date(CREATED + 2 * HOUR));
    // A new session starts its own clock.
    const fresh = decideSave(server({ needsSave: true }, { hasRecord: false }), { ...SERVER, absoluteTimeoutMs: 2 * HOUR });
    expect(fresh.expires).toEqual(new Date(NOW + 2 * HOUR));
  });
});

describe('store expiry and touches', () => {
  it('a record lives the idle timeout, else the lifetime, never past the absolute timeout, at least 1 ms', () => {
    expect(recordTtl(CREATED, NOW, { ...SERVER })).toBe(86_400_000);
    expect(recordTtl(CREATED, NOW, { ...SERVER, idleTimeoutMs: 600_000 })).toBe(600_000);
    expect(recordTtl(CREATED, NOW, { ...SERVER, absoluteTimeoutMs: HOUR + 5000 })).toBe(5000);
    expect(recordTtl(CREATED, NOW, { ...SERVER, absoluteTimeoutMs: HOUR })).toBe(1);
  });

  it('a touch is due once it would move the expiry by the touch interval', () => {
    const expiresAt = NOW + 86_400_000;
    expect(isTouchDue(expiresAt, CREATED, NOW, SERVER)).toBe(false);
    expect(isTouchDue(expiresAt, CREATED, NOW + 59_999, SERVER)).toBe(false);
    expect(isTouchDue(expiresAt, CREATED, NOW + 60_000, SERVER)).toBe(true);
    expect(isTouchDue(expiresAt, CREATED, NOW, { ...SERVER, touchIntervalMs: 0 })).toBe(true);
  });
});

describe('shouldSetCookie and loadsBeforeSave', () => {
  it("is Flask's should_set_cookie: changed, or permanent with refresh-each-request", () => {
    expect(shouldSetCookie({ needsSave: true, permanent: false }, { refreshEachRequest: false })).toBe(true);
    expect(shouldSetCookie({ needsSave: false, permanent: true }, { refreshEachRequest: true })).toBe(true);
    expect(shouldSetCookie({ needsSave: false, permanent: true }, { refreshEachRequest: false })).toBe(false);
    expect(shouldSetCookie({ needsSave: false, permanent: false }, { refreshEachRequest: true })).toBe(false);
  });

  it('loads an unread cookie session at save only to refresh it', () => {
    expect(loadsBeforeSave({ loaded: false, startedNew: false }, { refreshEachRequest: true })).toBe(true);
    expect(loadsBeforeSave({ loaded: false, startedNew: true }, { refreshEachRequest: true })).toBe(false);
    expect(loadsBeforeSave({ loaded: false, startedNew: false }, { refreshEachRequest: false })).toBe(false);
    expect(loadsBeforeSave({ loaded: true, startedNew: false }, { refreshEachRequest: true })).toBe(false);
  });
});

describe('cookieAttributes', () => {
  const settings = resolveCookieSettings({ secure: 'auto', sameSite: 'None', partitioned: true, domain: 'example.com' });

  it('secure auto follows the request; over plain HTTP SameSite=None and Partitioned are left out', () => {
    expect(cookieAttributes(settings, { secure: true })).toEqual({
      domain: 'example.com',
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'None',
      partitioned: true,
    });
    expect(cookieAttributes(settings, { secure: false })).toEqual({
      domain: 'example.com',
      path: '/',
      httpOnly: true,
      secure: false,
      sameSite: false,
      partitioned: false,
    });
    expect(cookieAttributes(settings)).toMatchObject({ secure: false, sameSite: false, partitioned: false });
  });

  it('keeps SameSite=Lax over plain HTTP', () => {
    const lax = resolveCookieSettings({ secure: 'auto', sameSite: 'Lax' });
    expect(cookieAttributes(lax, { secure: false })).toMatchObject({ secure: false, sameSite: 'Lax' });
  });
});

describe('the facts of real sessions', () => {
  const iface = new CookieSessionInterface({ secret: 'decisions-secret', clock: () => NOW });
  const stored = `session=${iface.encode({ user: 'alice', _permanent: true }, NOW)}`;

  it('reads a session without marking it accessed or loading it', () => {
    const session = iface.open(stored);
    const facts = readSessionFacts(session);
    expect(facts).toMatchObject({ loaded: false, accessed: false, empty: true, needsSave: false, startedNew: false });
    expect(session.loaded).toBe(false);
    session.loadNow();
    expect(readSessionFacts(session)).toMatchObject({ loaded: true, accessed: false, empty: false, permanent: true, isNew: false });
    expect(session.accessed).toBe(false);
  });

  it('reports destroy, regenerate, in-place changes and a changed permanent flag', () => {
    const destroyed = iface.open(stored);
    destroyed.loadNow();
    destroyed.destroy();
    destroyed.flash('bye');
    expect(readSessionFacts(destroyed)).toMatchObject({ destroyed: true, empty: false, needsSave: true, permanentSet: false });

    const regenerated = iface.open(stored);
    regenerated.regenerate();
    expect(readSessionFacts(regenerated)).toMatchObject({ regenerate: true, needsSave: true, permanentSet: true, permanent: true });

    const cart = new CookieSessionInterface({ secret: 'decisions-secret', clock: () => NOW });
    const withCart = cart.open(`session=${cart.encode({ cart: [1] }, NOW)}`);
    withCart.get('cart');
    expect(readSessionFacts(withCart).needsSave).toBe(false);
    (withCart.get('cart') as number[]).push(2);
    expect(readSessionFacts(withCart)).toMatchObject({ needsSave: true, permanentSet: false });

    const fresh = iface.open(undefined);
    fresh.permanent = true;
    expect(readSessionFacts(fresh)).toMatchObject({ startedNew: true, isNew: true, permanentSet: true, permanent: true });
  });

  it('an invalid cookie reads as a new session that did send a cookie', () => {
    const session = iface.open('session=forged.value.here');
    session.loadNow();
    expect(readSessionFacts(session)).toMatchObject({ isNew: true, startedNew: false, empty: true });
    expect(cookieSaveFacts(readSessionFacts(session), NOW)).toMatchObject({ hasRecord: false, hadRequestedId: true });
  });

  it('decideCookieAction gives the cookie part of the plan for a session', () => {
    const settings = resolveCookieSettings({});
    const read = iface.open(stored);
    read.get('user');
    expect(decideCookieAction(read, settings)).toEqual({ action: 'set', vary: true });
    const untouched = new Session({ data: { a: 1 } });
    expect(decideCookieAction(untouched, settings)).toEqual({ action: 'none', vary: false });
    const emptied = new Session({ data: { a: 1 } });
    emptied.delete('a');
    expect(decideCookieAction(emptied, settings)).toEqual({ action: 'delete', vary: true });
  });
});
