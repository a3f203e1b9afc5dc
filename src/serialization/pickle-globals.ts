/**
 * The allow-list of the restricted pickle reader: the only Python callables it "calls", the exact
 * argument shapes it accepts for each, and the state bytes Python's `datetime` pickles carry. The
 * writer spells the same objects from here, so both directions share one definition.
 *
 * Nothing here runs Python code: each entry builds the JavaScript value the Python call would have
 * returned, after checking its arguments.
 */
import { Buffer } from 'node:buffer';
import { PyDate, PyDateTime, PyTimezone } from './python-datetime.js';
import { Markup, UUID } from './values.js';

/** A Python global the reader may load, with how CPython names it when pickling. */
export interface GlobalSpec {
  readonly module: string;
  readonly name: string;
  /**
   * A C static type (the `datetime` classes): CPython builds its `__qualname__` string afresh on
   * every lookup, so the pickler never shares it through the memo.
   */
  readonly staticType: boolean;
}

/** The allow-list, keyed by `module.name`. */
export const ALLOWED_GLOBALS = {
  'datetime.datetime': { module: 'datetime', name: 'datetime', staticType: true },
  'datetime.date': { module: 'datetime', name: 'date', staticType: true },
  'datetime.timezone': { module: 'datetime', name: 'timezone', staticType: true },
  'datetime.timedelta': { module: 'datetime', name: 'timedelta', staticType: true },
  'uuid.UUID': { module: 'uuid', name: 'UUID', staticType: false },
  'markupsafe.Markup': { module: 'markupsafe', name: 'Markup', staticType: false },
} as const satisfies Record<string, GlobalSpec>;

/** The `module.name` of an allow-listed global. */
export type AllowedGlobal = keyof typeof ALLOWED_GLOBALS;

/** The allow-listed global named by `module` and `name` exactly, or `undefined`. */
export function lookupGlobal(module: string, name: string): AllowedGlobal | undefined {
  const key = `${module}.${name}`;
  return Object.hasOwn(ALLOWED_GLOBALS, key) ? (key as AllowedGlobal) : undefined;
}

/** Thrown by the constructors below when the arguments do not have an accepted shape. */
export class ArgumentRefusal {
  constructor(readonly reason: string) {}
}

/**
 * Python's `datetime.timedelta`, accepted only as the offset of a `datetime.timezone`; normalized
 * as Python keeps it (0 <= seconds < 86400, 0 <= microseconds < 1000000).
 */
export class PyTimedelta {
  constructor(readonly totalMicroseconds: bigint) {}
}

/** A `uuid.UUID` made by NEWOBJ whose BUILD (the `{'int': …}` state) has not come yet. */
export class PendingUuid {
  value: UUID | undefined = undefined;
}

const MICROS_PER_SECOND = 1_000_000n;
const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;
/** `timedelta.max`: 999999999 days, 23:59:59.999999 (`timedelta.min` is -999999999 days). */
const MAX_TIMEDELTA_MICROS = 1_000_000_000n * 86_400n * 1_000_000n - 1n;
/** `|timezone offset| < 24 h`, as Python requires. */
const MAX_OFFSET_MICROS = MICROS_PER_DAY;
const DATETIME_STATE_BYTES = 10;
const DATE_STATE_BYTES = 4;
/** Python's `datetime` sets this bit of the month byte for `fold=1` (protocol 4 and later). */
const FOLD_BIT = 0x80;
const UUID_INT_LIMIT = 1n << 128n;
/** `SafeUUID` values as `UUID.__getstate__` writes them: safe, unsafe (`unknown` is left out). */
const SAFE_UUID_VALUES = new Set<unknown>([0, -1, null]);

function refuse(reason: string): never {
  throw new ArgumentRefusal(reason);
}

function describeArg(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number' || typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** A small int argument (`number` from the reader; `bigint` beyond 2^53 is never in range here). */
function smallInt(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return refuse(`${what} must be an int, got ${describeArg(value)}`);
}

function bigInt(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  return refuse(`${what} must be an int, got ${describeArg(value)}`);
}

function tzArg(value: unknown): PyTimezone | null {
  if (value === null || value === undefined) return null;
  if (value instanceof PyTimezone) return value;
  return refuse(`tzinfo must be a datetime.timezone or None, got ${describeArg(value)}`);
}

function build<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) refuse(error.message);
    throw error;
  }
}

/** Whether `args[0]` is the pickled state of a `datetime` (10 bytes, sane month) or a `date` (4 bytes). */
function isState(args: readonly unknown[], size: number, monthMask: number): args is [Uint8Array, ...unknown[]] {
  const state = args[0];
  if (!(state instanceof Uint8Array) || state.length !== size) return false;
  const month = (state[2] as number) & monthMask;
  return month >= 1 && month <= 12;
}

function datetimeFromState(state: Uint8Array, tzinfo: PyTimezone | null): PyDateTime {
  const s = (i: number) => state[i] as number;
  return build(
    () =>
      new PyDateTime({
        year: s(0) * 256 + s(1),
        month: s(2) & ~FOLD_BIT,
        day: s(3),
        hour: s(4),
        minute: s(5),
        second: s(6),
        microsecond: (s(7) << 16) | (s(8) << 8) | s(9),
        tzinfo,
        fold: s(2) & FOLD_BIT ? 1 : 0,
      }),
  );
}

function makeDatetime(args: readonly unknown[]): PyDateTime {
  if (isState(args, DATETIME_STATE_BYTES, ~FOLD_BIT & 0xff)) {
    if (args.length > 2) refuse(`datetime state takes (bytes, tzinfo), got ${args.length} arguments`);
    return datetimeFromState(args[0], tzArg(args[1]));
  }
  if (args.length < 3 || args.length > 8) refuse(`datetime takes 3 to 8 arguments, got ${args.length}`);
  const fields = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'];
  const ints = args.slice(0, 7).map((arg, i) => smallInt(arg, fields[i] as string));
  const [year, month, day, hour, minute, second, microsecond] = ints as [number, number, number, number?, number?, number?, number?];
  const tzinfo = tzArg(args[7]);
  return build(() => new PyDateTime({ year, month, day, hour, minute, second, microsecond, tzinfo }));
}

function makeDate(args: readonly unknown[]): PyDate {
  if (isState(args, DATE_STATE_BYTES, 0xff)) {
    if (args.length !== 1) refuse(`date state takes (bytes,), got ${args.length} arguments`);
    const state = args[0];
    return build(() => new PyDate((state[0] as number) * 256 + (state[1] as number), state[2] as number, state[3] as number));
  }
  if (args.length !== 3) refuse(`date takes 3 arguments, got ${args.length}`);
  const [year, month, day] = args.map((arg, i) => smallInt(arg, ['year', 'month', 'day'][i] as string)) as [number, number, number];
  return build(() => new PyDate(year, month, day));
}

function makeTimedelta(args: readonly unknown[]): PyTimedelta {
  if (args.length > 3) refuse(`timedelta takes (days, seconds, microseconds), got ${args.length} arguments`);
  const [days = 0n, seconds = 0n, micros = 0n] = args.map((arg, i) => bigInt(arg, ['days', 'seconds', 'microseconds'][i] as string));
  const total = days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + micros;
  if (total > MAX_TIMEDELTA_MICROS || total < MICROS_PER_DAY - MAX_TIMEDELTA_MICROS - 1n) refuse('a timedelta beyond ±999999999 days');
  return new PyTimedelta(total);
}

function makeTimezone(args: readonly unknown[]): PyTimezone {
  if (args.length < 1 || args.length > 2) refuse(`timezone takes (offset, name), got ${args.length} arguments`);
  const offset = args[0];
  if (!(offset instanceof PyTimedelta)) return refuse(`the timezone offset must be a datetime.timedelta, got ${describeArg(offset)}`);
  const name = args[1] ?? null;
  if (name !== null && typeof name !== 'string') refuse(`the timezone name must be a str, got ${describeArg(name)}`);
  const micros = offset.totalMicroseconds;
  if (micros <= -MAX_OFFSET_MICROS || micros >= MAX_OFFSET_MICROS) refuse('a timezone offset must be strictly between -24 and 24 hours');
  return PyTimezone.of(Number(micros) / 1e6, name);
}

function makeMarkup(args: readonly unknown[]): Markup {
  if (args.length === 0) return new Markup('');
  if (args.length !== 1 || typeof args[0] !== 'string') refuse('Markup takes one str argument');
  return new Markup(args[0] as string);
}

/**
 * Builds what calling the allow-listed global `global` with `args` returns in Python, through
 * REDUCE (`callable(*args)`) or NEWOBJ (`cls.__new__(cls, *args)`).
 *
 * @throws ArgumentRefusal when the arguments are not of a shape Python's own pickles use.
 */
export function constructGlobal(global: AllowedGlobal, args: readonly unknown[], via: 'REDUCE' | 'NEWOBJ'): unknown {
  switch (global) {
    case 'datetime.datetime':
      return makeDatetime(args);
    case 'datetime.date':
      return makeDate(args);
    case 'datetime.timedelta':
      return makeTimedelta(args);
    case 'datetime.timezone':
      return makeTimezone(args);
    case 'markupsafe.Markup':
      return makeMarkup(args);
    case 'uuid.UUID':
      // Python pickles a UUID as UUID.__new__(UUID) followed by BUILD {'int': n}.
      if (via !== 'NEWOBJ' || args.length !== 0) refuse('uuid.UUID is read only as NEWOBJ with no arguments followed by its state');
      return new PendingUuid();
  }
}

/**
 * Applies a BUILD state to a pending UUID: `{'int': n}` with `0 <= n < 2**128`, optionally with
 * `'is_safe'` (0, -1 or None), as `UUID.__getstate__` writes it. `is_safe` is not kept.
 *
 * @throws ArgumentRefusal for any other state.
 */
export function applyUuidState(pending: PendingUuid, state: ReadonlyMap<unknown, unknown>): void {
  if (pending.value !== undefined) refuse('the UUID already has its state');
  for (const key of state.keys()) {
    if (key !== 'int' && key !== 'is_safe') refuse(`unexpected UUID state key ${typeof key === 'string' ? JSON.stringify(key) : describeArg(key)}`);
  }
  if (state.has('is_safe') && !SAFE_UUID_VALUES.has(state.get('is_safe'))) refuse('UUID is_safe must be 0, -1 or None');
  if (!state.has('int')) refuse("the UUID state has no 'int'");
  const n = bigInt(state.get('int'), "the UUID's int");
  if (n < 0n || n >= UUID_INT_LIMIT) refuse("the UUID's int must be in 0 .. 2**128 - 1");
  pending.value = new UUID(n.toString(16).padStart(32, '0'));
}

// ---- what the writer needs ------------------------------------------------------------------------

/** The 10 state bytes Python's `datetime.__reduce_ex__(5)` writes (fold in the month's top bit). */
export function datetimeState(dt: PyDateTime): Uint8Array {
  return Buffer.from([
    dt.year >> 8,
    dt.year & 0xff,
    dt.month | (dt.fold ? FOLD_BIT : 0),
    dt.day,
    dt.hour,
    dt.minute,
    dt.second,
    dt.microsecond >> 16,
    (dt.microsecond >> 8) & 0xff,
    dt.microsecond & 0xff,
  ]);
}

/** The 4 state bytes of Python's `date.__reduce__()`. */
export function dateState(d: PyDate): Uint8Array {
  return Buffer.from([d.year >> 8, d.year & 0xff, d.month, d.day]);
}

/** `(days, seconds, microseconds)` of a timedelta, normalized as Python's `timedelta.__reduce__` writes them. */
export function timedeltaState(totalMicroseconds: number): [number, number, number] {
  const total = BigInt(totalMicroseconds);
  let days = total / MICROS_PER_DAY;
  let rest = total % MICROS_PER_DAY;
  if (rest < 0n) {
    days -= 1n;
    rest += MICROS_PER_DAY;
  }
  return [Number(days), Number(rest / MICROS_PER_SECOND), Number(rest % MICROS_PER_SECOND)];
}

/** The `int` of a UUID, as `UUID.__getstate__` writes it. */
export function uuidInt(uuid: UUID): bigint {
  return BigInt(`0x${uuid.hex}`);
}

