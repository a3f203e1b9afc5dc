/**
 * `npm start` as a process manager runs it: SIGTERM (or SIGINT) sent to the npm process alone
 * stops the demo server — npm, the shell it runs the script in, tsx and the server all exit, and
 * the port stops answering.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous bounds for a loaded 2-core machine: how long the demo may take to answer, and to stop. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
/** Pause between two looks at something that is not there yet. */
const POLL_MS = 100;

const dataDir = mkdtempSync(join(tmpdir(), 'sessionkit-npm-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The status of GET `url`, or `undefined` when nothing answers. */
async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/** Waits until `check` holds, looking every POLL_MS; fails with `what` after `timeoutMs`. */
async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** The ids of the processes whose parent is `pid`, and theirs, from /proc. */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state, ppid, …
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Whether `pid` runs (exists and is not a zombie waiting for its parent). */
function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

describe.each(['SIGTERM', 'SIGINT'] as const)('npm start, then %s to the npm process', (signal) => {
  it('stops the server: the port stops answering and every process exits', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SESSION_TYPE: 'memory', DEMO_DATA_DIR: dataDir, SECRET_KEY: 'x'.repeat(40) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let processes: number[] = [];
    try {
      await waitUntil(`the demo to answer on ${url}; output: ${output}`, START_TIMEOUT_MS, async () => (await statusOf(url)) === 200);
      processes = descendantsOf(child.pid!);
      expect(processes.length, 'npm runs the demo in child processes').toBeGreaterThan(0);

      expect(child.kill(signal)).toBe(true);
      const [code] = await Promise.race([
        exited,
        sleep(STOP_TIMEOUT_MS).then(() => {
          throw new Error(`npm start did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; output: ${output}`);
        }),
      ]);
      expect(code, output).toBe(0);
      expect(output).toContain('stopping…');
      expect(await statusOf(url)).toBeUndefined();
      await waitUntil(`the processes of npm start to exit: ${processes.filter(isAlive).join(', ')}`, STOP_TIMEOUT_MS, () => processes.every((pid) => !isAlive(pid)));
    } finally {
      // Whatever failed, leave nothing of this npm start running.
      for (const pid of processes.filter(isAlive)) process.kill(pid, 'SIGKILL');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, START_TIMEOUT_MS + 3 * STOP_TIMEOUT_MS);
});
