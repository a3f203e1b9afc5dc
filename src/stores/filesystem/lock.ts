import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from '../internal/errors.js';
import { BREAK_SUFFIX } from './names.js';
import { currentOwner, formatOwner, isOwnerGone, parseOwner } from './owner.js';

/**
 * Cross-process lock files.
 *
 * A lock is a file created with `open(path, 'wx')` (O_CREAT|O_EXCL: exactly one process can
 * create it) and removed to release. It holds its owner (pid, process start time, machine: see
 * `owner.ts`) and a random token, so a process only ever removes its own lock.
 *
 * A lock is abandoned, and taken over, when its owner is certainly dead (a process of this
 * machine that no longer runs: killed, crashed), at once; or, whatever it holds, once its file
 * is older than `staleMs` (an owner on another machine, or one that hangs). Taking over is
 * itself guarded by a second lock file (`<lock>.break`, also created with `wx`), and the lock is
 * removed only if it is still the very file that was judged (same inode and mtime), so two
 * processes breaking the same lock cannot remove a fresh lock that a third one just created.
 * Holders must finish well within `staleMs`: `FileLock.isFresh()` tells whether it is still
 * safe to commit.
 */

/** A lock this process holds. */
export interface FileLock {
  /** Whether the lock is young enough that nobody can have taken it over (half of `staleMs`). */
  isFresh(): boolean;
  /** Removes the lock file if it is still ours. Never throws. */
  release(): Promise<void>;
}

/** The lock was held by someone else for the whole wait. */
export class LockTimeoutError extends Error {
  constructor(path: string, waitedMs: number) {
    super(`lock ${path} is held by another writer; gave up after ${waitedMs} ms`);
    this.name = 'LockTimeoutError';
  }
}

/** Most bytes of a lock file read to find its owner (an owner line is about 100). */
const MAX_OWNER_BYTES = 512;

/** A fresh owner line for a lock or breaker file of this process. */
async function ownerLine(): Promise<string> {
  return formatOwner(await currentOwner(), randomBytes(12).toString('hex'));
}

/** Creates `path` exclusively with `content`; `false` if it already exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.close();
    return true;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
}

async function statOrNull(path: string): Promise<{ ino: number; mtimeMs: number } | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** A lock file as one handle saw it: identity and age, and the owner it names (if readable yet). */
interface SeenLock {
  ino: number;
  mtimeMs: number;
  content: string;
}

/** Reads the lock at `path` through one handle, so its content and identity belong together; `null` if it is gone. */
async function look(path: string): Promise<SeenLock | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const { ino, mtimeMs } = await handle.stat();
    const buffer = Buffer.alloc(MAX_OWNER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_OWNER_BYTES, 0);
    return { ino, mtimeMs, content: buffer.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Whether a lock seen so is abandoned: older than `staleMs`, or its owner is dead. */
async function isAbandoned(seen: SeenLock, staleMs: number): Promise<boolean> {
  if (Date.now() - seen.mtimeMs >= staleMs) return true;
  const owner = parseOwner(seen.content);
  return owner !== undefined && (await isOwnerGone(owner));
}

/**
 * Removes the lock at `path` if it is abandoned (its owner is dead, or it is older than
 * `staleMs`). Returns `true` when the lock is gone (removed here or by someone else), `false`
 * when it is still held.
 */
export async function breakStaleLock(path: string, staleMs: number): Promise<boolean> {
  const seen = await look(path);
  if (!seen) return true;
  if (!(await isAbandoned(seen, staleMs))) return false;

  const breaker = path + BREAK_SUFFIX;
  if (!(await createExclusive(breaker, await ownerLine()))) {
    // Someone else is breaking it. If that breaker itself died or hangs, clear its leftover.
    const other = await look(breaker);
    if (other && (await isAbandoned(other, staleMs))) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    const again = await statOrNull(path);
    if (!again) return true;
    if (again.ino !== seen.ino || again.mtimeMs !== seen.mtimeMs) return false;
    await unlink(path).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/**
 * Acquires the lock at `path`, waiting until `deadline` (epoch ms) with short randomized sleeps
 * and taking over an abandoned lock (see `breakStaleLock`). With `deadline` in the past it tries
 * once. Throws `LockTimeoutError` when the lock stayed held; other errors (missing
 * directory…) as is.
 */
export async function acquireFileLock(path: string, staleMs: number, deadline: number): Promise<FileLock> {
  const content = await ownerLine();
  const started = Date.now();
  let pause = 1;
  for (;;) {
    const lock = await attempt(path, content, staleMs);
    if (lock) return lock;
    if (Date.now() >= deadline) throw new LockTimeoutError(path, Date.now() - started);
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 25);
  }
}

/** Acquires the lock at `path` only if it is free (or abandoned) right now; `null` otherwise. */
export async function tryFileLock(path: string, staleMs: number): Promise<FileLock | null> {
  return attempt(path, await ownerLine(), staleMs);
}

/** One try: create the lock; if it exists and is abandoned, break it and try once more. */
async function attempt(path: string, content: string, staleMs: number): Promise<FileLock | null> {
  for (let tries = 0; tries < 2; tries++) {
    const createdAt = Date.now();
    if (await createExclusive(path, content)) return heldLock(path, content, createdAt, staleMs);
    if (!(await breakStaleLock(path, staleMs))) return null;
  }
  return null;
}

function heldLock(path: string, content: string, createdAt: number, staleMs: number): FileLock {
  return {
    isFresh: () => Date.now() - createdAt < staleMs / 2,
    release: async () => {
      try {
        if ((await readFile(path, 'utf8')) === content) await unlink(path);
      } catch {
        // Already gone, or taken over after we overstayed: either way it is not ours to remove.
      }
    },
  };
}
