/**
 * Starts the demo: opens the user file and the session backend, then serves the pages.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequestHandler } from './router.js';
import { DEFAULT_SESSION_TYPE, openSessionBackend } from './session-backend.js';
import { UserStore } from './users.js';

/** Options of `startDemo`; every one has a default. */
export interface DemoOptions {
  /** Port to listen on; `0` picks a free one. Default `5000`. */
  port?: number;
  /** Address to listen on. Default `127.0.0.1` (this machine only). */
  host?: string;
  /** `cookie`, `memory`, `filesystem`, `sqlite`, `redis`, `memcached`… Default `sqlite`. */
  sessionType?: string;
  /** Folder of `users.json`, `sessions.sqlite` and `sessions/`. Default `demo/data`. */
  dataDir?: string;
  /** Secret signing cookie sessions. Default: a random one (cookie sessions end with the process). */
  secretKey?: string;
  /** Lifetime of permanent sessions in seconds. Default `600` (10 minutes). */
  permanentLifetime?: number;
  /** Redis server for `redis`. Default `redis://127.0.0.1:6379`. */
  redisUrl?: string;
  /** memcached servers for `memcached`. Default `127.0.0.1:11211`. */
  memcachedServers?: string;
  /** MongoDB connection string for `mongodb`. Default `mongodb://127.0.0.1:27017`. */
  mongodbUrl?: string;
  /** Database URL for `postgres` / `mysql`. Default: the local server's `test` database. */
  databaseUrl?: string;
}

/** A running demo. */
export interface RunningDemo {
  /** Where it answers, e.g. `http://localhost:5000`. */
  url: string;
  port: number;
  /** The session type in use. */
  sessionType: string;
  /** Where sessions are kept, for people. */
  sessionLocation: string;
  /** Folder of the demo's files. */
  dataDir: string;
  /** Stops listening, drops open connections and closes the session store. */
  close(): Promise<void>;
}

/** `demo/data`, next to this file. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

const LOOPBACK_OR_ANY = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::']);

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const reason = error.code === 'EADDRINUSE' ? `port ${port} is in use; set PORT to another port` : error.message;
      reject(new Error(`Cannot listen on ${host}:${port}: ${reason}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the demo server; resolves once it accepts connections. */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const host = options.host ?? '127.0.0.1';
  const permanentLifetime = options.permanentLifetime ?? 600;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const users = await UserStore.open(join(dataDir, 'users.json'));
  const backend = await openSessionBackend({
    type: options.sessionType ?? DEFAULT_SESSION_TYPE,
    dataDir,
    secret: options.secretKey ?? randomBytes(32).toString('base64url'),
    permanentLifetime,
    redisUrl: options.redisUrl ?? 'redis://127.0.0.1:6379',
    memcachedServers: options.memcachedServers ?? '127.0.0.1:11211',
    mongodbUrl: options.mongodbUrl ?? 'mongodb://127.0.0.1:27017',
    databaseUrl: options.databaseUrl,
  });
  const server = createServer(createRequestHandler({ users, backend, permanentLifetime }));
  let port: number;
  try {
    port = await listen(server, options.port ?? 5000, host);
  } catch (error) {
    await backend.close();
    throw error;
  }
  const hostname = LOOPBACK_OR_ANY.has(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostname}:${port}`,
    port,
    sessionType: backend.type,
    sessionLocation: backend.location,
    dataDir,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => backend.close());
      return closing;
    },
  };
}
