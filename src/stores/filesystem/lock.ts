import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from '../internal/errors.js';
import { BREAK_SUFFIX } from './names.js';

/**
 * Cross-process lock files.
 *
 * A lock is a file created with `open(path, 'wx')` (O_CREAT|O_EXCL: exactly one process can
 * create it) and removed to release. Its content is a random owner token, so a process only ever
 * removes its own lock.
 *
 * A lock whose file is older than `staleMs` is assumed abandoned (its holder crashed) and is
 * taken over. Taking over is itself guarded by a second lock file (`<lock>.break`, also created
 * with `wx`), and the stale lock is removed only if it is still the very file that was judged
 * stale (same inode and mtime), so two processes breaking the same stale lock cannot remove a
 * fresh lock that a third one just created. Holders must finish well within `staleMs`:
 * `FileLock.isFresh()` tells whether it is still safe to commit.
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

const OWNER = `${process.pid}@${hostname()}`;

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

/**
 * Removes the lock at `path` if it is older than `staleMs`. Returns `true` when the lock is gone
 * (removed here or by someone else), `false` when it is still held.
 */
export async function breakStaleLock(path: string, staleMs: number): Promise<boolean> {
  const seen = await statOrNull(path);
  if (!seen) return true;
  if (Date.now() - seen.mtimeMs < staleMs) return false;

  const breaker = path + BREAK_SUFFIX;
  if (!(await createExclusive(breaker, `${OWNER} ${randomBytes(8).toString('hex')}`))) {
    // Someone else is breaking it. If that breaker itself crashed, clear its leftover.
    const other = await statOrNull(breaker);
    if (other && Date.now() - other.mtimeMs >= staleMs) await unlink(breaker).catch(() => undefined);
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
 * and taking over a lock older than `staleMs`. With `deadline` in the past it tries once.
 * Throws `LockTimeoutError` when the lock stayed held; other errors (missing directory…) as is.
 */
export async function acquireFileLock(path: string, staleMs: number, deadline: number): Promise<FileLock> {
  const token = `${OWNER} ${randomBytes(12).toString('hex')}`;
  const started = Date.now();
  let pause = 1;
  for (;;) {
    const lock = await attempt(path, token, staleMs);
    if (lock) return lock;
    if (Date.now() >= deadline) throw new LockTimeoutError(path, Date.now() - started);
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 25);
  }
}

/** Acquires the lock at `path` only if it is free (or stale) right now; `null` otherwise. */
export async function tryFileLock(path: string, staleMs: number): Promise<FileLock | null> {
  return attempt(path, `${OWNER} ${randomBytes(12).toString('hex')}`, staleMs);
}

/** One try: create the lock; if it exists and is stale, break it and try once more. */
async function attempt(path: string, token: string, staleMs: number): Promise<FileLock | null> {
  for (let tries = 0; tries < 2; tries++) {
    const createdAt = Date.now();
    if (await createExclusive(path, token)) return heldLock(path, token, createdAt, staleMs);
    if (!(await breakStaleLock(path, staleMs))) return null;
  }
  return null;
}

function heldLock(path: string, token: string, createdAt: number, staleMs: number): FileLock {
  return {
    isFresh: () => Date.now() - createdAt < staleMs / 2,
    release: async () => {
      try {
        if ((await readFile(path, 'utf8')) === token) await unlink(path);
      } catch {
        // Already gone, or taken over after we overstayed: either way it is not ours to remove.
      }
    },
  };
}
