/**
 * checkJsonData: only values JSON gives back unchanged may be sealed by the session interface;
 * the first other value is refused with a SealDataError naming where it sits.
 */
import { describe, expect, it } from 'vitest';
import { checkJsonData, SealDataError } from '../../../src/sealing/index.js';
import { Markup, Tuple, UUID } from '../../../src/serialization/index.js';

function refusal(data: Record<string, unknown>): SealDataError {
  try {
    checkJsonData(data);
  } catch (error) {
    expect(error).toBeInstanceOf(SealDataError);
    return error as SealDataError;
  }
  throw new Error('expected a SealDataError, nothing was thrown');
}

describe('checkJsonData', () => {
  it('accepts what JSON round-trips: every value below comes back equal from JSON.parse', () => {
    const data: Record<string, unknown> = {
      s: 'Zoë 🔑 "quoted" \\ \u2028',
      lone: '\ud800',
      n: [0, -1.5, 1e21, Number.MAX_SAFE_INTEGER, 5e-324],
      flags: [true, false, null],
      nested: { a: { b: { c: [[], {}, [{ d: 'deep' }]] } } },
      'odd key': { 'ключ': 1, '': 2, __proto__x: 3 },
      empty: {},
      shared: undefined,
    };
    const shared = { twice: true };
    data.two = [shared, shared];
    expect(() => checkJsonData(data)).not.toThrow();
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('accepts a null-prototype object and an own __proto__ key', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 1;
    const data = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(() => checkJsonData({ bare, data })).not.toThrow();
  });

  it('accepts a Tuple (how flash messages are stored) as the array it comes back as', () => {
    expect(() => checkJsonData({ _flashes: [Tuple.of('info', 'Saved')] })).not.toThrow();
  });

  it('leaves out object properties that are undefined, as JSON.stringify does', () => {
    expect(() => checkJsonData({ profile: { name: 'ada', email: undefined } })).not.toThrow();
  });

  it.each([
    ['a Date', { when: new Date(0) }, 'when', 'a Date, which JSON cannot hold; store date.toISOString() or date.getTime()'],
    ['a bigint', { big: 2n ** 64n }, 'big', 'a bigint, which JSON cannot hold; store it as a string'],
    ['a Uint8Array', { bytes: new Uint8Array([1, 2]) }, 'bytes', "a Uint8Array, which JSON cannot hold; store text instead, e.g. Buffer.from(bytes).toString('base64url')"],
    ['a Buffer', { bytes: Buffer.from('hi') }, 'bytes', 'a Buffer, which JSON cannot hold'],
    ['a Map', { m: new Map([[1, 2]]) }, 'm', 'a Map, which JSON cannot hold; store a plain object, Object.fromEntries(map)'],
    ['a Set', { s: new Set([1]) }, 's', 'a Set, which JSON cannot hold; store an array, [...set]'],
    ['a UUID', { id: new UUID('12345678123456781234567812345678') }, 'id', 'a UUID, which JSON cannot hold; store a plain object with its fields'],
    ['Markup', { html: new Markup('<b>') }, 'html', 'a Markup, which JSON cannot hold'],
    ['a class instance', { at: new (class Point { x = 1 })() }, 'at', 'a Point, which JSON cannot hold'],
    ['a function', { fn: () => 1 }, 'fn', 'a function, which JSON cannot hold'],
    ['a symbol', { sym: Symbol('s') }, 'sym', 'a symbol, which JSON cannot hold'],
    ['NaN', { x: Number.NaN }, 'x', 'NaN, which JSON writes as null'],
    ['Infinity', { x: -Infinity }, 'x', '-Infinity, which JSON writes as null'],
  ])('refuses %s, naming it and what to store instead', (_name, data, path, says) => {
    const error = refusal(data);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(/^Cannot seal this session data: /);
    expect(error.message).toContain(`: ${path} is ${says}`);
    expect(error.message).toMatch(/\. Store plain JSON values \(objects, arrays, strings, numbers, booleans, null\)\.$/);
  });

  it('names nested places: object keys, array indexes, keys that are not identifiers', () => {
    expect(refusal({ cart: [1, { added: new Date() }] }).path).toBe('cart[1].added');
    expect(refusal({ 'my key': { 'sub-key': [0n] } }).path).toBe('["my key"]["sub-key"][0]');
    expect(refusal({ a: { b: { c: { d: [[Number.NaN]] } } } }).path).toBe('a.b.c.d[0][0]');
  });

  it('refuses undefined and holes in arrays (JSON writes them as null)', () => {
    expect(refusal({ list: [1, undefined] }).message).toContain('list[1] is undefined (or a hole) in an array');
    // eslint-disable-next-line no-sparse-arrays
    expect(refusal({ list: [1, , 3] }).path).toBe('list[1]');
  });

  it('refuses array subclasses other than Tuple', () => {
    class Stack extends Array<number> {}
    expect(refusal({ stack: Stack.from([1]) }).message).toContain('stack is a Stack, not a plain array');
  });

  it('refuses cycles, also through arrays, and allows the same object twice without a cycle', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node.self = node;
    expect(refusal({ node }).message).toContain('node.self is a reference to an object that contains it (a cycle)');
    const list: unknown[] = [];
    list.push({ back: list });
    expect(refusal({ list }).path).toBe('list[0].back');
    const leaf = { v: 1 };
    expect(() => checkJsonData({ a: leaf, b: [leaf, { c: leaf }] })).not.toThrow();
  });
});
