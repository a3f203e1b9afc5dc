/**
 * The two ways the benchmark children can run: the TypeScript sources through tsx's loader, or
 * a bundle that esbuild (the compiler `tsup` uses for `dist/`) builds from the same sources, run
 * by plain `node`. Comparing both tells whether tsx costs anything at run time.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TSX_RUNTIME, type ChildRuntime } from './child.js';

/** Scripts the runner starts in children. */
const CHILD_SCRIPTS = ['server.ts', 'memory.ts', 'store-latency.ts', 'store-calls.ts'];

/** Where bundles go: inside `bench/` so that their package imports resolve to `node_modules`. */
const BUILD_DIR = fileURLToPath(new URL('./.build/', import.meta.url));

/** A runtime and what to call when done with it. */
export interface PreparedRuntime {
  runtime: ChildRuntime;
  /** How the results describe it. */
  description: string;
  dispose(): void;
}

/**
 * Prepares the runtime `BENCH_RUNNER` asks for: `tsx` (default) or `bundle` (sessionkit's
 * sources and the benchmark compiled by esbuild to ESM for Node 20, packages left external).
 */
export async function prepareRuntime(kind: string = process.env.BENCH_RUNNER ?? 'tsx'): Promise<PreparedRuntime> {
  if (kind === 'tsx') {
    return { runtime: TSX_RUNTIME, description: 'sources through tsx (`node --import tsx`, imports from `../src`)', dispose: () => {} };
  }
  if (kind !== 'bundle') throw new Error(`BENCH_RUNNER must be tsx or bundle, got ${kind}`);
  await build({
    entryPoints: CHILD_SCRIPTS.map((name) => fileURLToPath(new URL(`./${name}`, import.meta.url))),
    outdir: BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return {
    runtime: { execArgv: [], script: (name) => `${BUILD_DIR}${name.replace(/\.ts$/, '.mjs')}` },
    description: 'an esbuild bundle of `../src` and the benchmark (ESM, node20 target), plain `node`',
    dispose: () => rmSync(BUILD_DIR, { recursive: true, force: true }),
  };
}
