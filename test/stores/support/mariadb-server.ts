/**
 * A private MariaDB server for tests that crash, freeze and restart the database: a fresh data
 * folder from `mariadb-install-db` in a temporary folder, on a free port, running as root (the
 * tests run as root; `--user=root` is what mariadbd needs for that). Root logs in without a
 * password; the user `app` has one, so wrong passwords can be tested. The data survives a
 * restart on the same port (InnoDB recovers after a kill).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, killProcessTree, setProcessTreeStopped, track, waitUntil } from './processes.js';

/** The password of the `app` database user on every private server. */
export const MARIADB_PASSWORD = 'outage-test-password';
/** Longest wait for the data folder or a server start on a loaded machine. */
const START_TIMEOUT_MS = 30_000;

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

/** A MariaDB server child process that can be killed, frozen and started again on the same port and data. */
export class PrivateMariaDb {
  readonly port: number;
  readonly #dir: string;
  #process: ChildProcess | undefined;
  #log = '';

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  /** Creates a data folder and starts a server on a free port, with a database `test` and the user `app`. */
  static async start(): Promise<PrivateMariaDb> {
    const dir = await mkdtemp(join(tmpdir(), 'sessionkit-mariadb-'));
    // --no-defaults: the machine's own my.cnf (datadir, socket, port) must not apply.
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    const server = new PrivateMariaDb(await freePort(), dir);
    await server.restart();
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    await admin.query('create database test');
    await admin.query(`create user 'app'@'%' identified by '${MARIADB_PASSWORD}'`);
    await admin.query(`grant all on test.* to 'app'@'%'`);
    await admin.end();
    return server;
  }

  /** A connection string of the user `app` for `database`, with the right password unless `password` is given. */
  url(database = 'test', password = MARIADB_PASSWORD): string {
    return `mysql://app:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server (again), resolving once it accepts queries. */
  async restart(): Promise<void> {
    this.#log = '';
    const child = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        `--datadir=${join(this.#dir, 'data')}`,
        `--socket=${join(this.#dir, 'mariadb.sock')}`,
        `--pid-file=${join(this.#dir, 'mariadb.pid')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        // Commits reach the OS at once (a killed server keeps them), without an fsync each.
        '--innodb-flush-log-at-trx-commit=2',
      ],
      { cwd: this.#dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    track(child);
    this.#process = child;
    child.stderr!.on('data', (chunk: Buffer) => void (this.#log += chunk.toString()));
    let exited = false;
    child.once('exit', () => void (exited = true));
    await waitUntil(
      `MariaDB on port ${this.port}`,
      async () => {
        if (exited) throw new Error(`mariadbd exited:\n${this.#log}`);
        try {
          const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 1000 });
          await connection.query('select 1');
          await connection.end();
          return true;
        } catch {
          return false;
        }
      },
      START_TIMEOUT_MS,
    );
  }

  /** Kills the server with SIGKILL, resolving once it is gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child?.pid !== undefined) await killProcessTree(child.pid);
  }

  /** Freezes the server (SIGSTOP), resolving once it is stopped. */
  pause(): Promise<void> {
    return setProcessTreeStopped(this.#pid(), true);
  }

  /** Thaws the server (SIGCONT), resolving once it runs again. */
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
    if (pid === undefined) throw new Error('MariaDB is not running');
    return pid;
  }
}
