/**
 * The restricted pickle reader and the pickle writer on their own: value mapping, sharing, every
 * refusal, the limits, truncation of real Flask-Session files at every byte, and a seeded
 * mutation fuzz. (Comparisons with real CPython are in test/interop/flask-session-filesystem.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, SessionKitError } from '../../../src/errors.js';
import { NestingTooDeepError } from '../../../src/serialization/errors.js';
import {
  dumpsFlaskSession,
  dumpsPickle,
  loadsRestricted,
  MalformedPickleError,
  MAX_PICKLE_DEPTH,
  PickleDecodeError,
  PickleLimitError,
  PickleRejectedError,
  PyDate,
  PyDateTime,
  PyFloat,
  PyTimezone,
  UnpicklableValueError,
} from '../../../src/serialization/pickle.js';
import { Op } from '../../../src/serialization/pickle-ops.js';
import { decodeUtf8SurrogatePass, encodeUtf8SurrogatePass } from '../../../src/serialization/utf8-surrogatepass.js';
import { Markup, Tuple, UUID } from '../../../src/serialization/values.js';
import { mutatePickle, prng, toTyped, ValueGenerator } from '../../interop/helpers/pickle.js';

interface Vector {
  id: string;
  requests: { storage_after: { file_b64?: string } }[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/flask-session-filesystem/filesystem.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};
/** The pickles (without the 4-byte header) Flask-Session wrote, one per distinct file. */
const RECORDED: { id: string; pickle: Buffer }[] = FIXTURE.vectors.flatMap((v) =>
  v.requests.flatMap((r, i) => (r.storage_after.file_b64 ? [{ id: `${v.id}#${i}`, pickle: Buffer.from(r.storage_after.file_b64, 'base64').subarray(4) }] : [])),
);

// ---- a tiny pickle assembler ---------------------------------------------------------------------

type Part = number | readonly number[] | Uint8Array | string;

/** Concatenates opcodes and arguments; a string is raw UTF-8 (GLOBAL lines). */
function asm(...parts: Part[]): Buffer {
  return Buffer.concat(
    parts.map((part) => {
      if (typeof part === 'number') return Buffer.of(part);
      if (typeof part === 'string') return Buffer.from(part, 'utf8');
      return Buffer.from(part as Uint8Array);
    }),
  );
}
const u32 = (n: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(n);
  return out;
};
const u64 = (n: bigint): Buffer => {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(n);
  return out;
};
/** SHORT_BINUNICODE of `s`. */
const str = (s: string): Buffer => {
  const utf8 = Buffer.from(s, 'utf8');
  return asm(Op.SHORT_BINUNICODE, utf8.length, utf8);
};
const P5 = [Op.PROTO, 5] as const;
const P2 = [Op.PROTO, 2] as const;
/** STACK_GLOBAL module.name */
const global = (module: string, name: string): Buffer => asm(str(module), str(name), Op.STACK_GLOBAL);

/** A one-frame pickle without its PROTO and FRAME header. */
function body(pickle: Uint8Array): Buffer {
  const bytes = Buffer.from(pickle);
  return bytes[2] === Op.FRAME ? bytes.subarray(11) : bytes.subarray(2);
}

function rejection(bytes: Uint8Array): PickleRejectedError {
  try {
    loadsRestricted(bytes);
  } catch (error) {
    if (error instanceof PickleRejectedError) return error;
    throw error;
  }
  throw new Error('the pickle was accepted');
}

/** Decoding either returns a value or throws one of the typed errors; nothing else. */
function decodesOrRefuses(bytes: Uint8Array): 'value' | 'refused' {
  try {
    loadsRestricted(bytes);
    return 'value';
  } catch (error) {
    if (error instanceof PickleDecodeError) return 'refused';
    throw error;
  }
}

describe('loadsRestricted: values', () => {
  it('reads every recorded Flask-Session pickle and writes it back byte for byte', () => {
    expect(RECORDED.length).toBeGreaterThan(40);
    for (const { id, pickle } of RECORDED) {
      const value = loadsRestricted(pickle);
      expect(Buffer.from(dumpsPickle(value)).equals(pickle), id).toBe(true);
    }
  });

  it('maps Python types to sessionkit values', () => {
    const value = loadsRestricted(
      dumpsPickle({
        s: 'Zoë',
        b: Buffer.from([0, 255]),
        i: 42,
        big: 2n ** 64n,
        f: 0.5,
        whole: new PyFloat(3),
        t: Tuple.of<unknown>(1, 'a'),
        l: [null, true, false],
        m: new Map<unknown, unknown>([[1, 'one'], ['two', 2]]),
        dt: new PyDateTime({ year: 2024, month: 2, day: 29, hour: 12, microsecond: 5, tzinfo: PyTimezone.of(19800) }),
        d: new PyDate(2024, 2, 29),
        u: new UUID('12345678-1234-5678-1234-567812345678'),
        h: new Markup('<b>x</b>'),
      }),
    ) as Record<string, unknown>;
    expect(value.s).toBe('Zoë');
    expect(Buffer.isBuffer(value.b)).toBe(true);
    expect([...(value.b as Buffer)]).toEqual([0, 255]);
    expect(value.i).toBe(42);
    expect(value.big).toBe(2n ** 64n);
    expect(value.f).toBe(0.5);
    expect(value.whole).toBeInstanceOf(PyFloat);
    expect((value.whole as PyFloat).value).toBe(3);
    expect(value.t).toBeInstanceOf(Tuple);
    expect(value.l).toEqual([null, true, false]);
    expect(value.m).toBeInstanceOf(Map);
    expect([...(value.m as Map<unknown, unknown>)]).toEqual([
      [1, 'one'],
      ['two', 2],
    ]);
    expect((value.dt as PyDateTime).isoformat()).toBe('2024-02-29T12:00:00.000005+05:30');
    expect((value.d as PyDate).isoformat()).toBe('2024-02-29');
    expect((value.u as UUID).toString()).toBe('12345678-1234-5678-1234-567812345678');
    expect((value.h as Markup).html).toBe('<b>x</b>');
  });

  it('reads a hand-written protocol 2 pickle with GLOBAL datetime (as a third party writes)', () => {
    const state = Buffer.from([0x07, 0xef, 5, 6, 7, 8, 9, 0x01, 0xe2, 0x40]);
    const pickle = asm(P2, Op.EMPTY_DICT, Op.MARK, Op.BINUNICODE, u32(4), 'when', Op.GLOBAL, 'datetime\ndatetime\n', Op.SHORT_BINBYTES, 10, state, Op.TUPLE1, Op.REDUCE, Op.BINUNICODE, u32(1), 'n', Op.LONG1, 6, [0, 0, 0, 0, 0, 1], Op.SETITEMS, Op.STOP);
    expect(toTyped(loadsRestricted(pickle))).toEqual({ when: { $datetime: '2031-05-06T07:08:09.123456' }, n: 1099511627776 });
  });

  it('reads datetime and date from their int arguments, and the fold bit', () => {
    const ints = (...n: number[]) => n.flatMap((x) => [Op.BININT2, x & 0xff, x >> 8]);
    const dt = asm(P5, global('datetime', 'datetime'), Op.MARK, ints(2024, 2, 29, 23, 59, 58, 1000), Op.TUPLE, Op.REDUCE, Op.STOP);
    expect((loadsRestricted(dt) as PyDateTime).isoformat()).toBe('2024-02-29T23:59:58.001000');
    const d = asm(P5, global('datetime', 'date'), ints(2000, 1, 2), Op.TUPLE3, Op.NEWOBJ, Op.STOP);
    expect((loadsRestricted(d) as PyDate).isoformat()).toBe('2000-01-02');
    const folded = dumpsPickle(new PyDateTime({ year: 2024, month: 11, day: 3, hour: 1, fold: 1 }));
    expect((loadsRestricted(folded) as PyDateTime).fold).toBe(1);
  });

  it('gives back shared objects for shared Python objects (BINGET)', () => {
    const list = [1, 2];
    const bytes = Buffer.from('shared bytes');
    const value = loadsRestricted(dumpsPickle({ a: list, b: list, c: bytes, d: bytes })) as Record<string, unknown>;
    expect(value.a).toBe(value.b);
    expect(value.c).toBe(value.d);
    const utc1 = loadsRestricted(dumpsPickle([new Date(0), new Date(1000)])) as PyDateTime[];
    expect(utc1[0]?.tzinfo).toBe(PyTimezone.UTC);
    expect(utc1[1]?.tzinfo).toBe(PyTimezone.UTC);
  });

  it('keeps __proto__ and constructor keys as plain data', () => {
    const value = loadsRestricted(asm(P5, Op.EMPTY_DICT, Op.MARK, str('__proto__'), Op.EMPTY_DICT, str('polluted'), Op.NEWTRUE, Op.SETITEM, str('constructor'), Op.NONE, Op.SETITEMS, Op.STOP)) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads integral floats as plain numbers with integralFloats: 'number'", () => {
    const pickle = dumpsPickle([new PyFloat(1), 0.5, -0]);
    expect(loadsRestricted(pickle, { integralFloats: 'number' })).toEqual([1, 0.5, -0]);
    expect((loadsRestricted(pickle) as unknown[])[0]).toBeInstanceOf(PyFloat);
  });

  it('ignores bytes after STOP, as pickle.loads does', () => {
    expect(loadsRestricted(asm(P5, Op.BININT1, 7, Op.STOP, 'garbage'))).toBe(7);
  });

  it('validates its options with the usual messages', () => {
    expect(() => loadsRestricted(asm(Op.NONE, Op.STOP), { maxDepth: 0 })).toThrow(ConfigError);
    expect(() => loadsRestricted(asm(Op.NONE, Op.STOP), { integralFloats: 'exact' as 'wrap' })).toThrow(/integralFloats/);
    expect(() => loadsRestricted(asm(Op.NONE, Op.STOP), { maxBites: 1 } as never)).toThrow(/unknown option of loadsRestricted/);
  });
});

describe('loadsRestricted: refusals', () => {
  it.each([
    ['os.system', global('os', 'system')],
    ['posix.system', global('posix', 'system')],
    ['builtins.eval', asm(Op.GLOBAL, 'builtins\neval\n')],
    ['__builtin__.eval', asm(Op.GLOBAL, '__builtin__\neval\n')],
    ['subprocess.Popen', global('subprocess', 'Popen')],
    ['datetime.datetime.now', global('datetime', 'datetime.now')],
    ['datetime.sys', global('datetime', 'sys')],
  ])('refuses the global %s before anything is called', (name, load) => {
    const error = rejection(asm(P5, load, str('echo pwned'), Op.TUPLE1, Op.REDUCE, Op.STOP));
    expect(error.global).toBe(name);
    expect(error.opcode).toMatch(/GLOBAL/);
    expect(error).toBeInstanceOf(SessionKitError);
    expect(error.message).toContain('is not on the allow-list');
  });

  it('refuses REDUCE and NEWOBJ of anything that is not an allow-listed class', () => {
    expect(rejection(asm(P5, str('os.system'), str('x'), Op.TUPLE1, Op.REDUCE, Op.STOP)).opcode).toBe('REDUCE');
    expect(rejection(asm(P5, Op.EMPTY_LIST, Op.EMPTY_TUPLE, Op.NEWOBJ, Op.STOP)).opcode).toBe('NEWOBJ');
  });

  it('checks the argument shapes of allow-listed classes', () => {
    const bad = [
      asm(P5, global('datetime', 'datetime'), Op.EMPTY_LIST, Op.TUPLE1, Op.REDUCE, Op.STOP), // a list as the state
      asm(P5, global('datetime', 'datetime'), Op.SHORT_BINBYTES, 10, [7, 232, 2, 30, 0, 0, 0, 0, 0, 0], Op.TUPLE1, Op.REDUCE, Op.STOP), // Feb 30
      asm(P5, global('datetime', 'datetime'), Op.SHORT_BINBYTES, 10, [7, 232, 2, 1, 25, 0, 0, 0, 0, 0], Op.TUPLE1, Op.REDUCE, Op.STOP), // hour 25
      asm(P5, global('datetime', 'datetime'), Op.SHORT_BINBYTES, 10, [7, 232, 2, 1, 0, 0, 0, 0x0f, 0x42, 0x40], Op.TUPLE1, Op.REDUCE, Op.STOP), // 10**6 µs
      asm(P5, global('datetime', 'timezone'), global('datetime', 'timedelta'), Op.BININT1, 1, Op.TUPLE1, Op.REDUCE, Op.TUPLE1, Op.REDUCE, Op.STOP), // 24 h offset
      asm(P5, global('datetime', 'timezone'), str('+05:00'), Op.TUPLE1, Op.REDUCE, Op.STOP), // a str offset
      asm(P5, global('uuid', 'UUID'), str('12345678123456781234567812345678'), Op.TUPLE1, Op.REDUCE, Op.STOP), // UUID(hex) via REDUCE
      asm(P5, global('uuid', 'UUID'), Op.EMPTY_TUPLE, Op.NEWOBJ, Op.EMPTY_DICT, str('int'), Op.BININT, [255, 255, 255, 255], Op.SETITEM, Op.BUILD, Op.STOP), // negative int
      asm(P5, global('uuid', 'UUID'), Op.EMPTY_TUPLE, Op.NEWOBJ, Op.EMPTY_DICT, str('__class__'), Op.NONE, Op.SETITEM, Op.BUILD, Op.STOP), // other state keys
      asm(P5, global('uuid', 'UUID'), Op.EMPTY_TUPLE, Op.NEWOBJ, Op.STOP), // no state
      asm(P5, global('markupsafe', 'Markup'), Op.BININT1, 1, Op.TUPLE1, Op.NEWOBJ, Op.STOP), // Markup(1)
      asm(P5, global('datetime', 'timedelta'), Op.LONG1, 5, [0, 0, 0, 0, 1], Op.TUPLE1, Op.REDUCE, Op.POP, Op.NONE, Op.STOP), // beyond timedelta.max
    ];
    for (const pickle of bad) expect(decodesOrRefuses(pickle)).toBe('refused');
    expect(rejection(bad[1] as Buffer).message).toMatch(/day must be a whole number in 1\.\.29/);
  });

  it.each([
    ['INST', asm(P2, Op.MARK, Op.INST, 'os\nsystem\n', Op.STOP)],
    ['OBJ', asm(P2, Op.MARK, global('datetime', 'date'), Op.OBJ, Op.STOP)],
    ['BUILD', asm(P5, Op.EMPTY_DICT, Op.EMPTY_DICT, Op.BUILD, Op.STOP)],
    ['EXT1', asm(P2, Op.EXT1, 1, Op.STOP)],
    ['EXT2', asm(P2, Op.EXT2, 1, 0, Op.STOP)],
    ['EXT4', asm(P2, Op.EXT4, 1, 0, 0, 0, Op.STOP)],
    ['PERSID', asm(Op.PERSID, 'x\n', Op.STOP)],
    ['BINPERSID', asm(P2, Op.NONE, Op.BINPERSID, Op.STOP)],
    ['NEWOBJ_EX', asm(P5, global('uuid', 'UUID'), Op.EMPTY_TUPLE, Op.EMPTY_DICT, Op.NEWOBJ_EX, Op.STOP)],
    ['EMPTY_SET', asm(P5, Op.EMPTY_SET, Op.STOP)],
    ['FROZENSET', asm(P5, Op.MARK, Op.FROZENSET, Op.STOP)],
    ['BYTEARRAY8', asm(P5, Op.BYTEARRAY8, u64(0n), Op.STOP)],
    ['NEXT_BUFFER', asm(P5, Op.NEXT_BUFFER, Op.STOP)],
    ['SHORT_BINSTRING', asm(P2, Op.SHORT_BINSTRING, 1, 'a', Op.STOP)],
    ['INT', asm(Op.INT, '1\n', Op.STOP)],
  ])('refuses the opcode %s', (opcode, pickle) => {
    expect(rejection(pickle).opcode).toBe(opcode);
  });

  it('refuses values a session cannot hold: bare classes, timezones, timedeltas, cycles, odd dict keys', () => {
    const td = asm(global('datetime', 'timedelta'), Op.BININT1, 0, Op.BININT1, 60, Op.TUPLE2, Op.REDUCE);
    const cases: [string, Buffer, RegExp][] = [
      ['class', asm(P5, global('datetime', 'datetime'), Op.STOP), /the class datetime\.datetime itself/],
      ['timedelta', asm(P5, td, Op.STOP), /timedelta outside/],
      ['timezone', asm(P5, global('datetime', 'timezone'), td, Op.TUPLE1, Op.REDUCE, Op.STOP), /timezone outside/],
      ['cycle', asm(P5, Op.EMPTY_LIST, Op.MEMOIZE, Op.BINGET, 0, Op.APPEND, Op.STOP), /contains itself/],
      ['bool key', asm(P5, Op.EMPTY_DICT, Op.NEWTRUE, Op.NONE, Op.SETITEM, Op.STOP), /dict key of type bool/],
      ['float key', asm(P5, Op.EMPTY_DICT, Op.BINFLOAT, Buffer.from('3ff8000000000000', 'hex'), Op.NONE, Op.SETITEM, Op.STOP), /dict key of type float/],
      ['-0.0 key', asm(P5, Op.EMPTY_DICT, Op.BINFLOAT, Buffer.from('8000000000000000', 'hex'), Op.NONE, Op.SETITEM, Op.STOP), /dict key of type float/],
      ['tuple key', asm(P5, Op.EMPTY_DICT, Op.EMPTY_TUPLE, Op.NONE, Op.SETITEM, Op.STOP), /dict key of type tuple/],
      ['surrogate pair', asm(P5, Op.SHORT_BINUNICODE, 6, [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], Op.STOP), /surrogate pair/],
    ];
    for (const [name, pickle, message] of cases) expect(rejection(pickle).message, name).toMatch(message);
    // the error points at the opcode that built the refused value
    const timezone = rejection(cases[2]?.[1] as Buffer);
    expect(timezone.opcode).toBe('REDUCE');
    expect((cases[2]?.[1] as Buffer)[timezone.offset]).toBe(Op.REDUCE);
  });

  it('reads a lone surrogate (Python writes it with surrogatepass)', () => {
    expect(loadsRestricted(asm(P5, Op.SHORT_BINUNICODE, 4, [0x61, 0xed, 0xa0, 0x80], Op.STOP))).toBe('a\ud800');
  });

  it('stops nesting bombs at maxDepth', () => {
    const n = 100_000;
    const nested = asm(P5, Buffer.alloc(n, Op.EMPTY_LIST), Buffer.alloc(n - 1, Op.APPEND), Op.STOP);
    expect(() => loadsRestricted(nested)).toThrow(PickleLimitError);
    const marks = asm(P5, Buffer.alloc(n, Op.MARK), Op.STOP);
    const error = (() => {
      try {
        loadsRestricted(marks);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PickleLimitError);
    expect((error as PickleLimitError).limit).toBe('maxDepth');
    // at the limit is fine, and a raised limit never meets the engine's call-stack limit
    const deep = MAX_PICKLE_DEPTH;
    expect(decodesOrRefuses(asm(P5, Buffer.alloc(deep, Op.EMPTY_LIST), Buffer.alloc(deep - 1, Op.APPEND), Op.STOP))).toBe('value');
    expect(decodesOrRefuses(asm(P5, Buffer.alloc(deep + 1, Op.EMPTY_LIST), Buffer.alloc(deep, Op.APPEND), Op.STOP))).toBe('refused');
    let value = loadsRestricted(nested, { maxDepth: n });
    let levels = 0;
    while (Array.isArray(value) && value.length > 0) {
      value = value[0];
      levels++;
    }
    expect(levels).toBe(n - 1);
  });

  it('stops memo bombs (shared references counted once per use) at maxValues / maxBytes', () => {
    // each level is a list holding the previous level 10 times: 10**7 values when expanded
    const levels: Part[] = [P5, Op.EMPTY_LIST, Op.MEMOIZE];
    for (let level = 1; level <= 7; level++) {
      levels.push(Op.EMPTY_LIST, Op.MARK, ...Array.from({ length: 10 }, () => [Op.BINGET, level - 1]), Op.APPENDS, Op.MEMOIZE);
    }
    const bomb = asm(...levels, Op.STOP);
    expect(bomb.length).toBeLessThan(300);
    expect(() => loadsRestricted(bomb)).toThrow(expect.objectContaining({ limit: 'maxValues' }));
    // one big string referenced many times
    const big = asm(P5, Op.EMPTY_LIST, Op.BINUNICODE, u32(1_000_000), Buffer.alloc(1_000_000, 0x61), Op.MEMOIZE, Op.POP, Op.MARK, ...Array.from({ length: 200 }, () => [Op.BINGET, 0]), Op.APPENDS, Op.STOP);
    expect(() => loadsRestricted(big, { maxBytes: 2_000_000 })).toThrow(expect.objectContaining({ limit: 'maxBytes' }));
    expect(() => loadsRestricted(asm(P5, Buffer.alloc(2000, Op.NONE), Op.STOP), { maxValues: 1000 })).toThrow(expect.objectContaining({ limit: 'maxValues' }));
  });

  it('stops oversized input and memo tables at maxBytes and maxMemoEntries', () => {
    expect(() => loadsRestricted(Buffer.alloc(101), { maxBytes: 100 })).toThrow(expect.objectContaining({ limit: 'maxBytes' }));
    const memo = asm(P5, Op.NONE, ...Array.from({ length: 20 }, () => Op.MEMOIZE), Op.STOP);
    expect(() => loadsRestricted(memo, { maxMemoEntries: 10 })).toThrow(expect.objectContaining({ limit: 'maxMemoEntries' }));
    expect(loadsRestricted(memo, { maxMemoEntries: 20 })).toBeNull();
  });

  it('refuses huge declared lengths without allocating them', () => {
    const cases = [
      asm(P5, Op.BINUNICODE, u32(0xffffffff), 'abc'),
      asm(P5, Op.BINBYTES, u32(0xffffffff), 'abc'),
      asm(P5, Op.BINUNICODE8, u64(2n ** 60n), 'abc'),
      asm(P5, Op.BINBYTES8, u64(2n ** 63n), 'abc'),
      asm(P5, Op.FRAME, u64(2n ** 62n), Op.NONE, Op.STOP),
      asm(P5, Op.FRAME, u64(1000n), Op.NONE, Op.STOP),
      asm(P5, Op.LONG4, u32(0x7fffffff), 'abc'),
      asm(P5, Op.LONG4, u32(0xffffffff), 'abc'),
    ];
    for (const pickle of cases) expect(() => loadsRestricted(pickle)).toThrow(PickleDecodeError);
    expect(() => loadsRestricted(cases[6] as Buffer)).toThrow(/at most 4096 bytes/);
    expect(() => loadsRestricted(cases[7] as Buffer)).toThrow(/negative byte count/);
  });

  it('refuses malformed opcode streams with MalformedPickleError', () => {
    const cases: [Buffer, RegExp][] = [
      [asm(P5, Op.BINGET, 5, Op.STOP), /memo value not found at index 5/],
      [asm(P5, Op.LONG_BINGET, u32(0xffffffff), Op.STOP), /memo value not found/],
      [asm(P5, Op.NONE, Op.MEMOIZE, Op.BINGET, 1, Op.STOP), /memo value not found at index 1/],
      [asm(P5, Op.STOP), /stack underflow/],
      [asm(P5, Op.MARK, Op.TUPLE1, Op.STOP), /unexpected MARK/],
      [asm(P5, Op.NONE, Op.APPENDS, Op.STOP), /could not find MARK/],
      [asm(P5, Op.EMPTY_DICT, Op.MARK, Op.NONE, Op.SETITEMS, Op.STOP), /odd number of items/],
      [asm(P5, Op.NONE, Op.NONE, Op.APPEND, Op.STOP), /not a list/],
      [asm(P5, Op.EMPTY_LIST, Op.NONE, Op.NONE, Op.SETITEM, Op.STOP), /not a dict/],
      [asm(Op.PROTO, 6, Op.NONE, Op.STOP), /unsupported pickle protocol: 6/],
      [asm(P5, 0xff), /invalid load key/],
      [asm(P5, Op.NONE), /no STOP/],
      [asm(P5, Op.SHORT_BINUNICODE, 2, [0xc3, 0x28], Op.STOP), /not UTF-8/],
      [asm(P5, Op.GLOBAL, 'datetime'), /without its newline/],
      [asm(P5, Op.BININT1, 1, Op.BININT1, 2, Op.STACK_GLOBAL, Op.STOP), /STACK_GLOBAL requires str/],
    ];
    for (const [pickle, message] of cases) {
      expect(() => loadsRestricted(pickle), message.source).toThrow(MalformedPickleError);
      expect(() => loadsRestricted(pickle), message.source).toThrow(message);
    }
  });

  it('refuses every truncation of every recorded Flask-Session pickle', () => {
    let checked = 0;
    for (const { id, pickle } of RECORDED) {
      for (let end = 0; end < pickle.length; end++) {
        expect(() => loadsRestricted(pickle.subarray(0, end)), `${id} cut at ${end}`).toThrow(MalformedPickleError);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('survives a seeded mutation fuzz: every input gives a value or a typed error', () => {
    const random = prng(20261201);
    const seeds = [...RECORDED.map((r) => r.pickle), ...Array.from({ length: 20 }, (_, i) => Buffer.from(dumpsFlaskSession(new ValueGenerator(i).session())))];
    const outcomes = { value: 0, refused: 0 };
    for (let round = 0; round < 4000; round++) {
      const bytes = mutatePickle(seeds[Math.floor(random() * seeds.length)] as Buffer, random);
      outcomes[decodesOrRefuses(bytes)]++;
    }
    expect(outcomes.value + outcomes.refused).toBe(4000);
    expect(outcomes.refused).toBeGreaterThan(1000);
    expect(outcomes.value).toBeGreaterThan(50);
  });
});

describe('dumpsPickle / dumpsFlaskSession', () => {
  it('round-trips seeded session-like values through the restricted reader', () => {
    for (let seed = 0; seed < 200; seed++) {
      const session = new ValueGenerator(seed).session();
      expect(toTyped(loadsRestricted(dumpsFlaskSession(session))), `seed ${seed}`).toEqual(toTyped(session));
    }
  });

  it('uses the smallest int opcode, as CPython', () => {
    const opcodeOf = (n: number | bigint) => body(dumpsPickle(n))[0];
    expect([0, 255].map(opcodeOf)).toEqual([Op.BININT1, Op.BININT1]);
    expect([256, 65535].map(opcodeOf)).toEqual([Op.BININT2, Op.BININT2]);
    expect([65536, -1, 2 ** 31 - 1, -(2 ** 31), 7n].map(opcodeOf)).toEqual([Op.BININT, Op.BININT, Op.BININT, Op.BININT, Op.BININT1]);
    expect([2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e20].map(opcodeOf)).toEqual([Op.LONG1, Op.LONG1, Op.LONG1, Op.LONG1]);
    expect(opcodeOf(2n ** 2048n)).toBe(Op.LONG4);
    for (const n of [2 ** 31, -(2 ** 31) - 1, -(2n ** 39n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 2048n, -(2n ** 2048n)]) {
      const back = loadsRestricted(dumpsPickle(n));
      expect(BigInt(back as number | bigint)).toBe(BigInt(n));
    }
  });

  it('writes floats as big-endian BINFLOAT, -0 and non-integers included', () => {
    expect(body(dumpsPickle(0.5)).toString('hex')).toBe('473fe00000000000002e');
    expect(body(dumpsPickle(-0)).toString('hex')).toBe('4780000000000000002e');
    expect(body(dumpsPickle(new PyFloat(2))).toString('hex')).toBe('4740000000000000002e');
    expect(Object.is(loadsRestricted(dumpsPickle(-0)), -0)).toBe(true);
    expect(loadsRestricted(dumpsPickle(NaN))).toBeNaN();
  });

  it('shares equal strings and the same objects through the memo, and nothing else', () => {
    const buf = Buffer.from('xy');
    const list = ['same'];
    const out = Buffer.from(dumpsPickle([list, list, 'same', Buffer.from('xy'), buf, buf, Buffer.alloc(0), Buffer.alloc(0)]));
    const count = (needle: string) => out.toString('latin1').split(needle).length - 1;
    expect(count('same')).toBe(1);
    expect(count('xy')).toBe(2); // two distinct Buffers
    const back = loadsRestricted(out) as unknown[];
    expect(back[0]).toBe(back[1]);
    expect(back[4]).toBe(back[5]);
    expect(back[3]).not.toBe(back[4]);
    expect(back[6]).toBe(back[7]); // b'' is one object in CPython
  });

  it('batches list and dict items by 1000, as CPython', () => {
    const items = (out: Uint8Array, op: number) => Buffer.from(out).filter((b) => b === op).length;
    const list = Array.from({ length: 2500 }, () => null);
    expect(items(dumpsPickle(list), Op.APPENDS)).toBe(3);
    const dict: Record<string, null> = {};
    for (let i = 0; i < 2000; i++) dict[`k${i}`] = null;
    // a dict of exactly 2000 items ends with an empty MARK SETITEMS, as in CPython
    expect(items(dumpsPickle(dict), Op.SETITEMS)).toBe(3);
  });

  it('splits pickles into 64 KiB frames and writes large payloads outside them', () => {
    const big = Buffer.alloc(70_000, 1);
    const out = Buffer.from(dumpsPickle([big, 'after']));
    expect(out.subarray(0, 6).toString('hex')).toBe('80055d942842'); // no FRAME before: the frame held 3 bytes
    expect(out.readUInt32LE(6)).toBe(70_000);
    expect(out[10 + 70_000]).toBe(Op.FRAME);
    expect(toTyped(loadsRestricted(out))).toEqual(toTyped([big, 'after']));
  });

  it('writes a Date as an aware UTC datetime and an object with __html__() as Markup', () => {
    class Safe {
      __html__(): string {
        return '<b>safe</b>';
      }
    }
    const back = loadsRestricted(dumpsPickle([new Date('2030-01-02T03:04:05.678Z'), new Safe()])) as unknown[];
    expect((back[0] as PyDateTime).isoformat()).toBe('2030-01-02T03:04:05.678000+00:00');
    expect(back[1]).toBeInstanceOf(Markup);
    expect((back[1] as Markup).html).toBe('<b>safe</b>');
  });

  it('refuses values with no Python counterpart, naming where they are', () => {
    const cases: [unknown, RegExp][] = [
      [{ f: () => 1 }, /function at \$\.f/],
      [{ a: [1, undefined] }, /undefined at \$\.a\[1\]/],
      [{ s: new Set([1]) }, /Set at \$\.s/],
      [{ m: new Map([[{}, 1]]) }, /Map key Object at \$\.m\[\[object Object\]\]/],
      [{ m: new Map([[1.5, 1]]) }, /Map key number/],
      [{ d: new Date(NaN) }, /Date at \$\.d cannot be pickled for Flask: an invalid Date/],
      [{ s: Symbol('x') }, /symbol/],
      [{ tz: PyTimezone.UTC }, /PyTimezone/],
      [{ u8: new Uint16Array(2) }, /Uint16Array/],
    ];
    for (const [value, message] of cases) {
      expect(() => dumpsPickle(value)).toThrow(UnpicklableValueError);
      expect(() => dumpsPickle(value)).toThrow(message);
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => dumpsPickle({ c: cyclic })).toThrow(/circular reference/);
    let deep: unknown = 1;
    for (let i = 0; i < 1001; i++) deep = [deep];
    expect(() => dumpsPickle(deep)).toThrow(NestingTooDeepError);
    expect(() => dumpsFlaskSession([] as never)).toThrow(/session data must be a plain object/);
  });

  it('leaves out properties whose value is undefined', () => {
    expect(loadsRestricted(dumpsFlaskSession({ a: 1, b: undefined }))).toEqual({ a: 1 });
  });
});

describe('PyDateTime, PyDate, PyTimezone', () => {
  it('validates fields as Python does', () => {
    expect(() => new PyDateTime({ year: 2023, month: 2, day: 29 })).toThrow(RangeError);
    expect(() => new PyDateTime({ year: 0, month: 1, day: 1 })).toThrow(/year/);
    expect(() => new PyDateTime({ year: 2024, month: 1, day: 1, microsecond: 1e6 })).toThrow(/microsecond/);
    expect(() => new PyDate(2024, 13, 1)).toThrow(/month/);
    expect(() => PyTimezone.of(86400)).toThrow(RangeError);
    expect(new PyDate(2024, 2, 29).isoformat()).toBe('2024-02-29');
  });

  it('formats like isoformat() and converts to the instant', () => {
    const naive = new PyDateTime({ year: 1, month: 1, day: 1, microsecond: 999999 });
    expect(naive.isoformat()).toBe('0001-01-01T00:00:00.999999');
    expect(naive.toDate().toISOString()).toBe('0001-01-01T00:00:00.999Z');
    const ist = new PyDateTime({ year: 2024, month: 2, day: 29, hour: 12, tzinfo: PyTimezone.of(19800) });
    expect(ist.toDate().toISOString()).toBe('2024-02-29T06:30:00.000Z');
    expect(PyTimezone.of(-28800).isoOffset()).toBe('-08:00');
    expect(PyTimezone.of(30.25).isoOffset()).toBe('+00:00:30.250000');
    expect(String(PyTimezone.of(19800))).toBe('UTC+05:30');
    expect(PyTimezone.of(0)).toBe(PyTimezone.UTC);
    expect(PyTimezone.of(0, 'GMT')).not.toBe(PyTimezone.UTC);
    expect(PyDateTime.fromDate(new Date('1969-07-20T20:17:40Z')).isoformat()).toBe('1969-07-20T20:17:40+00:00');
    expect(JSON.stringify({ d: new PyDate(2000, 1, 1) })).toBe('{"d":"2000-01-01"}');
  });
});

describe('UTF-8 with surrogatepass', () => {
  it('writes lone surrogates as 3 bytes and reads them back', () => {
    for (const text of ['plain', 'é😀', '\ud800', 'a\udfffb', '\udc00\ud800', '😀\ud83d']) {
      const bytes = encodeUtf8SurrogatePass(text);
      expect(decodeUtf8SurrogatePass(bytes)).toEqual({ text });
    }
    expect([...encodeUtf8SurrogatePass('\ud800')]).toEqual([0xed, 0xa0, 0x80]);
  });

  it('refuses overlong and out-of-range sequences, and encoded surrogate pairs', () => {
    for (const hex of ['c0af', 'e080af', 'f4908080', 'ed', 'f0', '80']) expect(decodeUtf8SurrogatePass(Buffer.from(hex, 'hex'))).toEqual({ error: 'invalid' });
    expect(decodeUtf8SurrogatePass(Buffer.from('eda0bdedb880', 'hex'))).toEqual({ error: 'surrogate-pair' });
  });
});
