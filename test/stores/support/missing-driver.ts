/**
 * Child process of the missing-driver tests, run with some packages hidden (see
 * test/stores/fixtures/hide-packages.mjs): loads one store module, uses the store, and prints a
 * JSON report of what happened. argv[2] names the store: memcached, mongodb, sql-postgres,
 * sql-mysql or sql-sqlite.
 */
const which = process.argv[2];
const report: Record<string, unknown> = {};
const { StoreError } = await import('../../../src/errors.js');
/**
 * Bound of the store call: far beyond what loading the modules takes on a loaded machine, so
 * the call reports the missing package, not a timeout. Nothing listens at the addresses below,
 * so no call waits for it.
 */
const timeoutMs = 60_000;

async function use(): Promise<unknown> {
  switch (which) {
    case 'memcached': {
      const { MemcachedStore } = await import('../../../src/stores/memcached/index.js');
      report.moduleLoaded = true;
      return new MemcachedStore({ servers: '127.0.0.1:1', timeoutMs }).load('session:x');
    }
    case 'mongodb': {
      const { MongoStore } = await import('../../../src/stores/mongodb/index.js');
      report.moduleLoaded = true;
      return new MongoStore({ url: 'mongodb://127.0.0.1:1', timeoutMs }).load('session:x');
    }
    case 'sql-postgres':
    case 'sql-mysql':
    case 'sql-sqlite': {
      const { SqlStore } = await import('../../../src/stores/sql/index.js');
      report.moduleLoaded = true;
      if (which === 'sql-sqlite') return new SqlStore({ dialect: 'sqlite', filename: ':memory:', timeoutMs }).load('session:x');
      const dialect = which === 'sql-postgres' ? 'postgres' : 'mysql';
      return new SqlStore({ dialect, connection: `${dialect}://root@127.0.0.1:1/test`, timeoutMs }).load('session:x');
    }
    default:
      throw new Error(`unknown store ${String(which)}`);
  }
}

try {
  await use();
  report.error = null;
} catch (error) {
  report.error = {
    name: error instanceof Error ? error.name : String(error),
    message: error instanceof Error ? error.message : String(error),
    installCommand: (error as { installCommand?: string }).installCommand,
    isStoreError: error instanceof StoreError,
  };
}
process.stdout.write(JSON.stringify(report));
