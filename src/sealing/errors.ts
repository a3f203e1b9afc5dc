import { SessionKitError } from '../errors.js';

/**
 * The data given to `seal` has no JSON text (`undefined`, a function or symbol at the top level,
 * a `BigInt`, a cycle), or — through `SealedCookieSessionInterface`, which seals only what comes
 * back unchanged — holds a value JSON cannot carry (a `Date`, a `Uint8Array`, a `Map`…). `path`
 * names that value (`cart[2]`, `profile.joined`); `cause` holds `JSON.stringify`'s error when it
 * threw one.
 */
export class SealDataError extends SessionKitError {
  /** Where the refused value sits in the data, e.g. `cart[2]`; `undefined` when not known. */
  readonly path: string | undefined;
  constructor(detail: string, options?: { cause?: unknown; path?: string }) {
    super(`Cannot seal this session data: ${detail}. Store plain JSON values (objects, arrays, strings, numbers, booleans, null).`, options);
    this.path = options?.path;
  }
}
