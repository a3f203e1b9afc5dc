import { StoreError } from '../../errors.js';

/**
 * Wraps whatever a backend threw into a `StoreError` for `store` and `operation`; a `StoreError`
 * passes through unchanged (it already names its store and operation).
 */
export function toStoreError(store: string, operation: string, error: unknown, detail?: string): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(store, operation, error, detail);
}

/**
 * Runs `fn` and rethrows any failure as a `StoreError` (see `toStoreError`). Validate arguments
 * before calling it: a bad argument is the caller's bug, not a backend failure.
 */
export async function guard<T>(store: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStoreError(store, operation, error);
  }
}

/** An error's `code` property (`ENOENT`, `SQLITE_BUSY`…), when it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
