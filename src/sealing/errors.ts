import { SessionKitError } from '../errors.js';

/**
 * The data given to `seal` has no JSON text: `undefined`, a function or symbol at the top level,
 * a `BigInt`, or a cycle. `cause` holds `JSON.stringify`'s error when it threw one.
 */
export class SealDataError extends SessionKitError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`Cannot seal this session data: ${detail}. Store plain JSON values (objects, arrays, strings, numbers, booleans, null).`, options);
  }
}
