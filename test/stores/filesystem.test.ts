import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { FileSystemStore, StorageMissingError } from '../../src/stores/filesystem/index.js';
import { fileStem, LOCK_SUFFIX } from '../../src/stores/filesystem/names.js';
import { currentOwner, formatOwner } from '../../src/stores/filesystem/owner.js';
import { describeStoreConformance } from './conformance.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const HOUR = 3_600_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (value: Uint8Array): string => new TextDecoder().decode(value);

let root: string;
let counter = 0;
/** A fresh, not yet existing session folder. */
const freshDir = (): string => join(root, `sessions-${++counter}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sessionkit-fs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The folder every store of the conformance suite shares (instances of one test share records). */
let conformanceDir: string | undefined;
describeStoreConformance(
  'FileSystemStore',
  async ({ clock }) => ({ store: new FileSystemStore({ dir: (conformanceDir ??= freshDir()), clock }), cleanup: async () => {} }),
  { time: 'clock', childStore: () => ({ url: `${pathToFileURL(conformanceDir!).href}?lockTimeoutMs=${WORKER_STORE_TIMEOUT_MS}` }) },
);

/** The folder of the Flask-Session layout's conformance run. */
let cachelibDir: string | undefined;
describeStoreConformance(
  'FileSystemStore, Flask-Session layout',
  async ({ clock }) => ({
    store: new FileSystemStore({ dir: (cachelibDir ??= freshDir()), clock, layout: 'flask-session' }),
    cleanup: async () => {},
  }),
  // cachelib's expiry counts whole seconds: a TTL of at least one second is never due at once.
  // The multi-process session test runs on this backend in the sessionkit layout above.
  { time: 'clock', shortTtlMs: 2000, sessionWorkers: false },
);

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let time = Date.now();
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** Names of the record files in `dir`. */
async function recordFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.session'));
}

describe('FileSystemStore', () => {
  it('creates its folder 0700 and files with the given mode', async () => {
    const dir = freshDir();
    const store = new FileSystemStore({ dir });
    await store.create('session:a', bytes('x'), HOUR);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const [file] = await recordFiles(dir);
    expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o600);

    const shared = new FileSystemStore({ dir: freshDir(), mode: 0o640 });
    await shared.create('session:b', bytes('x'), HOUR);
    const sharedDir = join(root, `sessions-${counter}`);
    const [sharedFile] = await recordFiles(sharedDir);
    expect((await stat(join(sharedDir, sharedFile!))).mode & 0o777).toBe(0o640);
    // No temporary or lock files are left behind.
    expect(await readdir(sharedDir)).toEqual([sharedFile]);
  });

  it('keeps every key inside its folder, whatever characters it holds', async () => {
    const parent = join(root, `hostile-${++counter}`);
    const dir = join(parent, 'sessions');
    await mkdir(parent);
    const store = new FileSystemStore({ dir });
    const keys = [
      '../../escape',
      '/etc/passwd',
      '..',
      '.',
      '',
      'a\u0000b',
      'C:\\windows\\system32',
      'Mixed Case',
      'mixed case',
      '日本語のキー',
      'x'.repeat(5000),
      'y'.repeat(5000),
    ];
    for (const [i, key] of keys.entries()) expect(await store.create(key, bytes(`value ${i}`), HOUR)).not.toBeNull();
    for (const [i, key] of keys.entries()) expect(decode((await store.load(key))!.value)).toBe(`value ${i}`);
    expect(await readdir(parent)).toEqual(['sessions']);
    expect(await recordFiles(dir)).toHaveLength(keys.length);
    for (const name of await readdir(dir)) {
      expect(name).toMatch(/^[hk][0-9a-f]*\.session$/);
      expect(name.length).toBeLessThan(255);
    }
    const listed: string[] = [];
    for await (const key of store.keys('')) listed.push(key);
    expect(listed.sort()).toEqual([...keys].sort());
  });

  it('removes expired files first, then the oldest, when over the threshold', async () => {
    const dir = freshDir();
    const clock = manualClock();
    const store = new FileSystemStore({ dir, threshold: 10, clock: clock.now });
    for (let i = 0; i < 5; i++) await store.create(`session:short-${i}`, bytes('s'), 150);
    clock.advance(300);
    for (let i = 0; i < 8; i++) await store.create(`session:live-${i}`, bytes('l'), HOUR);
    // 13 files went over 10: only the 5 expired ones were removed.
    expect(await recordFiles(dir)).toHaveLength(8);
    for (let i = 0; i < 8; i++) expect(await store.load(`session:live-${i}`)).not.toBeNull();

    for (let i = 0; i < 30; i++) {
      await store.create(`session:more-${i}`, bytes('m'), HOUR);
      await sleep(2); // distinct modification times
    }
    const remaining = await recordFiles(dir);
    expect(remaining.length).toBeLessThanOrEqual(10);
    expect(remaining.length).toBeGreaterThanOrEqual(9);
    expect(await store.load('session:more-29')).not.toBeNull();
    expect(await store.load('session:live-0')).toBeNull();
  });

  it('sweeps expired files and leftovers of crashed writers', async () => {
    const dir = freshDir();
    const clock = manualClock();
    const store = new FileSystemStore({ dir, lockTimeoutMs: 200, clock: clock.now });
    await store.create('session:old', bytes('x'), 100);
    await store.create('session:new', bytes('y'), HOUR);
    const longAgo = new Date(Date.now() - 3_600_000);
    await writeFile(join(dir, 'kdead.session.0123456789ab.tmp'), 'partial');
    await utimes(join(dir, 'kdead.session.0123456789ab.tmp'), longAgo, longAgo);
    for (const leftover of ['kdead.lock', 'kother.lock.break']) {
      await writeFile(join(dir, leftover), 'crashed');
      await utimes(join(dir, leftover), longAgo, longAgo);
    }
    clock.advance(250);
    expect(await store.sweep()).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(await recordFiles(dir));
    expect(await recordFiles(dir)).toHaveLength(1);
    expect(decode((await store.load('session:new'))!.value)).toBe('y');
  });

  it('takes over a lock left by a crashed process', async () => {
    const dir = freshDir();
    const store = new FileSystemStore({ dir, lockTimeoutMs: 300 });
    const version = (await store.create('session:crash', bytes('before'), HOUR))!;
    const [file] = await recordFiles(dir);
    const lock = join(dir, file!.replace('.session', '.lock'));
    await writeFile(lock, 'pid 999999 that died');
    const old = new Date(Date.now() - 10_000);
    await utimes(lock, old, old);
    const result = await store.update('session:crash', bytes('after'), version, HOUR);
    expect(result.ok).toBe(true);
    expect(decode((await store.load('session:crash'))!.value)).toBe('after');
  });

  it('takes over at once a lock whose owner process was killed, never early one whose owner lives', async () => {
    const dir = freshDir();
    // Far beyond the test: taking the lock over before it means the dead owner was recognized.
    const lockTimeoutMs = 60_000;
    const store = new FileSystemStore({ dir, lockTimeoutMs });
    const key = 'session:killed-owner';
    const version = (await store.create(key, bytes('before'), HOUR))!;
    const lock = join(dir, `${fileStem(key)}${LOCK_SUFFIX}`);

    const killed = await holdLock(lock);
    expect((await readFile(lock, 'utf8')).split(' ').slice(0, 2)).toEqual(['sk-lock-1', String(killed.pid)]);
    await stopProcess(killed);
    const started = Date.now();
    const updated = await store.update(key, bytes('after'), version, HOUR);
    expect(updated.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(lockTimeoutMs);
    expect(decode((await store.load(key))!.value)).toBe('after');

    // A live owner's lock holds until it is older than lockTimeoutMs (its owner may hang).
    const alive = await holdLock(lock);
    try {
      const patient = new FileSystemStore({ dir, lockTimeoutMs: 1000 });
      const takenAt = (await stat(lock)).mtimeMs;
      expect((await patient.update(key, bytes('late'), updated.ok ? updated.version : '', HOUR)).ok).toBe(true);
      expect(Date.now() - takenAt).toBeGreaterThanOrEqual(1000);
    } finally {
      await stopProcess(alive);
    }
  }, 90_000);

  it('takes over at once a lock naming a pid that another process has since', async () => {
    const dir = freshDir();
    const lockTimeoutMs = 60_000;
    const store = new FileSystemStore({ dir, lockTimeoutMs });
    const key = 'session:reused-pid';
    const version = (await store.create(key, bytes('before'), HOUR))!;
    const lock = join(dir, `${fileStem(key)}${LOCK_SUFFIX}`);
    // A lock naming this very process's pid with another start time: an earlier process that
    // had this pid, dead since. (Its machine field is copied from a lock this process writes.)
    const [, , , machine] = formatOwner(await currentOwner(), 'token').split(' ');
    await writeFile(lock, `sk-lock-1 ${process.pid} 1 ${machine} elsewhere token`);
    const started = Date.now();
    expect((await store.update(key, bytes('after'), version, HOUR)).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(lockTimeoutMs);
  }, 90_000);

  it('fails with StoreError, changing nothing, while a live writer keeps the lock', async () => {
    const dir = freshDir();
    const store = new FileSystemStore({ dir, lockTimeoutMs: 1000 });
    const version = (await store.create('session:busy', bytes('before'), HOUR))!;
    const [file] = await recordFiles(dir);
    const lock = join(dir, file!.replace('.session', '.lock'));
    await writeFile(lock, 'held by another process');
    // A live holder: its lock never gets old enough to be taken over.
    const heartbeat = setInterval(() => {
      const now = new Date();
      utimes(lock, now, now).catch(() => undefined);
    }, 20);
    try {
      const error = await store.update('session:busy', bytes('after'), version, HOUR).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).operation).toBe('update');
      expect((error as StoreError).message).toContain('locked by another writer');
      expect(decode((await store.load('session:busy'))!.value)).toBe('before');

      // Released while a writer waits: the writer gets through.
      const waiting = store.update('session:busy', bytes('after'), version, HOUR);
      await sleep(50);
      clearInterval(heartbeat);
      await rm(lock);
      expect((await waiting).ok).toBe(true);
    } finally {
      clearInterval(heartbeat);
    }
  });

  it('creates its folder again, with its mode, when the folder is removed', async () => {
    const dir = join(freshDir(), 'nested');
    const store = new FileSystemStore({ dir, dirMode: 0o750, mode: 0o640 });
    const version = (await store.create('session:x', bytes('x'), HOUR))!;
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
    await rm(dir, { recursive: true });
    // The sessions went with the folder: they read as absent, and writes start afresh.
    expect(await store.load('session:x')).toBeNull();
    await rm(dir, { recursive: true });
    expect(await store.update('session:x', bytes('x2'), version, HOUR)).toEqual({ ok: false, reason: 'missing' });
    await rm(dir, { recursive: true });
    expect(await store.touch('session:x', HOUR)).toBe(false);
    await rm(dir, { recursive: true });
    await store.destroy('session:x');
    await rm(dir, { recursive: true });
    const again = await store.create('session:y', bytes('y'), HOUR);
    expect(again).not.toBeNull();
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
    const [file] = await recordFiles(dir);
    expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o640);
    expect(decode((await store.load('session:y'))!.value)).toBe('y');
    await rm(dir, { recursive: true });
    expect(await store.sweep()).toBe(0);
    await rm(dir, { recursive: true });
    const listed: string[] = [];
    for await (const key of store.keys('session:')) listed.push(key);
    expect(listed).toEqual([]);
    await rm(dir, { recursive: true });
    await store.ready();
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('fails with StoreError when its folder is replaced by a file', async () => {
    const dir = freshDir();
    const store = new FileSystemStore({ dir });
    await store.create('session:x', bytes('x'), HOUR);
    await rm(dir, { recursive: true });
    await writeFile(dir, 'now a plain file');
    for (const attempt of [
      () => store.load('session:x'),
      () => store.create('session:z', bytes('z'), HOUR),
      () => store.sweep(),
      () => store.ready(),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).store).toBe('filesystem');
      expect((error as StoreError).message).toContain(`the session folder ${dir} is not a folder`);
    }
    const neverUsable = new FileSystemStore({ dir: join(dir, 'under-a-file') });
    await expect(neverUsable.load('session:x')).rejects.toThrow(StoreError);
    await expect(neverUsable.ready()).rejects.toThrow(StoreError);
  });

  it('with createDir: false, never creates its folder: a missing one is StorageMissingError', async () => {
    const dir = freshDir();
    const store = new FileSystemStore({ dir, createDir: false });
    for (const attempt of [() => store.ready(), () => store.load('session:x'), () => store.create('session:x', bytes('x'), HOUR)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageMissingError);
      expect((error as StorageMissingError).missing).toBe(`the session folder ${dir}`);
    }
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
    await mkdir(dir);
    await store.ready();
    expect(await store.create('session:x', bytes('x'), HOUR)).not.toBeNull();
  });

  it('reports a damaged record file as StoreError, not as absent', async () => {
    const dir = freshDir();
    const store = new FileSystemStore({ dir });
    await store.create('session:damaged', bytes('x'), HOUR);
    const [file] = await recordFiles(dir);
    const handle = await open(join(dir, file!), 'r+');
    await handle.write(Buffer.from('JUNK'), 0, 4, 0);
    await handle.close();
    await expect(store.load('session:damaged')).rejects.toThrow(StoreError);
  });

  it('loses no update when three processes read-modify-write one record', async () => {
    const dir = freshDir();
    const barrier = join(root, `barrier-${++counter}`);
    await mkdir(barrier);
    const store = new FileSystemStore({ dir });
    const key = 'session:multi-process';
    await store.create(key, bytes(JSON.stringify({ log: [] })), HOUR);
    const rounds = 60;
    const ids = ['p1', 'p2', 'p3'];
    const children = ids.map((id) =>
      run(
        process.execPath,
        ['--import', 'tsx', join(here, 'fixtures', 'fs-increment.ts'), dir, key, id, String(rounds), barrier],
        { cwd: join(here, '..', '..'), timeout: 60_000 },
      ),
    );
    // Release all children at once, so that their writes overlap.
    for (;;) {
      const ready = (await readdir(barrier)).filter((name) => name.startsWith('ready-'));
      if (ready.length === ids.length) break;
      await sleep(10);
    }
    await writeFile(join(barrier, 'go'), '');
    const outputs = await Promise.all(children);
    const reports = outputs.map((o) => JSON.parse(o.stdout) as { id: string; conflicts: number });
    const { log } = JSON.parse(decode((await store.load(key))!.value)) as { log: string[] };
    expect(log).toHaveLength(ids.length * rounds);
    for (const id of ids) {
      expect(log.filter((entry) => entry.startsWith(`${id}:`))).toEqual(
        Array.from({ length: rounds }, (_, round) => `${id}:${round}`),
      );
    }
    // The processes really overlapped (otherwise this test proves nothing about locking).
    expect(reports.reduce((sum, r) => sum + r.conflicts, 0)).toBeGreaterThan(0);
  });

  it('rejects bad options, a misspelt one and bad TTLs', async () => {
    expect(() => new FileSystemStore({ dir: '' })).toThrow(ConfigError);
    expect(() => new FileSystemStore({ dir: freshDir(), lockTimeoutMS: 100 } as never)).toThrow(
      /option lockTimeoutMS is invalid: unknown option of FileSystemStore/,
    );
    expect(() => new FileSystemStore({ dir: freshDir(), lockTimeoutMs: 0 })).toThrow(/expected a number of milliseconds >= 1, got 0/);
    expect(() => new FileSystemStore({ dir: freshDir(), threshold: -1 })).toThrow(ConfigError);
    expect(() => new FileSystemStore({ dir: freshDir(), mode: 0o1777 })).toThrow(ConfigError);
    const store = new FileSystemStore({ dir: freshDir() });
    await expect(store.update('k', bytes('x'), '1', 0)).rejects.toThrow(RangeError);
  });
});

/** Starts a process that takes the lock file at `lock` (test/stores/fixtures/fs-hold-lock.ts) and keeps it; resolves once it holds it. */
async function holdLock(lock: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'fs-hold-lock.ts'), lock], {
    cwd: join(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    holder.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return holder;
}

/** Kills `child` with SIGKILL (as a crash would) and waits until it is gone. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
