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

/**
 * The storage a store keeps its sessions in (its folder, database file or table) does not
 * exist, and the store was told not to create it (`createDir: false`, `createTable: false`, or
 * `openStore(url, { create: false })`, as read-only tools open stores). It holds no sessions.
 */
export class StorageMissingError extends StoreError {
  /** What is missing, for people: `the table "sessions"`, `the folder /var/lib/app/sessions`. */
  readonly missing: string;
  constructor(store: string, operation: string, missing: string, option: string) {
    super(store, operation, undefined, `${missing} does not exist, and ${option} is false, so it is not created`);
    this.missing = missing;
  }
}
