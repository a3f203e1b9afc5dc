import type { CompiledQuery, QueryResult } from 'kysely';
import { errorCode } from '../internal/errors.js';
import type { KyselyExecutor } from './types.js';

/**
 * Deadlock errors: the database picked this statement as the victim and rolled it back, so it
 * had no effect and can simply run again. InnoDB does this under concurrent inserts of one key
 * (its duplicate-key checks take shared locks); PostgreSQL reports 40P01.
 */
const DEADLOCK = new Set(['ER_LOCK_DEADLOCK', '40P01']);
/** Runs of one statement before its deadlock is reported as a failure. */
const ATTEMPTS = 8;

/** Whether `error` is a deadlock-victim error (see `DEADLOCK`). */
export function isDeadlock(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && DEADLOCK.has(code);
}

/**
 * Runs one single-statement query (each store statement is its own transaction), running it
 * again after a short random pause when it was a deadlock victim.
 */
export async function executeRetryingDeadlocks<R>(executor: KyselyExecutor, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await executor.executeQuery(query);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
