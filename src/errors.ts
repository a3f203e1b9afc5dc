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

/**
 * A failed session load or save as the adapters hand it to a framework, safe to show a client:
 * a fixed `message`, the HTTP status as `status` and `statusCode` with `expose: true` (the message
 * may be shown — how http-errors, Express, Koa and Fastify read an error), and a `stack` that is
 * only `name: message`, because some error pages print the stack (Express outside production).
 * The failure itself — a `StoreError` with the driver's error, a `CookieTooLargeError`… — is
 * `cause`: log that, never send it.
 */
export class SessionHttpError extends SessionKitError {
  /** The HTTP status to answer with. */
  readonly status: number;
  /** The same status, under the name Fastify and Node read. */
  readonly statusCode: number;
  /** Always `true`: the message holds nothing from the cause. */
  readonly expose = true;
  constructor(message: string, status: number, cause: unknown) {
    super(message, { cause });
    this.status = status;
    this.statusCode = status;
    // No stack frames: they would show server paths on error pages that print the stack.
    this.stack = `${this.name}: ${message}`;
  }
}

/** The session store failed (503 Service Unavailable); `cause` is the `StoreError`. */
export class SessionStoreUnavailableError extends SessionHttpError {
  declare readonly cause: StoreError;
  constructor(cause: StoreError) {
    super('Session store unavailable', 503, cause);
  }
}

/**
 * Loading or saving the session failed otherwise (`CookieTooLargeError`, `SessionConflictError`,
 * a codec's error…): status 500, or the failure's own 4xx/5xx status; `cause` is the failure.
 */
export class SessionHandlingError extends SessionHttpError {
  constructor(cause: unknown, status = 500) {
    super('Session handling failed', status, cause);
  }
}
