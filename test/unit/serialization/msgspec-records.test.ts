/**
 * Flask-Session 0.8 records byte for byte: what msgspec 0.22 wrote on the SQLAlchemy backend
 * (test/fixtures/flask-session-records.json, extracted from the shared Flask-Session vectors)
 * reads back, and is written again to the very same bytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FlaskSessionCodec, Markup, Tuple, UUID } from '../../../src/index.js';
import { encodeMsgspecJson, msgspecDatetime, msgspecFloat } from '../../../src/serialization/records/msgspec-json.js';
import { encodeMsgspecMsgpack } from '../../../src/serialization/records/msgspec-msgpack.js';

interface RecordVector {
  vector: string;
  request: string;
  format: 'msgpack' | 'json';
  stored_b64: string;
}
const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/flask-session-records.json', import.meta.url), 'utf8')) as {
  records: RecordVector[];
  set_cookie_headers: string[];
};

/**
 * Python values JavaScript has no twin for, so their bytes cannot come back identical: a whole
 * float (`1.0` is the number 1 in JS, written as an int) and a dict with int keys (JS keys are
 * strings). Each such vector still reads back and re-encodes to the same data.
 */
const NOT_BYTE_EXACT: Readonly<Record<string, string>> = {
  'msgpack-02-scalars': 'float_whole = 1.0',
  'msgpack-03-nested': 'mixed holds 3.0',
  'msgpack-12-edge-floats-intkeys': 'int_keys = {1: ..., 2: ...}',
  'json-02-scalars': 'float_whole = 1.0',
  'json-03-nested': 'mixed holds 3.0',
};

function exception(vector: RecordVector): string | undefined {
  const key = vector.vector.replace(/^sqlalchemy-sqlite-/, '');
  return NOT_BYTE_EXACT[key];
}

describe('records msgspec wrote, read and written again', () => {
  it('covers both formats', () => {
    expect(new Set(FIXTURE.records.map((r) => r.format))).toEqual(new Set(['msgpack', 'json']));
    expect(FIXTURE.records.length).toBeGreaterThanOrEqual(24);
  });

  it.each(FIXTURE.records.map((r) => [`${r.vector} ${r.request}`, r] as const))('%s', async (_name, vector) => {
    const codec = await FlaskSessionCodec.create(vector.format);
    const stored = Buffer.from(vector.stored_b64, 'base64');
    const { data } = codec.decode(stored);
    const written = Buffer.from(codec.encode(data, { createdAt: 0 }));
    expect(codec.decode(written).data).toEqual(data);
    if (exception(vector) === undefined) expect(written.toString('hex')).toBe(stored.toString('hex'));
    else expect(written.toString('hex')).not.toBe(stored.toString('hex'));
  });
});

describe("msgspec's msgpack", () => {
  const hex = (value: unknown) => Buffer.from(encodeMsgspecMsgpack(value)).toString('hex');

  it('writes -0.0 as a float, and every non-integral or unsafe number as float64', () => {
    expect(hex(-0)).toBe('cb8000000000000000');
    expect(hex(1.5)).toBe('cb3ff8000000000000');
    expect(hex(Number.NaN)).toBe('cb7ff8000000000000');
    expect(hex(1e300)).toBe('cb7e37e43c8800759c');
    expect(hex(2 ** 53)).toBe('cb4340000000000000');
  });

  it('writes integers in the smallest form, non-negative ones unsigned (as msgspec)', () => {
    expect(hex(0)).toBe('00');
    expect(hex(127)).toBe('7f');
    expect(hex(128)).toBe('cc80');
    expect(hex(65535)).toBe('cdffff');
    expect(hex(2 ** 32)).toBe('cf0000000100000000');
    expect(hex(2n ** 63n - 1n)).toBe('cf7fffffffffffffff');
    expect(hex(2n ** 64n - 1n)).toBe('cfffffffffffffffff');
    expect(hex(-32)).toBe('e0');
    expect(hex(-33)).toBe('d0df');
    expect(hex(-129)).toBe('d1ff7f');
    expect(hex(-32769)).toBe('d2ffff7fff');
    expect(hex(-(2 ** 31) - 1)).toBe('d3ffffffff7fffffff');
    expect(() => encodeMsgspecMsgpack(2n ** 64n)).toThrow(/64 bits/);
  });

  it('writes datetimes as msgspec chooses: timestamp 32, 64 or 96', () => {
    expect(hex(new Date('2030-01-02T03:04:05Z'))).toBe('d6ff70dd5525');
    expect(hex(new Date('2030-01-02T03:04:05.500Z'))).toBe(`d7ff${((500_000_000n << 34n) | 1893553445n).toString(16).padStart(16, '0')}`);
    expect(hex(new Date('1969-12-31T23:59:59Z'))).toBe('c70cff00000000ffffffffffffffff');
    expect(() => encodeMsgspecMsgpack(new Date(Number.NaN))).toThrow(/invalid Date/);
  });

  it('writes strings, bytes, containers; tuples as arrays; UUID and Markup as text', () => {
    expect(hex('')).toBe('a0');
    expect(hex('x'.repeat(32))).toBe(`d920${'78'.repeat(32)}`);
    expect(hex(Buffer.from([0, 255]))).toBe('c40200ff');
    expect(hex(Tuple.of(1, 2))).toBe('920102');
    expect(hex({ a: 1, skipped: undefined, b: [true, null] })).toBe('82a16101a16292c3c0');
    expect(hex(new UUID('12345678123456781234567812345678'))).toBe(`d924${Buffer.from('12345678-1234-5678-1234-567812345678').toString('hex')}`);
    expect(hex(new Markup('<b>'))).toBe(`a3${Buffer.from('<b>').toString('hex')}`);
    expect(() => encodeMsgspecMsgpack({ m: new Map() })).toThrow(/Map cannot be stored/);
  });

  it('grows past its first buffer: 16- and 32-bit lengths', () => {
    const big = encodeMsgspecMsgpack({ blob: Buffer.alloc(70_000, 7), text: 'é'.repeat(40_000), list: Array.from({ length: 20 }, () => 0) });
    const bytes = Buffer.from(big);
    expect(bytes.subarray(0, 6).toString('hex')).toBe('83a4626c6f62');
    expect(bytes.subarray(6, 11).toString('hex')).toBe('c600011170');
    expect(bytes.subarray(11, 70_011).every((b) => b === 7)).toBe(true);
    expect(bytes.subarray(70_011, 70_016).toString('hex')).toBe('a474657874');
    expect(bytes.subarray(70_016, 70_021).toString('hex')).toBe('db00013880');
    expect(bytes.subarray(-23).toString('hex')).toBe(`dc0014${'00'.repeat(20)}`);
  });
});

describe("msgspec's JSON", () => {
  it('writes floats in its own layout, non-finite ones as null', () => {
    const cases: [number, string][] = [
      [1.5, '1.5'],
      [-0, '-0.0'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e15 + 0.5, '1000000000000000.5'],
      [2 ** 53, '9007199254740992.0'],
      [1e16, '1e16'],
      [1.5e16, '1.5e16'],
      [1e-5, '0.00001'],
      [1.5e-5, '0.000015'],
      [1e-6, '1e-6'],
      [5e-324, '5e-324'],
      [1e300, '1e300'],
      [-2.5e-7, '-2.5e-7'],
      [Number.NaN, 'null'],
      [Infinity, 'null'],
      [-Infinity, 'null'],
    ];
    for (const [x, text] of cases) expect(msgspecFloat(x), String(x)).toBe(text);
  });

  it('writes datetimes as RFC 3339 with six fraction digits when there is a fraction', () => {
    expect(msgspecDatetime(new Date('2030-01-02T03:04:05Z'))).toBe('2030-01-02T03:04:05Z');
    expect(msgspecDatetime(new Date('2030-01-02T03:04:05.5Z'))).toBe('2030-01-02T03:04:05.500000Z');
    expect(msgspecDatetime(new Date('2030-01-02T03:04:05.001Z'))).toBe('2030-01-02T03:04:05.001000Z');
  });

  it('keeps insertion order and UTF-8, escapes only quotes, backslashes and controls', () => {
    expect(encodeMsgspecJson({ z: 1, _permanent: true, a: 'é 😀 \u007f \u2028' })).toBe('{"z":1,"_permanent":true,"a":"é 😀 \u007f \u2028"}');
    expect(encodeMsgspecJson('q" b\\ \n\t\b\f\r \u0000\u001f')).toBe('"q\\" b\\\\ \\n\\t\\b\\f\\r \\u0000\\u001f"');
    expect(encodeMsgspecJson({ b: Buffer.from([0, 255]), t: Tuple.of<unknown>(1, 'x'), n: null, big: 2n ** 70n })).toBe(
      '{"b":"AP8=","t":[1,"x"],"n":null,"big":1180591620717411303424}',
    );
  });
});

describe("Flask-Session's deletion cookie", () => {
  it('is the one header of the vectors with Max-Age', () => {
    expect(FIXTURE.set_cookie_headers.filter((h) => h.includes('Max-Age'))).toEqual(['session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/']);
  });
});
