/**
 * CookieSessionInterface's `cookieSession` option on its own: which cookie-session cookies it
 * takes, which it refuses, and its option checks. Signatures are made by the real keygrip.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConfigError, CookieSessionInterface } from '../../src/index.js';

const require = createRequire(import.meta.url);
const Keygrip = require('keygrip') as new (keys: string[]) => { sign(data: string): string };
const KEYS = ['new key', 'old key'];

/** The `Cookie` header cookie-session 2 makes for `data` under `name`, signed with `key`. */
function cookieSessionHeader(data: unknown, { name = 'session', key = KEYS[0]! } = {}): string {
  const value = Buffer.from(JSON.stringify(data)).toString('base64');
  return `${name}=${value}; ${name}.sig=${new Keygrip([key]).sign(`${name}=${value}`)}`;
}

function takeOver(header: string, options: Record<string, unknown> = {}) {
  const iface = new CookieSessionInterface({ secret: 's', cookieSession: { keys: KEYS, ...options } });
  const session = iface.open(header);
  const data = session.toObject();
  return { data, isNew: session.isNew, result: iface.saveSync(session), iface };
}

describe('cookieSession option', () => {
  it('takes a signed JSON object, keeping __proto__ as data', () => {
    const { data, isNew, result, iface } = takeOver(cookieSessionHeader(JSON.parse('{"__proto__":{"admin":true},"n":1}')));
    expect(isNew).toBe(false);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__', 'n']);
    const issued = result.setCookie[0]!;
    expect(iface.decode(issued.slice('session='.length, issued.indexOf(';')))).toEqual(data);
  });

  it.each([
    ['a JSON array', cookieSessionHeader([1, 2])],
    ['JSON text that is no object', cookieSessionHeader('text')],
    ['no JSON', `session=bm90IGpzb24=; session.sig=${new Keygrip([KEYS[0]!]).sign('session=bm90IGpzb24=')}`],
    ['no signature cookie', 'session=eyJuIjoxfQ=='],
    ['a signature made for another cookie name', `session=eyJuIjoxfQ==; session.sig=${new Keygrip([KEYS[0]!]).sign('other=eyJuIjoxfQ==')}`],
  ])('refuses %s: a new session, no cookie touched', (_name, header) => {
    const { data, isNew, result } = takeOver(header);
    expect(data).toEqual({});
    expect(isNew).toBe(true);
    expect(result.setCookie).toEqual([]);
  });

  it('deletes the old cookies with the path and domain they were set with', () => {
    const { result } = takeOver(cookieSessionHeader({ n: 1 }, { name: 'cs' }), { name: 'cs', path: '/app', domain: 'example.com' });
    expect(result.setCookie.slice(1)).toEqual([
      'cs.sig=; Max-Age=0; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly',
      'cs=; Max-Age=0; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly',
    ]);
  });

  it.each([
    [{ keys: [] }, 'cookieSession.keys', 'at least one secret key'],
    [{ keys: KEYS, name: '' }, 'cookieSession.name', 'must not be empty'],
    [{ keys: KEYS, permanent: 'yes' }, 'cookieSession.permanent', 'expected true or false'],
    [{ keys: KEYS, signed: false }, 'signed', 'unknown option of CookieSessionInterface cookieSession'],
    [null, 'cookieSession', 'expected { keys'],
  ])('refuses %j', (cookieSession, option, message) => {
    let error: unknown;
    try {
      new CookieSessionInterface({ secret: 's', cookieSession: cookieSession as never });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
    expect((error as ConfigError).message).toContain(message);
  });
});
