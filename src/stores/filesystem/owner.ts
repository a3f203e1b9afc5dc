/**
 * Who holds a lock file, written into it so another process can tell that the holder is dead
 * and break its lock at once instead of waiting for it to grow stale.
 *
 * A process is named by its pid and its start time (field 22 of `/proc/<pid>/stat`, clock ticks
 * since boot), so a pid the kernel has since given to another process is not mistaken for the
 * holder. Pids only mean something on one kernel and in one pid namespace: the owner also names
 * its machine as the kernel's boot id plus its pid namespace, and only a lock written on the
 * same machine is ever judged by its owner. Where `/proc` is missing (macOS) nothing is known,
 * and locks are judged by their age alone, as before.
 */
import { readFile, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';

/** A process that may hold a lock. */
export interface LockOwner {
  readonly pid: number;
  /** Start time from /proc (clock ticks since boot), or `UNKNOWN`. */
  readonly start: string;
  /** Boot id and pid namespace, or `UNKNOWN`. */
  readonly machine: string;
}

/** Written for what could not be read; never matches anything. */
const UNKNOWN = '-';
/** First word of an owner line, so lock files of other formats are not misread. */
const FORMAT = 'sk-lock-1';
/** 1-based index of `starttime` in /proc/<pid>/stat. */
const START_TIME_FIELD = 22;
/** 1-based index of `state`, the first field after the parenthesized command. */
const STATE_FIELD = 3;

/** Fields of /proc/<pid>/stat from `state` on; `undefined` when there is no such process. */
async function statFields(pid: number | 'self'): Promise<string[] | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "<pid> (<command>) <state> …": the command may hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function startTime(fields: string[]): string {
  return fields[START_TIME_FIELD - STATE_FIELD] ?? UNKNOWN;
}

async function machine(): Promise<string> {
  try {
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    const namespace = await readlink('/proc/self/ns/pid');
    return `${bootId}/${namespace.replace(/\s/g, '')}`;
  } catch {
    return UNKNOWN;
  }
}

let current: Promise<LockOwner> | undefined;

/** This process as a lock owner (read once). */
export function currentOwner(): Promise<LockOwner> {
  current ??= (async () => {
    const fields = await statFields('self');
    return { pid: process.pid, start: fields ? startTime(fields) : UNKNOWN, machine: await machine() };
  })();
  return current;
}

/** The line a lock file holds: format, owner, host name (for people) and the lock's random token. */
export function formatOwner(owner: LockOwner, token: string): string {
  return [FORMAT, owner.pid, owner.start, owner.machine, hostname().replace(/\s/g, '_') || UNKNOWN, token].join(' ');
}

/** The owner a lock file names, or `undefined` for anything else (an empty file still being written, another format). */
export function parseOwner(text: string): LockOwner | undefined {
  const [format, pid, start, machineId] = text.split(' ');
  if (format !== FORMAT || pid === undefined || !/^\d+$/.test(pid) || start === undefined || machineId === undefined) return undefined;
  return { pid: Number(pid), start, machine: machineId };
}

/**
 * Whether `owner` is certainly dead: it ran on this machine, and its pid is gone, a zombie, or
 * now another process (another start time). `false` whenever that cannot be known.
 */
export async function isOwnerGone(owner: LockOwner): Promise<boolean> {
  const self = await currentOwner();
  if (self.machine === UNKNOWN || owner.machine !== self.machine || owner.start === UNKNOWN) return false;
  const fields = await statFields(owner.pid);
  if (!fields) return !processExists(owner.pid);
  return fields[0] === 'Z' || startTime(fields) !== owner.start;
}

/**
 * Whether a process `pid` exists, asked of the kernel (signal 0 sends nothing): /proc can hide
 * other users' processes (`hidepid`), the kernel still says "not permitted" for them.
 */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
