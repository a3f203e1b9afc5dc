/**
 * SealedCookieSessionInterface on its own: cookie attributes, the lifetime of seal and cookie
 * (the seal never opens after the cookie expires), permanence kept out of the seal when it is the
 * default, the same save decisions as CookieSessionInterface, values JSON cannot hold refused at
 * save, bad cookies giving new sessions, rotation, size limits and option messages.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  CookieSessionInterface,
  CookieTooLargeError,
  IronSealer,
  MIN_SEALED_TTL,
  SealDataError,
  SealedCookieSessionInterface,
  TIMESTAMP_SKEW_MS,
  type Session,
  type SessionInterface,
} from '../../src/index.js';

const NOW = Date.UTC(2031, 3, 10, 8, 30, 15, 250);
const PASSWORD = 'unit-sealed-password-unit-sealed-pw-01';
const OTHER = 'unit-sealed-password-the-other-one-02';
const DAY = 86_400_000;
const FOURTEEN_DAYS = 14 * DAY;

function make(options: Record<string, unknown> = {}) {
  let now = NOW;
  const iface = new SealedCookieSessionInterface({ password: PASSWORD, clock: () => now, ...options });
  return { iface, advance: (ms: number) => (now += ms), at: (ms: number) => (now = ms) };
}

function cookieValue(setCookie: string): string {
  const end = setCookie.indexOf(';');
  return setCookie.slice(setCookie.indexOf('=') + 1, end === -1 ? undefined : end);
}

/** The expiration component of a seal, as a number. */
function sealExpiration(value: string): number {
  return Number(value.split('*')[5]);
}

async function roundTrip<T extends object>(iface: SessionInterface<T>, header: string | undefined, act: (s: Session<T>) => void) {
  const session = iface.open(header);
  act(session);
  return iface.save(session);
}

function refusal(make: () => unknown): ConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('the cookie', () => {
  it("has iron-session's attributes by default: Path=/, HttpOnly, Secure, SameSite=Lax, named session", async () => {
    const { iface } = make();
    const result = await roundTrip(iface, undefined, (s) => s.set('user', 'ada'));
    const header = result.setCookie[0]!;
    expect(header).toBe(`session=${cookieValue(header)}; Path=/; Expires=${new Date(NOW + FOURTEEN_DAYS).toUTCString()}; HttpOnly; Secure; SameSite=Lax`);
    expect(cookieValue(header)).toMatch(/^Fe26\.2\*1\*[0-9a-f]{64}\*[\w-]{22}\*[\w-]+\*\d{13}\*[0-9a-f]{64}\*[\w-]{43}~2$/);
    expect(result.vary).toBe(true);
  });

  it('takes the cookie settings of the other interfaces, under camelCase or Flask names', async () => {
    const { iface } = make({ SESSION_COOKIE_NAME: 'iron', domain: 'example.com', path: '/app', SESSION_COOKIE_SECURE: false, sameSite: false, httpOnly: false });
    expect(iface.cookieName).toBe('iron');
    const result = await roundTrip(iface, undefined, (s) => s.set('a', 1));
    expect(result.setCookie[0]).toBe(`iron=${cookieValue(result.setCookie[0]!)}; Domain=example.com; Path=/app; Expires=${new Date(NOW + FOURTEEN_DAYS).toUTCString()}`);
  });

  it("secure: 'auto' follows the request", async () => {
    const { iface } = make({ secure: 'auto' });
    const session = iface.open(undefined);
    session.set('a', 1);
    expect((await iface.save(session, { secure: true })).setCookie[0]).toContain('; Secure; SameSite=Lax');
    expect((await iface.save(session, { secure: false })).setCookie[0]).not.toContain('Secure');
  });
});

describe('lifetime: ttl', () => {
  it('a permanent cookie expires ttl after the save; the seal opens exactly until then', async () => {
    const { iface, at } = make({ ttl: 3600 });
    const result = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const header = result.setCookie[0]!;
    const cookieEnd = Math.floor((NOW + 3_600_000) / 1000) * 1000;
    expect(header).toContain(`Expires=${new Date(cookieEnd).toUTCString()}`);
    const value = cookieValue(header);
    expect(sealExpiration(value)).toBe(cookieEnd - TIMESTAMP_SKEW_MS);
    at(cookieEnd - 1);
    expect(iface.decode(value)).toEqual({ n: 1, _permanent: true });
    at(cookieEnd);
    expect(iface.decode(value)).toBeNull();
    expect(new IronSealer({ password: PASSWORD }).unseal(value, cookieEnd)).toBeNull();
  });

  it('refreshing a permanent session slides both the cookie and the seal', async () => {
    const { iface, advance } = make({ ttl: 600 });
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    advance(500_000);
    const again = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, () => {});
    expect(again.setCookie).toHaveLength(1);
    const value = cookieValue(again.setCookie[0]!);
    expect(sealExpiration(value)).toBe(Math.floor((NOW + 500_000 + 600_000) / 1000) * 1000 - TIMESTAMP_SKEW_MS);
    advance(500_000);
    expect(iface.decode(value)).toEqual({ n: 1, _permanent: true });
  });

  it('a browser-session cookie (not permanent) has no Expires; its seal still ends ttl after the save', async () => {
    const { iface, advance } = make({ ttl: 600, permanent: false });
    const result = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const header = result.setCookie[0]!;
    expect(header).not.toContain('Expires');
    const value = cookieValue(header);
    expect(sealExpiration(value)).toBe(Math.floor((NOW + 600_000) / 1000) * 1000 - TIMESTAMP_SKEW_MS);
    advance(599_000);
    expect(iface.decode(value)).toEqual({ n: 1 });
    advance(1000);
    expect(iface.decode(value)).toBeNull();
  });

  it('refuses seals that expire later than a seal made now would, and seals that never expire', () => {
    const { iface } = make({ ttl: 3600 });
    const sealer = new IronSealer({ password: PASSWORD });
    const limit = NOW + 3_600_000 + TIMESTAMP_SKEW_MS;
    expect(iface.decode(sealer.sealUntil({ a: 1 }, limit, NOW))).toEqual({ a: 1, _permanent: true });
    expect(iface.decode(sealer.sealUntil({ a: 1 }, limit + 1, NOW))).toBeNull();
    expect(iface.decode(new IronSealer({ password: PASSWORD, ttl: 0 }).seal({ a: 1 }, NOW))).toBeNull();
  });

  it('defaults to 14 days and accepts at least MIN_SEALED_TTL (61) seconds', () => {
    expect(make().iface.ttl).toBe(14 * 86_400);
    expect(make().iface.settings.permanentLifetime).toBe(14 * 86_400);
    expect(MIN_SEALED_TTL).toBe(61);
    expect(make({ ttl: 61 }).iface.ttl).toBe(61);
    expect(refusal(() => make({ ttl: 60 })).message).toBe('option ttl is invalid: expected a number of seconds >= 61, got 60');
    expect(refusal(() => make({ ttl: 0 })).message).toContain('sealed sessions always expire, so 0 (iron-session: never) is not supported');
    expect(refusal(() => make({ ttl: 1_209_600_000 })).message).toContain('looks like milliseconds');
  });
});

describe('permanence', () => {
  const sealer = new IronSealer({ password: PASSWORD });

  it('new sessions are permanent, and the seal holds only the data (permanence is the default)', async () => {
    const { iface } = make();
    const result = await roundTrip(iface, undefined, (s) => s.set('user', 'ada'));
    const value = cookieValue(result.setCookie[0]!);
    expect(sealer.unseal(value, NOW)).toEqual({ user: 'ada' });
    const session = iface.open(`session=${value}`);
    expect(session.permanent).toBe(true);
  });

  it('a session made not permanent has a browser-session cookie and _permanent: false in its seal', async () => {
    const { iface } = make();
    const first = await roundTrip(iface, undefined, (s) => s.set('user', 'ada'));
    const second = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, (s) => {
      s.permanent = false;
    });
    const header = second.setCookie[0]!;
    expect(header).not.toContain('Expires');
    expect(sealer.unseal(cookieValue(header), NOW)).toEqual({ user: 'ada', _permanent: false });
    expect(iface.open(`session=${cookieValue(header)}`).permanent).toBe(false);
  });

  it('with permanent: false, only a permanent session carries _permanent: true', async () => {
    const { iface } = make({ permanent: false });
    const plain = await roundTrip(iface, undefined, (s) => s.set('a', 1));
    expect(sealer.unseal(cookieValue(plain.setCookie[0]!), NOW)).toEqual({ a: 1 });
    const permanent = await roundTrip(iface, undefined, (s) => {
      s.set('a', 1);
      s.permanent = true;
    });
    expect(permanent.setCookie[0]).toContain('Expires=');
    expect(sealer.unseal(cookieValue(permanent.setCookie[0]!), NOW)).toEqual({ a: 1, _permanent: true });
  });

  it('a seal without _permanent (as iron-session writes) opens as permanent; any _permanent but true or false is the default', () => {
    const { iface } = make();
    expect(iface.decode(sealer.seal({ a: 1 }, NOW))).toEqual({ a: 1, _permanent: true });
    expect(iface.decode(sealer.seal({ a: 1, _permanent: 'yes' }, NOW))).toEqual({ a: 1, _permanent: true });
    expect(make({ permanent: false }).iface.decode(sealer.seal({ a: 1, _permanent: 'yes' }, NOW))).toEqual({ a: 1 });
  });
});

describe('the same decisions as CookieSessionInterface', () => {
  /** What a save sent: the cookie action and Vary. */
  function summary(result: { setCookie: string[]; vary: boolean }): string {
    const header = result.setCookie[0];
    const action = header === undefined ? 'none' : cookieValue(header) === '' ? 'delete' : 'set';
    return `${action}${header?.includes('Expires=') && action === 'set' ? '+expires' : ''}, vary ${result.vary}`;
  }

  type Act = (s: Session<Record<string, unknown>>) => void;
  const SCENARIOS: ReadonlyArray<[string, Act, Act]> = [
    ['untouched, no cookie', () => {}, () => {}],
    ['read only, no cookie', () => {}, (s) => void s.get('n')],
    ['untouched, with cookie', (s) => s.set('n', 1), () => {}],
    ['read only, with cookie', (s) => s.set('n', 1), (s) => void s.get('n')],
    ['changed', (s) => s.set('n', 1), (s) => s.set('n', 2)],
    ['changed in place', (s) => s.set('cart', [1]), (s) => (s.get('cart') as number[]).push(2)],
    ['read, unchanged object', (s) => s.set('cart', [1]), (s) => void s.get('cart')],
    ['emptied', (s) => s.set('n', 1), (s) => s.clear()],
    ['last key deleted', (s) => s.set('n', 1), (s) => void s.delete('n')],
    ['destroyed', (s) => s.set('n', 1), (s) => s.destroy()],
    ['destroyed, then written', (s) => s.set('n', 1), (s) => {
      s.destroy();
      s.set('flash', 'bye');
    }],
    ['regenerated', (s) => s.set('n', 1), (s) => s.regenerate()],
    ['made permanent', (s) => s.set('n', 1), (s) => {
      s.permanent = true;
    }],
    ['permanent, untouched', (s) => {
      s.set('n', 1);
      s.permanent = true;
    }, () => {}],
    ['permanent, read only', (s) => {
      s.set('n', 1);
      s.permanent = true;
    }, (s) => void s.get('n')],
  ];

  it.each([true, false])('scenario by scenario, with refreshEachRequest %s', async (refreshEachRequest) => {
    const cookie = new CookieSessionInterface({ secret: 'decisions', clock: () => NOW, refreshEachRequest });
    const sealed = new SealedCookieSessionInterface({ password: PASSWORD, clock: () => NOW, permanent: false, refreshEachRequest });
    for (const [name, first, second] of SCENARIOS) {
      const outcomes = [];
      for (const iface of [cookie, sealed] as SessionInterface<Record<string, unknown>>[]) {
        const seeded = await roundTrip(iface, undefined, first);
        const header = seeded.setCookie[0] ? `session=${cookieValue(seeded.setCookie[0])}` : undefined;
        outcomes.push(summary(await roundTrip(iface, header, second)));
      }
      expect(outcomes[1], name).toBe(outcomes[0]);
    }
  });

  it('regenerate() re-seals with new bytes and the same data', async () => {
    const { iface } = make();
    const first = cookieValue((await roundTrip(iface, undefined, (s) => s.set('n', 1))).setCookie[0]!);
    const second = cookieValue((await roundTrip(iface, `session=${first}`, (s) => s.regenerate())).setCookie[0]!);
    expect(second).not.toBe(first);
    expect(iface.decode(second)).toEqual(iface.decode(first));
  });

  it('reads only: Vary, no Set-Cookie (not permanent); the session is not re-sealed', async () => {
    const { iface } = make({ permanent: false });
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    let seen: unknown;
    const second = await roundTrip(iface, `other=1; session=${cookieValue(first.setCookie[0]!)}`, (s) => (seen = s.get('n')));
    expect(seen).toBe(1);
    expect(second).toEqual({ setCookie: [], vary: true });
  });

  it('the deletion cookie has the same attributes', async () => {
    const { iface } = make();
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const cleared = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, (s) => s.clear());
    expect(cleared.setCookie[0]).toBe('session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax');
  });
});

describe('data', () => {
  it('round-trips JSON values, flash messages included', async () => {
    const { iface } = make();
    const data = { s: 'Zoë 🔑', n: [1, 2.5, -3], nested: { ok: true, none: null } };
    const first = await roundTrip(iface, undefined, (s) => {
      s.update(data);
      s.flash('Saved', 'info');
    });
    const session = iface.open(`session=${cookieValue(first.setCookie[0]!)}`);
    expect(session.consumeFlashes()).toEqual([{ category: 'info', message: 'Saved' }]);
    expect(session.toObject()).toEqual({ ...data, _permanent: true });
  });

  it('refuses values JSON cannot hold at save, naming where they are', async () => {
    const { iface } = make();
    for (const [value, path] of [
      [{ when: new Date() }, 'profile.when'],
      [{ bytes: new Uint8Array(2) }, 'profile.bytes'],
      [{ big: [1n] }, 'profile.big[0]'],
    ] as const) {
      const session = iface.open(undefined);
      session.set('profile', value);
      const error = await iface.save(session).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SealDataError);
      expect((error as SealDataError).path).toBe(path);
    }
  });

  it('finds in-place changes of values read from the seal, and refuses one JSON cannot hold', async () => {
    const { iface } = make();
    const first = cookieValue((await roundTrip(iface, undefined, (s) => s.set('cart', [1]))).setCookie[0]!);
    const grown = await roundTrip(iface, `session=${first}`, (s) => (s.get('cart') as unknown[]).push(2));
    expect(iface.decode(cookieValue(grown.setCookie[0]!))).toEqual({ cart: [1, 2], _permanent: true });
    const session = iface.open(`session=${first}`);
    (session.get('cart') as unknown[]).push(3n);
    await expect(iface.save(session)).rejects.toMatchObject({ name: 'SealDataError', path: 'cart[1]' });
  });

  it('keeps __proto__ from a seal as plain data', () => {
    const { iface } = make();
    const value = new IronSealer({ password: PASSWORD }).seal(JSON.parse('{"__proto__":{"polluted":true},"a":1}'), NOW);
    const session = iface.open(`session=${value}`);
    expect(session.has('__proto__' as never)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('encode and decode are the cookie value of data as the session holds it', () => {
    const { iface } = make({ ttl: 120 });
    const value = iface.encode({ a: 1, _permanent: true });
    expect(new IronSealer({ password: PASSWORD }).unseal(value, NOW)).toEqual({ a: 1 });
    expect(sealExpiration(value)).toBe(Math.floor((NOW + 120_000) / 1000) * 1000 - TIMESTAMP_SKEW_MS);
    expect(iface.decode(value)).toEqual({ a: 1, _permanent: true });
    expect(iface.decode(value, NOW + 120_000)).toBeNull();
  });
});

describe('bad cookies', () => {
  it.each([
    ['garbage', 'not-a-seal'],
    ['empty', ''],
    ['huge', 'Fe26.2*'.repeat(2000)],
    ['another password', new IronSealer({ password: OTHER }).seal({ admin: true }, NOW)],
    ['an expired seal', new IronSealer({ password: PASSWORD, ttl: 1 }).seal({ admin: true }, NOW - 61_001)],
    ['a seal of an array', new IronSealer({ password: PASSWORD }).seal([1, 2], NOW)],
    ['a seal of a string', new IronSealer({ password: PASSWORD }).seal('admin', NOW)],
    ['a seal of null', new IronSealer({ password: PASSWORD }).seal(null, NOW)],
    ['iron-session 7 format (no ~2)', new IronSealer({ password: PASSWORD }).seal({ admin: true }, NOW).slice(0, -2)],
    ['percent-encoded garbage', '%E0%A4%A'],
  ])('%s: a new, empty session, never an exception', async (_name, value) => {
    const { iface } = make();
    const session = iface.open(`session=${value}`);
    expect(session.get('admin' as never)).toBeUndefined();
    expect(session.size).toBe(0);
    expect(session.isNew).toBe(true);
    expect(await iface.save(session)).toEqual({ setCookie: [], vary: true });
  });
});

describe('password rotation', () => {
  it('the highest id seals, every id opens; the next save re-seals with the new password', async () => {
    const old = make({ password: { 1: PASSWORD } }).iface;
    const rotated = make({ password: { 1: PASSWORD, 2: OTHER } }).iface;
    const onlyNew = make({ password: { 2: OTHER } }).iface;
    expect(rotated.passwordId).toBe('2');
    const sealedOld = cookieValue((await roundTrip(old, undefined, (s) => s.set('user', 'ada'))).setCookie[0]!);
    expect(onlyNew.decode(sealedOld)).toBeNull();
    const resealed = await roundTrip(rotated, `session=${sealedOld}`, (s) => s.set('visits', 1));
    const value = cookieValue(resealed.setCookie[0]!);
    expect(value.split('*')[1]).toBe('2');
    expect(onlyNew.decode(value)).toEqual({ user: 'ada', visits: 1, _permanent: true });
  });
});

describe('size', () => {
  it('throws CookieTooLargeError at save for an oversized cookie, or warns when configured', async () => {
    const big = 'x'.repeat(3000);
    await expect(roundTrip(make().iface, undefined, (s) => s.set('big', big))).rejects.toBeInstanceOf(CookieTooLargeError);
    const warnings: string[] = [];
    const warn = make({ onOversize: 'warn', onWarning: (m: string) => warnings.push(m) }).iface;
    expect((await roundTrip(warn, undefined, (s) => s.set('big', big))).setCookie).toHaveLength(1);
    expect(warnings[0]).toMatch(/over the 4093-byte limit/);
    await expect(roundTrip(make({ maxCookieSize: 8000 }).iface, undefined, (s) => s.set('big', big))).resolves.toMatchObject({ vary: true });
  });
});

describe('options', () => {
  it('requires a password of at least 32 characters', () => {
    expect(refusal(() => new SealedCookieSessionInterface({} as never)).message).toMatch(/^option password is invalid: required/);
    expect(refusal(() => make({ password: 'short' })).message).toContain('must be at least 32 characters long');
    expect(refusal(() => make({ password: { 1: PASSWORD, 2: 'short' } })).option).toBe('password.2');
  });

  it.each([
    ['secret', 'a secret', 'iron sealing calls it password, as iron-session'],
    ['SECRET_KEY', 'a secret', 'iron sealing calls it password'],
    ['secretFallbacks', ['old'], 'iron sealing has no fallbacks: put old passwords in the password map, { 1: old, 2: new }'],
    ['permanentLifetime', 3600, 'iron sealing calls it ttl, in seconds'],
    ['PERMANENT_SESSION_LIFETIME', 3600, 'iron sealing calls it ttl'],
    ['maxAge', 3_600_000, 'sessionkit calls it ttl, in seconds'],
    ['cookieOptions', { maxAge: 3600, secure: true }, 'sessionkit takes the cookie attributes as flat options'],
  ])('%s is refused with what to give instead', (name, value, says) => {
    const error = refusal(() => make({ [name]: value }));
    expect(error.option).toBe(name);
    expect(error.message).toContain(`unknown option of SealedCookieSessionInterface; ${says}`);
  });

  it("iron-session's cookieOptions are translated with ttl for the lifetime", () => {
    expect(refusal(() => make({ cookieOptions: { maxAge: 3600, secure: true } })).message).toContain('and ttl in seconds for cookieOptions.maxAge (seconds); for this cookie: { ttl: 3600, secure: true }');
  });

  it("CookieSessionInterface, given iron-session's password, points here", () => {
    const error = refusal(() => new CookieSessionInterface({ secret: 's', password: PASSWORD } as never));
    expect(error.message).toContain("or use SealedCookieSessionInterface (iron-session's encrypted cookies; it takes password) or ServerSessionInterface");
  });

  it('validates the rest as the other interfaces do', () => {
    expect(refusal(() => make({ permanent: 'yes' })).message).toBe('option permanent is invalid: expected true or false, got "yes"');
    expect(refusal(() => make({ clock: 1 })).message).toContain('option clock is invalid: expected a function');
    expect(refusal(() => make({ maxCookieSize: 0 })).message).toContain('expected a whole number of bytes >= 1');
    expect(refusal(() => make({ sameSite: 'None', secure: false })).message).toContain('SameSite=None requires secure');
    expect(refusal(() => make({ passwrd: PASSWORD })).message).toContain('did you mean password?');
  });
});
