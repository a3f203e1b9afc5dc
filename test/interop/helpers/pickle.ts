/**
 * Shared by the pickle tests: the typed-value convention of the Flask-Session vectors (so a
 * decoded value can be compared with what Python recorded), a seeded PRNG, a generator of
 * session-like JavaScript values, and test/interop/py/pickle_peer.py.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Markup, Tuple, UUID } from '../../../src/serialization/values.js';
import { pyFloatRepr } from '../../../src/serialization/python-float.js';
import { PyDate, PyDateTime, PyFloat, PyTimezone } from '../../../src/serialization/pickle.js';
import { hasHtml, isPlainObject, setOwn } from '../../../src/serialization/value-kinds.js';
import { PYTHON } from './flask.js';

const TWO_POW_53 = 2n ** 53n;

/** A decoded value in the typed-value convention of the Flask-Session vectors (plus `$uuid`, `$markup`). */
export function toTyped(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value <= TWO_POW_53 && value >= -TWO_POW_53 ? Number(value) : { $int: value.toString() };
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Object.is(value, -0)) return toTyped(BigInt(value));
    return { $float: pyFloatRepr(value) };
  }
  if (value instanceof PyFloat) return { $float: pyFloatRepr(value.value) };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (value instanceof Tuple) return { $tuple: Array.from(value, toTyped) };
  if (Array.isArray(value)) return value.map(toTyped);
  if (value instanceof PyDateTime) return { $datetime: value.isoformat() };
  if (value instanceof Date) return { $datetime: PyDateTime.fromDate(value).isoformat() };
  if (value instanceof PyDate) return { $date: value.isoformat() };
  if (value instanceof UUID) return { $uuid: value.hex };
  if (value instanceof Markup) return { $markup: value.html };
  if (value instanceof Map && !Array.from(value.keys()).every((k) => typeof k === 'string')) {
    return { $dict_items: Array.from(value, ([k, v]) => [toTyped(k), toTyped(v)]) };
  }
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) if (v !== undefined) setOwn(out, k as string, toTyped(v));
    return out;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) setOwn(out, k, toTyped(v));
    return out;
  }
  if (hasHtml(value)) return { $markup: String(value.__html__()) };
  throw new TypeError(`no typed form for ${String(value)}`);
}

/** mulberry32: a small seeded PRNG, so every run tests the same cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Not a Markup, but has markupsafe's `__html__`: written as a Markup. */
class HtmlDuck {
  __html__(): string {
    return '<i>duck</i>';
  }
}

/**
 * One seeded mutation round of a pickle: 1 to 4 of bit flips, random bytes, inserted opcodes,
 * deleted or duplicated runs, and huge length fields.
 */
export function mutatePickle(input: Uint8Array, random: () => number): Buffer {
  const int = (n: number) => Math.floor(random() * n);
  let bytes = Buffer.from(input);
  for (let m = 1 + int(4); m > 0; m--) {
    const at = int(bytes.length);
    switch (int(6)) {
      case 0:
        bytes[at] = (bytes[at] as number) ^ (1 << int(8));
        break;
      case 1:
        bytes[at] = int(256);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.of(int(256)), bytes.subarray(at)]);
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + int(8))]);
        break;
      case 4:
        bytes = Buffer.concat([bytes.subarray(0, at + int(16)), bytes.subarray(at)]);
        break;
      default: // BINUNICODE with a 2 GiB length
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.of(0x58, 0xff, 0xff, 0xff, 0x7f), bytes.subarray(at)]);
    }
  }
  return bytes;
}

/** Strings CPython interns for the allow-listed globals; generated data avoids them (see the docs). */
const GLOBAL_NAMES = new Set(['datetime', 'date', 'timezone', 'timedelta', 'uuid', 'UUID', 'markupsafe', 'Markup', 'int', 'is_safe']);

/** Seeded session-like JavaScript values covering every type the writer takes. */
export class ValueGenerator {
  private readonly random: () => number;
  private readonly shared: object[] = [];
  private readonly zones: PyTimezone[] = [];

  constructor(seed: number) {
    this.random = prng(seed);
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  text(): string {
    const words = ['user', 'cart', 'sku', 'qty', '_flashes', 'Zoë', 'ключ', '日本語', '🚀', '', 'a', 'é', '__proto__', 'constructor', '10', 'x'.repeat(300)];
    const r = this.random();
    if (r < 0.5) return this.pick(words);
    if (r < 0.9) {
      const alphabet = ['a', 'Z', '0', ' ', '-', 'é', '€', '😀', '\n', '"', '\\', '\u0000', '\u007f', '\ud800', '\udfff'];
      return Array.from({ length: this.int(30) }, () => this.pick(alphabet)).join('');
    }
    return Array.from({ length: 1 + this.int(100) }, () => String.fromCodePoint(0x20 + this.int(0x2fff))).join('');
  }

  private key(): string {
    for (;;) {
      const k = this.text();
      if (!GLOBAL_NAMES.has(k)) return k;
    }
  }

  private number(): number | bigint | PyFloat {
    return this.pick<number | bigint | PyFloat>([
      0, 1, 255, 256, 65535, 65536, -1, -256, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1,
      2 ** 53, 1e20, -1e300, 2n ** 64n, -(10n ** 40n), 2n ** 2040n, 0.5, -0, 0.1 + 0.2, 5e-324, Infinity, -Infinity, NaN,
      new PyFloat(1), new PyFloat(-3), new PyFloat(1e300), this.random() * 1e6 - 5e5, this.int(1e9) - 5e8,
    ]);
  }

  private zone(): PyTimezone {
    const r = this.random();
    if (r < 0.4) return PyTimezone.UTC;
    if (r < 0.6 && this.zones.length > 0) return this.pick(this.zones);
    const zone = PyTimezone.of(this.pick([19800, -28800, 3600, 86340, -86340, 30.25]));
    this.zones.push(zone);
    return zone;
  }

  private scalar(): unknown {
    switch (this.int(12)) {
      case 0:
        return null;
      case 1:
        return this.random() < 0.5;
      case 2:
      case 3:
        return this.number();
      case 4:
      case 5:
        return this.text();
      case 6: {
        const bytes = Buffer.alloc(this.pick([0, 1, 2, 16, 255, 256, 1000]));
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.int(256);
        return bytes;
      }
      case 7:
        return new PyDateTime({
          year: this.pick([1, 999, 1969, 2024, 9999]),
          month: 1 + this.int(12),
          day: 1 + this.int(28),
          hour: this.int(24),
          minute: this.int(60),
          second: this.int(60),
          microsecond: this.pick([0, 1, 999999, this.int(1e6)]),
          tzinfo: this.random() < 0.5 ? this.zone() : null,
          fold: this.random() < 0.2 ? 1 : 0,
        });
      case 8:
        return this.random() < 0.5 ? new Date(Date.UTC(2000, 0, 1) + this.int(2e12)) : new PyDate(1 + this.int(9999), 1 + this.int(12), 1 + this.int(28));
      case 9: {
        const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join('');
        return new UUID(hex);
      }
      case 10:
        return this.random() < 0.8 ? new Markup(this.pick(['', '<b>x</b>', 'a', 'café 😀'])) : new HtmlDuck();
      default:
        return this.number();
    }
  }

  value(depth: number): unknown {
    if (depth <= 0 || this.random() < 0.45) return this.scalar();
    const kind = this.int(6);
    if (kind === 0 && this.shared.length > 0) return this.pick(this.shared);
    let v: object;
    if (kind <= 1) v = Array.from({ length: this.pick([0, 1, 2, 3, 5]) }, () => this.value(depth - 1));
    else if (kind === 2) v = Tuple.from(Array.from({ length: this.pick([0, 1, 2, 3, 4, 6]) }, () => this.value(depth - 1)));
    else if (kind === 3) {
      const map = new Map<unknown, unknown>();
      for (let i = 1 + this.int(4); i > 0; i--) map.set(this.pick([this.int(300) - 5, this.text(), 2n ** 70n]), this.value(depth - 1));
      v = map;
    } else {
      const obj: Record<string, unknown> = {};
      for (let i = this.int(6); i > 0; i--) setOwn(obj, this.key(), this.value(depth - 1));
      v = obj;
    }
    if (this.random() < 0.2) this.shared.push(v);
    return v;
  }

  session(): Record<string, unknown> {
    const s: Record<string, unknown> = {};
    if (this.random() < 0.5) s._permanent = this.random() < 0.7;
    for (let i = 1 + this.int(8); i > 0; i--) setOwn(s, this.key(), this.value(4));
    if (this.random() < 0.3) s._flashes = Array.from({ length: 1 + this.int(3) }, () => Tuple.of('message', this.text()));
    return s;
  }
}

/** The script behind {@link runPicklePeer}. */
export const PICKLE_PEER = fileURLToPath(new URL('../py/pickle_peer.py', import.meta.url));

/** Runs one command of pickle_peer.py with real CPython and returns its JSON answer. */
export function runPicklePeer<T>(args: string[], input?: unknown): T {
  const run = spawnSync(PYTHON, [PICKLE_PEER, ...args], {
    input: input === undefined ? undefined : JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`pickle_peer.py ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
