/**
 * Options of other session libraries (express-session, cookie-session, iron-session,
 * @fastify/session) are refused with the sessionkit equivalent; typos get the closest known
 * name; durations that look like milliseconds are refused with the number of seconds meant.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConfigError, CookieSessionInterface, ServerSessionInterface } from '../../src/index.js';
import { COOKIE_SETTING_NAMES, MAX_DURATION_SECONDS, rejectUnknownOptions, validate } from '../../src/config.js';
import { closestName, describeSecretArrayHint, FOREIGN_OPTION_NAMES, foreignOptionHint } from '../../src/option-hints.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

/** The options a cookie-session owner accepts, as CookieSessionInterface lists them. */
const COOKIE_INTERFACE_OPTIONS = new Set([...COOKIE_SETTING_NAMES, 'secret', 'SECRET_KEY', 'secretFallbacks', 'SECRET_KEY_FALLBACKS', 'salt', 'clock']);

function refusal(make: () => unknown): ConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const cookieInterface = (options: Record<string, unknown>) => refusal(() => new CookieSessionInterface({ secret: 'a secret', ...options }));
const serverInterface = (options: Record<string, unknown>) => refusal(() => new ServerSessionInterface({ store: new MemoryStore(), ...options }));

/**
 * Every option of the four libraries sessionkit does not take, a value a user of that library
 * would pass, and what the message must say instead.
 */
const FOREIGN: ReadonlyArray<{ name: string; value: unknown; says: readonly string[] }> = [
  // express-session
  { name: 'name', value: 'connect.sid', says: ['sessionkit calls it cookieName'] },
  { name: 'key', value: 'connect.sid', says: ['sessionkit calls it cookieName'] },
  {
    name: 'cookie',
    value: { maxAge: 3_600_000, secure: true, sameSite: 'lax', priority: 'high' },
    says: ['flat options: path, domain, httpOnly, secure, sameSite, partitioned', 'for this cookie: { permanentLifetime: 3600, secure: true, sameSite: "lax" }', 'no equivalent for priority'],
  },
  { name: 'rolling', value: true, says: ['sessionkit calls it refreshEachRequest'] },
  { name: 'resave', value: false, says: ['not needed: sessionkit writes only changes and never stores an untouched session'] },
  { name: 'saveUninitialized', value: false, says: ['not needed: sessionkit writes only changes and never stores an untouched session'] },
  { name: 'genid', value: () => 'id', says: ['not needed: ServerSessionInterface makes every id itself'] },
  { name: 'proxy', value: true, says: ["give secure: 'auto' instead", 'Express trust proxy'] },
  { name: 'unset', value: 'destroy', says: ['not needed: call session.destroy()'] },
  // cookie-session (name, secret, and the cookie attributes it shares with sessionkit aside)
  { name: 'keys', value: ['new', 'old'], says: ['sessionkit calls it secret + secretFallbacks', 'keys[0] (the newest, which signs) as secret'] },
  {
    name: 'maxAge',
    value: 86_400_000,
    says: ["sessionkit calls it permanentLifetime, in seconds (cookie-session's maxAge and express-session's cookie.maxAge are milliseconds)", 'permanentLifetime: 86400'],
  },
  { name: 'expires', value: new Date(0), says: ['sessionkit takes a lifetime, not a date: permanentLifetime, in seconds'] },
  { name: 'signed', value: true, says: ['not needed: session cookies are always signed'] },
  { name: 'overwrite', value: true, says: ['not needed: a response carries at most one Set-Cookie'] },
  { name: 'priority', value: 'high', says: ['not supported: the session cookie is sent without a Priority attribute'] },
  // iron-session (cookieName is sessionkit's name too)
  { name: 'password', value: 'complex_password_at_least_32_characters_long', says: ['sessionkit calls it secret (old passwords go to secretFallbacks)'] },
  { name: 'ttl', value: 1209600, says: ['sessionkit calls it permanentLifetime (in seconds, as ttl)'] },
  { name: 'cookieOptions', value: { maxAge: 3600, httpOnly: true }, says: ['flat options', 'for this cookie: { permanentLifetime: 3600, httpOnly: true }', 'cookieOptions.maxAge (seconds)'] },
  // @fastify/session (cookieName, secret, cookie, store, saveUninitialized and rolling are above or shared)
  { name: 'cookiePrefix', value: 's:', says: ["not supported: the cookie value is Flask's format"] },
  { name: 'idGenerator', value: () => 'id', says: ['not needed: ServerSessionInterface makes every id itself'] },
];

describe('options of other session libraries', () => {
  it.each(FOREIGN.map((entry) => [entry.name, entry] as const))('%s → CookieSessionInterface names the sessionkit equivalent', (_name, { name, value, says }) => {
    const error = cookieInterface({ [name]: value });
    expect(error.option).toBe(name);
    expect(error.message).toMatch(new RegExp(`^option ${name} is invalid: unknown option of [^;]+; `));
    for (const text of says) expect(error.message).toContain(text);
    expect(error.message).not.toContain('check the spelling');
  });

  it.each(FOREIGN.map((entry) => [entry.name, entry] as const))('%s → ServerSessionInterface names the sessionkit equivalent', (_name, { name, value, says }) => {
    const error = serverInterface({ [name]: value });
    expect(error.option).toBe(name);
    for (const text of says) expect(error.message).toContain(text);
  });

  it('store on CookieSessionInterface points to ServerSessionInterface; ServerSessionInterface takes it', () => {
    const error = cookieInterface({ store: new MemoryStore() });
    expect(error.message).toContain('CookieSessionInterface keeps the data in the signed cookie; for sessions kept in a store use new ServerSessionInterface({ store })');
    expect(() => new ServerSessionInterface({ store: new MemoryStore() })).not.toThrow();
  });

  it('the message of the example, word for word, from rejectUnknownOptions', () => {
    const error = refusal(() => rejectUnknownOptions({ maxAge: 60_000 }, COOKIE_INTERFACE_OPTIONS, 'CookieSessionInterface'));
    expect(error.message).toBe(
      "option maxAge is invalid: unknown option of CookieSessionInterface; sessionkit calls it permanentLifetime, in seconds (cookie-session's maxAge and express-session's cookie.maxAge are milliseconds); for maxAge: 60000 give permanentLifetime: 60",
    );
  });

  it('password on the server-side interface does not warn that cookies are readable (they hold only an id)', () => {
    expect(cookieInterface({ password: 'p' }).message).toContain('signed, not encrypted');
    expect(serverInterface({ password: 'p' }).message).not.toContain('signed, not encrypted');
  });

  it('names the libraries share with sessionkit are accepted with the same meaning', () => {
    const shared = { cookieName: 'sid', secret: 'a secret', domain: 'example.com', path: '/app', httpOnly: false, secure: true, sameSite: 'Lax' as const };
    const cookie = new CookieSessionInterface(shared);
    expect(cookie.settings).toMatchObject({ cookieName: 'sid', domain: 'example.com', path: '/app', httpOnly: false, secure: true, sameSite: 'Lax' });
    expect(new ServerSessionInterface({ store: new MemoryStore(), ...shared }).settings.cookieName).toBe('sid');
  });

  it("every option express-session reads (from its own source) is accepted or explained", () => {
    const source = readFileSync(createRequire(import.meta.url).resolve('express-session'), 'utf8');
    const read = new Set([...source.matchAll(/\bopts\.([A-Za-z]+)/g)].map((match) => match[1]!));
    expect(read.size).toBeGreaterThan(8);
    const accepted = new Set([...COOKIE_INTERFACE_OPTIONS, 'store']);
    for (const name of read) expect(accepted.has(name) || FOREIGN_OPTION_NAMES.includes(name), name).toBe(true);
  });

  it('every hint in the table is exercised above', () => {
    expect([...FOREIGN_OPTION_NAMES].sort()).toEqual([...new Set([...FOREIGN.map((entry) => entry.name), 'store'])].sort());
  });

  it('hints about session options are not given to owners that take other options (a store)', () => {
    const storeOptions = new Set(['client', 'timeoutMs']);
    expect(foreignOptionHint('resave', false, storeOptions)).toBeUndefined();
    expect(foreignOptionHint('maxAge', 1000, storeOptions)).toBeUndefined();
    const error = refusal(() => rejectUnknownOptions({ resave: false }, storeOptions, 'RedisStore'));
    expect(error.message).toBe('option resave is invalid: unknown option of RedisStore (check the spelling; see the README for the list)');
  });

  it('an array given as secret: the text for the secret validators', () => {
    expect(describeSecretArrayHint()).toContain('give the newest as secret and the others as secretFallbacks');
  });
});

describe('typos', () => {
  it.each([
    ['cookiename', 'cookieName'],
    ['cookeName', 'cookieName'],
    ['secert', 'secret'],
    ['sameSit', 'sameSite'],
    ['SESSION_COOKIE_NAM', 'SESSION_COOKIE_NAME'],
    ['permanentLifeTime', 'permanentLifetime'],
  ])('%s → did you mean %s?', (typo, meant) => {
    const error = cookieInterface({ [typo]: 'x' });
    expect(error.option).toBe(typo);
    expect(error.message).toContain(`; did you mean ${meant}?`);
  });

  it('a name far from every option gets the generic advice', () => {
    const error = refusal(() => rejectUnknownOptions({ frobnicate: 1 }, COOKIE_INTERFACE_OPTIONS, 'CookieSessionInterface'));
    expect(error.message).toBe('option frobnicate is invalid: unknown option of CookieSessionInterface (check the spelling; see the README for the list)');
  });

  it('closestName: case, one swap, one missing letter; nothing for short or distant names', () => {
    const names = ['secret', 'salt', 'digest', 'max-age'];
    expect(closestName('SECRET', names)).toBe('secret');
    expect(closestName('sercet', names)).toBe('secret');
    expect(closestName('max-ag', names)).toBe('max-age');
    expect(closestName('max_age', names)).toBe('max-age');
    expect(closestName('sal', names)).toBe('salt');
    expect(closestName('xy', names)).toBeUndefined();
    expect(closestName('timestamp', names)).toBeUndefined();
  });
});

describe('durations that look like milliseconds', () => {
  it('MAX_DURATION_SECONDS is 10 years', () => {
    expect(MAX_DURATION_SECONDS).toBe(10 * 365 * 86_400);
  });

  it('validate.seconds accepts up to 10 years and refuses more, with the seconds meant', () => {
    expect(validate.seconds('permanentLifetime', MAX_DURATION_SECONDS)).toBe(MAX_DURATION_SECONDS);
    const error = refusal(() => validate.seconds('permanentLifetime', 2_678_400_000));
    expect(error.option).toBe('permanentLifetime');
    expect(error.message).toBe(
      'option permanentLifetime is invalid: 2678400000 looks like milliseconds: sessionkit durations are seconds (did you mean 2678400?)',
    );
    expect(refusal(() => validate.seconds('idleTimeout', MAX_DURATION_SECONDS + 1)).message).toContain('looks like milliseconds');
  });

  it('through the constructors, under camelCase and Flask names', () => {
    const month = 31 * 86_400;
    expect(cookieInterface({ permanentLifetime: month * 1000 }).message).toContain(`did you mean ${month}?`);
    expect(cookieInterface({ PERMANENT_SESSION_LIFETIME: month * 1000 }).option).toBe('PERMANENT_SESSION_LIFETIME');
    expect(serverInterface({ idleTimeout: 1_800_000_000 }).message).toContain('(did you mean 1800000?)');
    expect(serverInterface({ absoluteTimeout: 43_200_000_000 }).message).toContain('(did you mean 43200000?)');
    expect(new CookieSessionInterface({ secret: 's', permanentLifetime: 400 * 86_400 }).settings.permanentLifetime).toBe(400 * 86_400);
  });
});
