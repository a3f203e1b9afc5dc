/**
 * Errors of the restricted pickle reader and of the pickle writer.
 */
import { SessionKitError } from '../errors.js';

/** The Python callables the restricted reader constructs, as listed in its messages. */
const ALLOWED_LIST =
  'datetime.datetime, datetime.date, datetime.timezone, datetime.timedelta (as a timezone offset), uuid.UUID and markupsafe.Markup';

/** Longest excerpt of untrusted text (a global's name) quoted in a message. */
const MAX_QUOTED_CHARS = 80;

/** Quotes untrusted text for a message: JSON-escaped and cut to {@link MAX_QUOTED_CHARS}. */
export function quoteUntrusted(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text);
}

/**
 * The restricted reader refused a pickle. Every refusal is one of the subclasses; branch on them,
 * never on the message. Nothing of the pickle was executed.
 */
export class PickleDecodeError extends SessionKitError {
  /** Byte offset (in the pickle) of the opcode that was refused. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * The pickle is well formed but holds something outside plain session data: a global that is not
 * allow-listed (`os.system`, `builtins.eval`…), an opcode that builds arbitrary objects
 * (INST, OBJ, EXT, PERSID, NEWOBJ_EX…), a set, or a value sessionkit has no JavaScript form for.
 */
export class PickleRejectedError extends PickleDecodeError {
  /** The refused opcode's CPython name, e.g. `"REDUCE"` or `"INST"`. */
  readonly opcode: string;
  /** The refused global as `module.name`, when a global was refused. */
  readonly global: string | undefined;
  constructor(opcode: string, offset: number, reason: string, global?: string) {
    super(
      `Refused to unpickle ${reason} (opcode ${opcode} at byte ${offset}). sessionkit reads only plain data ` +
        `(dict, list, tuple, str, bytes, int, float, bool, None) and ${ALLOWED_LIST}; keep other objects out of ` +
        'the session, or convert them to those types before storing them.',
      offset,
    );
    this.opcode = opcode;
    this.global = global;
  }
}

/** The bytes are not a pickle: truncated, a bad length, an unknown opcode, a stack or memo error. */
export class MalformedPickleError extends PickleDecodeError {
  constructor(detail: string, offset: number) {
    super(`Malformed pickle at byte ${offset}: ${detail}. The data is truncated, corrupted or not a pickle.`, offset);
  }
}

/** The pickle is larger or deeper than the reader's limits allow (each limit is an option). */
export class PickleLimitError extends PickleDecodeError {
  /** The option whose limit was exceeded, e.g. `"maxDepth"`. */
  readonly limit: string;
  /** The limit in force. */
  readonly maximum: number;
  constructor(limit: string, maximum: number, offset: number, what: string) {
    super(
      `The pickle exceeds ${limit} (${maximum}) at byte ${offset}: ${what}. Raise ${limit} if sessions this large are expected.`,
      offset,
    );
    this.limit = limit;
    this.maximum = maximum;
  }
}

/** A value has no pickle form that Flask reads back (a `Map` with object keys, a function, a cycle…). */
export class UnpicklableValueError extends SessionKitError {
  /** Where the value sits, as a JSONPath-like string such as `$.cart[2]`. */
  readonly path: string;
  /** A short description of the refused value's type, e.g. `Set` or `function`. */
  readonly valueType: string;
  constructor(valueType: string, path: string, detail?: string) {
    super(
      `Object of type ${valueType} at ${path} cannot be pickled for Flask` + (detail === undefined ? '' : `: ${detail}`),
    );
    this.path = path;
    this.valueType = valueType;
  }
}
