/**
 * Projects that use the built package as an application does: a folder whose
 * `node_modules/sessionkit` links to this repository (so `exports`/`typesVersions` and `dist/`
 * decide what resolves), beside links to the other packages the project imports, and a
 * tsconfig for one module resolution.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../../interop/helpers/cli.js';

/** The module resolutions a consumer project can use. */
export type Resolution = 'nodenext' | 'bundler' | 'node10';

/** Every resolution, for tests that run once per resolution. */
export const RESOLUTIONS: readonly Resolution[] = ['nodenext', 'bundler', 'node10'];

/** A project's compiler options per resolution (all `strict`). */
export function compilerOptions(resolution: Resolution, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = { target: 'es2022', strict: true, noEmit: true, esModuleInterop: true, skipLibCheck: true, types: ['node'] };
  const modules: Record<Resolution, Record<string, unknown>> = {
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
    node10: { module: 'commonjs', moduleResolution: 'node10' },
  };
  return { ...base, ...modules[resolution], ...extra };
}

/** What goes into a consumer project. */
export interface ConsumerProject {
  resolution: Resolution;
  /** Files by path relative to the project (sources, declarations). */
  files: Record<string, string>;
  /** Packages to link from this repository's node_modules (their `@types/*` come along). */
  packages: readonly string[];
  /** More compiler options (`skipLibCheck: false`, `types`…). */
  options?: Record<string, unknown>;
}

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  if (!existsSync(path)) symlinkSync(target, path, 'dir');
}

/** The name of a package's DefinitelyTyped declarations: `@types/express`, `@types/scope__name`. */
function typesPackage(name: string): string {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/**
 * Writes a consumer project into `folder`: package.json (`"type": "module"` except for node10,
 * a CommonJS project), tsconfig.json including every file given, and node_modules links.
 */
export function writeConsumer(folder: string, project: ConsumerProject): string {
  mkdirSync(folder, { recursive: true });
  const esm = project.resolution !== 'node10';
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'consumer', private: true, ...(esm ? { type: 'module' } : {}) }));
  const sources = Object.keys(project.files).filter((path) => /\.(ts|mts|cts)$/.test(path));
  writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions: compilerOptions(project.resolution, project.options), files: sources }, null, 2));
  for (const [path, text] of Object.entries(project.files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  link(ROOT, join(folder, 'node_modules', 'sessionkit'));
  for (const name of new Set([...project.packages, '@types/node'])) {
    for (const candidate of [name, typesPackage(name)]) {
      const target = join(ROOT, 'node_modules', candidate);
      if (existsSync(target)) link(target, join(folder, 'node_modules', candidate));
    }
  }
  return folder;
}

/** What a `tsc -p` run over a project printed. */
export interface TscResult {
  status: number | null;
  output: string;
}

/** Type-checks a consumer project. */
export function typeCheck(folder: string): TscResult {
  const result = spawnSync(process.execPath, [TSC, '-p', join(folder, 'tsconfig.json')], { cwd: folder, encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
