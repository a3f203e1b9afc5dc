/**
 * The restricted pickle reader: an opcode interpreter for plain data that never imports, calls or
 * looks up anything. Globals resolve only to the allow-list in `pickle-globals.ts`; every other
 * global, and every opcode that builds arbitrary objects, is refused with a typed error.
 *
 * Decoding runs in two steps: the opcodes build internal nodes (so a dict's final form is known
 * only once all its keys are in, and shared references stay shared), then one walk turns the nodes
 * into JavaScript values, refusing cycles and counting every shared reference against the limits.
 */
import { Buffer } from 'node:buffer';
import { MAX_DEPTH } from './errors.js';
import { MalformedPickleError, PickleLimitError, PickleRejectedError, quoteUntrusted } from './pickle-errors.js';
import {
  applyUuidState,
  ArgumentRefusal,
  constructGlobal,
  lookupGlobal,
  PendingUuid,
  PyTimedelta,
  type AllowedGlobal,
} from './pickle-globals.js';
import { HIGHEST_PROTOCOL, Op, opcodeName } from './pickle-ops.js';
import { PyFloat } from './python-float.js';
import { PyDate, PyDateTime, PyTimezone } from './python-datetime.js';
import { decodeUtf8SurrogatePass } from './utf8-surrogatepass.js';
import { setOwn } from './value-kinds.js';
import { Markup, Tuple, UUID } from './values.js';

/** Largest pickle read by default: far above any session (a MariaDB session column holds 64 KiB), small enough to bound memory. */
export const MAX_PICKLE_BYTES = 16 * 1024 * 1024;
/** Deepest nesting read by default: the limit the JSON side uses; CPython cannot even write lists nested past ~490. */
export const MAX_PICKLE_DEPTH = MAX_DEPTH;
/** Memo indices read by default are below this: CPython writes one entry per str, bytes, container or object, in order. */
export const MAX_MEMO_ENTRIES = 1_000_000;
/** Most values read by default, counting every shared reference separately (so a memo bomb stops here). */
export const MAX_PICKLE_VALUES = 1_000_000;
/** Largest integer read: 4096 bytes (a 32768-bit number); sessions have no use for more, and parsing stays cheap. */
export const MAX_LONG_BYTES = 4096;
/**
 * str and bytes payloads, counted once per reference, may add up to this many times `maxBytes`:
 * CPython shares only small strings (dict keys) through the memo, while a memo bomb multiplies one
 * large string.
 */
export const EXPANSION_FACTOR = 8;
/** Longest module or name line of a GLOBAL opcode; allow-listed names are far shorter. */
const MAX_GLOBAL_LINE_BYTES = 256;

/** Options of {@link loadsRestricted}. Every limit is an option with the default shown. */
export interface PickleLoadOptions {
  /** Largest pickle accepted, in bytes. Default {@link MAX_PICKLE_BYTES}. */
  maxBytes?: number;
  /** Deepest nesting of containers (and MARKs) accepted. Default {@link MAX_PICKLE_DEPTH}. */
  maxDepth?: number;
  /** Memo indices accepted are below this (CPython's memo is an array that long). Default {@link MAX_MEMO_ENTRIES}. */
  maxMemoEntries?: number;
  /** Most values accepted, counting each shared reference. Default {@link MAX_PICKLE_VALUES}. */
  maxValues?: number;
  /**
   * What a float with an integral value (`1.0`, `1e+300`) becomes: `'wrap'` (default) a
   * {@link PyFloat}, so that writing it back gives a float again (byte-identical pickles);
   * `'number'` a plain `number`, which is written back as an int.
   */
  integralFloats?: 'wrap' | 'number';
}

/** Limits and choices after defaults. */
export interface ResolvedLoadOptions {
  maxBytes: number;
  maxDepth: number;
  maxMemoEntries: number;
  maxValues: number;
  integralFloats: 'wrap' | 'number';
}

/** The default options. */
export const DEFAULT_LOAD_OPTIONS: Readonly<ResolvedLoadOptions> = Object.freeze({
  maxBytes: MAX_PICKLE_BYTES,
  maxDepth: MAX_PICKLE_DEPTH,
  maxMemoEntries: MAX_MEMO_ENTRIES,
  maxValues: MAX_PICKLE_VALUES,
  integralFloats: 'wrap',
});

// ---- internal nodes -------------------------------------------------------------------------------

type DictKey = string | number | bigint;

class ListNode {
  readonly items: unknown[] = [];
  constructor(readonly offset: number) {}
}

class TupleNode {
  constructor(
    readonly items: unknown[],
    readonly offset: number,
  ) {}
}

class DictNode {
  readonly entries = new Map<DictKey, unknown>();
  constructor(readonly offset: number) {}
}

class GlobalRef {
  constructor(
    readonly global: AllowedGlobal,
    readonly offset: number,
  ) {}
}

const TWO_POW_32 = 2 ** 32;
const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
/** FRAME and the 8-byte lengths: values past 2^53 are reported as truncation (they exceed any input). */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

/** Runs the opcodes of one pickle. */
class Unpickler {
  private readonly view: DataView;
  private pos = 0;
  /** Offset of the opcode being run, for error messages. */
  private at = 0;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  /** CPython's memo: indices to values (never `undefined`); `memoCount` entries are filled. */
  private readonly memo: unknown[] = [];
  private memoCount = 0;
  /** Where REDUCE / NEWOBJ built each object, for error messages. */
  private readonly origins = new WeakMap<object, number>();
  private pushes = 0;

  constructor(
    private readonly data: Buffer,
    private readonly options: ResolvedLoadOptions,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  // ---- errors -----------------------------------------------------------------------------------

  private malformed(detail: string): never {
    throw new MalformedPickleError(detail, this.at);
  }

  private rejected(reason: string, global?: string): never {
    throw new PickleRejectedError(opcodeName(this.data[this.at] as number) ?? 'unknown', this.at, reason, global);
  }

  private overLimit(limit: keyof ResolvedLoadOptions, what: string): never {
    throw new PickleLimitError(limit, this.options[limit] as number, this.at, what);
  }

  // ---- input ------------------------------------------------------------------------------------

  private need(n: number): void {
    if (n > this.data.length - this.pos) this.malformed(`needs ${n} more bytes, only ${this.data.length - this.pos} left (pickle data was truncated)`);
  }

  private u8(): number {
    this.need(1);
    return this.data[this.pos++] as number;
  }

  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An 8-byte little-endian length; lengths beyond 2^53 cannot fit the input and count as truncated. */
  private u64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (hi > MAX_SAFE_HIGH_WORD) this.malformed('a declared length beyond 2**53 bytes (pickle data was truncated)');
    return hi * TWO_POW_32 + lo;
  }

  private bytes(n: number): Buffer {
    this.need(n);
    const out = Buffer.from(this.data.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  private text(n: number): string {
    this.need(n);
    const { data, pos } = this;
    let ascii = true;
    for (let i = pos; i < pos + n; i++) {
      if ((data[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.pos += n;
      return data.toString('latin1', pos, pos + n);
    }
    const decoded = decodeUtf8SurrogatePass(data.subarray(pos, pos + n));
    this.pos += n;
    if ('text' in decoded) return decoded.text;
    if (decoded.error === 'invalid') this.malformed('a str that is not UTF-8');
    return this.rejected('a str holding a surrogate pair as two code points, which a JavaScript string cannot keep apart from the character they form');
  }

  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end === -1) this.malformed('a GLOBAL line without its newline (pickle data was truncated)');
    if (end - this.pos > MAX_GLOBAL_LINE_BYTES) this.rejected(`a GLOBAL name longer than ${MAX_GLOBAL_LINE_BYTES} bytes`);
    const decoded = decodeUtf8SurrogatePass(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    if (!('text' in decoded)) this.malformed('a GLOBAL name that is not UTF-8');
    return decoded.text;
  }

  // ---- stack ------------------------------------------------------------------------------------

  private get fence(): number {
    return this.marks.length === 0 ? 0 : (this.marks[this.marks.length - 1] as number);
  }

  private push(value: unknown): void {
    if (++this.pushes > this.options.maxValues) this.overLimit('maxValues', 'too many values');
    this.stack.push(value);
  }

  private pop(): unknown {
    if (this.stack.length <= this.fence) this.underflow();
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length <= this.fence) this.underflow();
    return this.stack[this.stack.length - 1];
  }

  private underflow(): never {
    this.malformed(this.marks.length > 0 ? 'unexpected MARK found' : 'unpickling stack underflow');
  }

  /** Pops the topmost MARK and returns the stack index it marked. */
  private marker(): number {
    const mark = this.marks.pop();
    if (mark === undefined) this.malformed('could not find MARK');
    return mark;
  }

  /** Pops everything above the topmost MARK. */
  private popMarked(): unknown[] {
    const mark = this.marker();
    return this.stack.splice(mark);
  }

  // ---- memo -------------------------------------------------------------------------------------

  private memoPut(index: number): void {
    const value = this.top();
    // CPython's memo is an array as long as the largest index, and Python writes indices in order
    if (index >= this.options.maxMemoEntries) this.overLimit('maxMemoEntries', `memo index ${index}`);
    if (this.memo[index] === undefined) this.memoCount++;
    this.memo[index] = value;
  }

  private memoGet(index: number): void {
    const value = this.memo[index];
    if (value === undefined) this.malformed(`memo value not found at index ${index}`);
    this.push(value);
  }

  // ---- values -----------------------------------------------------------------------------------

  private pushFloat(x: number): void {
    const wrap = this.options.integralFloats === 'wrap' && Number.isInteger(x) && !Object.is(x, -0);
    this.push(wrap ? new PyFloat(x) : x);
  }

  private pushInt(n: bigint): void {
    this.push(n >= MIN_SAFE_BIGINT && n <= MAX_SAFE_BIGINT ? Number(n) : n);
  }

  /** A LONG1/LONG4 payload: two's-complement little-endian, `n` bytes (0 bytes is 0). */
  private long(n: number): void {
    if (n > MAX_LONG_BYTES) this.rejected(`an int of ${n} bytes (at most ${MAX_LONG_BYTES} bytes are read)`);
    this.need(n);
    if (n === 0) return this.push(0);
    let hex = '';
    for (let i = this.pos + n - 1; i >= this.pos; i--) hex += (this.data[i] as number).toString(16).padStart(2, '0');
    let value = BigInt(`0x${hex}`);
    if ((this.data[this.pos + n - 1] as number) & 0x80) value -= 1n << BigInt(8 * n);
    this.pos += n;
    this.pushInt(value);
  }

  private dictKey(key: unknown): DictKey {
    if (typeof key === 'string' || typeof key === 'bigint') return key;
    if (typeof key === 'number' && Number.isInteger(key) && !Object.is(key, -0)) return key;
    return this.rejected(`a dict key of type ${pythonType(key)} (only str and int keys are read)`);
  }

  private setItems(dict: unknown, items: unknown[]): void {
    if (!(dict instanceof DictNode)) this.malformed('SETITEM on something that is not a dict');
    if (items.length % 2 !== 0) this.malformed('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) dict.entries.set(this.dictKey(items[i]), items[i + 1]);
  }

  private appendItems(list: unknown, items: unknown[]): void {
    if (!(list instanceof ListNode)) this.malformed('APPEND on something that is not a list');
    for (const item of items) list.items.push(item);
  }

  private global(module: string, name: string): void {
    const global = lookupGlobal(module, name);
    if (global === undefined) this.rejected(`the global ${quoteUntrusted(`${module}.${name}`)}, which is not on the allow-list`, `${module}.${name}`);
    this.push(new GlobalRef(global, this.at));
  }

  private construct(via: 'REDUCE' | 'NEWOBJ'): void {
    const args = this.pop();
    const callable = this.pop();
    if (!(callable instanceof GlobalRef)) this.rejected(`${via} of a ${pythonType(callable)}, which is not an allow-listed class`);
    if (!(args instanceof TupleNode)) this.malformed(`${via} arguments that are not a tuple`);
    try {
      const built = constructGlobal(callable.global, args.items, via);
      if (typeof built === 'object' && built !== null) this.origins.set(built, this.at);
      this.push(built);
    } catch (error) {
      if (error instanceof ArgumentRefusal) this.rejected(`${callable.global}${via === 'NEWOBJ' ? '.__new__' : ''}(…): ${error.reason}`);
      throw error;
    }
  }

  private build(): void {
    const state = this.pop();
    const target = this.top();
    if (!(target instanceof PendingUuid)) this.rejected(`BUILD on a ${pythonType(target)} (only a uuid.UUID takes a state)`);
    if (!(state instanceof DictNode)) this.rejected('a uuid.UUID state that is not a dict');
    try {
      applyUuidState(target, state.entries);
    } catch (error) {
      if (error instanceof ArgumentRefusal) this.rejected(`uuid.UUID state: ${error.reason}`);
      throw error;
    }
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** Runs opcodes up to STOP and returns the value left for it. */
  run(): unknown {
    const { data } = this;
    for (;;) {
      this.at = this.pos;
      if (this.pos >= data.length) this.malformed('no STOP opcode (pickle data was truncated)');
      const op = data[this.pos++] as number;
      switch (op) {
        case Op.PROTO: {
          const protocol = this.u8();
          if (protocol > HIGHEST_PROTOCOL) this.malformed(`unsupported pickle protocol: ${protocol}`);
          break;
        }
        case Op.FRAME:
          this.need(this.u64());
          break;
        case Op.STOP:
          return this.pop();

        case Op.NONE:
          this.push(null);
          break;
        case Op.NEWTRUE:
          this.push(true);
          break;
        case Op.NEWFALSE:
          this.push(false);
          break;
        case Op.BININT1:
          this.push(this.u8());
          break;
        case Op.BININT2:
          this.push(this.u16());
          break;
        case Op.BININT:
          this.push(this.i32());
          break;
        case Op.LONG1:
          this.long(this.u8());
          break;
        case Op.LONG4: {
          const n = this.i32();
          if (n < 0) this.malformed('LONG pickle has negative byte count');
          this.long(n);
          break;
        }
        case Op.BINFLOAT: {
          this.need(8);
          const x = this.view.getFloat64(this.pos, false);
          this.pos += 8;
          this.pushFloat(x);
          break;
        }

        case Op.SHORT_BINUNICODE:
          this.push(this.text(this.u8()));
          break;
        case Op.BINUNICODE:
          this.push(this.text(this.u32()));
          break;
        case Op.BINUNICODE8:
          this.push(this.text(this.u64()));
          break;
        case Op.SHORT_BINBYTES:
          this.push(this.bytes(this.u8()));
          break;
        case Op.BINBYTES:
          this.push(this.bytes(this.u32()));
          break;
        case Op.BINBYTES8:
          this.push(this.bytes(this.u64()));
          break;

        case Op.EMPTY_LIST:
          this.push(new ListNode(this.at));
          break;
        case Op.EMPTY_DICT:
          this.push(new DictNode(this.at));
          break;
        case Op.EMPTY_TUPLE:
          this.push(new TupleNode([], this.at));
          break;
        case Op.LIST: {
          const list = new ListNode(this.at);
          this.appendItems(list, this.popMarked());
          this.push(list);
          break;
        }
        case Op.DICT: {
          const dict = new DictNode(this.at);
          this.setItems(dict, this.popMarked());
          this.push(dict);
          break;
        }
        case Op.TUPLE:
          this.push(new TupleNode(this.popMarked(), this.at));
          break;
        case Op.TUPLE1: {
          const a = this.pop();
          this.push(new TupleNode([a], this.at));
          break;
        }
        case Op.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.push(new TupleNode([a, b], this.at));
          break;
        }
        case Op.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(new TupleNode([a, b, c], this.at));
          break;
        }
        case Op.APPEND: {
          const value = this.pop();
          this.appendItems(this.top(), [value]);
          break;
        }
        case Op.APPENDS: {
          const items = this.popMarked();
          this.appendItems(this.top(), items);
          break;
        }
        case Op.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case Op.SETITEMS: {
          const items = this.popMarked();
          this.setItems(this.top(), items);
          break;
        }

        case Op.MARK:
          if (this.marks.length >= this.options.maxDepth) this.overLimit('maxDepth', 'MARKs nested too deeply');
          this.marks.push(this.stack.length);
          break;
        case Op.POP:
          if (this.marks.length > 0 && this.marks[this.marks.length - 1] === this.stack.length) this.marks.pop();
          else this.pop();
          break;
        case Op.POP_MARK:
          this.popMarked();
          break;
        case Op.DUP:
          this.push(this.top());
          break;

        case Op.MEMOIZE:
          this.memoPut(this.memoCount);
          break;
        case Op.BINPUT:
          this.memoPut(this.u8());
          break;
        case Op.LONG_BINPUT:
          this.memoPut(this.u32());
          break;
        case Op.BINGET:
          this.memoGet(this.u8());
          break;
        case Op.LONG_BINGET:
          this.memoGet(this.u32());
          break;

        case Op.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.malformed('STACK_GLOBAL requires str');
          this.global(module, name);
          break;
        }
        case Op.GLOBAL: {
          const module = this.line();
          const name = this.line();
          this.global(module, name);
          break;
        }
        case Op.REDUCE:
          this.construct('REDUCE');
          break;
        case Op.NEWOBJ:
          this.construct('NEWOBJ');
          break;
        case Op.BUILD:
          this.build();
          break;

        default:
          this.refuseOpcode(op);
      }
    }
  }

  private refuseOpcode(op: number): never {
    const name = opcodeName(op);
    if (name === undefined) this.malformed(`invalid load key ${JSON.stringify(String.fromCharCode(op))} (0x${op.toString(16).padStart(2, '0')})`);
    const why: Partial<Record<string, string>> = {
      INST: 'INST, which calls an arbitrary class',
      OBJ: 'OBJ, which calls an arbitrary class',
      EXT1: 'an extension-registry reference',
      EXT2: 'an extension-registry reference',
      EXT4: 'an extension-registry reference',
      PERSID: 'a persistent id',
      BINPERSID: 'a persistent id',
      NEWOBJ_EX: 'NEWOBJ_EX (keyword arguments to a constructor)',
      EMPTY_SET: 'a set (sessions hold no sets)',
      ADDITEMS: 'a set (sessions hold no sets)',
      FROZENSET: 'a frozenset (sessions hold no sets)',
      BYTEARRAY8: 'a bytearray',
      NEXT_BUFFER: 'an out-of-band buffer',
      READONLY_BUFFER: 'an out-of-band buffer',
    };
    return this.rejected(why[name] ?? `the protocol 0/1 opcode ${name} (write the pickle with protocol 2 or higher)`);
  }

  // ---- nodes to values --------------------------------------------------------------------------

  /** Turns the result of `run()` into JavaScript values. */
  finish(root: unknown): unknown {
    return new Materializer(this.options, this.data, this.origins).value(root, this.at);
  }
}

/** What a reference to a value costs against the limits, once per reference. */
interface Weight {
  values: number;
  payload: number;
}

interface Built {
  value: unknown;
  weight: Weight;
}

/** A container being turned into its value: its children in order (a dict's keys and values alternate). */
interface Frame {
  node: ListNode | TupleNode | DictNode;
  children: unknown[];
  next: number;
  values: unknown[];
  weight: Weight;
}

/**
 * The walk from nodes to JavaScript values: shared nodes become shared values, cycles are refused,
 * and each shared reference counts against the limits. Iterative, so hostile nesting never
 * reaches the engine's call-stack limit.
 */
class Materializer {
  private readonly done = new Map<object, Built>();
  private readonly open = new Set<object>();
  private readonly maxPayload: number;

  constructor(
    private readonly options: ResolvedLoadOptions,
    private readonly data: Buffer,
    private readonly origins: WeakMap<object, number>,
  ) {
    this.maxPayload = options.maxBytes * EXPANSION_FACTOR;
  }

  /** Refuses the value built by the opcode at `at`. */
  private refuse(at: number, reason: string): never {
    throw new PickleRejectedError(opcodeName(this.data[at] as number) ?? 'unknown', at, reason);
  }

  /** A value needing no walk (a leaf, or a container already built), or `undefined` for a container to walk. */
  private immediate(node: unknown, at: number): Built | undefined {
    if (node === null || typeof node !== 'object') {
      return { value: node, weight: { values: 1, payload: typeof node === 'string' ? node.length : 0 } };
    }
    if (node instanceof Uint8Array) return { value: node, weight: { values: 1, payload: node.length } };
    if (node instanceof Markup) return { value: node, weight: { values: 1, payload: node.html.length } };
    if (node instanceof PyFloat || node instanceof PyDateTime || node instanceof PyDate || node instanceof UUID) {
      return { value: node, weight: { values: 1, payload: 0 } };
    }
    const built = this.done.get(node);
    if (built !== undefined) return built;
    if (node instanceof GlobalRef) this.refuse(node.offset, `the class ${node.global} itself as a value`);
    const origin = this.origins.get(node) ?? at;
    if (node instanceof PyTimezone) this.refuse(origin, 'a datetime.timezone outside a datetime');
    if (node instanceof PyTimedelta) this.refuse(origin, 'a datetime.timedelta outside a datetime.timezone');
    if (node instanceof PendingUuid) {
      if (node.value === undefined) this.refuse(origin, 'a uuid.UUID without its state');
      return { value: node.value, weight: { values: 1, payload: 0 } };
    }
    if (this.open.has(node)) this.refuse(at, 'a container that contains itself (sessions cannot hold cycles)');
    if (node instanceof ListNode || node instanceof TupleNode || node instanceof DictNode) return undefined;
    return this.refuse(at, `an unexpected ${pythonType(node)}`);
  }

  private frame(node: ListNode | TupleNode | DictNode, depth: number): Frame {
    if (depth >= this.options.maxDepth) throw new PickleLimitError('maxDepth', this.options.maxDepth, node.offset, 'containers nested too deeply');
    this.open.add(node);
    const children: unknown[] = node instanceof DictNode ? [] : node.items;
    if (node instanceof DictNode) for (const [key, value] of node.entries) children.push(key, value);
    return { node, children, next: 0, values: [], weight: { values: 1, payload: 0 } };
  }

  private accept(frame: Frame, child: Built): void {
    frame.values.push(child.value);
    frame.weight.values += child.weight.values;
    frame.weight.payload += child.weight.payload;
    const at = frame.node.offset;
    if (frame.weight.values > this.options.maxValues) {
      throw new PickleLimitError('maxValues', this.options.maxValues, at, 'too many values once shared references are counted');
    }
    if (frame.weight.payload > this.maxPayload) {
      throw new PickleLimitError('maxBytes', this.options.maxBytes, at, `str and bytes add up to more than ${EXPANSION_FACTOR} times maxBytes once shared references are counted`);
    }
  }

  private build(frame: Frame): Built {
    const { node, values } = frame;
    let value: unknown;
    if (node instanceof TupleNode) value = Tuple.from(values);
    else if (node instanceof ListNode) value = values;
    else if (values.every((v, i) => i % 2 === 1 || typeof v === 'string')) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < values.length; i += 2) setOwn(out, values[i] as string, values[i + 1]);
      value = out;
    } else {
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < values.length; i += 2) out.set(values[i], values[i + 1]);
      value = out;
    }
    const built = { value, weight: frame.weight };
    this.open.delete(node);
    this.done.set(node, built);
    return built;
  }

  /** The JavaScript value of the root node; `at` locates errors about the root itself. */
  value(root: unknown, at: number): unknown {
    const first = this.immediate(root, at);
    if (first !== undefined) return first.value;
    const stack: Frame[] = [this.frame(root as ListNode | TupleNode | DictNode, 0)];
    for (;;) {
      const top = stack[stack.length - 1] as Frame;
      if (top.next < top.children.length) {
        const child = top.children[top.next++];
        const built = this.immediate(child, top.node.offset);
        if (built !== undefined) this.accept(top, built);
        else stack.push(this.frame(child as ListNode | TupleNode | DictNode, stack.length));
        continue;
      }
      const built = this.build(top);
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent === undefined) return built.value;
      this.accept(parent, built);
    }
  }
}

/** Python's name for the type a decoded value stands for, for messages. */
function pythonType(value: unknown): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) && !Object.is(value, -0) ? 'int' : 'float';
  if (value instanceof PyFloat) return 'float';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof ListNode) return 'list';
  if (value instanceof TupleNode) return 'tuple';
  if (value instanceof DictNode) return 'dict';
  if (value instanceof GlobalRef) return value.global;
  if (value instanceof PyDateTime) return 'datetime.datetime';
  if (value instanceof PyDate) return 'datetime.date';
  if (value instanceof PyTimezone) return 'datetime.timezone';
  if (value instanceof PyTimedelta) return 'datetime.timedelta';
  if (value instanceof PendingUuid || value instanceof UUID) return 'uuid.UUID';
  if (value instanceof Markup) return 'markupsafe.Markup';
  return typeof value;
}

/**
 * Reads a pickle with the restricted reader (see the module comment) and returns its value:
 * dict → plain object (str keys) or `Map` (int keys), list → array, tuple → {@link Tuple},
 * str → string, bytes → `Buffer`, int → number (bigint beyond 2^53), float → number
 * (integral floats as {@link PyFloat} unless `integralFloats: 'number'`), bool, None → null,
 * datetime → {@link PyDateTime}, date → {@link PyDate}, UUID → {@link UUID}, Markup → {@link Markup}.
 */
export function decodePickle(input: Uint8Array, options: ResolvedLoadOptions): unknown {
  const data = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (data.length > options.maxBytes) throw new PickleLimitError('maxBytes', options.maxBytes, 0, `the pickle is ${data.length} bytes`);
  const unpickler = new Unpickler(data, options);
  const root = unpickler.run();
  return unpickler.finish(root);
}
