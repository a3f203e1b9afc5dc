/**
 * Errors raised while turning session data into Flask-compatible JSON text and back, and the
 * nesting limit they enforce.
 */
import { SessionKitError } from '../errors.js';

/** A value has no representation in Flask's session format (a `Map`, a function, `undefined` in an array…). */
export class UnserializableValueError extends SessionKitError {
  /** Where the value sits, as a JSONPath-like string such as `$.cart[2]`. */
  readonly path: string;
  /** A short description of the refused value's type, e.g. `Map` or `function`. */
  readonly valueType: string;
  constructor(valueType: string, path: string, detail?: string) {
    super(
      `Object of type ${valueType} at ${path} cannot be serialized to Flask's session JSON` +
        (detail === undefined ? '' : `: ${detail}`),
    );
    this.path = path;
    this.valueType = valueType;
  }
}

/** The text is not JSON as Python's `json.loads` accepts it. */
export class JsonSyntaxError extends SessionKitError {
  /** Offset (in UTF-16 code units) where parsing failed. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`Invalid JSON at position ${position}: ${message}`);
    this.position = position;
  }
}

/** A tagged value (` b`, ` u`, ` d`, ` t`, ` m`, ` di` or a custom tag) has a malformed payload. */
export class MalformedTagError extends SessionKitError {
  /** The tag key, e.g. `" b"`. */
  readonly tag: string;
  constructor(tag: string, message: string, options?: { cause?: unknown }) {
    super(`Malformed ${JSON.stringify(tag)} tagged value: ${message}`, options);
    this.tag = tag;
  }
}

/** A tag was registered under a key that is already taken (pass `force: true` to replace it). */
export class DuplicateTagError extends SessionKitError {
  /** The tag key that is already registered. */
  readonly tag: string;
  constructor(tag: string) {
    super(`Tag ${JSON.stringify(tag)} is already registered; pass { force: true } to replace it.`);
    this.tag = tag;
  }
}

/** Deepest nesting of arrays/objects accepted, about where Python's recursion limit stops `json`. */
export const MAX_DEPTH = 1000;

/** Data nests deeper than {@link MAX_DEPTH} levels (or contains a circular reference). */
export class NestingTooDeepError extends SessionKitError {
  constructor(operation: 'serialize' | 'parse') {
    super(
      operation === 'serialize'
        ? `Cannot serialize data nested deeper than ${MAX_DEPTH} levels (is there a circular reference?)`
        : `Cannot parse JSON nested deeper than ${MAX_DEPTH} levels`,
    );
  }
}
