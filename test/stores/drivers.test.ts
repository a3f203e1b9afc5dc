import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { DriverMissingError, importDriver, isMissingPackage } from '../../src/stores/internal/driver.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

describe('lazy driver imports', () => {
  it('turns a missing package into DriverMissingError with the install command', async () => {
    const name = 'sessionkit-test-no-such-driver';
    const error = await importDriver('sqlite', 'load', {
      packageName: name,
      versionRange: '12',
      load: () => import(name),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverMissingError);
    expect(error).toBeInstanceOf(StoreError);
    const missing = error as DriverMissingError;
    expect(missing.name).toBe('DriverMissingError');
    expect(missing.store).toBe('sqlite');
    expect(missing.operation).toBe('load');
    expect(missing.packageName).toBe(name);
    expect(missing.installCommand).toBe(`npm install ${name}@12`);
    expect(missing.message).toContain(`npm install ${name}@12`);
  });

  it('does not blame the driver when one of its own dependencies is missing', async () => {
    const broken = pathToFileURL(join(here, 'fixtures', 'broken-driver.mjs')).href;
    const error = await importDriver('sqlite', 'load', {
      packageName: 'broken-driver',
      versionRange: '1',
      load: () => import(broken),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).not.toBeInstanceOf(DriverMissingError);
    expect((error as Error).message).toContain('sessionkit-test-absent-dependency');
    expect(
      isMissingPackage(
        Object.assign(new Error("Cannot find package 'bindings' imported from /x/node_modules/better-sqlite3/lib/database.js"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
        'better-sqlite3',
      ),
    ).toBe(false);
    expect(
      isMissingPackage(
        Object.assign(new Error("Cannot find module 'better-sqlite3'\nRequire stack:\n- /app/index.js"), { code: 'MODULE_NOT_FOUND' }),
        'better-sqlite3',
      ),
    ).toBe(true);
  });

  it('loads the store modules without their drivers, and names the package when a store is used', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--import', join(here, 'fixtures', 'hide-packages.mjs'), join(here, 'fixtures', 'missing-drivers.ts')],
      { cwd: join(here, '..', '..'), env: { ...process.env, SESSIONKIT_HIDE_PACKAGES: 'better-sqlite3,redis' }, timeout: 30_000 },
    );
    const report = JSON.parse(stdout) as Record<string, { name: string; message: string; installCommand: string }>;
    expect(report.modulesLoaded).toBe(true);
    expect(report.sqlite).toMatchObject({ name: 'DriverMissingError', installCommand: 'npm install better-sqlite3@12' });
    expect(report.sqlite!.message).toContain('npm install better-sqlite3@12');
    expect(report.sqliteIsStoreError).toBe(true);
    expect(report.redis).toMatchObject({ name: 'DriverMissingError', installCommand: 'npm install redis@5' });
    expect(report.memoryWorks).toBe(true);
  });
});
