/**
 * The nesting limit shared by the writer, the parser and the tag scanner.
 */
import { SessionKitError } from '../errors.js';

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
