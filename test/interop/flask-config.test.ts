/**
 * `fromFlaskConfig`: a Flask app's config gives the interface and store that app uses. Server-side
 * types are checked on files real Flask-Session 0.8 wrote (test/fixtures/flask-session-filesystem).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { fromFlaskConfig } from '../../src/flask-config.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { FileSystemStore } from '../../src/stores/filesystem/index.js';
import { toTyped } from './helpers/pickle.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/flask-session-filesystem/', import.meta.url));
const FIXTURE = JSON.parse(readFileSync(join(FIXTURE_DIR, 'filesystem.json'), 'utf8')) as {
  generated_at_utc: string;
  secret_key: string;
  vectors: {
    id: string;
    flask_config: Record<string, unknown>;
    requests: { response: { cookies?: { name: string; value: string }[] } }[];
    summary: { session_dict_saved: unknown };
  }[];
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sessionkit-flaskconfig-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('fromFlaskConfig', () => {
  it("without SESSION_TYPE gives Flask's signed-cookie sessions", async () => {
    const { sessionInterface, store } = await fromFlaskConfig({ SECRET_KEY: 'k', SESSION_COOKIE_NAME: 'sid', DEBUG: true });
    expect(sessionInterface).toBeInstanceOf(CookieSessionInterface);
    expect(sessionInterface.cookieName).toBe('sid');
    expect(store).toBeUndefined();
  });

  it.each(['filesystem', 'cachelib'] as const)('SESSION_TYPE=%s reads the sessions Flask-Session wrote, with the recorded config', async (type) => {
    // the recorded vectors whose files are still live in the recorded folder of this type
    const vectors = FIXTURE.vectors.filter((v) => v.id.startsWith(`${type}-msgpack-0`) && v.flask_config.SESSION_KEY_PREFIX === 'session:');
    expect(vectors.length).toBeGreaterThan(2);
    const dir = join(root, type);
    await cp(join(FIXTURE_DIR, `filesystem-cache/${type}-msgpack`), dir, { recursive: true });
    for (const vector of vectors) {
      const config: Record<string, unknown> = { ...vector.flask_config, SESSION_TYPE: type };
      // the recorded config names the folder relative to the recording; this one is the copy
      delete config.SESSION_FILE_DIR;
      if (type === 'filesystem') config.SESSION_FILE_DIR = dir;
      else config.SESSION_CACHELIB = dir;
      if (type === 'cachelib') {
        delete config.SESSION_FILE_THRESHOLD;
        delete config.SESSION_FILE_MODE;
      }
      const { sessionInterface, store } = await fromFlaskConfig(config, { clock: () => Date.parse(FIXTURE.generated_at_utc) });
      expect(sessionInterface).toBeInstanceOf(ServerSessionInterface);
      expect(store).toBeInstanceOf(FileSystemStore);
      const cookie = vector.requests.flatMap((r) => r.response.cookies ?? []).findLast((c) => c.name === 'session' && c.value !== '');
      const session = await (sessionInterface as ServerSessionInterface).open(`session=${cookie!.value}`).load();
      expect(session.isNew, vector.id).toBe(false);
      expect(toTyped(session.toObject()), vector.id).toEqual(vector.summary.session_dict_saved);
    }
  });

  it.each([
    ['SESSION_SQLALCHEMY_BIND_KEY', { SESSION_TYPE: 'sqlalchemy', SQLALCHEMY_DATABASE_URI: 'sqlite:///x.db', SESSION_SQLALCHEMY_BIND_KEY: 'users' }],
    ['SESSION_SQLALCHEMY_SCHEMA', { SESSION_TYPE: 'sqlalchemy', SQLALCHEMY_DATABASE_URI: 'sqlite:///x.db', SESSION_SQLALCHEMY_SCHEMA: 's' }],
    ['SESSION_CLEANUP_N_REQUESTS', { SESSION_TYPE: 'mongodb', SESSION_MONGODB: 'mongodb://127.0.0.1', SESSION_CLEANUP_N_REQUESTS: 100 }],
    ['SESSION_TYPE', { SESSION_TYPE: 'dynamodb' }],
    ['SESSION_ID_LENGTH', { SESSION_TYPE: 'redis', SESSION_ID_LENGTH: 16 }],
    ['SESSION_FILE_DIR', { SESSION_TYPE: 'redis', SESSION_FILE_DIR: '/tmp/x' }],
    ['SESSION_USE_SIGNER', { SESSION_USE_SIGNER: true }],
    ['SESSION_TYPO', { SESSION_TYPE: 'redis', SESSION_TYPO: 1 }],
    ['SESSION_MEMCACHED', { SESSION_TYPE: 'memcached', SESSION_MEMCACHED: ['no port'] }],
    ['SQLALCHEMY_DATABASE_URI', { SESSION_TYPE: 'sqlalchemy', SQLALCHEMY_DATABASE_URI: 'oracle://x' }],
  ])('refuses what it cannot honour: %s', async (name, config) => {
    const error = await fromFlaskConfig(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(name);
  });

  it('opens the SQLAlchemy table on SQLite in the Flask-Session layout', async () => {
    const file = join(root, 'flask.db');
    const { sessionInterface, store } = await fromFlaskConfig({ SESSION_TYPE: 'sqlalchemy', SQLALCHEMY_DATABASE_URI: `sqlite:///${file}`, SECRET_KEY: 'k' });
    const iface = sessionInterface as ServerSessionInterface;
    const session = iface.open(undefined);
    session.set('user', 'ann');
    const { setCookie } = await iface.save(session);
    const sid = setCookie[0]!.slice('session='.length, setCookie[0]!.indexOf(';'));
    const again = await iface.open(`session=${sid}`).load();
    expect(again.get('user')).toBe('ann');
    await store?.close?.();
  });
});
