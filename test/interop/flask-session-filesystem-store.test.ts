/**
 * Flask-Session's filesystem / cachelib backend through `FileSystemStore({ layout: 'flask-session' })`
 * and `ServerSessionInterface({ serializationFormat: 'pickle' })`: the folders real Flask-Session
 * 0.8 + cachelib 0.17 left (test/fixtures/flask-session-filesystem), the files plain Python wrote
 * (accepted or refused by Flask-Session), files sessionkit writes read back by real CPython
 * (struct + pickle), and cachelib's pruning over the threshold.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { CACHELIB_COUNT_FILE_NAME, cachelibFileName, decodeCachelibCountFile } from '../../src/serialization/cachelib-file.js';
import { FileSystemStore } from '../../src/stores/filesystem/index.js';
import { requireFlask, PYTHON } from './helpers/flask.js';
import { toTyped } from './helpers/pickle.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/flask-session-filesystem/', import.meta.url));
const HOUR_SECONDS = 3600;

interface Listing {
  file_name: string;
  header_uint32_le: number;
  count?: number;
}
interface Vector {
  id: string;
  flask_config: { SESSION_KEY_PREFIX: string; SESSION_USE_SIGNER: boolean };
  requests: { response: { cookies?: { name: string; value: string }[] } }[];
  summary: { store_id: string; session_dict_saved: unknown };
}
interface ReverseVector {
  id: string;
  cookie_sent: string;
  flask_config: { SESSION_KEY_PREFIX: string; SESSION_USE_SIGNER: boolean };
  store_id: string;
  written_by_plain_python: { file_name: string; file_b64: string };
  expected_flask_sees_session: boolean;
  expected_session?: unknown;
}
interface ThresholdStep {
  name: string;
  sid: string;
  lifetime_seconds: number;
  listing_after: Listing[];
}
const FIXTURE = JSON.parse(readFileSync(join(FIXTURE_DIR, 'filesystem.json'), 'utf8')) as {
  generated_at_utc: string;
  secret_key: string;
  vectors: Vector[];
  reverse_vectors: ReverseVector[];
  directories: Record<string, Listing[]>;
  threshold_demo: { steps: ThresholdStep[] };
};
/** The time the vectors were recorded, so their files are as live as they were for Flask. */
const RECORDED_AT_MS = Date.parse(FIXTURE.generated_at_utc);

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sessionkit-flaskfs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
const freshDir = (): string => join(root, `dir-${++counter}`);

function flaskInterface(dir: string, clock: () => number, config = { SESSION_KEY_PREFIX: 'session:', SESSION_USE_SIGNER: false }): ServerSessionInterface {
  return new ServerSessionInterface({
    store: new FileSystemStore({ dir, layout: 'flask-session', clock }),
    serializationFormat: 'pickle',
    SECRET_KEY: FIXTURE.secret_key,
    SESSION_KEY_PREFIX: config.SESSION_KEY_PREFIX,
    SESSION_USE_SIGNER: config.SESSION_USE_SIGNER,
    clock,
  });
}

describe('folders Flask-Session 0.8 left, read through the interface', () => {
  it.each(Object.keys(FIXTURE.directories))('%s: every session reads as Flask saved it', async (folder) => {
    const dir = freshDir();
    await cp(join(FIXTURE_DIR, folder), dir, { recursive: true });
    const byFileName = new Map(FIXTURE.vectors.map((v) => [cachelibFileName(v.summary.store_id), v]));
    let read = 0;
    for (const { file_name } of FIXTURE.directories[folder] as Listing[]) {
      const vector = byFileName.get(file_name);
      if (!vector) continue;
      const { SESSION_KEY_PREFIX, SESSION_USE_SIGNER } = vector.flask_config;
      const iface = flaskInterface(dir, () => RECORDED_AT_MS, { SESSION_KEY_PREFIX, SESSION_USE_SIGNER });
      const cookie = vector.requests.flatMap((r) => r.response.cookies ?? []).findLast((c) => c.name === 'session' && c.value !== '');
      const session = await iface.open(`session=${cookie!.value}`).load();
      expect(session.isNew, vector.id).toBe(false);
      expect(toTyped(session.toObject()), vector.id).toEqual(vector.summary.session_dict_saved);
      read++;
    }
    expect(read).toBeGreaterThan(3);
  });
});

describe('files plain Python wrote (reverse vectors)', () => {
  it.each(FIXTURE.reverse_vectors.map((r) => [r.id, r] as const))('%s: a session exactly when Flask-Session saw one', async (_id, vector) => {
    const dir = freshDir();
    await mkdir(dir);
    const { SESSION_KEY_PREFIX, SESSION_USE_SIGNER } = vector.flask_config;
    const iface = flaskInterface(dir, () => RECORDED_AT_MS, { SESSION_KEY_PREFIX, SESSION_USE_SIGNER });
    const written = vector.written_by_plain_python;
    await writeFile(join(dir, written.file_name), Buffer.from(written.file_b64, 'base64'));
    const session = await iface.open(vector.cookie_sent).load();
    if (vector.expected_flask_sees_session) {
      expect(session.isNew).toBe(false);
      expect(toTyped(session.toObject())).toEqual(vector.expected_session);
    } else {
      // an expired or refused file is no session: a fresh one, never an error
      expect(session.isNew).toBe(true);
      // (a new session holds nothing but, under SESSION_PERMANENT, `_permanent`)
      expect(Object.keys(session.toObject()).filter((key) => key !== '_permanent')).toEqual([]);
    }
  });
});

/** Reads a cachelib folder with plain CPython: struct + pickle, as cachelib's `get()` does. */
function readWithPython(dir: string, fileName: string): { expiry: number; session: unknown; count: number } {
  const script = `
import json, os, pickle, struct, sys, base64, datetime
d, name, count_name = sys.argv[1:4]
def typed(v):
    if isinstance(v, bytes): return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, tuple): return {"$tuple": [typed(x) for x in v]}
    if isinstance(v, list): return [typed(x) for x in v]
    if isinstance(v, dict): return {k: typed(x) for k, x in v.items()}
    if isinstance(v, float): return {"$float": repr(v)}
    if isinstance(v, datetime.datetime): return {"$datetime": v.isoformat()}
    return v
with open(os.path.join(d, name), "rb") as f:
    expiry = struct.unpack("I", f.read(4))[0]
    session = pickle.load(f)
with open(os.path.join(d, count_name), "rb") as f:
    assert struct.unpack("I", f.read(4))[0] == 0
    count = pickle.load(f)
print(json.dumps({"expiry": expiry, "session": typed(session), "count": count}))
`;
  const result = spawnSync(PYTHON, ['-c', script, dir, fileName, CACHELIB_COUNT_FILE_NAME], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { expiry: number; session: unknown; count: number };
}

describe('files sessionkit writes', () => {
  beforeAll(() => requireFlask());

  it('are cachelib files CPython reads to the session, with the count file kept', async () => {
    const dir = freshDir();
    const now = RECORDED_AT_MS;
    const iface = flaskInterface(dir, () => now);
    const session = iface.open(undefined);
    session.set('user', 'Zoë');
    session.set('cart', [1, 2, 3]);
    session.set('raw', Buffer.from([0, 1, 255]));
    const { setCookie } = await iface.save(session);
    const sid = setCookie[0]!.slice('session='.length, setCookie[0]!.indexOf(';'));
    const fileName = cachelibFileName(`session:${sid}`);

    const seen = readWithPython(dir, fileName);
    expect(seen.session).toEqual({ _permanent: true, user: 'Zoë', cart: [1, 2, 3], raw: { $bytes: 'AAH/' } });
    // Flask's default PERMANENT_SESSION_LIFETIME, 31 days, as int(now) + lifetime
    expect(seen.expiry).toBe(Math.floor(now / 1000) + 31 * 24 * HOUR_SECONDS);
    expect(seen.count).toBe(1);
    expect((await stat(join(dir, fileName))).mode & 0o777).toBe(0o600);
    // only names cachelib ignores or owns are left besides the session
    expect((await readdir(dir)).sort()).toEqual([fileName, CACHELIB_COUNT_FILE_NAME].sort());

    // an update keeps the count; destroying the session lowers it
    const again = await iface.open(`session=${sid}`).load();
    again.set('user', 'Åsa');
    await iface.save(again);
    expect(readWithPython(dir, fileName)).toMatchObject({ session: { user: 'Åsa' }, count: 1 });
    const other = iface.open(undefined);
    other.set('n', 1);
    await iface.save(other);
    const gone = await iface.open(`session=${sid}`).load();
    gone.destroy();
    await iface.save(gone);
    expect(await readdir(dir)).not.toContain(fileName);
    expect(decodeCachelibCountFile(readFileSync(join(dir, CACHELIB_COUNT_FILE_NAME)))).toBe(1);
  });

  it("prune as cachelib's set() does: over the threshold, expired files, then the smallest expiry", async () => {
    const { steps } = FIXTURE.threshold_demo;
    // The first step's expiry header is the recording time plus its lifetime.
    const first = steps[0]!;
    const startSeconds = first.listing_after.find((l) => l.count === undefined)!.header_uint32_le - first.lifetime_seconds;
    const dir = freshDir();
    const store = new FileSystemStore({ dir, layout: 'flask-session', threshold: 2, clock: () => startSeconds * 1000 });
    for (const step of steps) {
      expect(await store.create(`session:${step.sid}`, new TextEncoder().encode(step.name), step.lifetime_seconds * 1000)).not.toBeNull();
      const listing = [];
      for (const name of (await readdir(dir)).sort()) {
        const bytes = readFileSync(join(dir, name));
        const entry: Listing = { file_name: name, header_uint32_le: bytes.readUInt32LE(0) };
        if (name === CACHELIB_COUNT_FILE_NAME) entry.count = decodeCachelibCountFile(bytes);
        listing.push(entry);
      }
      const recorded = step.listing_after.map(({ file_name, header_uint32_le, count }) => (count === undefined ? { file_name, header_uint32_le } : { file_name, header_uint32_le, count }));
      expect(listing, step.name).toEqual(recorded.sort((a, b) => a.file_name.localeCompare(b.file_name)));
    }
  });
});
