/**
 * A private redis-server for tests that stop and restart Redis (outages): never the shared one.
 * Persistence is an append-only file fsync'ed on every write, in its own temporary folder, so a
 * restart on the same port brings the data back and shows what an outage did or did not change.
 * With a password, clients must authenticate (`AUTH`), so a wrong password can be tested.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setStopped } from './processes.js';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A redis-server child process that can be killed and started again on the same port and data. */
export class PrivateRedis {
  readonly port: number;
  readonly dir: string;
  readonly password: string | undefined;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string, password: string | undefined) {
    this.port = port;
    this.dir = dir;
    this.password = password;
  }

  /** Starts a server on a free port, requiring `password` if given. */
  static async start({ password }: { password?: string } = {}): Promise<PrivateRedis> {
    return PrivateRedis.startOn(await freePort(), { password });
  }

  /** Starts a server on `port`, requiring `password` if given. */
  static async startOn(port: number, { password }: { password?: string } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(port, await mkdtemp(join(tmpdir(), 'sessionkit-redis-')), password);
    await redis.restart();
    return redis;
  }

  /** `redis://[:password@]127.0.0.1:port`, with the server's password unless another is given. */
  urlWith(password = this.password): string {
    return `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${this.port}`;
  }

  get url(): string {
    return this.urlWith();
  }

  /** Starts the server (again) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    const child = spawn(
      '/usr/bin/redis-server',
      [
        '--port', String(this.port),
        '--bind', '127.0.0.1',
        '--save', '',
        '--appendonly', 'yes',
        '--appendfsync', 'always',
        '--dir', this.dir,
        ...(this.password === undefined ? [] : ['--requirepass', this.password]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** Kills the server abruptly (SIGKILL), as a crash or a network cut would. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes the server (SIGSTOP), resolving once it is stopped: it keeps its connections, and answers nothing. */
  pause(): Promise<void> {
    return setStopped(this.#running(), true);
  }

  /** Thaws a frozen server (SIGCONT), resolving once it runs again. */
  resume(): Promise<void> {
    return setStopped(this.#running(), false);
  }

  #running(): ChildProcess {
    if (!this.#process) throw new Error('redis-server is not running');
    return this.#process;
  }

  /** Kills the server and deletes its data. */
  async remove(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
