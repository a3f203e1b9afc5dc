import { errorReason, redactCredentials } from './internal/error-text.js';

/**
 * Base class of every error sessionkit throws on purpose. Branch on the subclass, never on the
 * message text.
 */
export class SessionKitError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option passed to sessionkit is missing or invalid; the message names the option. */
export class ConfigError extends SessionKitError {
  /** The option's name as the caller spelled it (camelCase or Flask's config name). */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`option ${option} is invalid: ${message}`);
    this.option = option;
  }
}

/** The session cookie would exceed what browsers keep (4093 bytes), so it would be silently dropped. */
export class CookieTooLargeError extends SessionKitError {
  /** Size of the full Set-Cookie value in bytes. */
  readonly size: number;
  /** The limit that was exceeded. */
  readonly limit: number;
  constructor(name: string, size: number, limit: number) {
    super(
      `The "${name}" cookie is ${size} bytes, over the ${limit}-byte limit browsers keep; ` +
        'store less in the session, or use a server-side store (ServerSessionInterface).',
    );
    this.size = size;
    this.limit = limit;
  }
}

/** A session that is not loaded yet was read synchronously; `await session.load()` first. */
export class SessionNotLoadedError extends SessionKitError {
  constructor() {
    super(
      'This server-side session is not loaded yet: call `await session.load()` before reading or ' +
        "writing it (the adapters do this for you unless you chose load: 'lazy').",
    );
  }
}

/**
 * A server-side store failed (connection refused, timeout, read-only directory…). The session is
 * left untouched; nothing is overwritten. `cause` holds the driver's error, unchanged.
 *
 * The message names the store, the operation and the reason (the driver's, unless `detail`
 * says it better), with the password of any URL in it replaced by `***`. It is meant for logs
 * and operators: it can still name hosts, files and tables, so a response to a client shows a
 * generic text instead.
 */
export class StoreError extends SessionKitError {
  /** Name of the store that failed, e.g. "redis" or "sqlite". */
  readonly store: string;
  /** The operation that failed: load, create, update, touch, destroy, sweep… */
  readonly operation: string;
  constructor(store: string, operation: string, cause: unknown, detail?: string) {
    const reason = detail ?? errorReason(cause);
    super(redactCredentials(`The ${store} session store failed during ${operation}: ${reason}`), { cause });
    this.store = store;
    this.operation = operation;
  }
}
