/**
 * One deadline per store operation as the caller sees it: a `load()` or a `save()` — waiting for
 * earlier saves of the session, conflict retries and merges included — settles within it, however
 * many store calls it makes. Each store call has its own `timeoutMs`; without this bound a save
 * queued behind others, or retrying, could wait a multiple of it.
 */
import { StoreError } from '../../errors.js';
import { OperationTimeoutError, raceDeadline } from '../../stores/internal/deadline.js';
import type { Store } from '../../stores/store.js';

/**
 * Added to the store's `timeoutMs` to make the default deadline (ms). A single store call that
 * times out then reports its own `StoreError` (naming the call) before the deadline fires; the
 * slack covers the interface's own work around the call (encoding, merging) on a busy machine.
 */
export const DEADLINE_SLACK_MS = 250;

/**
 * Deadline of an operation on a store that states no `timeoutMs` (memory, filesystem, SQLite),
 * in ms: above their own lock and busy waits (5 s by default), so it only ends an operation on
 * a disk or lock that stopped answering.
 */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

/** The operations the deadline bounds, as `StoreError.operation` names them. */
export type BoundedOperation = 'load' | 'save';

/**
 * The deadline of one operation in ms: `operationTimeoutMs` when the app set one, else the
 * store's `timeoutMs` plus `DEADLINE_SLACK_MS`, else `DEFAULT_OPERATION_TIMEOUT_MS`.
 */
export function operationDeadlineMs(operationTimeoutMs: number | undefined, storeTimeoutMs: Store['timeoutMs']): number {
  if (operationTimeoutMs !== undefined) return operationTimeoutMs;
  if (typeof storeTimeoutMs === 'number' && Number.isFinite(storeTimeoutMs) && storeTimeoutMs > 0) return storeTimeoutMs + DEADLINE_SLACK_MS;
  return DEFAULT_OPERATION_TIMEOUT_MS;
}

/**
 * Runs `fn`, settling as it settles if it does so within `deadlineMs`. Otherwise rejects at the
 * deadline with a `StoreError` (`operation`, cause `OperationTimeoutError`) for the store
 * `storeName()` names, and aborts the signal given to `fn` with that error, so `fn` starts no
 * further store call. What `fn` throws in time passes through unchanged.
 */
export async function withinDeadline<T>(
  deadlineMs: number,
  storeName: () => string,
  operation: BoundedOperation,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutError = (): StoreError =>
    new StoreError(storeName(), operation, new OperationTimeoutError(deadlineMs), `did not finish within ${deadlineMs} ms`);
  return raceDeadline(deadlineMs, timeoutError, fn);
}
