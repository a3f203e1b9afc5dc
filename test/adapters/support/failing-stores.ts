/**
 * Stores that fail the way real backends do, with the kind of text a driver puts in its errors:
 * a connection string with a password, an absolute path, a driver code. The tests check that no
 * client ever sees any of it.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../../../src/errors.js';
import { FileSystemStore } from '../../../src/stores/filesystem/index.js';
import { SqlStore } from '../../../src/stores/sql/index.js';
import type { Store, StoreRecord, UpdateResult } from '../../../src/stores/store.js';
import { freePort } from '../../stores/support/processes.js';

/** A connection string with a password, as drivers quote them. */
export const PASSWORD_URL = 'postgres://u:hunter2@db/x';
/** A folder path that must stay on the server. */
export const SECRET_FOLDER = '/var/lib/secret-folder';

/** Texts no response may contain. */
export function secretTexts(): string[] {
  return ['hunter2', PASSWORD_URL, 'postgres://', SECRET_FOLDER, 'secret-folder', 'ECONNREFUSED', 'ENOTDIR', process.cwd(), 'node_modules', '    at '];
}

/** The error `connect()` gives for a port nobody listens on: a real `ECONNREFUSED`. */
function refusedConnection(port: number): Promise<Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(new Error(`something listens on port ${port}`));
    });
    socket.once('error', resolve);
  });
}

/** The error `open()` gives for a path under a regular file: a real `ENOTDIR` naming the path. */
async function unreachableFolder(path: string): Promise<Error> {
  try {
    const handle = await open(join(path, 'session'), 'w');
    await handle.close();
    return new Error(`${path} was writable`);
  } catch (error) {
    return error as Error;
  }
}

/**
 * A tiny store whose every call fails with a real `StoreError` wrapping a real driver error (a
 * refused TCP connection), with a message holding all three kinds of secret at once: no single
 * real backend puts a password URL, a folder path and a driver code in one message.
 */
class LeakyStore implements Store {
  readonly name = 'sql (postgres)';
  readonly #port: number;
  readonly #folder: string;

  constructor(port: number, folder: string) {
    this.#port = port;
    this.#folder = folder;
  }

  async #fail(operation: string): Promise<never> {
    const refused = await refusedConnection(this.#port);
    const folder = await unreachableFolder(this.#folder);
    throw new StoreError(this.name, operation, refused, `could not reach ${PASSWORD_URL}: ${refused.message}; spool: ${folder.message}`);
  }

  load(): Promise<StoreRecord | null> {
    return this.#fail('load');
  }
  create(): Promise<string | null> {
    return this.#fail('create');
  }
  update(): Promise<UpdateResult> {
    return this.#fail('update');
  }
  touch(): Promise<boolean> {
    return this.#fail('touch');
  }
  destroy(): Promise<void> {
    return this.#fail('destroy');
  }
}

/** A failing store, named for the test title. */
export interface FailingStore {
  readonly kind: string;
  readonly store: Store;
}

/** The failing stores and how to remove what they left behind. */
export interface FailingStores {
  readonly stores: readonly FailingStore[];
  cleanup(): Promise<void>;
}

/**
 * Three stores that fail on every call: the tiny `LeakyStore` (all three secrets in one message),
 * a real `FileSystemStore` whose folder lies under a regular file (`ENOTDIR` naming the path) and
 * a real `SqlStore` on PostgreSQL with a password URL to a closed port (`ECONNREFUSED`).
 */
export async function failingStores(): Promise<FailingStores> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionkit-public-errors-'));
  const file = join(dir, 'a-file');
  await writeFile(file, 'not a folder');
  const folder = file + SECRET_FOLDER;
  const port = await freePort();
  const sql = new SqlStore({ dialect: 'postgres', connection: `postgres://u:hunter2@127.0.0.1:${port}/x`, table: 'sessions', timeoutMs: 2000 });
  return {
    stores: [
      { kind: 'a store failing with a password URL, a path and ECONNREFUSED in its message', store: new LeakyStore(port, folder) },
      { kind: 'a FileSystemStore on a path it cannot create', store: new FileSystemStore({ dir: folder }) },
      { kind: 'a PostgreSQL SqlStore on a closed port', store: sql },
    ],
    async cleanup() {
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
