import { describe, expect, it } from 'vitest';
import {
  dumpsPythonJson,
  Markup,
  NestingTooDeepError,
  Tuple,
  UnserializableValueError,
} from '../../../src/serialization/index.js';

describe('dumpsPythonJson: layout', () => {
  it('is compact with keys sorted', () => {
    expect(dumpsPythonJson({ b: 1, a: [true, false, null], c: {} })).toBe('{"a":[true,false,null],"b":1,"c":{}}');
  });

  it('sorts keys by code point, not by UTF-16 unit', () => {
    // By UTF-16 units "😀" (\ud83d...) would sort before "\uffff"; Python puts U+FFFF first.
    expect(dumpsPythonJson({ '😀': 4, '\uffff': 5, z: 1, a: 2, é: 3, '\ue000': 7, '𐀀': 6 })).toBe(
      '{"a":2,"z":1,"\\u00e9":3,"\\ue000":7,"\\uffff":5,"\\ud800\\udc00":6,"\\ud83d\\ude00":4}',
    );
  });

  it('orders a lone high surrogate before the astral character that extends it', () => {
    // Python: "\ud83d\ue000" is [U+D83D, U+E000] and sorts before [U+1F600].
    expect(dumpsPythonJson({ '\ud83d\ude00': 1, '\ud83d\ue000': 2, '\ud83d': 3 })).toBe(
      '{"\\ud83d":3,"\\ud83d\\ue000":2,"\\ud83d\\ude00":1}',
    );
  });

  it('sorts many keys (the Array#sort path) the same way', () => {
    const obj: Record<string, number> = {};
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) keys.push(`k${String(39 - i).padStart(2, '0')}`);
    keys.push('\uffff', '😀');
    keys.forEach((k, i) => (obj[k] = i));
    const text = dumpsPythonJson(obj);
    const order = Object.keys(JSON.parse(text) as object);
    expect(order.slice(0, 3)).toEqual(['k00', 'k01', 'k02']);
    expect(order.slice(-2)).toEqual(['\uffff', '😀']);
  });

  it('leaves out object properties whose value is undefined', () => {
    expect(dumpsPythonJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it('writes an own __proto__ key as plain data', () => {
    const obj = JSON.parse('{"__proto__":{"x":1},"constructor":2}') as object;
    expect(dumpsPythonJson(obj)).toBe('{"__proto__":{"x":1},"constructor":2}');
  });

  it('accepts null-prototype objects and Tuples (written as lists, as json.dumps writes tuples)', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = Tuple.of(1, 2);
    expect(dumpsPythonJson(bare)).toBe('{"k":[1,2]}');
  });
});

describe('dumpsPythonJson: strings (ensure_ascii)', () => {
  it.each([
    ['plain', '"plain"'],
    ['quote " and backslash \\', '"quote \\" and backslash \\\\"'],
    ['\n\r\t\b\f', '"\\n\\r\\t\\b\\f"'],
    ['\u0000\u0001\u000b\u001f', '"\\u0000\\u0001\\u000b\\u001f"'],
    ['\u007f', '"\\u007f"'],
    ['é', '"\\u00e9"'],
    ['\u0100\u0fff\uabcd', '"\\u0100\\u0fff\\uabcd"'],
    ['😀', '"\\ud83d\\ude00"'],
    ['\ud800', '"\\ud800"'],
    ['a\udfffb', '"a\\udfffb"'],
    ['/', '"/"'],
    ['\u2028', '"\\u2028"'],
  ])('%j → %s', (input, expected) => {
    expect(dumpsPythonJson(input)).toBe(expected);
  });

  it('escapes non-ASCII keys the same way', () => {
    expect(dumpsPythonJson({ 'Zoë\n': 1 })).toBe('{"Zo\\u00eb\\n":1}');
  });
});

describe('dumpsPythonJson: numbers', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [-42, '-42'],
    [9007199254740991, '9007199254740991'],
    [2 ** 60, '1152921504606846976'],
    [1e20, '100000000000000000000'],
    [1e21, '1000000000000000000000'],
    [-1e25, '-10000000000000000905969664'],
    [0.5, '0.5'],
    [1e-5, '1e-05'],
    [-0, '-0.0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%s → %s', (n, expected) => {
    expect(dumpsPythonJson(n)).toBe(expected);
  });

  it('writes bigint as its digits', () => {
    expect(dumpsPythonJson([2n ** 100n, -5n, 0n])).toBe('[1267650600228229401496703205376,-5,0]');
  });
});

describe('dumpsPythonJson: refusals', () => {
  it.each([
    [new Map(), 'Map'],
    [new Set([1]), 'Set'],
    [new Date(0), 'Date'],
    [() => 1, 'function'],
    [Symbol('s'), 'symbol'],
    [undefined, 'undefined'],
    [new Markup('<b>'), 'Markup'],
    [new Uint8Array(1), 'Uint8Array'],
  ])('refuses %s with a named error naming the type', (value, type) => {
    expect(() => dumpsPythonJson(value)).toThrow(UnserializableValueError);
    expect(() => dumpsPythonJson(value)).toThrow(`Object of type ${type} `);
  });

  it('says where the refused value is', () => {
    let caught: unknown;
    try {
      dumpsPythonJson({ cart: [1, { 'odd key': new Map() }] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnserializableValueError);
    expect((caught as UnserializableValueError).path).toBe('$.cart[1]["odd key"]');
    expect((caught as UnserializableValueError).valueType).toBe('Map');
  });

  it('refuses undefined inside an array', () => {
    expect(() => dumpsPythonJson([1, undefined])).toThrow(UnserializableValueError);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => dumpsPythonJson([1, , 3])).toThrow(UnserializableValueError);
  });

  it('refuses a circular structure with a named error instead of overflowing the stack', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => dumpsPythonJson(loop)).toThrow(NestingTooDeepError);
  });

  it('writes 1000 levels and refuses 1001', () => {
    const nest = (n: number): unknown => {
      let v: unknown = 0;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    expect(dumpsPythonJson(nest(1000))).toBe(`${'['.repeat(1000)}0${']'.repeat(1000)}`);
    expect(() => dumpsPythonJson(nest(1001))).toThrow(NestingTooDeepError);
  });
});
