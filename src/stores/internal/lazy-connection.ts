import { StoreError } from '../../errors.js';

/**
 * What a store connects to (a client, a pool, an open database), opened on first use:
 *
 * - the first call opens it, and every call made while it opens waits for that same attempt;
 * - a failed open is never kept: the next call tries again (the server may be up by then);
 * - after `close()` every call fails with `StoreError` ("the store is closed"), and what was
 *   opened is released exactly once, also when `close()` comes while it is still opening.
 */
export class LazyConnection<T> {
  readonly #store: string;
  readonly #open: (operation: string) => Promise<T>;
  readonly #release: (connection: T) => Promise<void> | void;
  #opening: Promise<T> | undefined;
  #closed = false;

  /**
   * `open` connects; `operation` is the store call that needed the connection, for its errors.
   * `release` frees what `open` returned (for something the user passed in: nothing).
   */
  constructor(store: string, open: (operation: string) => Promise<T>, release: (connection: T) => Promise<void> | void) {
    this.#store = store;
    this.#open = open;
    this.#release = release;
  }

  /** The connection, opened now if it is not yet, for the store call `operation`. */
  get(operation: string): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(this.#store, operation, undefined, 'the store is closed'));
    if (!this.#opening) {
      const opening = (async () => this.#open(operation))();
      this.#opening = opening;
      opening.catch(() => {
        if (this.#opening === opening) this.#opening = undefined;
      });
    }
    return this.#opening;
  }

  /** Refuses every later call, then releases the connection if one was opened. */
  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = undefined;
    if (!opening) return;
    let connection: T;
    try {
      connection = await opening;
    } catch {
      return; // nothing was opened
    }
    await this.#release(connection);
  }
}
