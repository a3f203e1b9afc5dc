/**
 * Each case listed under "What does not round-trip" in docs/serialization.md, verified.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  canonicalPythonJson,
  dumpsPythonJson,
  Markup,
  MalformedTagError,
  NestingTooDeepError,
  parsePythonJson,
  TaggedJSONSerializer,
  Tuple,
  UnserializableValueError,
} from '../../../src/serialization/index.js';

const s = new TaggedJSONSerializer();

describe('documented limits', () => {
  it('1. a Python float with an integral value comes back as a JS number and is written as an integer', () => {
    expect(s.dumps(s.loads('{"h":1.0}'))).toBe('{"h":1}');
    expect(s.dumps(s.loads('[0.0,-5.0,1e+16,1e+22]'))).toBe('[0,-5,10000000000000000,10000000000000000000000]');
    expect(s.dumps(s.loads('1.2345678901234568e+17'))).toBe('123456789012345680');
    // canonicalPythonJson keeps it: it never goes through a JS number.
    expect(canonicalPythonJson('{"h":1.0}')).toBe('{"h":1.0}');
  });

  it('2. -0.0 round-trips, but any JS -0 is written as the float -0.0, never as the integer 0', () => {
    expect(s.dumps(s.loads('{"j":-0.0}'))).toBe('{"j":-0.0}');
    expect(dumpsPythonJson(0 * -1)).toBe('-0.0');
    expect(s.dumps(s.loads('-0'))).toBe('0');
  });

  it('3. a Date keeps whole seconds only', () => {
    const date = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
    const back = s.loads(s.dumps(date)) as Date;
    expect(back.getTime()).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
  });

  it('4. a datetime comes back in UTC (Flask writes GMT; the offset is not kept)', () => {
    const back = s.loads('{" d":"Tue, 01 Jan 2030 21:34:05 GMT"}') as Date;
    expect(back.toISOString()).toBe('2030-01-01T21:34:05.000Z');
  });

  it('5. years 1-99 come back as 1969-2068, as in Flask itself', () => {
    const date = new Date(0);
    date.setUTCFullYear(1, 0, 1);
    const text = s.dumps(date);
    expect(text).toBe('{" d":"Mon, 01 Jan 0001 00:00:00 GMT"}');
    expect((s.loads(text) as Date).toISOString()).toBe('2001-01-01T00:00:00.000Z');
  });

  it('6. a Date outside years 1..9999, or invalid, is refused', () => {
    expect(() => s.dumps(new Date(Date.UTC(10000, 0, 1)))).toThrow(UnserializableValueError);
    expect(() => s.dumps(new Date(NaN))).toThrow(UnserializableValueError);
  });

  it('7. bytes come back as Buffer, whatever Uint8Array they were', () => {
    const back = s.loads(s.dumps(new Uint8Array([1, 2])));
    expect(Buffer.isBuffer(back)).toBe(true);
  });

  it('8. anything with __html__() comes back as Markup', () => {
    class Safe {
      __html__(): string {
        return '<b>x</b>';
      }
    }
    const back = s.loads(s.dumps(new Safe()));
    expect(back).toBeInstanceOf(Markup);
    expect(String(back)).toBe('<b>x</b>');
  });

  it('9. integers beyond 2^53 - 1 come back as bigint; a JS number that large is written as exact integer digits', () => {
    expect(s.loads('{"i":9007199254740993}')).toEqual({ i: 9007199254740993n });
    expect(dumpsPythonJson(2 ** 64)).toBe('18446744073709551616');
    const text = dumpsPythonJson(1e300);
    expect(text).toMatch(/^1\d{300}$/);
    expect(Number(text)).toBe(1e300);
  });

  it('10. JS values without a Flask equivalent are refused', () => {
    for (const value of [new Map(), new Set(), () => 1, Symbol('s'), [undefined], new (class Point {})()]) {
      expect(() => s.dumps(value)).toThrow(UnserializableValueError);
    }
  });

  it('11. object properties holding undefined are left out', () => {
    expect(s.loads(s.dumps({ a: 1, b: undefined }))).toEqual({ a: 1 });
    expect(Object.keys(s.loads(s.dumps({ a: 1, b: undefined })) as object)).toEqual(['a']);
  });

  it('12. a plain array stays a list; only Tuple is written as a tuple', () => {
    expect(s.loads(s.dumps(['a', 'b']))).not.toBeInstanceOf(Tuple);
    expect(s.loads(s.dumps(Tuple.of('a', 'b')))).toBeInstanceOf(Tuple);
  });

  it('13. " di" with several keys: Flask takes the first in the text, we the first in JS key order', () => {
    // Integer-like keys come first in JS objects: Flask would give {"": 1} here.
    expect(s.loads('{" di":{"ab":1,"1":2}}')).toEqual({ '': 2 });
    expect(s.loads('{" di":{"ab":1,"cd":2}}')).toEqual({ '': 1 });
  });

  it('14. malformed tag payloads Flask would coerce are refused', () => {
    for (const text of ['{" t":"abc"}', '{" m":5}', '{" d":"someday"}', '{" b":"AA AA=="}', '{" b":"AAA"}']) {
      expect(() => s.loads(text)).toThrow(MalformedTagError);
    }
  });

  it('15. integers over 4300 digits, which Python 3.11+ refuses to read, are read', () => {
    const digits = '9'.repeat(5000);
    expect(parsePythonJson(digits)).toBe(BigInt(digits));
  });

  it('16. nesting deeper than 1000 levels is refused both ways', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1001; i++) deep = [deep];
    expect(() => s.dumps(deep)).toThrow(NestingTooDeepError);
    expect(() => s.loads(`${'['.repeat(1001)}1${']'.repeat(1001)}`)).toThrow(NestingTooDeepError);
  });

  it('17. duplicate keys keep the last value (as Python); the others are lost', () => {
    expect(s.dumps(s.loads('{"a":1,"a":2}'))).toBe('{"a":2}');
  });
});
