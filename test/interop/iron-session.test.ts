/**
 * Interop with the real iron-session 8 package (and iron-webcrypto under it): what iron-session
 * seals, IronSealer opens, and what IronSealer seals, iron-session opens — with one password,
 * with rotating password maps, across expiry with iron's 60 s skew, and as a full cookie read
 * and written by `getIronSession` on a real node:http server.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseCookie } from 'cookie';
import { getIronSession, sealData, unsealData } from 'iron-session';
import { IronSealer, sealedSize, TIMESTAMP_SKEW_MS } from '../../src/sealing/index.js';

const PASSWORD = 'interop-password-interop-password-0123';
const OLD = 'the-old-password-the-old-password-0001';
const NEW = 'the-new-password-the-new-password-0002';

/** Session data of the kinds a cookie holds: numbers, unicode, nesting, null, empty values. */
const SAMPLES: Record<string, unknown>[] = [
  {},
  { user_id: 42, username: 'alice', cart: [1, 2, 3], csrf: 'f3a9c1d2e4b5' },
  { name: 'Zoë 🔑 日本語', quote: '"*~\\', nested: { a: [null, true, false, 0.5, -1e21] }, empty: '' },
  { big: 'x'.repeat(3000) },
];

afterEach(() => {
  vi.useRealTimers();
});

describe('one password', () => {
  it.each(SAMPLES.map((data, i) => [i, data] as const))('iron-session sealData → IronSealer.unseal (sample %i)', async (_i, data) => {
    const sealed = await sealData(data, { password: PASSWORD });
    expect(new IronSealer({ password: PASSWORD }).unseal(sealed)).toEqual(data);
  });

  it.each(SAMPLES.map((data, i) => [i, data] as const))('IronSealer.seal → iron-session unsealData (sample %i)', async (_i, data) => {
    const sealed = new IronSealer({ password: PASSWORD }).seal(data);
    expect(await unsealData(sealed, { password: PASSWORD })).toEqual(data);
  });

  it('many seals of one sealer share salts and all open in iron-session', async () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const seals = Array.from({ length: 20 }, (_, n) => sealer.seal({ n }));
    expect(new Set(seals.map((s) => s.split('*')[2])).size).toBe(1);
    for (const [n, sealed] of seals.entries()) expect(await unsealData(sealed, { password: PASSWORD })).toEqual({ n });
  });

  it('a password of 32 non-ASCII code units works both ways (UTF-8 in the key derivation)', async () => {
    const password = '🔑'.repeat(16);
    expect(password.length).toBe(32);
    const sealer = new IronSealer({ password });
    expect(await unsealData(sealer.seal({ ok: 1 }), { password })).toEqual({ ok: 1 });
    expect(sealer.unseal(await sealData({ ok: 2 }, { password }))).toEqual({ ok: 2 });
  });

  it('a wrong password opens nothing, either way', async () => {
    const ours = new IronSealer({ password: PASSWORD }).seal({ a: 1 });
    expect(await unsealData(ours, { password: NEW })).toEqual({});
    const theirs = await sealData({ a: 1 }, { password: PASSWORD });
    expect(new IronSealer({ password: NEW }).unseal(theirs)).toBeNull();
  });

  it('JSON.stringify conversions (Date, undefined, toJSON) come out as in iron-session', async () => {
    const data = { when: new Date(0), gone: undefined, custom: { toJSON: () => 'custom' } };
    const theirs = new IronSealer({ password: PASSWORD }).unseal(await sealData(data, { password: PASSWORD }));
    expect(await unsealData(new IronSealer({ password: PASSWORD }).seal(data), { password: PASSWORD })).toEqual(theirs);
    expect(theirs).toEqual({ when: '1970-01-01T00:00:00.000Z', custom: 'custom' });
  });
});

describe('password rotation with a map', () => {
  it('the highest id seals, as in iron-session', async () => {
    const map = { 9: OLD, 10: NEW };
    const theirs = await sealData({ a: 1 }, { password: map });
    const ours = new IronSealer({ password: map }).seal({ a: 1 });
    expect(theirs.split('*')[1]).toBe('10');
    expect(ours.split('*')[1]).toBe('10');
    expect(new IronSealer({ password: map }).passwordId).toBe('10');
  });

  it('a seal made with the old password by iron-session opens with the new map here', async () => {
    const sealed = await sealData({ who: 'old' }, { password: { 1: OLD } });
    expect(new IronSealer({ password: { 1: OLD, 2: NEW } }).unseal(sealed)).toEqual({ who: 'old' });
  });

  it('a seal made with the old password here opens with the new map in iron-session', async () => {
    const sealed = new IronSealer({ password: { 1: OLD } }).seal({ who: 'old' });
    expect(await unsealData(sealed, { password: { 1: OLD, 2: NEW } })).toEqual({ who: 'old' });
  });

  it('a seal made with the new map here opens in iron-session with only the new password', async () => {
    const sealed = new IronSealer({ password: { 1: OLD, 2: NEW } }).seal({ who: 'new' });
    expect(await unsealData(sealed, { password: { 2: NEW } })).toEqual({ who: 'new' });
    expect(await unsealData(sealed, { password: { 1: OLD } })).toEqual({});
  });

  it('a seal made with the new map by iron-session opens here only with id 2 known', async () => {
    const sealed = await sealData({ who: 'new' }, { password: { 1: OLD, 2: NEW } });
    expect(new IronSealer({ password: { 2: NEW } }).unseal(sealed)).toEqual({ who: 'new' });
    expect(new IronSealer({ password: { 1: OLD } }).unseal(sealed)).toBeNull();
    expect(new IronSealer({ password: { 1: NEW } }).unseal(sealed)).toBeNull();
  });

  it('a plain string is the map { 1: password } on both sides', async () => {
    expect(new IronSealer({ password: { 1: PASSWORD } }).unseal(await sealData({ a: 1 }, { password: PASSWORD }))).toEqual({ a: 1 });
    expect(await unsealData(new IronSealer({ password: PASSWORD }).seal({ a: 1 }), { password: { 1: PASSWORD } })).toEqual({ a: 1 });
  });
});

describe('expiry with iron’s 60 s skew', () => {
  const T = Date.UTC(2030, 0, 1);
  const TTL = 100;
  const deadline = T + TTL * 1000 + TIMESTAMP_SKEW_MS;

  it('iron-session seal: opens here until ttl + 60 s, not at that instant', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    const sealed = await sealData({ a: 1 }, { password: PASSWORD, ttl: TTL });
    const sealer = new IronSealer({ password: PASSWORD });
    expect(sealer.unseal(sealed, deadline - 1)).toEqual({ a: 1 });
    expect(sealer.unseal(sealed, deadline)).toBeNull();
  });

  it('IronSealer seal: opens in iron-session until ttl + 60 s, not at that instant', async () => {
    const sealed = new IronSealer({ password: PASSWORD, ttl: TTL }).seal({ a: 1 }, T);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(deadline - 1);
    expect(await unsealData(sealed, { password: PASSWORD })).toEqual({ a: 1 });
    vi.setSystemTime(deadline);
    expect(await unsealData(sealed, { password: PASSWORD })).toEqual({});
  });

  it('both write the same expiration for the same time and ttl', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    const theirs = await sealData({}, { password: PASSWORD, ttl: TTL });
    const ours = new IronSealer({ password: PASSWORD, ttl: TTL, clock: Date.now }).seal({});
    expect(ours.split('*')[5]).toBe(theirs.split('*')[5]);
    expect(ours.split('*')[5]).toBe(String(T + TTL * 1000));
  });

  it('ttl 0 seals without expiration on both sides, opening decades later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    const theirs = await sealData({ a: 1 }, { password: PASSWORD, ttl: 0 });
    const ours = new IronSealer({ password: PASSWORD, ttl: 0 }).seal({ a: 1 }, T);
    expect(theirs.split('*')[5]).toBe('');
    expect(ours.split('*')[5]).toBe('');
    const later = T + 50 * 365 * 24 * 3600 * 1000;
    vi.setSystemTime(later);
    expect(await unsealData(ours, { password: PASSWORD })).toEqual({ a: 1 });
    expect(new IronSealer({ password: PASSWORD }).unseal(theirs, later)).toEqual({ a: 1 });
  });

  it('iron-session’s default ttl is the default here (14 days)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    const theirs = await sealData({}, { password: PASSWORD });
    expect(new IronSealer({ password: PASSWORD }).seal({}, T).split('*')[5]).toBe(theirs.split('*')[5]);
  });
});

describe('sizes', () => {
  it('sealedSize predicts the length of iron-session’s seals', async () => {
    for (const bytes of [0, 1, 14, 15, 16, 17, 31, 32, 33, 100, 1000]) {
      const data = { k: 'v'.repeat(bytes) };
      const json = Buffer.byteLength(JSON.stringify(data));
      expect((await sealData(data, { password: PASSWORD })).length).toBe(sealedSize(json));
      expect((await sealData(data, { password: { 12: PASSWORD } })).length).toBe(sealedSize(json, { passwordId: '12' }));
      expect((await sealData(data, { password: PASSWORD, ttl: 0 })).length).toBe(sealedSize(json, { expires: false }));
    }
  });
});

describe('password length, as iron-session enforces it', () => {
  it('31 characters are refused by both, 32 accepted by both', async () => {
    const res = { getHeader: () => undefined, setHeader: () => undefined };
    const req = { headers: {} };
    const short = 'p'.repeat(31);
    await expect(getIronSession(req as never, res as never, { password: short, cookieName: 's' })).rejects.toThrow(/at least 32/);
    expect(() => new IronSealer({ password: short })).toThrow(/at least 32 characters/);
    await expect(getIronSession(req as never, res as never, { password: 'p'.repeat(32), cookieName: 's' })).resolves.toEqual({});
    expect(new IronSealer({ password: 'p'.repeat(32) }).passwordId).toBe('1');
  });
});

describe('full cookies through getIronSession on node:http', () => {
  const COOKIE = 'ironcookie';
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const session = await getIronSession<Record<string, unknown>>(req, res, { password: { 1: OLD, 2: NEW }, cookieName: COOKIE });
        if (req.url === '/write') {
          session.visits = 1;
          session.name = 'Zoë';
          await session.save();
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ...session }));
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('getIronSession reads a cookie sealed here (old password id)', async () => {
    const sealed = new IronSealer({ password: { 1: OLD } }).seal({ user: 'ada', roles: ['admin'] });
    const response = await get(`${base}/read`, `${COOKIE}=${sealed}`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ user: 'ada', roles: ['admin'] });
  });

  it('the cookie getIronSession writes opens here', async () => {
    const response = await get(`${base}/write`, undefined);
    const setCookie = response.setCookie[0];
    expect(setCookie).toBeDefined();
    const value = parseCookie(setCookie!.split(';')[0]!)[COOKIE]!;
    expect(value.split('*')[1]).toBe('2');
    expect(new IronSealer({ password: { 2: NEW } }).unseal(value)).toEqual({ visits: 1, name: 'Zoë' });
  });

  it('a tampered cookie reads as an empty session in getIronSession and null here', async () => {
    const sealed = new IronSealer({ password: { 2: NEW } }).seal({ user: 'ada' });
    const tampered = sealed.replace('*2*', '*1*');
    expect(JSON.parse((await get(`${base}/read`, `${COOKIE}=${tampered}`)).body)).toEqual({});
    expect(new IronSealer({ password: { 1: OLD, 2: NEW } }).unseal(tampered)).toBeNull();
  });
});

interface Response {
  status: number;
  body: string;
  setCookie: string[];
}

function get(url: string, cookie: string | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie === undefined ? {} : { cookie } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}
