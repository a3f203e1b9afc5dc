import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { sameValue, valueHash } from '../../../src/merge/same-value.js';
import { MAX_DEPTH } from '../../../src/serialization/errors.js';
import { Markup, Tuple, UUID } from '../../../src/serialization/values.js';
import { Random } from './random.js';

function expectSame(a: unknown, b: unknown): void {
  expect(sameValue(a, b)).toBe(true);
  expect(sameValue(b, a)).toBe(true);
  expect(valueHash(a)).toBe(valueHash(b));
}

function expectDifferent(a: unknown, b: unknown): void {
  expect(sameValue(a, b)).toBe(false);
  expect(sameValue(b, a)).toBe(false);
}

describe('sameValue', () => {
  it('compares primitives exactly', () => {
    expectSame('tea', 'tea');
    expectDifferent('tea', 'Tea');
    expectSame(1.5, 1.5);
    expectDifferent(1, 2);
    expectSame(true, true);
    expectDifferent(true, false);
    expectSame(null, null);
    expectDifferent(null, undefined);
    expectDifferent(0, false);
    expectDifferent('', undefined);
    expectDifferent('1', 1);
  });

  it('tells -0 from 0 (both are stored as written) and keeps NaN the same as NaN', () => {
    expectDifferent(0, -0);
    expectSame(-0, -0);
    expectSame(Number.NaN, Number.NaN);
    expectDifferent(Number.NaN, 0);
    expectDifferent([0], [-0]);
  });

  it('never takes a bigint for a number', () => {
    expectSame(2n ** 70n, 2n ** 70n);
    expectDifferent(2n ** 70n, 2n ** 70n + 1n);
    expectDifferent(5n, 5);
  });

  it('compares arrays item by item and keeps Tuples apart from plain arrays', () => {
    expectSame([1, [2, { a: 3 }]], [1, [2, { a: 3 }]]);
    expectDifferent([1, 2], [2, 1]);
    expectDifferent([1, 2], [1, 2, 3]);
    expectSame(Tuple.of('message', 'Saved'), Tuple.of('message', 'Saved'));
    expectDifferent(Tuple.of('message', 'Saved'), Tuple.of('error', 'Saved'));
    expectDifferent(Tuple.of('message', 'Saved'), ['message', 'Saved']);
  });

  it('compares objects by present keys, in any order, null-prototype or not', () => {
    expectSame({ a: 1, b: 2 }, { b: 2, a: 1 });
    expectSame({ a: 1, gone: undefined }, { a: 1 });
    expectDifferent({ a: 1 }, { a: 1, b: 2 });
    expectDifferent({ a: 1, b: undefined }, { a: 1, c: 2 });
    expectDifferent({ a: undefined }, { b: undefined, c: 1 });
    const bare = Object.create(null) as Record<string, unknown>;
    bare.a = 1;
    expectSame(bare, { a: 1 });
    expectDifferent({}, []);
    expectSame(JSON.parse('{"__proto__": {"x": 1}}'), JSON.parse('{"__proto__": {"x": 1}}'));
    expectDifferent(JSON.parse('{"__proto__": {"x": 1}}'), {});
    // An inherited property is not a key.
    expectDifferent({ toString: Object.prototype.toString }, {});
  });

  it('compares bytes by content, Buffer or Uint8Array', () => {
    expectSame(Buffer.from('abc'), new Uint8Array([97, 98, 99]));
    expectDifferent(Buffer.from('abc'), Buffer.from('abd'));
    expectDifferent(Buffer.from('abc'), Buffer.from('ab'));
    expectDifferent(Buffer.from('abc'), 'abc');
    // A difference past the hashed prefix still counts.
    const long = Buffer.alloc(1000, 1);
    const other = Buffer.alloc(1000, 1);
    other[999] = 2;
    expectDifferent(long, other);
    expectSame(long, Buffer.from(long));
  });

  it('compares Date, UUID and Markup by value', () => {
    expectSame(new Date(1700000000000), new Date(1700000000000));
    expectDifferent(new Date(1700000000000), new Date(1700000001000));
    expectSame(new Date(Number.NaN), new Date(Number.NaN));
    expectSame(new UUID('0E2D6D2C-33B3-4A3E-9E5A-5C0D1E2F3A4B'), new UUID('0e2d6d2c33b34a3e9e5a5c0d1e2f3a4b'));
    expectDifferent(new UUID('0e2d6d2c33b34a3e9e5a5c0d1e2f3a4b'), new UUID('1e2d6d2c33b34a3e9e5a5c0d1e2f3a4b'));
    expectSame(new Markup('<b>hi</b>'), new Markup('<b>hi</b>'));
    expectDifferent(new Markup('<b>hi</b>'), '<b>hi</b>');
    expectDifferent(new Markup('a'), new Markup('b'));
  });

  it('treats other objects as the same only as themselves', () => {
    const map = new Map([['a', 1]]);
    expectSame(map, map);
    expectDifferent(map, new Map([['a', 1]]));
    class Money {
      constructor(readonly cents: number) {}
    }
    expectDifferent(new Money(1), new Money(1));
  });

  it('never calls values that are nested too deep (or circular) the same, and does not throw', () => {
    const deep = (): unknown => {
      let value: unknown = 0;
      for (let i = 0; i < MAX_DEPTH + 10; i++) value = [value];
      return value;
    };
    expect(sameValue(deep(), deep())).toBe(false);
    const a: unknown[] = [];
    a.push(a);
    const b: unknown[] = [];
    b.push(b);
    expect(sameValue(a, b)).toBe(false);
    expect(sameValue(a, a)).toBe(true);
    expect(typeof valueHash(a)).toBe('number');
  });

  it('agrees with valueHash on random values and their look-alike copies', () => {
    const random = new Random(0x5eed);
    const leaf = (): unknown =>
      random.pick<() => unknown>([
        () => random.below(5),
        () => -0,
        () => `s${random.below(4)}`,
        () => BigInt(random.below(3)) + 2n ** 64n,
        () => random.chance(0.5),
        () => null,
        () => Buffer.from([random.below(3)]),
        () => new Date(random.below(3) * 1000),
        () => new UUID(`${random.below(3)}`.repeat(32)),
        () => new Markup(`<i>${random.below(3)}</i>`),
      ])();
    const value = (depth: number): unknown => {
      if (depth > 3 || random.chance(0.4)) return leaf();
      const kind = random.below(3);
      const size = random.below(4);
      if (kind === 0) return Array.from({ length: size }, () => value(depth + 1));
      if (kind === 1) return Tuple.from(Array.from({ length: size }, () => value(depth + 1)));
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < size; i++) obj[`k${random.below(4)}`] = value(depth + 1);
      return obj;
    };
    // A copy in other clothes: Uint8Array for Buffer, keys reversed, fresh instances.
    const lookAlike = (v: unknown): unknown => {
      if (Buffer.isBuffer(v)) return new Uint8Array(v);
      if (v instanceof Date) return new Date(v.getTime());
      if (v instanceof UUID) return new UUID(v.toString());
      if (v instanceof Markup) return new Markup(v.html);
      if (v instanceof Tuple) return Tuple.from(v.map(lookAlike));
      if (Array.isArray(v)) return v.map(lookAlike);
      if (typeof v === 'object' && v !== null) {
        const out = Object.create(null) as Record<string, unknown>;
        for (const k of Object.keys(v).reverse()) out[k] = lookAlike((v as Record<string, unknown>)[k]);
        return out;
      }
      return v;
    };
    let sameCount = 0;
    for (let n = 0; n < 3000; n++) {
      const a = value(0);
      expectSame(a, lookAlike(a));
      const b = value(0);
      if (sameValue(a, b)) {
        sameCount++;
        expect(valueHash(a)).toBe(valueHash(b));
      }
    }
    // Independent random values are sometimes the same, which exercises the hash agreement too.
    expect(sameCount).toBeGreaterThan(0);
  });
});
