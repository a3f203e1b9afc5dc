/**
 * Interop with real Flask (Debian's python3-flask): texts made by Flask must come back identical
 * from TypeScript, texts made by TypeScript must come back identical from Flask, and the JSON
 * writer must agree with Python's json.dumps on random data.
 */
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  canonicalPythonJson,
  dumpsPythonJson,
  Markup,
  pyFloatRepr,
  TaggedJSONSerializer,
  Tuple,
  UUID,
} from '../../src/serialization/index.js';

const PYTHON = '/usr/bin/python3';

function script(name: string): string {
  return fileURLToPath(new URL(`./py/${name}`, import.meta.url));
}

let flaskChecked = false;

/** Fails (never skips) when Debian's Flask is missing. */
function requireFlask(): void {
  if (flaskChecked) return;
  try {
    execFileSync(PYTHON, ['-c', 'import flask'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `${PYTHON} cannot import flask, which these interop tests need: run \`apt-get install python3-flask\`. ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
  }
  flaskChecked = true;
}

/** Runs one of the py/ scripts with `input` (JSON) on stdin and parses its JSON answer. */
function runPython<T>(name: string, input: unknown): T {
  requireFlask();
  const out = execFileSync(PYTHON, [script(name)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
  });
  return JSON.parse(out) as T;
}

/** Calls `make` once, on first use inside a test, so a missing Python fails each test that needs it. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

it('has Flask installed for /usr/bin/python3', () => {
  requireFlask();
});

const serializer = new TaggedJSONSerializer();

describe('(a) Flask writes, TypeScript reads and writes back', () => {
  interface PyRecord {
    name: string;
    text: string;
    python_roundtrip: string;
    integral_float: boolean;
    expected_js: string;
  }
  interface PyCorpus {
    records: PyRecord[];
    refused: string[];
    retyped: { name: string; text: string }[];
  }
  const python = once(() => runPython<PyCorpus>('tagged_json_corpus.py', null));
  const corpus = () => python().records;

  it('Flask produced the corpus', () => {
    expect(corpus().length).toBeGreaterThan(40);
  });

  it('reproduces every text exactly, as Flask itself does', () => {
    const failures: string[] = [];
    for (const record of corpus().filter((r) => !r.integral_float)) {
      const back = serializer.dumps(serializer.loads(record.text));
      if (back !== record.python_roundtrip) failures.push(`${record.name}: ${record.text} -> ${back}`);
    }
    expect(failures).toEqual([]);
  });

  it('is identical to the original text except where Flask itself changes it (years below 100)', () => {
    const changed = corpus().filter((r) => !r.integral_float && serializer.dumps(serializer.loads(r.text)) !== r.text);
    expect(changed.map((r) => r.name)).toEqual(['datetime year 1']);
  });

  it('writes integral floats as integers, as documented, and canonicalPythonJson keeps them', () => {
    const integral = corpus().filter((r) => r.integral_float);
    expect(integral.length).toBeGreaterThan(5);
    for (const record of integral) {
      expect(serializer.dumps(serializer.loads(record.text))).toBe(record.expected_js);
      expect(canonicalPythonJson(record.text)).toBe(record.text);
    }
  });

  it('canonicalPythonJson reproduces every Flask text', () => {
    for (const record of corpus()) expect(canonicalPythonJson(record.text)).toBe(record.text);
  });

  it('agrees with Flask on Python values outside the format: refused, or written as another type', () => {
    expect(python().refused).toEqual(['set', 'frozenset', 'object', 'complex']);
    const retyped = new Map(python().retyped.map((r) => [r.name, serializer.loads(r.text)]));
    expect(retyped.get('Decimal')).toEqual({ v: '1.5' });
    expect(retyped.get('date')).toEqual({ v: 'Wed, 02 Jan 2030 00:00:00 GMT' });
    expect(retyped.get('dataclass')).toEqual({ v: { x: 1, y: 2 } });
  });

  it('reads the tagged values as the documented TypeScript types', () => {
    const byName = new Map(corpus().map((r) => [r.name, serializer.loads(r.text) as Record<string, unknown>]));
    const flashes = byName.get('flashes')?._flashes as unknown[];
    expect(flashes[0]).toBeInstanceOf(Tuple);
    expect([...(flashes[0] as Tuple)]).toEqual(['message', 'Welcome back']);
    const bytes = byName.get('bytes') as Record<string, Buffer>;
    expect(Buffer.isBuffer(bytes.all)).toBe(true);
    expect([...(bytes.all as Buffer)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(byName.get('markup')?.m).toBeInstanceOf(Markup);
    expect(String(byName.get('uuid')?.u)).toBe('0f0e0d0c-0b0a-0908-0706-050403020100');
    expect((byName.get('datetime offset')?.d as Date).toISOString()).toBe('2030-01-01T21:34:05.000Z');
    expect(byName.get('big ints')?.d).toBe(2n ** 64n);
    expect(byName.get('escaped tag key')).toEqual({ ' t': [1] });
    const proto = byName.get('proto keys') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('(b) TypeScript writes, Flask reads and writes back', () => {
  const date = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
  const corpus: [string, unknown, string][] = [
    ['plain', { username: 'alice', n: 1, ok: true, none: null }, 'dict'],
    ['flashes', { _flashes: [Tuple.of('message', 'Hi'), Tuple.of('error', 'Nope')] }, 'dict'],
    ['tuple root', Tuple.of<unknown>(1, Tuple.of<unknown>(2, Tuple.of()), [3]), 'tuple'],
    ['bytes root', Buffer.from([0, 1, 2, 255]), 'bytes'],
    ['Uint8Array view', new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4), 'bytes'],
    ['all bytes', { b: Uint8Array.from({ length: 256 }, (_, i) => i), e: new Uint8Array(0) }, 'dict'],
    ['markup root', new Markup('<b>café 😀</b>'), 'Markup'],
    ['uuid root', new UUID('12345678-1234-5678-1234-567812345678'), 'UUID'],
    ['date root', date, 'datetime'],
    ['dates', { epoch: new Date(0), before: new Date(-1), leap: new Date(Date.UTC(2024, 1, 29)) }, 'dict'],
    ['escaped', { ' t': [1], nested: { ' di': { ' b': new Uint8Array([1]) } } }, 'dict'],
    ['tag-like', { ' t': 1, ' m': 2, ' x': 3 }, 'dict'],
    ['unicode', { 'Zoë': '会话', '😀': '\uffff', '\uffff': '😀', '\u007f': '\u0000\n\t"\\/' }, 'dict'],
    ['lone surrogates', { '\ud800': 'a\udfffb', s: '\udbff' }, 'dict'],
    ['numbers', { a: 0.1, b: 1e-5, c: 1.5e300, d: 5e-324, e: -0, f: 1e20, g: 2 ** 53 + 2, h: 0.1 + 0.2 }, 'dict'],
    ['non-finite', [NaN, Infinity, -Infinity], 'list'],
    ['bigints', { a: 2n ** 64n, b: -(10n ** 40n), c: 0n }, 'dict'],
    ['undefined skipped', { a: 1, b: undefined }, 'dict'],
    ['proto keys', JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{}}}'), 'dict'],
    ['null prototype', Object.assign(Object.create(null) as object, { k: 'v' }), 'dict'],
    ['integer-like keys', { 10: 'a', 9: 'b', a: 'c' }, 'dict'],
    ['deep', { a: [[[[{ b: Tuple.of({ c: [new Uint8Array([120])] }) }]]]] }, 'dict'],
    ['long', { text: 'v'.repeat(3000) }, 'dict'],
  ];

  interface PyAnswer {
    text?: string;
    type?: string;
    error?: string;
  }
  const texts = corpus.map(([, value]) => serializer.dumps(value));
  const answers = once(() => runPython<PyAnswer[]>('tagged_json_roundtrip.py', texts));

  it.each(corpus.map(([name, , type], i) => [name, i, type] as const))('%s', (_name, i, type) => {
    const answer = answers()[i];
    expect(answer?.error).toBeUndefined();
    expect(answer?.text).toBe(texts[i]);
    expect(answer?.type).toBe(type);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) random data against Python's json.dumps

/** Seeded PRNG (mulberry32): the same data on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Desc = null | boolean | { s: number[] } | { i: string } | { f: string } | { a: Desc[] } | { o: [Desc, Desc][] };

function floatHex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let hex = '';
  for (let i = 0; i < 8; i++) hex += view.getUint8(i).toString(16).padStart(2, '0');
  return hex;
}

function fromBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi >>> 0);
  view.setUint32(4, lo >>> 0);
  return view.getFloat64(0);
}

/** How Python sees a JS value, per the documented mapping. */
function describeValue(value: unknown): Desc {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return { s: Array.from(value, (ch) => ch.codePointAt(0) as number) };
  if (typeof value === 'bigint') return { i: value.toString() };
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0) ? { i: BigInt(value).toString() } : { f: floatHex(value) };
  }
  if (Array.isArray(value)) return { a: value.map(describeValue) };
  return {
    o: Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [describeValue(k), describeValue(v)]),
  };
}

function makeGenerators(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

  const codePoint = (): number => {
    switch (int(8)) {
      case 0:
      case 1:
      case 2:
        return 0x20 + int(0x5f);
      case 3:
        return pick([int(0x20), 0x7f, 0x22, 0x5c, 0x2f]);
      case 4:
        return 0x80 + int(0xd800 - 0x80);
      case 5:
        return 0xd800 + int(0x800); // lone surrogate (two in a row may pair up)
      case 6:
        return 0xe000 + int(0x2000);
      default:
        return 0x10000 + int(0x100000);
    }
  };
  const string = (): string => {
    const n = int(10);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCodePoint(codePoint());
    return s;
  };
  const key = (): string => (random() < 0.1 ? pick(['__proto__', 'constructor', ' t', ' di', 'a', '1', '😀', '\uffff']) : string());
  const float = (): number => {
    switch (int(6)) {
      case 0:
        return fromBits(int(2 ** 32), int(2 ** 32)); // any bit pattern: subnormals, NaN, huge…
      case 1:
        return (random() - 0.5) * 10 ** (int(40) - 20);
      case 2:
        return Number((random() * 1000).toFixed(int(6)));
      case 3:
        return pick([0.1, 1e-5, 1e16, 1e22, 5e-324, -0, 1.7976931348623157e308, Infinity, -Infinity, NaN, 0.5]);
      case 4:
        return Math.floor(random() * 2 ** 70) * (random() < 0.5 ? -1 : 1); // integral, beyond 2^53
      default:
        return int(2000) - 1000;
    }
  };
  const value = (depth: number): unknown => {
    switch (int(depth > 2 ? 5 : 8)) {
      case 0:
        return string();
      case 1:
      case 2:
        return float();
      case 3:
        return pick([true, false, null]);
      case 4:
        return BigInt(Math.floor(random() * 2 ** 53)) ** BigInt(1 + int(3)) * (random() < 0.5 ? -1n : 1n);
      case 5:
        return Array.from({ length: int(5) }, () => value(depth + 1));
      default: {
        const obj: Record<string, unknown> = {};
        const n = int(6);
        for (let i = 0; i < n; i++) Object.defineProperty(obj, key(), { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        return obj;
      }
    }
  };

  // JSON texts in every spelling Python accepts, for canonicalPythonJson.
  const numberText = (): string => {
    const sign = random() < 0.3 ? '-' : '';
    const digits = random() < 0.2 ? '0' : String(1 + int(9)) + Array.from({ length: int(25) }, () => int(10)).join('');
    const frac = random() < 0.5 ? `.${Array.from({ length: 1 + int(20) }, () => int(10)).join('')}` : '';
    const exp = random() < 0.4 ? `${pick(['e', 'E'])}${pick(['', '+', '-'])}${int(400)}` : '';
    return sign + digits + frac + exp;
  };
  const stringText = (): string => {
    let s = '"';
    const n = int(8);
    for (let i = 0; i < n; i++) {
      switch (int(4)) {
        case 0:
          s += `\\u${int(0x10000).toString(16).padStart(4, '0')}`;
          break;
        case 1:
          s += pick(['\\n', '\\"', '\\\\', '\\/', '\\b', '\\f', '\\r', '\\t']);
          break;
        default: {
          const cp = codePoint();
          s += cp < 0x20 || cp === 0x22 || cp === 0x5c ? 'x' : String.fromCodePoint(cp);
        }
      }
    }
    return `${s}"`;
  };
  const ws = () => pick(['', '', ' ', '\n', '\t ', '\r\n']);
  const text = (depth: number): string => {
    switch (int(depth > 2 ? 4 : 6)) {
      case 0:
        return stringText();
      case 1:
      case 2:
        return random() < 0.1 ? pick(['NaN', 'Infinity', '-Infinity', '-0', '-0.0', '1.0', '1E5']) : numberText();
      case 3:
        return pick(['true', 'false', 'null']);
      case 4:
        return `[${ws()}${Array.from({ length: int(4) }, () => text(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
      default: {
        const keys = Array.from({ length: int(5) }, () => (random() < 0.3 ? '"dup"' : stringText()));
        return `{${ws()}${keys.map((k) => `${k}${ws()}:${ws()}${text(depth + 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
      }
    }
  };
  return { value, float, text };
}

describe('(c) random data: TypeScript agrees with Python json.dumps', () => {
  const gen = makeGenerators(prng(0x5e55_10e));
  const values = Array.from({ length: 400 }, () => gen.value(0));
  const floats: number[] = Array.from({ length: 3000 }, () => gen.float()).filter((x) => Number.isFinite(x));
  // Around each power of ten: where the layout switches and digits are hardest.
  for (let e = -325; e <= 308; e++) {
    const x = Number(`1e${e}`);
    const bits = floatHex(x);
    const hi = parseInt(bits.slice(0, 8), 16);
    const lo = parseInt(bits.slice(8), 16);
    floats.push(x, fromBits(hi, lo + 1), fromBits(hi, lo - 1));
  }
  const texts = Array.from({ length: 400 }, () => gen.text(0));

  const python = once(() =>
    runPython<{ values: string[]; floats: string[]; texts: string[] }>('tagged_json_fuzz.py', {
      values: values.map(describeValue),
      floats: floats.map(floatHex),
      texts,
    }),
  );

  it('dumpsPythonJson equals json.dumps(sort_keys=True, separators=(",", ":")) on 400 random values', () => {
    const answer = python();
    expect(answer.values).toHaveLength(values.length);
    const mismatches = values
      .map((v, i) => [dumpsPythonJson(v), answer.values[i]] as const)
      .filter(([ts, py]) => ts !== py);
    expect(mismatches).toEqual([]);
  });

  it('pyFloatRepr equals repr(float) on random and boundary doubles', () => {
    const answer = python();
    expect(answer.floats).toHaveLength(floats.length);
    const mismatches = floats.map((x, i) => [x, pyFloatRepr(x), answer.floats[i]] as const).filter(([, ts, py]) => ts !== py);
    expect(mismatches).toEqual([]);
  });

  it('canonicalPythonJson equals json.dumps(json.loads(text), ...) on 400 random texts', () => {
    const answer = python();
    expect(answer.texts).toHaveLength(texts.length);
    const mismatches = texts.map((t, i) => [t, canonicalPythonJson(t), answer.texts[i]] as const).filter(([, ts, py]) => ts !== py);
    expect(mismatches).toEqual([]);
  });
});
