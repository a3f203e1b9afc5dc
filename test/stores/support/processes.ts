/**
 * Test servers started as child processes on free loopback ports, and stopped afterwards.
 * Every child is also killed when the test process exits, so a failed run leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Kills `child` when the test process exits, unless it exited before. */
export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** A port nobody listens on right now (the OS picks it; another process may take it later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A running child server. */
export interface ChildServer {
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for the exit. */
  stop(): Promise<void>;
  /** Freezes it (SIGSTOP): it keeps its port and connections but answers nothing. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

/** Spawns `command` on a free port (`args(port)`), until `ready(port)`; retries on a port race. */
export async function startServer(
  name: string,
  command: string,
  args: (port: number) => string[],
  ready: (port: number) => Promise<boolean> = canConnect,
): Promise<ChildServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(command, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    track(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    try {
      await waitUntil(`${name} on port ${port}`, async () => {
        if (exited) throw new Error(`${name} exited: ${stderr.trim()}`);
        return ready(port);
      });
      return childServer(port, child, () => exited);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
    }
  }
  throw lastError;
}

function childServer(port: number, child: ChildProcess, exited: () => boolean): ChildServer {
  return {
    port,
    process: child,
    async stop() {
      if (exited()) return;
      const gone = once(child, 'exit');
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}
