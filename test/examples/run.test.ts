/**
 * Every example runs against the built package, from a consumer project (ESM): an example that
 * starts a server answers `GET /` without a server error, and is stopped; any other runs to
 * completion with exit code 0. Servers get free ports (support/listen-hook.ts), so examples keep
 * the ports written in them. Examples marked `@example-not-run <reason>` are only type-checked.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from '../interop/helpers/cli.js';
import { writeConsumer } from '../package/support/consumer.js';
import type { ListeningMessage } from './support/listen-hook.js';
import { exampleFiles, importedPackages, NOT_RUN, ROOT } from './support/snippets.js';

const HOOK = pathToFileURL(join(ROOT, 'test', 'examples', 'support', 'listen-hook.ts')).href;
/** What the examples read from the environment, as a deployment would set it. */
const ENVIRONMENT = {
  SECRET_KEY: 'a secret key for the examples test',
  SESSION_PASSWORD: 'a password of at least thirty-two characters',
  NODE_ENV: 'test',
};
/** Longest an example may take to start or finish on a loaded machine. */
const EXAMPLE_TIMEOUT_MS = 60_000;

const files = Object.fromEntries(exampleFiles().map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));
const runnable = Object.keys(files).filter((file) => !NOT_RUN.test(files[file]!));

let folder: string;

beforeAll(async () => {
  await buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-examples-run-'));
  const packages = [...new Set(Object.values(files).flatMap(importedPackages)), 'tsx'];
  folder = writeConsumer(dir, { resolution: 'nodenext', files, packages });
}, 240_000);

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** How a run ended: the exit code, or the status of `GET /` on the server it started. */
type Outcome = { exit: number | null } | { status: number };

async function runExample(file: string): Promise<{ outcome: Outcome; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', HOOK, file], {
    cwd: folder,
    env: { ...process.env, ...ENVIRONMENT },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const listening = new Promise<number>((resolve) => child.on('message', (message: ListeningMessage) => resolve(message.listening)));
  const first = await Promise.race([exited.then(([code]) => ({ exit: code })), listening.then((port) => ({ port }))]);
  if ('exit' in first) return { outcome: first, output };
  try {
    const response = await fetch(`http://127.0.0.1:${first.port}/`, { redirect: 'manual' });
    await response.arrayBuffer();
    return { outcome: { status: response.status }, output };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
}

describe('examples run against the built package', () => {
  it('runs most of them; the others say why not', () => {
    expect(runnable.length).toBeGreaterThan(20);
    for (const file of Object.keys(files).filter((f) => !runnable.includes(f))) expect(NOT_RUN.exec(files[file]!)![1]!.length, file).toBeGreaterThan(10);
  });

  for (const file of runnable) {
    it(file, async () => {
      const { outcome, output } = await runExample(file);
      if ('exit' in outcome) expect(outcome.exit, output).toBe(0);
      else expect(outcome.status, output).toBeLessThan(500);
    }, EXAMPLE_TIMEOUT_MS);
  }
});
