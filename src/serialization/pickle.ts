/**
 * Python pickles of session data, for Flask-Session's filesystem (cachelib) backend: a restricted
 * reader that accepts plain data and an allow-list of constructors and never runs code, and a
 * writer that produces the bytes CPython 3.11 writes with `pickle.dumps(value, protocol=5)`.
 *
 * Value mapping (both directions):
 *
 * | Python | JavaScript |
 * |---|---|
 * | `dict` (str keys) / `dict` with int keys | plain object / `Map` |
 * | `list` / `tuple` | array / {@link Tuple} |
 * | `str` / `bytes` | string / `Buffer` (any `Uint8Array` when writing) |
 * | `int` | number (`bigint` beyond 2^53) |
 * | `float` | number; an integral float (`1.0`) as {@link PyFloat} |
 * | `bool` / `None` | boolean / `null` |
 * | `datetime.datetime` / `datetime.date` | {@link PyDateTime} / {@link PyDate} (a `Date` is written as an aware UTC datetime) |
 * | `uuid.UUID` / `markupsafe.Markup` | {@link UUID} / {@link Markup} |
 */
import { rejectUnknownOptions, validate } from '../config.js';
import { DEFAULT_LOAD_OPTIONS, decodePickle, type PickleLoadOptions, type ResolvedLoadOptions } from './pickle-decode.js';
import { encodePickle } from './pickle-encode.js';
import { UnpicklableValueError } from './pickle-errors.js';
import { describeType, isSessionData } from './value-kinds.js';

export {
  DEFAULT_LOAD_OPTIONS,
  EXPANSION_FACTOR,
  MAX_LONG_BYTES,
  MAX_MEMO_ENTRIES,
  MAX_PICKLE_BYTES,
  MAX_PICKLE_DEPTH,
  MAX_PICKLE_VALUES,
  type PickleLoadOptions,
} from './pickle-decode.js';
export { MalformedPickleError, PickleDecodeError, PickleLimitError, PickleRejectedError, UnpicklableValueError } from './pickle-errors.js';
export { ALLOWED_GLOBALS, type AllowedGlobal } from './pickle-globals.js';
export { PyDate, PyDateTime, PyTimezone, type PyDateTimeFields } from './python-datetime.js';
export { PyFloat } from './python-float.js';

const OPTION_NAMES: ReadonlySet<string> = new Set(['maxBytes', 'maxDepth', 'maxMemoEntries', 'maxValues', 'integralFloats']);

function resolveLoadOptions(options: PickleLoadOptions): ResolvedLoadOptions {
  rejectUnknownOptions(options, OPTION_NAMES, 'loadsRestricted');
  const d = DEFAULT_LOAD_OPTIONS;
  return {
    maxBytes: options.maxBytes === undefined ? d.maxBytes : validate.bytes('maxBytes', options.maxBytes),
    maxDepth: options.maxDepth === undefined ? d.maxDepth : validate.count('maxDepth', options.maxDepth, { min: 1 }),
    maxMemoEntries: options.maxMemoEntries === undefined ? d.maxMemoEntries : validate.count('maxMemoEntries', options.maxMemoEntries),
    maxValues: options.maxValues === undefined ? d.maxValues : validate.count('maxValues', options.maxValues, { min: 1 }),
    integralFloats:
      options.integralFloats === undefined ? d.integralFloats : validate.oneOf('integralFloats', options.integralFloats, ['wrap', 'number'] as const),
  };
}

/**
 * Reads a pickle without running any of it: only plain data (dict, list, tuple, str, bytes, int,
 * float, bool, None) and `datetime.datetime`, `datetime.date`, `datetime.timezone` (with its
 * `datetime.timedelta` offset), `uuid.UUID` and `markupsafe.Markup`, each checked for the argument
 * shapes Python's own pickles use. Any protocol from 2 to 5 is read. Shared Python objects come
 * back as shared JavaScript objects.
 *
 * @throws PickleRejectedError for any other global, an opcode that builds arbitrary objects
 *   (INST, OBJ, BUILD outside a UUID, EXT, PERSID, NEWOBJ_EX), sets, cycles, or dict keys other
 *   than str and int.
 * @throws MalformedPickleError for truncated or corrupt input.
 * @throws PickleLimitError past a limit in `options` (size, depth, memo entries, values).
 * @throws ConfigError for an invalid option.
 */
export function loadsRestricted(bytes: Uint8Array, options?: PickleLoadOptions): unknown {
  return decodePickle(bytes, options === undefined ? DEFAULT_LOAD_OPTIONS : resolveLoadOptions(options));
}

/**
 * Pickles any supported value (see the module table) as CPython 3.11's
 * `pickle.dumps(value, protocol=5)` would.
 *
 * @throws UnpicklableValueError for a value with no Python counterpart.
 * @throws NestingTooDeepError beyond 1000 levels of nesting.
 */
export function dumpsPickle(value: unknown): Uint8Array {
  return encodePickle(value);
}

/**
 * Pickles session data exactly as Flask-Session's filesystem backend does
 * (`pickle.dumps(dict(session), pickle.HIGHEST_PROTOCOL)` on CPython 3.11). Properties whose value
 * is `undefined` are left out.
 *
 * @throws UnpicklableValueError if `data` is not a plain object, or holds a value with no Python
 *   counterpart.
 */
export function dumpsFlaskSession(data: Record<string, unknown>): Uint8Array {
  if (!isSessionData(data)) throw new UnpicklableValueError(describeType(data), '$', 'session data must be a plain object');
  return encodePickle(data);
}
