/** Runs support/missing-driver.ts in a child process with some packages hidden. */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What the child saw: whether the store module loaded, and the error using the store gave. */
export interface MissingDriverReport {
  moduleLoaded?: boolean;
  error: { name: string; message: string; installCommand?: string; isStoreError: boolean } | null;
}

/** Loads and uses `store` (memcached, mongodb, sql-postgres, sql-mysql, sql-sqlite) with `packages` hidden. */
export async function useStoreWithout(store: string, packages: string[]): Promise<MissingDriverReport> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--import', './test/stores/fixtures/hide-packages.mjs', './test/stores/support/missing-driver.ts', store],
    { cwd: root, env: { ...process.env, SESSIONKIT_HIDE_PACKAGES: packages.join(',') }, timeout: 30_000 },
  );
  return JSON.parse(stdout) as MissingDriverReport;
}
