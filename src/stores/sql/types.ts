import type { CompiledQuery, QueryResult } from 'kysely';

/** The SQL databases `SqlStore` supports. */
export type SqlDialectName = 'postgres' | 'mysql' | 'sqlite';

/** Every `SqlDialectName`. */
export const SQL_DIALECTS: readonly SqlDialectName[] = ['postgres', 'mysql', 'sqlite'];

/**
 * What `SqlStore` needs from a `Kysely` instance you pass in: running a compiled query (and,
 * when available, `withoutPlugins()`, so plugins such as CamelCasePlugin do not rename the
 * store's columns). Any `Kysely<DB>` fits.
 */
export interface KyselyExecutor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  withoutPlugins?(): KyselyExecutor;
}
