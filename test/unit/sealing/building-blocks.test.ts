import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { BoundedLru } from '../../../src/sealing/lru.js';
import { RANDOM_POOL_BYTES, RandomPool } from '../../../src/sealing/random-pool.js';
import { decodeBase64Url, parseSeal } from '../../../src/sealing/format.js';

describe('BoundedLru', () => {
  it('keeps at most maxEntries and evicts the least recently used', () => {
    const lru = new BoundedLru<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('d', 4); // evicts b
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4]);
    lru.set('c', 30); // overwriting refreshes without growing: order a, d, c
    lru.set('e', 5); // evicts a
    expect(lru.size).toBe(3);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('c')).toBe(30);
  });

  it('refuses a size below 1', () => {
    expect(() => new BoundedLru(0)).toThrow(ConfigError);
  });
});

describe('RandomPool', () => {
  it('hands out distinct bytes across refills, copies that survive the next refill', () => {
    const pool = new RandomPool(64);
    const first = pool.take(16);
    const snapshot = Buffer.from(first);
    const seen = new Set<string>([first.toString('hex')]);
    for (let i = 0; i < 200; i++) {
      const bytes = pool.take(16);
      expect(bytes).toHaveLength(16);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(201);
    expect(first.equals(snapshot)).toBe(true);
  });

  it('serves sizes larger than the pool directly', () => {
    const pool = new RandomPool(32);
    expect(pool.take(100)).toHaveLength(100);
    expect(new RandomPool().take(RANDOM_POOL_BYTES + 1)).toHaveLength(RANDOM_POOL_BYTES + 1);
  });
});

describe('seal format parsing', () => {
  const salt = 'ab'.repeat(32);
  const body = `Fe26.2*1*${salt}*iv*ct*123*${salt}*mac`;

  it('reads the components, and `default` for an empty id as iron does', () => {
    expect(parseSeal(`${body}~2`)).toMatchObject({ passwordId: '1', expiresAt: 123, macBase: `Fe26.2*1*${salt}*iv*ct*123` });
    expect(parseSeal(`${body.replace('*1*', '**')}~2`)?.passwordId).toBe('default');
    expect(parseSeal(`${body.replace('*123*', '**')}~2`)?.expiresAt).toBeUndefined();
  });

  it('refuses wrong shapes', () => {
    for (const text of [body, `${body}*x~2`, `${body.replace(salt, '')}~2`, `${body.replace('123', '12a')}~2`, `x${body}~2`]) {
      expect(parseSeal(text)).toBeUndefined();
    }
  });

  it('decodes only unpadded base64url', () => {
    expect(decodeBase64Url('AQID')).toEqual(Buffer.from([1, 2, 3]));
    expect(decodeBase64Url('AQI')).toEqual(Buffer.from([1, 2]));
    for (const text of ['A', 'AQ==', 'AQ+/', 'AQ I', 'é']) expect(decodeBase64Url(text)).toBeUndefined();
  });
});
