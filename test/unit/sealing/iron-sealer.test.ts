import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  DEFAULT_SEAL_TTL,
  IronSealer,
  RECENT_SEAL_CACHE_ENTRIES,
  SALT_PAIR_MAX_AGE_MS,
  SALT_PAIR_MAX_SEALS,
  SealDataError,
  TIMESTAMP_SKEW_MS,
} from '../../../src/sealing/index.js';

const PASSWORD = 'unit-password-unit-password-unit-pw';
const T = Date.UTC(2031, 5, 1);

/** The components of a seal without its `~2`. */
function components(sealed: string): string[] {
  expect(sealed.endsWith('~2')).toBe(true);
  return sealed.slice(0, -2).split('*');
}

describe('options', () => {
  it('requires a password', () => {
    expect(() => new IronSealer({} as never)).toThrow(ConfigError);
    expect(() => new IronSealer({} as never)).toThrow(/option password is invalid: required/);
  });

  it('refuses passwords under 32 characters, naming the id in a map', () => {
    expect(() => new IronSealer({ password: 'x'.repeat(31) })).toThrow(/option password is invalid: must be at least 32 characters long.*got 31/);
    expect(() => new IronSealer({ password: { 1: PASSWORD, 2: 'short' } })).toThrow(/option password\.2 is invalid: must be at least 32/);
    expect(new IronSealer({ password: 'x'.repeat(32) }).passwordId).toBe('1');
  });

  it('refuses password ids that are not canonical whole numbers', () => {
    for (const id of ['a', '01', '1.5', '-1', '1e3', '']) {
      expect(() => new IronSealer({ password: { [id]: PASSWORD } })).toThrow(new RegExp(`option password\\.${id.replace('.', '\\.')} is invalid: password ids must be whole numbers`));
    }
    expect(() => new IronSealer({ password: { '9007199254740993': PASSWORD } })).toThrow(ConfigError);
  });

  it('refuses an empty map, a non-string password and other types', () => {
    expect(() => new IronSealer({ password: {} })).toThrow(/map is empty/);
    expect(() => new IronSealer({ password: { 1: 42 } as never })).toThrow(/option password\.1 is invalid: expected a string, got 42/);
    expect(() => new IronSealer({ password: 42 as never })).toThrow(/option password is invalid: expected a string of at least 32 characters or a map/);
    expect(() => new IronSealer({ password: [PASSWORD] as never })).toThrow(ConfigError);
  });

  it('validates ttl and clock, and rejects unknown options', () => {
    expect(() => new IronSealer({ password: PASSWORD, ttl: -1 })).toThrow(/option ttl is invalid: expected a number of seconds >= 0, got -1/);
    expect(() => new IronSealer({ password: PASSWORD, ttl: Number.NaN })).toThrow(ConfigError);
    expect(() => new IronSealer({ password: PASSWORD, clock: 5 as never })).toThrow(/option clock is invalid: expected a function/);
    expect(() => new IronSealer({ password: PASSWORD, maxAge: 5 } as never)).toThrow(/option maxAge is invalid: unknown option of IronSealer/);
  });

  it('defaults ttl to iron-session’s 14 days; the numerically highest id seals', () => {
    const sealer = new IronSealer({ password: { 2: PASSWORD, 10: PASSWORD + 'b', 9: PASSWORD + 'c' } });
    expect(sealer.ttl).toBe(DEFAULT_SEAL_TTL);
    expect(DEFAULT_SEAL_TTL).toBe(14 * 24 * 3600);
    expect(sealer.passwordId).toBe('10');
    expect(components(sealer.seal({}, T))[1]).toBe('10');
  });

  it('rounds a fractional ttl up to whole milliseconds', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 0.0001 });
    expect(components(sealer.seal({}, T))[5]).toBe(String(T + 1));
  });
});

describe('seal and unseal', () => {
  it('round-trips JSON values', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    for (const data of [{}, { a: 1, b: [true, null, 'Zoë 🔑'] }, [1, 2], 'text', 0, false]) {
      expect(sealer.unseal(sealer.seal(data, T), T)).toEqual(data);
    }
  });

  it('writes the Fe26.2 layout: id, 64-hex salts, 16-byte iv, expiration in ms, 43-char MAC, ~2', () => {
    const [prefix, id, encSalt, iv, ciphertext, expiration, macSalt, mac] = components(new IronSealer({ password: PASSWORD, ttl: 60 }).seal({ a: 1 }, T));
    expect(prefix).toBe('Fe26.2');
    expect(id).toBe('1');
    expect(encSalt).toMatch(/^[0-9a-f]{64}$/);
    expect(macSalt).toMatch(/^[0-9a-f]{64}$/);
    expect(macSalt).not.toBe(encSalt);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength(16);
    expect(expiration).toBe(String(T + 60_000));
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('unseals with any password of the map, not with an unknown id', () => {
    const old = new IronSealer({ password: { 1: PASSWORD } }).seal({ v: 'old' }, T);
    const rotated = new IronSealer({ password: { 1: PASSWORD, 2: PASSWORD + '-new' } });
    expect(rotated.unseal(old, T)).toEqual({ v: 'old' });
    expect(new IronSealer({ password: { 2: PASSWORD + '-new' } }).unseal(old, T)).toBeNull();
    expect(new IronSealer({ password: { 2: PASSWORD } }).unseal(old, T)).toBeNull();
  });

  it('throws SealDataError for data with no JSON text', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const data of [undefined, () => 1, Symbol('s'), 10n, { n: 10n }, cycle]) {
      expect(() => sealer.seal(data, T)).toThrow(SealDataError);
    }
    expect(() => sealer.seal(undefined)).toThrow(/Cannot seal this session data: JSON.stringify gives no text for undefined/);
  });

  it('refuses a clock that gives no time', () => {
    const sealer = new IronSealer({ password: PASSWORD, clock: () => Number.NaN });
    expect(() => sealer.seal({})).toThrow(/option clock is invalid: expected the time in epoch milliseconds, got NaN/);
  });

  it('returns null for anything that is not a seal, without throwing', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const inputs: unknown[] = [undefined, null, 42, {}, [], '', '~2', 'Fe26.2', 'Fe26.2*******~2', '*'.repeat(7) + '~2', 'x'.repeat(10_000)];
    for (const input of inputs) expect(sealer.unseal(input as string, T)).toBeNull();
  });
});

describe('expiry', () => {
  it('is valid until ttl + 60 s of skew, using the injected clock', () => {
    let now = T;
    const sealer = new IronSealer({ password: PASSWORD, ttl: 10, clock: () => now });
    const sealed = sealer.seal({ a: 1 });
    now = T + 10_000 + TIMESTAMP_SKEW_MS - 1;
    expect(sealer.unseal(sealed)).toEqual({ a: 1 });
    now += 1;
    expect(sealer.unseal(sealed)).toBeNull();
  });

  it('nowMs overrides the clock on both sides', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 10, clock: () => 0 });
    const sealed = sealer.seal({ a: 1 }, T);
    expect(components(sealed)[5]).toBe(String(T + 10_000));
    expect(sealer.unseal(sealed, T + 70_000 - 1)).toEqual({ a: 1 });
    expect(sealer.unseal(sealed, T + 70_000)).toBeNull();
  });

  it('ttl 0 seals never expire', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 0 });
    const sealed = sealer.seal({ a: 1 }, T);
    expect(components(sealed)[5]).toBe('');
    expect(sealer.unseal(sealed, Number.MAX_SAFE_INTEGER)).toEqual({ a: 1 });
  });
});

describe('salt pair reuse', () => {
  /** Both salts of a seal (no assertions inside: it runs 65,536 times). */
  const saltsOf = (sealed: string) => {
    const c = sealed.split('*');
    return `${c[2]}/${c[6]}`;
  };

  it('reuses one salt pair with a fresh IV per seal', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const seals = Array.from({ length: 100 }, () => sealer.seal({ same: true }, T));
    expect(new Set(seals.map(saltsOf)).size).toBe(1);
    expect(new Set(seals.map((s) => components(s)[3])).size).toBe(100);
    expect(new Set(seals.map((s) => components(s)[4])).size).toBe(100);
  });

  it('draws a new salt pair after SALT_PAIR_MAX_SEALS seals', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 0 });
    const first = saltsOf(sealer.seal(1, T));
    let last = first;
    for (let n = 1; n < SALT_PAIR_MAX_SEALS; n++) last = saltsOf(sealer.seal(n, T));
    expect(last).toBe(first);
    const next = sealer.seal('next', T);
    expect(saltsOf(next)).not.toBe(first);
    expect(sealer.unseal(next, T)).toBe('next');
  });

  it('draws a new salt pair once the current one is SALT_PAIR_MAX_AGE_MS old, or the clock went back', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const first = saltsOf(sealer.seal({}, T));
    expect(saltsOf(sealer.seal({}, T + SALT_PAIR_MAX_AGE_MS - 1))).toBe(first);
    const second = saltsOf(sealer.seal({}, T + SALT_PAIR_MAX_AGE_MS));
    expect(second).not.toBe(first);
    expect(saltsOf(sealer.seal({}, T))).not.toBe(second);
  });

  it('separate sealers draw separate salt pairs', () => {
    const a = new IronSealer({ password: PASSWORD }).seal({}, T);
    const b = new IronSealer({ password: PASSWORD }).seal({}, T);
    expect(saltsOf(a)).not.toBe(saltsOf(b));
    expect(new IronSealer({ password: PASSWORD }).unseal(a, T)).toEqual({});
  });
});

describe('sealUntil and unsealWithExpiration', () => {
  it('writes the given expiration, whatever the ttl, and reads it back', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 10 });
    const until = T + 3_600_000;
    const sealed = sealer.sealUntil({ a: 1 }, until, T);
    expect(components(sealed)[5]).toBe(String(until));
    expect(sealer.unsealWithExpiration(sealed, T)).toEqual({ data: { a: 1 }, expiresAt: until });
    expect(new IronSealer({ password: PASSWORD }).unsealWithExpiration(sealed, until + TIMESTAMP_SKEW_MS - 1)).toEqual({ data: { a: 1 }, expiresAt: until });
    expect(new IronSealer({ password: PASSWORD }).unsealWithExpiration(sealed, until + TIMESTAMP_SKEW_MS)).toBeNull();
  });

  it('reports no expiration for a seal that never expires, null for what does not open', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 0 });
    expect(sealer.unsealWithExpiration(sealer.seal({ a: 1 }, T), T)).toEqual({ data: { a: 1 }, expiresAt: undefined });
    expect(sealer.unsealWithExpiration('Fe26.2*1*x~2', T)).toBeNull();
  });

  it('refuses an expiration that is not whole epoch milliseconds', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => sealer.sealUntil({}, bad, T)).toThrow(RangeError);
  });
});

describe('recent seals', () => {
  it('a seal made here opens again as fresh data each time (changing one result changes no other)', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const sealed = sealer.seal({ cart: [1] }, T);
    const first = sealer.unseal(sealed, T) as { cart: number[] };
    first.cart.push(2);
    expect(sealer.unseal(sealed, T)).toEqual({ cart: [1] });
  });

  it('still expire: a remembered seal is refused once past its expiration and the skew', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 10 });
    const sealed = sealer.seal({ a: 1 }, T);
    expect(sealer.unseal(sealed, T + 10_000 + TIMESTAMP_SKEW_MS - 1)).toEqual({ a: 1 });
    expect(sealer.unseal(sealed, T + 10_000 + TIMESTAMP_SKEW_MS)).toBeNull();
  });

  it('a seal forgotten after RECENT_SEAL_CACHE_ENTRIES newer ones still opens, through its MAC', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const sealed = sealer.seal({ first: true }, T);
    for (let n = 0; n < RECENT_SEAL_CACHE_ENTRIES + 1; n++) sealer.seal({ n }, T);
    expect(sealer.unseal(sealed, T)).toEqual({ first: true });
    expect(sealer.unseal(`${sealed.slice(0, -3)}${sealed.at(-3) === 'A' ? 'B' : 'A'}~2`, T)).toBeNull();
  });

  it('a remembered seal with one character changed is not remembered: it is refused', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    const sealed = sealer.seal({ role: 'user' }, T);
    for (let i = 0; i < sealed.length; i += 7) {
      const changed = sealed.slice(0, i) + (sealed[i] === 'a' ? 'b' : 'a') + sealed.slice(i + 1);
      expect(sealer.unseal(changed, T)).toBeNull();
    }
    expect(sealer.unseal(sealed, T)).toEqual({ role: 'user' });
  });
});
