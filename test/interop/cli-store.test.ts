/**
 * `sessionkit store …` against real backends: SQLite and filesystem files, Redis, memcached and
 * PostgreSQL, and sessions shared with a Flask app through Redis the way Flask-Session keeps them.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { Signer } from '../../src/index.js';
import { startMemcached } from '../stores/support/memcached.js';
import type { ChildServer } from '../stores/support/processes.js';
import { PYTHON } from './helpers/flask.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A session id; those starting with "-" are passed after "--" in one test of their own. */
const sid = (): string => {
  const id = randomBytes(32).toString('base64url');
  return id.startsWith('-') ? sid() : id;
};
const dir = mkdtempSync(join(tmpdir(), 'sessionkit-cli-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['sqlite', () => `sqlite://${join(dir, 'cli.db')}`],
  ['filesystem', () => `file://${join(dir, 'files')}`],
  ['redis', () => 'redis://127.0.0.1:6379/0'],
  ['postgres', () => 'postgres://postgres@127.0.0.1:5432/test?table=sessionkit_cli_test'],
  ['mariadb', () => 'mysql://root@127.0.0.1:3306/test?table=sessionkit_cli_test'],
])('sessionkit store on %s', (_name, url) => {
  it('sets, gets, lists, deletes', async () => {
    const id = sid();
    const payload = '{"cart":[1,2],"t":{" t":["a",1]},"user":"alice"}';
    expect(await cli('store', 'set', id, payload, '--store', url(), '--ttl', '60')).toEqual({ code: 0, stdout: '', stderr: '' });
    const got = await cli('store', 'get', id, '--store', url());
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(`${payload}\n`);
    const listed = await cli('store', 'list', '--store', url());
    expect(listed.stdout.split('\n')).toContain(id);
    expect((await cli('store', 'delete', id, '--store', url())).code).toBe(0);
    const gone = await cli('store', 'get', id, '--store', url());
    expect(gone).toEqual({ code: 1, stdout: '', stderr: `no session stored under session:${id}\n` });
  });
});

describe('sessionkit store: only set creates storage', () => {
  it('list, get, delete and purge of a missing SQLite file, folder or table create nothing and find no session', async () => {
    const table = `sk_cli_readonly_${randomBytes(4).toString('hex')}`;
    const emptyDb = join(dir, 'empty.db');
    new Database(emptyDb).close(); // a database file without the sessions table
    const missing = [
      { url: `sqlite://${join(dir, 'absent.db')}`, what: `the database file ${join(dir, 'absent.db')}` },
      { url: `sqlite://${emptyDb}`, what: 'the table sessions' },
      { url: `file://${join(dir, 'absent-folder')}`, what: `the session folder ${join(dir, 'absent-folder')}` },
      { url: `postgres://postgres@127.0.0.1:5432/test?table=${table}`, what: `the table ${table}` },
      { url: `mysql://root@127.0.0.1:3306/test?table=${table}`, what: `the table ${table}` },
    ];
    for (const { url, what } of missing) {
      expect(await cli('store', 'list', '--store', url), url).toEqual({ code: 0, stdout: '', stderr: `no sessions: ${what} does not exist\n` });
      expect(await cli('store', 'get', 'abc', '--store', url), url).toEqual({
        code: 1,
        stdout: '',
        stderr: `no session stored under session:abc (${what} does not exist)\n`,
      });
      expect(await cli('store', 'delete', 'abc', '--store', url), url).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await cli('store', 'purge', '--store', url), url).toEqual({ code: 0, stdout: 'removed 0 expired session(s)\n', stderr: '' });
      expect((await cli('store', 'purge', '--all', '--store', url)).stdout, url).toBe('removed 0 session(s)\n');
    }
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);
    expect(existsSync(join(dir, 'absent-folder'))).toBe(false);
    const db = new Database(emptyDb, { readonly: true });
    expect(db.prepare("select name from sqlite_master where type = 'table'").all()).toEqual([]);
    db.close();
    const pgClient = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await pgClient.connect();
    try {
      expect((await pgClient.query('select to_regclass($1) as found', [table])).rows[0].found).toBeNull();
    } finally {
      await pgClient.end();
    }
    const mysqlConnection = await mysql.createConnection({ uri: 'mysql://root@127.0.0.1:3306/test' });
    try {
      expect((await mysqlConnection.query('show tables like ?', [table]))[0]).toEqual([]);
    } finally {
      await mysqlConnection.end();
    }

    // set creates what it needs; the others then see the session.
    const url = `sqlite://${join(dir, 'absent.db')}`;
    expect((await cli('store', 'set', 'abc', '{"a":1}', '--store', url)).code).toBe(0);
    expect(await cli('store', 'list', '--store', url)).toEqual({ code: 0, stdout: 'abc\n', stderr: '' });
  });

  it('a store that cannot be reached fails with its reason, the password replaced by ***', async () => {
    const result = await cli('store', 'list', '--store', 'postgres://postgres:hunter2-password@127.0.0.1:1/test');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sessionkit store: The sql \(postgres\) session store failed during ready: cannot reach the database at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: connect ECONNREFUSED/);
    expect(result.stderr).not.toContain('hunter2-password');
  });
});

describe('sessionkit store with an id that starts with "-"', () => {
  it('takes it after "--"', async () => {
    const url = `sqlite://${join(dir, 'dash.db')}`;
    const id = `-${randomBytes(32).toString('base64url').slice(1)}`;
    expect((await cli('store', 'set', '--store', url, '--', id, '{"a":1}')).code).toBe(0);
    expect((await cli('store', 'get', '--store', url, '--', id)).stdout).toBe('{"a":1}\n');
  });
});

describe('sessionkit store purge', () => {
  it('removes expired sessions from a store without native expiry, or all with --all', async () => {
    const url = `sqlite://${join(dir, 'purge.db')}`;
    await cli('store', 'set', sid(), '{"a":1}', '--store', url, '--ttl', '1');
    const keep = sid();
    await cli('store', 'set', keep, '{"a":2}', '--store', url);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await cli('store', 'purge', '--store', url)).stdout).toBe('removed 1 expired session(s)\n');
    expect((await cli('store', 'list', '--store', url)).stdout).toBe(`${keep}\n`);
    expect((await cli('store', 'purge', '--all', '--store', url)).stdout).toBe('removed 1 session(s)\n');
  });

  it('refuses bad arguments with exit 2', async () => {
    expect((await cli('store', 'get', '--store', 'memory://')).code).toBe(2);
    expect((await cli('store', 'get', 'x')).code).toBe(2);
    expect((await cli('store', 'fetch', 'x', '--store', 'memory://')).code).toBe(2);
    expect((await cli('store', 'set', 'x', '{}', '--store', 'memory://', '--ttl', 'soon')).code).toBe(2);
    expect((await cli('store', 'set', 'x', '[1]', '--store', 'memory://')).code).toBe(2);
    expect((await cli('store', 'get', 'x', '--store', 'memory://', '--format', 'json')).code).toBe(2);
    const unknown = await cli('store', 'list', '--store', 'gopher://x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unsupported store URL scheme/);
    expect(unknown.stderr).toContain('Usage: sessionkit store');
  });
});

describe('sessionkit store --flask-session', () => {
  const SECRET = 'cli-shared-secret';
  let redis: ReturnType<typeof createClient>;
  let memcached: ChildServer;
  let ask: (request: Record<string, unknown>) => Promise<Record<string, unknown>>;
  let stop: () => void;

  beforeAll(async () => {
    redis = createClient({ url: 'redis://127.0.0.1:6379' });
    redis.on('error', () => {});
    await redis.connect();
    memcached = await startMemcached();
    const peer = spawn(PYTHON, [fileURLToPath(new URL('./py/flask_session_peer.py', import.meta.url)), '6379', SECRET]);
    const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
    ask = async (request) => {
      peer.stdin.write(`${JSON.stringify(request)}\n`);
      const { value } = await lines.next();
      return JSON.parse(value as string) as Record<string, unknown>;
    };
    stop = () => peer.kill();
  });
  afterAll(async () => {
    stop?.();
    await memcached?.stop();
    await redis?.quit();
  });

  it('get prints what Flask stored, as JSON', async () => {
    const { cookie } = (await ask({ op: 'set', values: { user: 'alice', blob: { $bytes: '00ff' }, when: { $datetime: 1893553445 } } })) as { cookie: string };
    const id = cookie.split('.')[0]!;
    const got = await cli('store', 'get', id, '--store', 'redis://127.0.0.1:6379/0', '--flask-session');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ _permanent: true, user: 'alice', blob: 'AP8=', when: '2030-01-02T03:04:05Z' });
    await redis.del(`session:${id}`);
  });

  it('set writes a session Flask opens', async () => {
    const id = sid();
    const result = await cli('store', 'set', id, '{"_permanent":true,"user":"bob","n":[1,2]}', '--store', 'redis://127.0.0.1:6379/0', '--flask-session', '--ttl', '120');
    expect(result.code).toBe(0);
    expect(await redis.ttl(`session:${id}`)).toBeGreaterThan(110);
    const cookie = new Signer({ secret: SECRET, salt: 'flask-session', keyDerivation: 'hmac' }).sign(id);
    const seen = (await ask({ op: 'get', cookie })) as { session: Record<string, unknown> };
    expect(seen.session).toEqual({ _permanent: true, user: 'bob', n: [1, 2] });
    await redis.del(`session:${id}`);
  });

  it('round-trips through memcached in the Flask-Session layout (msgpack and JSON)', async () => {
    const url = `memcached://127.0.0.1:${memcached.port}`;
    for (const format of ['msgpack', 'json']) {
      const id = sid();
      expect((await cli('store', 'set', id, '{"user":"carol","x":1.5}', '--store', url, '--flask-session', '--format', format)).code).toBe(0);
      const got = await cli('store', 'get', id, '--store', url, '--flask-session', '--format', format);
      expect(JSON.parse(got.stdout)).toEqual({ user: 'carol', x: 1.5 });
      // the sessionkit layout does not misread a Flask-Session item
      const native = await cli('store', 'get', id, '--store', url);
      expect(native.code).toBe(1);
    }
  });
});
