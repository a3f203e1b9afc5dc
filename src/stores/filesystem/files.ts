/**
 * File operations both filesystem layouts (sessionkit's and Flask-Session's cachelib files)
 * share: the atomic replacement of a file under its lock, and deleting one that may be gone.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { errorCode } from '../internal/errors.js';
import type { FileLock } from './lock.js';

/**
 * Writes `bytes` to a temporary file beside `path` (named `<path>.<random><tempSuffix>`, with
 * permission bits `mode` whatever the umask), then renames it over `path`, so readers see the old
 * file or the new one, never a part. Nothing is renamed once `lock` may have been taken over
 * (the write took longer than the lock's lifetime); the temporary file never stays behind.
 */
export async function replaceFileAtomically(path: string, bytes: Uint8Array, mode: number, tempSuffix: string, lock: FileLock): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}${tempSuffix}`;
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
    if (!lock.isFresh()) throw new Error('the write took too long: its lock may have been taken over; nothing was written');
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Deletes `path`; `false` when it was not there. */
export async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}
