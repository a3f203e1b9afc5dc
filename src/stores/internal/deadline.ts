import { toStoreError } from './errors.js';

/**
 * Default bound of one store call on a networked backend, in milliseconds: long enough for a
 * busy server to answer, short enough that a request fails with a 503 instead of hanging.
 */
export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * Share of a call's `timeoutMs` given to a driver's own connect or server-selection timeout, so
 * the driver gives up first, with its own reason (no server reachable, connection timed out),
 * before the call's deadline cuts it off with only "no answer within …".
 */
const DRIVER_TIMEOUT_SHARE = 0.8;

/** The connect / server-selection timeout to give a driver for calls bounded by `timeoutMs` (see `DRIVER_TIMEOUT_SHARE`). */
export function driverTimeoutMs(timeoutMs: number): number {
  return Math.max(1, Math.floor(timeoutMs * DRIVER_TIMEOUT_SHARE));
}

/** The backend did not answer in time (the `cause` of the `StoreError` a timeout throws). */
export class OperationTimeoutError extends Error {
  /** The limit that passed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'OperationTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Runs `fn` against a deadline of `ms`: when it has not settled by then, the signal passed to
 * `fn` aborts with `timeoutError()` and the call rejects with that error; a late failure of `fn`
 * is then ignored (nobody is waiting for it). What `fn` does in time passes through unchanged.
 */
export async function raceDeadline<T>(ms: number, timeoutError: () => Error, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = timeoutError();
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    const work = fn(controller.signal);
    work.catch(() => undefined);
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `fn`, failing with a `StoreError` (cause: `OperationTimeoutError`) if it has not settled
 * within `timeoutMs`. The signal passed to `fn` aborts at that moment, so a driver can drop a
 * command it has not sent yet; a command already sent may still run on the server. Every
 * failure of `fn` is also turned into a `StoreError`.
 */
export async function withTimeout<T>(
  store: string,
  operation: string,
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await raceDeadline(timeoutMs, () => toStoreError(store, operation, new OperationTimeoutError(timeoutMs)), fn);
  } catch (error) {
    throw toStoreError(store, operation, error);
  }
}
