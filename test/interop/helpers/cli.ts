/**
 * Runs the built `sessionkit` command as a user would (`node bin/sessionkit.js …`), building it
 * first when `dist/cli/index.js` is missing or older than the sources.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The command's entry point. */
export const BIN = join(ROOT, 'bin', 'sessionkit.js');
/** The built module the entry point runs. */
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'index.js');

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether `dist/cli/index.js` exists and is newer than everything it is built from. */
export function cliBuildIsFresh(): boolean {
  const built = statSync(BUILT_CLI, { throwIfNoEntry: false });
  if (!built) return false;
  const sources = Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'tsup.config.ts')),
    newestMtime(join(ROOT, 'package.json')),
    newestMtime(join(ROOT, 'tsconfig.json')),
  );
  return built.mtimeMs >= sources;
}

/**
 * Runs `npm run build` unless the build is fresh. Test files running at the same time take turns
 * through a lock directory, so two builds never clean `dist/` under each other.
 */
export async function ensureCliBuilt(): Promise<void> {
  if (cliBuildIsFresh()) return;
  const lock = join(tmpdir(), `sessionkit-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 170_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a build that died long ago does not block forever.
      const stat = statSync(lock, { throwIfNoEntry: false });
      if (stat && Date.now() - stat.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      await sleep(250);
    }
  }
  try {
    if (cliBuildIsFresh()) return;
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    if (build.status !== 0) {
      throw new Error(`npm run build failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
    }
    if (!statSync(BUILT_CLI, { throwIfNoEntry: false })) throw new Error(`npm run build did not produce ${BUILT_CLI}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** What a run of the command printed and returned. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The variables the command reads its secret from; unset in its environment unless a test sets them. */
const SECRET_VARIABLES = ['SESSIONKIT_SECRET', 'SECRET_KEY'];

/**
 * Runs `command args…` in the repository root and collects its output. The environment is this
 * process's without the secret variables, plus `env`.
 */
export function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SECRET_VARIABLES.includes(name)));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let build: Promise<void> | undefined;

/**
 * {@link ensureCliBuilt}, once per test file. A failed build rejects every later call, so each
 * test that runs the command fails with the build output.
 */
export function buildOnce(): Promise<void> {
  build ??= ensureCliBuilt();
  return build;
}

/** Runs `node bin/sessionkit.js args…` (after {@link buildOnce}). */
export async function sessionkit(...args: string[]): Promise<CliRun> {
  await buildOnce();
  return run(process.execPath, [BIN, ...args]);
}

/** {@link sessionkit} with these environment variables set. */
export async function sessionkitWithEnv(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  await buildOnce();
  return run(process.execPath, [BIN, ...args], env);
}
