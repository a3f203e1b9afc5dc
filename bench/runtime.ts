/**
 * The two ways the benchmark children can run sessionkit's TypeScript sources:
 *
 * - `compiled` (default): esbuild — the compiler `tsup` uses for `dist/` — transpiles `src/` and
 *   `bench/` file by file into a temp folder (ESM, target node20, as `tsup.config.ts`), run by
 *   plain `node`. Like `dist/`, but built from the current sources, so never stale; nothing is
 *   written in the working tree.
 * - `tsx`: the sources through tsx's loader (`node --import tsx`). tsx compiles with esbuild's
 *   `keepNames`, which wraps every function and closure created at run time in a `__name()` call;
 *   on a per-request path that creates closures this costs measurable CPU (see RESULTS.md).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TSX_RUNTIME, type ChildRuntime } from './child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A file and 0-based line. */
export interface SourcePosition {
  path: string;
  line: number;
}

/** A runtime and what to call when done with it. */
export interface PreparedRuntime {
  /** `compiled` or `tsx`. */
  name: string;
  runtime: ChildRuntime;
  /** How the results describe it. */
  description: string;
  /**
   * Maps a position (0-based line and column) in the code that runs back to its source file and
   * line (`<build>/src/x.js` → `src/x.ts`, through the compiled file's source map).
   */
  locate(path: string, line: number, column: number): SourcePosition;
  dispose(): void;
}

/** The `.ts` files directly in `dir` (not declaration files). */
function sourcesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(dir, file));
}

/** Prepares the runtime `BENCH_RUNNER` asks for: `compiled` (default) or `tsx`. */
export async function prepareRuntime(kind: string = process.env.BENCH_RUNNER ?? 'compiled'): Promise<PreparedRuntime> {
  if (kind === 'tsx') {
    return {
      name: 'tsx',
      runtime: TSX_RUNTIME,
      description: 'sources through tsx (`node --import tsx`, imports from `../src`)',
      locate: (path, line) => ({ path, line }),
      dispose: () => {},
    };
  }
  if (kind !== 'compiled') throw new Error(`BENCH_RUNNER must be compiled or tsx, got ${kind}`);
  const buildDir = mkdtempSync(join(tmpdir(), 'skbench-build-'));
  // ESM like the sources, and the repository's packages for the compiled files' imports.
  writeFileSync(join(buildDir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
  // Only the files the benchmark scripts import (a file being edited elsewhere in `src/` stays out).
  const scan = await build({
    entryPoints: sourcesIn(join(ROOT, 'bench')),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    metafile: true,
    write: false,
    outdir: buildDir,
    logLevel: 'silent',
  });
  const reachable = Object.keys(scan.metafile.inputs).filter((file) => file.endsWith('.ts')).map((file) => join(ROOT, file));
  await build({
    entryPoints: reachable,
    outbase: ROOT,
    outdir: buildDir,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string): SourceMap | null => {
    if (!maps.has(file)) {
      let map: SourceMap | null = null;
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
      } catch {
        // No map: the position stays as it is.
      }
      maps.set(file, map);
    }
    return maps.get(file)!;
  };
  return {
    name: 'compiled',
    runtime: { execArgv: [], script: (name) => join(buildDir, 'bench', name.replace(/\.ts$/, '.js')) },
    description: 'sources compiled file by file by esbuild like `dist/` (ESM, target node20), plain `node`, no tsx',
    locate: (path, line, column) => {
      if (relative(buildDir, path).startsWith('..')) return { path, line };
      const entry = mapOf(path)?.findEntry(line, column);
      if (!entry || !('originalSource' in entry)) return { path: join(ROOT, relative(buildDir, path)), line };
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(path), entry.originalSource);
      return { path: join(ROOT, relative(buildDir, source)), line: entry.originalLine };
    },
    dispose: () => rmSync(buildDir, { recursive: true, force: true }),
  };
}
