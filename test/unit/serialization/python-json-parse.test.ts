import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, NestingTooDeepError, parsePythonJson } from '../../../src/serialization/index.js';
import { expectNoPollution } from './pollution.js';

describe('parsePythonJson: values', () => {
  it('reads ordinary JSON like JSON.parse', () => {
    expect(parsePythonJson(' {"a": [1, 2.5, "x\\u00e9\\n", true, false, null]} ')).toEqual({
      a: [1, 2.5, 'xé\n', true, false, null],
    });
  });

  it("reads Python's NaN, Infinity and -Infinity", () => {
    const out = parsePythonJson('[NaN,Infinity,-Infinity,1]') as number[];
    expect(out[0]).toBeNaN();
    expect(out.slice(1)).toEqual([Infinity, -Infinity, 1]);
  });

  it('keeps integers beyond 2^53 - 1 exact as bigint, and smaller ones as numbers', () => {
    expect(parsePythonJson('[9007199254740991,-9007199254740991,9007199254740992,-9007199254740993]')).toEqual([
      9007199254740991, -9007199254740991, 9007199254740992n, -9007199254740993n,
    ]);
    expect(parsePythonJson('{"i":1152921504606846976}')).toEqual({ i: 1152921504606846976n });
    expect(parsePythonJson('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
  });

  it('keeps 16+ digit integers within 2^53 - 1 as numbers', () => {
    expect(parsePythonJson('[1000000000000000, 1234567890123456]')).toEqual([1000000000000000, 1234567890123456]);
  });

  it('reads float tokens as numbers even when integral or large', () => {
    expect(parsePythonJson('[1.0, 1e16, 1E+22, 12345678901234567890.0]')).toEqual([1, 1e16, 1e22, 12345678901234567000]);
  });

  it('reads the integer -0 as 0 (Python int) and the float -0.0 as -0', () => {
    expect(Object.is(parsePythonJson('-0'), 0)).toBe(true);
    expect(Object.is((parsePythonJson('[-0]') as number[])[0], 0)).toBe(true);
    expect(Object.is(parsePythonJson('-0.0'), -0)).toBe(true);
    expect(Object.is(parsePythonJson('-0e1'), -0)).toBe(true);
  });

  it('reads a lone surrogate escape into a lone surrogate', () => {
    expect(parsePythonJson('"\\ud800x"')).toBe('\ud800x');
  });

  it('keeps the last of duplicate keys (Python dict)', () => {
    expect(parsePythonJson('{"a":1,"b":2,"a":3}')).toEqual({ a: 3, b: 2 });
    expect(parsePythonJson('{"a":1,"a":NaN,"a":12345678901234567890}')).toEqual({ a: 12345678901234567890n });
  });

  it('gives the same result on the fast and the exact path', () => {
    const text = '{"a":[1,2.5,"s"],"b":{"c":null},"__proto__":{"d":true}}';
    const withBigInt = text.replace('"s"', '"s",99999999999999999999');
    const fast = parsePythonJson(text) as Record<string, unknown>;
    const exact = parsePythonJson(withBigInt) as Record<string, unknown>;
    (exact.a as unknown[]).pop();
    expect(exact).toEqual(fast);
    expect(Object.keys(exact)).toEqual(Object.keys(fast));
  });
});

describe('parsePythonJson: prototype pollution', () => {
  const attacks = [
    '{"__proto__":{"polluted":1}}',
    '{"__proto__":{"polluted":1},"n":NaN}',
    '{"__proto__":{"polluted":1},"n":99999999999999999999}',
    '[{"__proto__":{"polluted":1}}]',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"a":{"__proto__":{"polluted":1}},"b":-0}',
  ];

  it.each(attacks)('%s stays an own data property and changes no prototype', (text) => {
    const out = parsePythonJson(text);
    expectNoPollution(out);
    const plain = (JSON.parse(text.replace(/NaN|-0|99999999999999999999/, '0')) as unknown);
    // Same shape as JSON.parse, which defines every key as an own data property.
    expect(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' || Number.isNaN(v) ? 0 : v))).toBe(JSON.stringify(plain));
  });

  it('exposes __proto__ as an own enumerable key on both paths', () => {
    for (const text of ['{"__proto__":{"x":1}}', '{"__proto__":{"x":1},"n":NaN}']) {
      const out = parsePythonJson(text) as Record<string, unknown>;
      expect(Object.keys(out)[0]).toBe('__proto__');
      expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 1 });
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    }
  });
});

describe('parsePythonJson: errors', () => {
  it.each([
    ['', 'Expecting value', 0],
    ['{"a":1,}', 'Expecting property name enclosed in double quotes', 7],
    ['[1,]', 'Expecting value', 3],
    ['[1 2]', "Expecting ',' delimiter", 3],
    ['{"a" 1}', "Expecting ':' delimiter", 5],
    ['"abc', 'Unterminated string starting at', 0],
    ['"a\nb"', 'Invalid control character at', 2],
    ['"\\x"', 'Invalid \\escape', 1],
    ['"\\u12G4"', 'Invalid \\uXXXX escape', 1],
    ['nan', 'Expecting value', 0],
    ['1 2', 'Extra data', 2],
    ["{'a':1}", 'Expecting property name enclosed in double quotes', 1],
    ['01', 'Extra data', 1],
    ['+1', 'Expecting value', 0],
    ['-NaN', 'Expecting value', 0],
  ])('%j → %s at %d', (text, message, position) => {
    let caught: unknown;
    try {
      parsePythonJson(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JsonSyntaxError);
    expect((caught as JsonSyntaxError).message).toContain(message);
    expect((caught as JsonSyntaxError).position).toBe(position);
  });

  it('refuses nesting deeper than 1000 levels with a named error on both paths', () => {
    expect(parsePythonJson(`${'['.repeat(1000)}${']'.repeat(1000)}`)).toBeInstanceOf(Array);
    expect(() => parsePythonJson(`${'['.repeat(1001)}${']'.repeat(1001)}`)).toThrow(NestingTooDeepError);
    expect(() => parsePythonJson(`${'['.repeat(1001)}NaN${']'.repeat(1001)}`)).toThrow(NestingTooDeepError);
  });
});
