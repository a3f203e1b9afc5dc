/**
 * Test servers started as child processes on free loopback ports, and stopped afterwards.
 * Every child is also killed when the test process exits, so a failed run leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest wait for a signalled process to reach its new state, even on a loaded machine. */
const STATE_CHANGE_TIMEOUT_MS = 10_000;
/** How often the state is looked at meanwhile. */
const STATE_POLL_MS = 5;

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
  /**
   * Freezes it (SIGSTOP): it keeps its port and connections but answers nothing. Resolves once
   * the kernel reports it stopped.
   */
  pause(): Promise<void>;
  /** Thaws a paused server (SIGCONT); resolves once it runs again (or has exited). */
  resume(): Promise<void>;
}

/**
 * The state letter of process `pid` from /proc/<pid>/stat (`R`, `S`, `T` stopped…), or
 * `undefined` once the process is gone.
 */
async function processState(pid: number): Promise<string | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "<pid> (<command>) <state> …": the command may hold spaces and parentheses.
  const end = stat.lastIndexOf(')');
  return stat.slice(end + 2, end + 3);
}

/**
 * Freezes (`stopped`: SIGSTOP) or thaws (SIGCONT) `child`, and waits until /proc says it did:
 * `kill()` returns before the kernel has stopped the process, and a request sent in between
 * would still be answered.
 */
export async function setStopped(child: ChildProcess, stopped: boolean): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) throw new Error('the process has no pid (it never started)');
  child.kill(stopped ? 'SIGSTOP' : 'SIGCONT');
  const giveUp = Date.now() + STATE_CHANGE_TIMEOUT_MS;
  for (;;) {
    const state = await processState(pid);
    if (stopped ? state === 'T' : state !== 'T') return;
    if (state === undefined) throw new Error(`process ${pid} exited instead of stopping`);
    if (Date.now() > giveUp) throw new Error(`process ${pid} is still in state ${state} ${STATE_CHANGE_TIMEOUT_MS} ms after the signal`);
    await sleep(STATE_POLL_MS);
  }
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
    try {
      return await startServerOnPort(name, command, args, await freePort(), ready);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Spawns `command` listening on `port` (`args(port)`) and resolves once `ready(port)`. */
export async function startServerOnPort(
  name: string,
  command: string,
  args: (port: number) => string[],
  port: number,
  ready: (port: number) => Promise<boolean> = canConnect,
): Promise<ChildServer> {
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
    child.kill('SIGKILL');
    throw error;
  }
}

/**
 * The parent (field 4 of /proc/<pid>/stat) and state of every process, by pid. Read
 * synchronously: a scan takes milliseconds, while asynchronous reads would queue behind the load
 * a test runs in this process and see the processes late.
 */
function processTable(): Map<number, { parent: number; state: string }> {
  const table = new Map<number, { parent: number; state: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(Number(name), { state: fields[0]!, parent: Number(fields[1]) });
  }
  return table;
}

/** `root` and its live descendants (zombies count as gone), with their states. */
function processTree(root: number): Map<number, string> {
  const table = processTable();
  const tree = new Map<number, string>();
  const visit = (pid: number): void => {
    const entry = table.get(pid);
    if (!entry || entry.state === 'Z') return;
    tree.set(pid, entry.state);
    for (const [child, { parent }] of table) if (parent === pid) visit(child);
  };
  visit(root);
  return tree;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // exited meanwhile
  }
}

/**
 * Kills `root` and every process it started (PostgreSQL's backends put themselves in sessions
 * of their own, so a process group does not hold them) with SIGKILL, as a crash of the
 * machine's server would: `root` is frozen first so it starts nothing new, then all die at
 * once. Resolves once none is left, so a restart cannot meet a survivor holding data or port.
 */
export async function killProcessTree(root: number): Promise<void> {
  signal(root, 'SIGSTOP');
  await waitForTree(root, 'stop', (states) => !states.has(root) || states.get(root) === 'T');
  // Workers first: a worker outliving its parent by a moment would notice and say goodbye.
  for (const pid of [...processTree(root).keys()].reverse()) signal(pid, 'SIGKILL');
  await waitForTree(root, 'exit', (states) => states.size === 0);
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) `root` and every process it started, resolving once
 * /proc shows all of them in the new state: a server whose workers are separate processes
 * (PostgreSQL) only stops answering when all of them are stopped.
 */
export async function setProcessTreeStopped(root: number, stopped: boolean): Promise<void> {
  if (stopped) {
    signal(root, 'SIGSTOP'); // first, so it starts no new worker meanwhile
    await waitForTree(root, 'stop', (states) => states.get(root) === 'T');
  }
  for (const pid of processTree(root).keys()) signal(pid, stopped ? 'SIGSTOP' : 'SIGCONT');
  await waitForTree(root, stopped ? 'stop' : 'resume', (states) =>
    [...states.values()].every((state) => (stopped ? state === 'T' : state !== 'T')),
  );
}

async function waitForTree(root: number, what: string, done: (states: Map<number, string>) => boolean): Promise<void> {
  const giveUp = Date.now() + STATE_CHANGE_TIMEOUT_MS;
  for (;;) {
    const states = processTree(root);
    if (done(states)) return;
    if (Date.now() > giveUp) throw new Error(`process ${root} and its children did not ${what}: states ${[...states.values()].join(' ')}`);
    await sleep(STATE_POLL_MS);
  }
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
    pause: () => setStopped(child, true),
    resume: () => (exited() ? Promise.resolve() : setStopped(child, false)),
  };
}
