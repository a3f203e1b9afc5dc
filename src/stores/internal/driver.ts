import { StoreError } from '../../errors.js';
import { errorCode } from './errors.js';

/**
 * The npm package a store needs (an optional peer dependency of sessionkit) is not installed.
 * The message carries the command that fixes it, e.g. `npm install better-sqlite3@12`.
 */
export class DriverMissingError extends StoreError {
  /** The package that could not be found, e.g. "better-sqlite3". */
  readonly packageName: string;
  /** The command that installs a supported version, e.g. "npm install better-sqlite3@12". */
  readonly installCommand: string;
  constructor(store: string, operation: string, packageName: string, versionRange: string, cause: unknown) {
    const installCommand = `npm install ${packageName}@${versionRange}`;
    super(
      store,
      operation,
      cause,
      `the ${store} store needs the optional package "${packageName}", which is not installed; run \`${installCommand}\``,
    );
    this.packageName = packageName;
    this.installCommand = installCommand;
  }
}

/** The package a driver package is, and how to import it (a literal `import()`, so bundlers see it). */
export interface DriverSpec<T> {
  /** npm name, e.g. "better-sqlite3". */
  packageName: string;
  /** Supported major version for the install hint, e.g. "12". */
  versionRange: string;
  /** `() => import('better-sqlite3')`. */
  load: () => Promise<T>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `error` says that `packageName` itself (not one of its own dependencies) is missing. */
export function isMissingPackage(error: unknown, packageName: string): boolean {
  const code = errorCode(error);
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = error instanceof Error ? error.message : String(error);
  return new RegExp(`Cannot find (?:package|module) ['"]${escapeRegExp(packageName)}(?:/[^'"]*)?['"]`).test(message);
}

/**
 * Imports a store's driver on first use. A missing package becomes a `DriverMissingError` with
 * the install command; any other failure (a native module built for another Node.js version…)
 * a `StoreError` naming the package.
 */
export async function importDriver<T>(store: string, operation: string, spec: DriverSpec<T>): Promise<T> {
  try {
    return await spec.load();
  } catch (error) {
    if (isMissingPackage(error, spec.packageName)) {
      throw new DriverMissingError(store, operation, spec.packageName, spec.versionRange, error);
    }
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /NODE_MODULE_VERSION|bindings|\.node\b/.test(reason)
      ? ` (a native module built for another Node.js version: run \`npm rebuild ${spec.packageName}\`)`
      : '';
    throw new StoreError(store, operation, error, `could not load "${spec.packageName}": ${reason}${hint}`);
  }
}
