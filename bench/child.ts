/**
 * Running benchmark sections in child processes (so each has its own heap and event loop) and
 * passing their results back over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How the children run TypeScript: through tsx's loader (default) or a prebuilt bundle. */
export interface ChildRuntime {
  /** Node flags that load the script (e.g. `--import tsx`). */
  execArgv: string[];
  /** Path of the script for a section file name such as `server.ts`. */
  script(name: string): string;
}

/** The default runtime: the TypeScript sources through tsx. */
export const TSX_RUNTIME: ChildRuntime = {
  execArgv: ['--import', 'tsx'],
  script: (name) => fileURLToPath(new URL(`./${name}`, import.meta.url)),
};

/** Starts a benchmark script in a child process with an IPC channel. */
export function startChild(runtime: ChildRuntime, name: string, args: string[], extraFlags: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return fork(runtime.script(name), args, {
    execArgv: [...extraFlags, ...runtime.execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs a section script to its end and resolves with the result it sent. */
export function runSection<T>(runtime: ChildRuntime, name: string, extraFlags: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = startChild(runtime, name, [], extraFlags, env);
    let result: { value: T } | undefined;
    child.on('message', (message: { type: string; data: T }) => {
      if (message.type === 'result') result = { value: message.data };
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result.value);
      else reject(new Error(`${name} exited with ${signal ?? `code ${String(code)}`} before sending a result`));
    });
  });
}

/** Sends a section's result to the runner (or prints it when run by hand). */
export async function sendResult(data: unknown): Promise<void> {
  if (!process.send) {
    console.log(JSON.stringify(data, null, 2));
    return;
  }
  await new Promise<void>((resolve, reject) => {
    process.send!({ type: 'result', data }, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** A positive number from the environment, or `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}
