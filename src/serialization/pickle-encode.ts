/**
 * The pickle writer: the bytes CPython 3.11's C pickler (`pickle.dumps(value, protocol=5)`) writes
 * for the Python value a JavaScript value stands for, opcode for opcode: FRAMEs of up to 64 KiB
 * (large str/bytes outside them, frames under 4 bytes without a header), MEMOIZE after every str,
 * bytes, non-empty tuple, list, dict, global and constructed object, BINGET for an object met
 * again, batches of 1000, and the smallest int opcode.
 *
 * Python memoizes by object identity, which JavaScript has only for objects. So: arrays, objects,
 * Maps, tuples, `Uint8Array`s, datetimes, UUIDs and Markup are shared exactly when they are the
 * same JavaScript object (the reader returns shared objects for shared Python objects); strings
 * are shared whenever they are equal (as interned or unpickled-once strings are in Python); empty
 * and one-byte bytes are shared by value (CPython caches them). What CPython creates afresh on
 * every call (the `__qualname__` of the `datetime` classes, the state bytes and argument tuples of
 * reduced objects, Markup's string copy) is written afresh.
 */
import { Buffer } from 'node:buffer';
import { MAX_DEPTH, NestingTooDeepError } from './errors.js';
import { UnpicklableValueError } from './pickle-errors.js';
import { ALLOWED_GLOBALS, dateState, datetimeState, timedeltaState, uuidInt, type AllowedGlobal } from './pickle-globals.js';
import { BATCH_SIZE, FRAME_HEADER_SIZE, FRAME_SIZE_MIN, FRAME_SIZE_TARGET, HIGHEST_PROTOCOL, Op } from './pickle-ops.js';
import { PyFloat } from './python-float.js';
import { keySegment } from './python-json-writer.js';
import { PyDate, PyDateTime, PyTimezone } from './python-datetime.js';
import { encodeUtf8SurrogatePass } from './utf8-surrogatepass.js';
import { describeType, hasHtml, isPlainObject } from './value-kinds.js';
import { Tuple, UUID } from './values.js';

/** Most session pickles are well under 1 KiB; the buffer doubles as needed. */
const INITIAL_CAPACITY = 1024;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN_BIG = BigInt(INT32_MIN);
const INT32_MAX_BIG = BigInt(INT32_MAX);
const UINT8_MAX = 0xff;
const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;
/** The keys `UUID.__getstate__` writes; literals in CPython's source, hence interned. */
const UUID_STATE_KEY = 'int';

/** Thrown while unwinding, collecting the path to a refused value; turned into {@link UnpicklableValueError}. */
class EncodeRefusal {
  readonly segments: string[] = [];
  constructor(
    readonly valueType: string,
    readonly detail?: string,
  ) {}
}

/** The output buffer, with CPython's framing: a frame opens at the first write and closes at 64 KiB. */
class FramedWriter {
  private buf = new Uint8Array(INITIAL_CAPACITY);
  private len = 0;
  private framing = false;
  private frameStart = -1;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.len + n) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  private openFrameIfNeeded(n: number): void {
    if (this.framing && this.frameStart === -1) {
      this.reserve(FRAME_HEADER_SIZE + n);
      this.frameStart = this.len;
      this.len += FRAME_HEADER_SIZE;
    } else {
      this.reserve(n);
    }
  }

  /** Starts framing (after the PROTO opcode, as CPython does for protocol 4+). */
  startFraming(): void {
    this.framing = true;
  }

  byte(b: number): void {
    this.openFrameIfNeeded(1);
    this.buf[this.len++] = b;
  }

  /** An opcode and a one-byte argument. */
  byte2(a: number, b: number): void {
    this.openFrameIfNeeded(2);
    this.buf[this.len++] = a;
    this.buf[this.len++] = b;
  }

  /** A SHORT_BINUNICODE of ASCII text (the common case: dict keys), written without a copy. */
  shortAscii(op: number, text: string): void {
    const n = text.length;
    this.openFrameIfNeeded(2 + n);
    const { buf } = this;
    let at = this.len;
    buf[at++] = op;
    buf[at++] = n;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.len = at;
  }

  bytes(data: Uint8Array): void {
    this.openFrameIfNeeded(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** BINFLOAT: the double in big-endian order. */
  binfloat(x: number): void {
    this.openFrameIfNeeded(9);
    this.buf[this.len++] = Op.BINFLOAT;
    FLOAT_SCRATCH.setFloat64(0, x, false);
    for (let i = 0; i < 8; i++) this.buf[this.len++] = FLOAT_SCRATCH.getUint8(i);
  }

  /** An opcode with a little-endian unsigned argument of `size` bytes (1, 2, 4 or 8). */
  opWithUint(op: number, value: number, size: 1 | 2 | 4 | 8): void {
    this.openFrameIfNeeded(1 + size);
    this.buf[this.len++] = op;
    let rest = value;
    for (let i = 0; i < size; i++) {
      this.buf[this.len++] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }

  /**
   * Writes an opcode header and its payload; payloads of 64 KiB or more go outside any frame
   * (CPython's `_Pickler_write_bytes`).
   */
  headerAndPayload(header: Uint8Array, payload: Uint8Array): void {
    if (payload.length >= FRAME_SIZE_TARGET) {
      this.commitFrame();
      this.framing = false;
      this.bytes(header);
      this.bytes(payload);
      this.framing = true;
    } else {
      this.bytes(header);
      this.bytes(payload);
    }
  }

  /** Closes the open frame: writes its FRAME header, or drops the header if the frame is under 4 bytes. */
  commitFrame(): void {
    if (!this.framing || this.frameStart === -1) return;
    const frameLen = this.len - this.frameStart - FRAME_HEADER_SIZE;
    if (frameLen >= FRAME_SIZE_MIN) {
      this.buf[this.frameStart] = Op.FRAME;
      let rest = frameLen;
      for (let i = 1; i < FRAME_HEADER_SIZE; i++) {
        this.buf[this.frameStart + i] = rest % 256;
        rest = Math.floor(rest / 256);
      }
    } else {
      this.buf.copyWithin(this.frameStart, this.frameStart + FRAME_HEADER_SIZE, this.len);
      this.len -= FRAME_HEADER_SIZE;
    }
    this.frameStart = -1;
  }

  /** CPython's `_Pickler_OpcodeBoundary`, run at the start of every `save()`. */
  boundary(): void {
    if (this.framing && this.frameStart !== -1 && this.len - this.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) this.commitFrame();
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** The little-endian two's-complement bytes CPython's `save_long` writes for LONG1/LONG4. */
function longBytes(n: bigint): Uint8Array {
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  const nbits = magnitude.toString(2).length;
  let nbytes = (nbits >> 3) + 1;
  let rest = negative ? (1n << BigInt(8 * nbytes)) + n : n;
  const out = new Uint8Array(nbytes);
  for (let i = 0; i < nbytes; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (negative && nbytes > 1 && out[nbytes - 1] === 0xff && ((out[nbytes - 2] as number) & 0x80) !== 0) nbytes--;
  return out.subarray(0, nbytes);
}

const FLOAT_SCRATCH = new DataView(new ArrayBuffer(8));

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** One `pickle.dumps` call's state: output, memo, and the objects being written (to refuse cycles). */
class Pickler {
  private readonly out = new FramedWriter();
  private memoSize = 0;
  /** Objects by identity. */
  private readonly objects = new Map<object, number>();
  /** Data strings by value. */
  private readonly strings = new Map<string, number>();
  /** Strings CPython interns (module names, class names of Python classes, `UUID` state keys), by value. */
  private readonly interned = new Map<string, number>();
  /** Empty and one-byte bytes, by value (CPython's cached singletons). */
  private readonly smallBytes = new Map<string, number>();
  private readonly globals = new Map<AllowedGlobal, number>();
  private readonly open = new Set<object>();

  dump(value: unknown): Buffer {
    this.out.bytes(Uint8Array.of(Op.PROTO, HIGHEST_PROTOCOL));
    this.out.startFraming();
    this.save(value, 0);
    this.out.byte(Op.STOP);
    this.out.commitFrame();
    return this.out.result();
  }

  // ---- memo -------------------------------------------------------------------------------------

  private memoPut(): number {
    this.out.byte(Op.MEMOIZE);
    return this.memoSize++;
  }

  private memoGet(index: number): void {
    if (index <= UINT8_MAX) this.out.byte2(Op.BINGET, index);
    else this.out.opWithUint(Op.LONG_BINGET, index, 4);
  }

  /** Writes a BINGET if `table` has `key`; returns whether it did. */
  private fromMemo<K>(table: Map<K, number>, key: K): boolean {
    const index = table.get(key);
    if (index === undefined) return false;
    this.memoGet(index);
    return true;
  }

  // ---- atoms ------------------------------------------------------------------------------------

  private saveInt(value: number | bigint): void {
    const n = typeof value === 'bigint' && value >= INT32_MIN_BIG && value <= INT32_MAX_BIG ? Number(value) : value;
    if (typeof n === 'number' && n >= INT32_MIN && n <= INT32_MAX) {
      if (n >= 0 && n <= UINT8_MAX) this.out.byte2(Op.BININT1, n);
      else if (n >= 0 && n <= UINT16_MAX) this.out.opWithUint(Op.BININT2, n, 2);
      else this.out.opWithUint(Op.BININT, n >>> 0, 4);
      return;
    }
    const payload = longBytes(BigInt(n));
    if (payload.length <= UINT8_MAX) this.out.bytes(Uint8Array.of(Op.LONG1, payload.length, ...payload));
    else {
      this.out.opWithUint(Op.LONG4, payload.length, 4);
      this.out.bytes(payload);
    }
  }

  private saveNumber(n: number): void {
    if (Number.isInteger(n) && !Object.is(n, -0)) this.saveInt(Number.isSafeInteger(n) ? n : BigInt(n));
    else this.out.binfloat(n);
  }

  /** Writes a str payload with the smallest opcode and MEMOIZEs it; returns its memo index. */
  private writeString(text: string): number {
    if (text.length <= UINT8_MAX && isAscii(text)) {
      this.out.shortAscii(Op.SHORT_BINUNICODE, text);
      return this.memoPut();
    }
    const encoded = encodeUtf8SurrogatePass(text);
    const size = encoded.length;
    let header: Uint8Array;
    if (size <= UINT8_MAX) header = Uint8Array.of(Op.SHORT_BINUNICODE, size);
    else if (size <= UINT32_MAX) header = headerWithSize(Op.BINUNICODE, size, 4);
    else header = headerWithSize(Op.BINUNICODE8, size, 8);
    this.out.headerAndPayload(header, encoded);
    return this.memoPut();
  }

  /** A data string: shared with every equal data string. */
  private saveString(text: string): void {
    this.out.boundary();
    if (this.fromMemo(this.strings, text)) return;
    this.strings.set(text, this.writeString(text));
  }

  /** A string CPython interns (module and class names, `UUID` state keys). */
  private saveInterned(text: string): void {
    this.out.boundary();
    if (this.fromMemo(this.interned, text)) return;
    this.interned.set(text, this.writeString(text));
  }

  /** A string CPython creates afresh, never shared (except `''`, a singleton). */
  private saveFreshString(text: string): void {
    if (text === '') return this.saveString(text);
    this.out.boundary();
    this.writeString(text);
  }

  private writeBytes(data: Uint8Array): number {
    const size = data.length;
    let header: Uint8Array;
    if (size <= UINT8_MAX) header = Uint8Array.of(Op.SHORT_BINBYTES, size);
    else if (size <= UINT32_MAX) header = headerWithSize(Op.BINBYTES, size, 4);
    else header = headerWithSize(Op.BINBYTES8, size, 8);
    this.out.headerAndPayload(header, data);
    return this.memoPut();
  }

  private saveBytes(data: Uint8Array): void {
    if (data.length <= 1) {
      const key = data.length === 0 ? '' : String(data[0]);
      if (this.fromMemo(this.smallBytes, key)) return;
      this.smallBytes.set(key, this.writeBytes(data));
      return;
    }
    if (this.fromMemo(this.objects, data)) return;
    this.objects.set(data, this.writeBytes(data));
  }

  // ---- globals and reduced objects --------------------------------------------------------------

  private saveGlobal(global: AllowedGlobal): void {
    this.out.boundary();
    if (this.fromMemo(this.globals, global)) return;
    const spec = ALLOWED_GLOBALS[global];
    this.saveInterned(spec.module);
    if (spec.staticType) this.saveFreshString(spec.name);
    else this.saveInterned(spec.name);
    this.out.byte(Op.STACK_GLOBAL);
    this.globals.set(global, this.memoPut());
  }

  /** A tuple CPython builds afresh (reduce arguments): elements, TUPLEn, MEMOIZE. */
  private saveFreshTuple(saveItems: Array<() => void>): void {
    this.out.boundary();
    if (saveItems.length === 0) {
      this.out.byte(Op.EMPTY_TUPLE);
      return;
    }
    if (saveItems.length > 3) this.out.byte(Op.MARK);
    for (const saveItem of saveItems) saveItem();
    this.out.byte(saveItems.length > 3 ? Op.TUPLE : (Op.TUPLE1 + saveItems.length - 1));
    this.memoPut();
  }

  private saveFreshBytes(data: Uint8Array): void {
    this.out.boundary();
    if (data.length <= 1) return this.saveBytes(data);
    this.writeBytes(data);
  }

  /**
   * `save_reduce(callable, args)` for an object that is `key` in the memo: the callable, the
   * argument tuple, REDUCE or NEWOBJ, MEMOIZE, then an optional BUILD state.
   */
  private saveReduced(key: object, global: AllowedGlobal, op: number, args: Array<() => void>, state?: () => void): void {
    this.saveGlobal(global);
    this.saveFreshTuple(args);
    this.out.byte(op);
    this.objects.set(key, this.memoPut());
    if (state !== undefined) {
      state();
      this.out.byte(Op.BUILD);
    }
  }

  private saveTimezone(tz: PyTimezone): void {
    this.out.boundary();
    if (this.fromMemo(this.objects, tz)) return;
    const [days, seconds, micros] = timedeltaState(tz.offsetMicroseconds);
    const offset = (): void => {
      this.out.boundary();
      // the timedelta is the timezone's own attribute: written once, with the timezone
      this.saveGlobal('datetime.timedelta');
      this.saveFreshTuple([() => this.saveAtom(days), () => this.saveAtom(seconds), () => this.saveAtom(micros)]);
      this.out.byte(Op.REDUCE);
      this.memoPut();
    };
    const name = tz.name;
    const args = name === null ? [offset] : [offset, () => this.saveString(name)];
    this.saveReduced(tz, 'datetime.timezone', Op.REDUCE, args);
  }

  private saveAtom(n: number): void {
    this.out.boundary();
    this.saveInt(n);
  }

  private saveDateTime(key: object, dt: PyDateTime): void {
    const args = [() => this.saveFreshBytes(datetimeState(dt))];
    const tz = dt.tzinfo;
    if (tz !== null) args.push(() => this.saveTimezone(tz));
    this.saveReduced(key, 'datetime.datetime', Op.REDUCE, args);
  }

  private saveUuid(uuid: UUID): void {
    this.saveReduced(uuid, 'uuid.UUID', Op.NEWOBJ, [], () => {
      // state: {'int': n}, a fresh dict
      this.out.boundary();
      this.out.byte(Op.EMPTY_DICT);
      this.memoPut();
      this.saveInterned(UUID_STATE_KEY);
      this.saveAtomBig(uuidInt(uuid));
      this.out.byte(Op.SETITEM);
    });
  }

  private saveAtomBig(n: bigint): void {
    this.out.boundary();
    this.saveInt(n);
  }

  private saveMarkup(key: object, html: string): void {
    // str.__getnewargs__ returns a copy of the text: a fresh string
    this.saveReduced(key, 'markupsafe.Markup', Op.NEWOBJ, [() => this.saveFreshString(html)]);
  }

  // ---- containers -------------------------------------------------------------------------------

  private child(value: unknown, depth: number, segment: string): void {
    try {
      this.save(value, depth);
    } catch (error) {
      if (error instanceof EncodeRefusal) error.segments.push(segment);
      throw error;
    }
  }

  private saveTuple(tuple: Tuple<unknown>, depth: number): void {
    const n = tuple.length;
    if (n === 0) {
      this.out.byte(Op.EMPTY_TUPLE);
      return;
    }
    if (n > 3) this.out.byte(Op.MARK);
    for (let i = 0; i < n; i++) this.child(tuple[i], depth, `[${i}]`);
    this.out.byte(n > 3 ? Op.TUPLE : Op.TUPLE1 + n - 1);
    this.objects.set(tuple, this.memoPut());
  }

  private saveList(list: readonly unknown[], depth: number): void {
    this.out.byte(Op.EMPTY_LIST);
    this.objects.set(list, this.memoPut());
    const n = list.length;
    if (n === 0) return;
    if (n === 1) {
      this.child(list[0], depth, '[0]');
      this.out.byte(Op.APPEND);
      return;
    }
    let total = 0;
    do {
      this.out.byte(Op.MARK);
      let batch = 0;
      while (total < n) {
        this.child(list[total], depth, `[${total}]`);
        total++;
        if (++batch === BATCH_SIZE) break;
      }
      this.out.byte(Op.APPENDS);
    } while (total < n);
  }

  /** A dict from its items (undefined values already left out). */
  private saveDict(key: object, items: ReadonlyArray<readonly [unknown, unknown, string]>, depth: number): void {
    this.out.byte(Op.EMPTY_DICT);
    this.objects.set(key, this.memoPut());
    const n = items.length;
    if (n === 0) return;
    const saveItem = ([k, v, segment]: readonly [unknown, unknown, string]): void => {
      this.child(k, depth, segment);
      this.child(v, depth, segment);
    };
    if (n === 1) {
      saveItem(items[0] as readonly [unknown, unknown, string]);
      this.out.byte(Op.SETITEM);
      return;
    }
    // CPython's batch_dict_exact: a dict of exactly k*1000 items ends with an empty MARK SETITEMS
    let next = 0;
    let batch: number;
    do {
      batch = 0;
      this.out.byte(Op.MARK);
      while (next < n) {
        saveItem(items[next] as readonly [unknown, unknown, string]);
        next++;
        if (++batch === BATCH_SIZE) break;
      }
      this.out.byte(Op.SETITEMS);
    } while (batch === BATCH_SIZE);
  }

  private objectItems(obj: Record<string, unknown>): Array<readonly [unknown, unknown, string]> {
    const items: Array<readonly [unknown, unknown, string]> = [];
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (v !== undefined) items.push([k, v, keySegment(k)]);
    }
    return items;
  }

  private mapItems(map: ReadonlyMap<unknown, unknown>): Array<readonly [unknown, unknown, string]> {
    const items: Array<readonly [unknown, unknown, string]> = [];
    for (const [k, v] of map) {
      if (v === undefined) continue;
      const segment = typeof k === 'string' ? keySegment(k) : `[${String(k)}]`;
      const intKey = (typeof k === 'number' && Number.isInteger(k) && !Object.is(k, -0)) || typeof k === 'bigint';
      if (typeof k !== 'string' && !intKey) {
        const refusal = new EncodeRefusal(`Map key ${describeType(k)}`, 'dict keys must be strings or integers');
        refusal.segments.push(segment);
        throw refusal;
      }
      items.push([k, v, segment]);
    }
    return items;
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private save(value: unknown, depth: number): void {
    this.out.boundary();
    switch (typeof value) {
      case 'boolean':
        this.out.byte(value ? Op.NEWTRUE : Op.NEWFALSE);
        return;
      case 'number':
        this.saveNumber(value);
        return;
      case 'bigint':
        this.saveInt(value);
        return;
      case 'string':
        if (this.fromMemo(this.strings, value)) return;
        this.strings.set(value, this.writeString(value));
        return;
      case 'object':
        if (value === null) {
          this.out.byte(Op.NONE);
          return;
        }
        break;
      case 'undefined':
        throw new EncodeRefusal('undefined', 'only an object property may be undefined (it is left out)');
      default:
        throw new EncodeRefusal(describeType(value));
    }
    if (value instanceof PyFloat) {
      if (typeof value.value !== 'number') throw new EncodeRefusal('PyFloat', 'its value is not a number');
      this.out.binfloat(value.value);
      return;
    }
    if (value instanceof Uint8Array) return this.saveBytes(value);
    // a container met again while it is being written would be a cycle, which sessions cannot hold
    if (this.open.has(value)) throw new EncodeRefusal(describeType(value), 'a circular reference (the session would contain itself)');
    if (this.fromMemo(this.objects, value)) return;
    if (value instanceof PyDateTime) return this.saveDateTime(value, value);
    if (value instanceof Date) {
      let dt: PyDateTime;
      try {
        dt = PyDateTime.fromDate(value);
      } catch {
        throw new EncodeRefusal('Date', 'an invalid Date, or a year outside 1..9999');
      }
      return this.saveDateTime(value, dt);
    }
    if (value instanceof PyDate) {
      return this.saveReduced(value, 'datetime.date', Op.REDUCE, [() => this.saveFreshBytes(dateState(value))]);
    }
    if (value instanceof UUID) return this.saveUuid(value);
    if (value instanceof PyTimezone) throw new EncodeRefusal('PyTimezone', 'a timezone is stored only as part of a PyDateTime');
    const isContainer = Array.isArray(value) || value instanceof Map || isPlainObject(value);
    if (!isContainer) {
      if (hasHtml(value)) return this.saveMarkup(value, String(value.__html__()));
      throw new EncodeRefusal(describeType(value));
    }
    if (depth >= MAX_DEPTH) throw new NestingTooDeepError('serialize');
    this.open.add(value);
    if (value instanceof Tuple) this.saveTuple(value, depth + 1);
    else if (Array.isArray(value)) this.saveList(value, depth + 1);
    else if (value instanceof Map) this.saveDict(value, this.mapItems(value), depth + 1);
    else this.saveDict(value, this.objectItems(value as Record<string, unknown>), depth + 1);
    this.open.delete(value);
  }
}

function headerWithSize(op: number, size: number, width: 4 | 8): Uint8Array {
  const header = new Uint8Array(1 + width);
  header[0] = op;
  let rest = size;
  for (let i = 1; i <= width; i++) {
    header[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return header;
}

/**
 * Pickles `value` as CPython 3.11's `pickle.dumps(value, protocol=5)` does for the Python value it
 * stands for (see the module comment for the mapping and for sharing).
 *
 * @throws UnpicklableValueError for a value with no Python counterpart Flask reads back.
 * @throws NestingTooDeepError beyond 1000 levels of nesting.
 */
export function encodePickle(value: unknown): Buffer {
  try {
    return new Pickler().dump(value);
  } catch (error) {
    if (error instanceof EncodeRefusal) {
      throw new UnpicklableValueError(error.valueType, `$${error.segments.reverse().join('')}`, error.detail);
    }
    throw error;
  }
}
