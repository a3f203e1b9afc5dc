/**
 * A private PostgreSQL 15 server for tests that crash, freeze and restart the database: a fresh
 * cluster from `initdb` in a temporary folder owned by the `postgres` OS user, on a free port.
 * The server runs as that user (PostgreSQL refuses root); a crash kills the postmaster and every
 * backend at once, as a machine failure would.
 * TCP connections authenticate with a password (scram-sha-256), so wrong passwords can be
 * tested; the data survives a restart on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, killProcessTree, setProcessTreeStopped, track, waitUntil } from './processes.js';

const BIN = '/usr/lib/postgresql/15/bin';
/** The password of the `postgres` database user on every private server. */
export const POSTGRES_PASSWORD = 'outage-test-password';
/** Longest wait for initdb or a server start on a loaded machine. */
const START_TIMEOUT_MS = 30_000;

/** The uid and gid of an OS user, from /etc/passwd. */
async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  for (const line of (await readFile('/etc/passwd', 'utf8')).split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(`no OS user ${name}`);
}

/** Runs `command` as `user` and resolves with its output; rejects with it on failure. */
function runAs(user: { uid: number; gid: number }, command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...user, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

/** A PostgreSQL server child process that can be killed, frozen and started again on the same port and data. */
export class PrivatePostgres {
  readonly port: number;
  readonly #dir: string;
  readonly #user: { uid: number; gid: number };
  #process: ChildProcess | undefined;
  #log = '';

  private constructor(port: number, dir: string, user: { uid: number; gid: number }) {
    this.port = port;
    this.#dir = dir;
    this.#user = user;
  }

  /** Creates a cluster and starts it on a free port, with a database `test`. */
  static async start(): Promise<PrivatePostgres> {
    const user = await osUser('postgres');
    const dir = await mkdtemp(join(tmpdir(), 'sessionkit-postgres-'));
    await chown(dir, user.uid, user.gid);
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, POSTGRES_PASSWORD);
    await chown(passwordFile, user.uid, user.gid);
    await runAs(user, `${BIN}/initdb`, [
      '-D', join(dir, 'data'),
      '-U', 'postgres',
      `--pwfile=${passwordFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
      '-E', 'UTF8',
    ]);
    const server = new PrivatePostgres(await freePort(), dir, user);
    await server.restart();
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query('create database test');
    await admin.end();
    return server;
  }

  /** A connection string for `database`, with the right password unless `password` is given. */
  url(database = 'postgres', password = POSTGRES_PASSWORD): string {
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server (again), resolving once it accepts queries. */
  async restart(): Promise<void> {
    this.#log = '';
    const child = spawn(
      `${BIN}/postgres`,
      [
        '-D', join(this.#dir, 'data'),
        '-p', String(this.port),
        '-k', this.#dir,
        '-c', 'listen_addresses=127.0.0.1',
        // A crash of the server process keeps what the OS was given; only a crash of the
        // machine would need fsync, and these tests crash processes.
        '-c', 'fsync=off',
        '-c', 'shared_buffers=16MB',
        '-c', 'max_connections=40',
      ],
      { ...this.#user, cwd: this.#dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    track(child);
    this.#process = child;
    child.stderr!.on('data', (chunk: Buffer) => void (this.#log += chunk.toString()));
    let exited = false;
    child.once('exit', () => void (exited = true));
    await waitUntil(
      `PostgreSQL on port ${this.port}`,
      async () => {
        if (exited) throw new Error(`postgres exited:\n${this.#log}`);
        const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('select 1');
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      START_TIMEOUT_MS,
    );
  }

  /** Kills the postmaster and every backend with SIGKILL, resolving once all are gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child?.pid !== undefined) await killProcessTree(child.pid);
  }

  /** Freezes every process of the server (SIGSTOP), resolving once all are stopped. */
  pause(): Promise<void> {
    return setProcessTreeStopped(this.#pid(), true);
  }

  /** Thaws the server (SIGCONT), resolving once every process runs again. */
  resume(): Promise<void> {
    return setProcessTreeStopped(this.#pid(), false);
  }

  /** Kills the server and deletes its files. */
  async remove(): Promise<void> {
    await this.kill();
    await rm(this.#dir, { recursive: true, force: true });
  }

  #pid(): number {
    const pid = this.#process?.pid;
    if (pid === undefined) throw new Error('PostgreSQL is not running');
    return pid;
  }
}
