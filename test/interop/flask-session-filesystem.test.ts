/**
 * Flask-Session's filesystem / cachelib backend: the files real Flask-Session 0.8.0 + cachelib 0.17
 * wrote (test/fixtures/flask-session-filesystem, recorded by the interop vectors), the files plain
 * Python wrote that Flask-Session accepted or refused, and both directions against real CPython
 * (/usr/bin/python3, plain `pickle`) through test/interop/py/pickle_peer.py.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CACHELIB_COUNT_FILE_NAME,
  CachelibFileError,
  cachelibExpiresAt,
  cachelibFileName,
  decodeCachelibCountFile,
  decodeCachelibFile,
  encodeCachelibFile,
  isCachelibEntryLive,
  isCachelibManagementFile,
} from '../../src/serialization/cachelib-file.js';
import { dumpsFlaskSession, dumpsPickle, loadsRestricted, PickleDecodeError, PickleRejectedError } from '../../src/serialization/pickle.js';
import { requireFlask } from './helpers/flask.js';
import { mutatePickle, prng, runPicklePeer, toTyped, ValueGenerator } from './helpers/pickle.js';

const FIXTURE_DIR = new URL('../fixtures/flask-session-filesystem/', import.meta.url);

interface StorageAfter {
  file_name: string;
  exists: boolean;
  file_b64?: string;
  header_uint32_le?: number;
  unpickled?: unknown;
}
interface Request {
  request: string;
  session_interface_calls: { op: string; session_dict?: unknown }[];
  store_id: string;
  storage_after: StorageAfter;
  expiry?: { request_started_unix: number; request_finished_unix: number; storage_expiry_stored: number };
}
interface Vector {
  id: string;
  flask_config: { PERMANENT_SESSION_LIFETIME: number };
  requests: Request[];
  summary: { store_id: string; session_dict_saved: unknown };
}
interface ReverseVector {
  id: string;
  store_id: string;
  written_by_plain_python: { file_name: string; expiry_header: number; session_written: unknown; file_b64: string };
  expected_flask_sees_session: boolean;
  expected_session?: unknown;
  exception_in_flask?: string;
  storage_after_open: StorageAfter;
}
interface Listing {
  file_name: string;
  header_uint32_le: number;
  count?: number;
}
const FIXTURE = JSON.parse(readFileSync(new URL('filesystem.json', FIXTURE_DIR), 'utf8')) as {
  generated_at_utc: string;
  vectors: Vector[];
  reverse_vectors: ReverseVector[];
  directories: Record<string, Listing[]>;
};

/** Every request that left a file, with the session dict it holds (the vectors refer back to earlier records). */
function recordedFiles(): { name: string; vector: Vector; request: Request; file: Buffer; session: unknown }[] {
  const out: { name: string; vector: Vector; request: Request; file: Buffer; session: unknown }[] = [];
  for (const vector of FIXTURE.vectors) {
    let last: unknown;
    for (const request of vector.requests) {
      const saved = request.session_interface_calls.find((c) => c.op === '_upsert_session')?.session_dict;
      if (saved !== undefined && typeof saved !== 'string') last = saved;
      const { file_b64, unpickled } = request.storage_after;
      if (file_b64 === undefined) continue;
      const session = typeof unpickled === 'string' ? last : unpickled;
      out.push({ name: `${vector.id} ${request.request}`, vector, request, file: Buffer.from(file_b64, 'base64'), session });
    }
  }
  return out;
}
const FILES = recordedFiles();

describe('files Flask-Session 0.8 wrote', () => {
  it.each(FILES.map((f) => [f.name, f] as const))('%s: decodes to the recorded session and re-encodes byte for byte', (_name, { request, file, session }) => {
    const entry = decodeCachelibFile(file);
    expect(toTyped(entry.data)).toEqual(session);
    expect(entry.expiresAt).toBe(request.storage_after.header_uint32_le);
    expect(Buffer.from(encodeCachelibFile(entry.data, entry.expiresAt)).equals(file)).toBe(true);
    expect(cachelibFileName(request.store_id)).toBe(request.storage_after.file_name);
  });

  it('dates files as cachelib does: int(now) + int(lifetime) at the time of the write', () => {
    let checked = 0;
    for (const vector of FIXTURE.vectors) {
      for (const { expiry, storage_after } of vector.requests) {
        if (!storage_after.exists || expiry === undefined) continue;
        const lifetime = vector.flask_config.PERMANENT_SESSION_LIFETIME;
        expect(expiry.storage_expiry_stored).toBeGreaterThanOrEqual(cachelibExpiresAt(expiry.request_started_unix, lifetime));
        expect(expiry.storage_expiry_stored).toBeLessThanOrEqual(cachelibExpiresAt(expiry.request_finished_unix, lifetime));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(70);
  });

  it.each(Object.keys(FIXTURE.directories))('reads every file cachelib left in %s', (folder) => {
    const listing = FIXTURE.directories[folder] as Listing[];
    const names = readdirSync(new URL(`${folder}/`, FIXTURE_DIR)).sort();
    expect(names).toEqual(listing.map((l) => l.file_name).sort());
    const byFileName = new Map(FIXTURE.vectors.map((v) => [cachelibFileName(v.summary.store_id), v]));
    const entries = names.filter((n) => !isCachelibManagementFile(n));
    for (const name of names) {
      const file = readFileSync(new URL(`${folder}/${name}`, FIXTURE_DIR));
      const listed = listing.find((l) => l.file_name === name) as Listing;
      if (name === CACHELIB_COUNT_FILE_NAME) {
        expect(decodeCachelibCountFile(file)).toBe(listed.count);
        expect(listed.count).toBe(entries.length);
        continue;
      }
      const entry = decodeCachelibFile(file);
      expect(entry.expiresAt).toBe(listed.header_uint32_le);
      expect(toTyped(entry.data)).toEqual(byFileName.get(name)?.summary.session_dict_saved);
      expect(Buffer.from(encodeCachelibFile(entry.data, entry.expiresAt)).equals(file)).toBe(true);
    }
  });
});

describe('files plain Python wrote for Flask-Session (reverse vectors)', () => {
  const now = Date.parse(FIXTURE.generated_at_utc) / 1000;

  it.each(FIXTURE.reverse_vectors.map((r) => [r.id, r] as const))('%s: accepted exactly when Flask-Session accepted it', (_id, vector) => {
    const written = vector.written_by_plain_python;
    const file = Buffer.from(written.file_b64, 'base64');
    expect(cachelibFileName(vector.store_id)).toBe(written.file_name);
    if (vector.exception_in_flask !== undefined) {
      // Flask-Session got something other than a dict and failed with HTTP 500; we refuse the file
      expect(() => decodeCachelibFile(file)).toThrow(CachelibFileError);
    } else {
      const entry = decodeCachelibFile(file);
      expect(entry.expiresAt).toBe(written.expiry_header);
      expect(toTyped(entry.data)).toEqual(written.session_written);
      expect(isCachelibEntryLive(entry.expiresAt, now)).toBe(vector.expected_flask_sees_session);
      if (vector.expected_flask_sees_session) expect(toTyped(entry.data)).toEqual(vector.expected_session);
    }
    // and the file Flask-Session left after that request: rewritten in its own form, or kept as it was
    const after = vector.storage_after_open;
    if (after.file_b64 === written.file_b64) {
      expect(vector.expected_flask_sees_session).toBe(false); // a file Flask-Session did not use is left as it was
    } else if (after.file_b64 !== undefined) {
      const rewritten = Buffer.from(after.file_b64, 'base64');
      const entry = decodeCachelibFile(rewritten);
      expect(toTyped(entry.data)).toEqual(after.unpickled);
      expect(Buffer.from(encodeCachelibFile(entry.data, entry.expiresAt)).equals(rewritten)).toBe(true);
    }
  });
});

interface CorpusCase {
  name: string;
  pickle_b64: string;
  typed: unknown;
  identity: boolean;
}
type LoadResult = { typed: unknown; redump_equal: boolean } | { error: string };

describe('real CPython 3.11 (plain pickle), both directions', () => {
  beforeAll(() => requireFlask());

  it('reads a seeded corpus of Python pickles to the same values, and writes the same bytes back', () => {
    const { cases } = runPicklePeer<{ cases: CorpusCase[] }>(['corpus', '20261201', '300']);
    expect(cases.length).toBeGreaterThan(300);
    const notIdentical: { name: string; pickle: string }[] = [];
    for (const c of cases) {
      const pickle = Buffer.from(c.pickle_b64, 'base64');
      const value = loadsRestricted(pickle);
      expect(toTyped(value), c.name).toEqual(c.typed);
      const again = Buffer.from(dumpsPickle(value));
      if (c.identity) expect(again.equals(pickle), c.name).toBe(true);
      else notIdentical.push({ name: c.name, pickle: again.toString('base64') });
    }
    // where Python's object identity cannot be known, the bytes differ but Python reads the same value
    expect(notIdentical.length).toBeGreaterThan(0);
    const { results } = runPicklePeer<{ results: LoadResult[] }>(['load'], { items: notIdentical.map((n) => n.pickle) });
    results.forEach((result, i) => {
      const original = cases.find((c) => c.name === notIdentical[i]?.name) as CorpusCase;
      expect(result).toMatchObject({ typed: original.typed });
    });
  });

  it("writes pickles Python reads to the intended values, identical to Python's own pickle of them", () => {
    const sessions = Array.from({ length: 300 }, (_, i) => new ValueGenerator(5000 + i).session());
    const items = sessions.map((s) => Buffer.from(dumpsFlaskSession(s)).toString('base64'));
    const { results } = runPicklePeer<{ results: LoadResult[] }>(['load'], { items });
    results.forEach((result, i) => {
      expect(result, `session ${i}`).toEqual({ typed: toTyped(sessions[i]), redump_equal: true });
    });
  });

  it('refuses what the real pickler writes for objects outside the allow-list', () => {
    const { cases } = runPicklePeer<{ cases: { name: string; pickle_b64: string; global: string | null }[] }>(['hostile']);
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) {
      let refused: unknown;
      try {
        loadsRestricted(Buffer.from(c.pickle_b64, 'base64'));
      } catch (error) {
        refused = error;
      }
      expect(refused, c.name).toBeInstanceOf(PickleRejectedError);
      if (c.global !== null) expect((refused as PickleRejectedError).global, c.name).toBe(c.global);
    }
  });

  it('agrees with a restricted CPython unpickler on mutated pickles: what we accept, Python reads to the same value', () => {
    const random = prng(424242);
    const seeds = [...FILES.map((f) => f.file.subarray(4)), ...Array.from({ length: 30 }, (_, i) => Buffer.from(dumpsFlaskSession(new ValueGenerator(900 + i).session())))];
    const inputs = Array.from({ length: 3000 }, () => mutatePickle(seeds[Math.floor(random() * seeds.length)] as Buffer, random));
    const accepted: { input: Buffer; typed: unknown }[] = [];
    for (const input of inputs) {
      try {
        accepted.push({ input, typed: toTyped(loadsRestricted(input)) });
      } catch (error) {
        if (!(error instanceof PickleDecodeError)) throw error;
      }
    }
    const { results } = runPicklePeer<{ results: ({ typed: unknown } | { error: string })[] }>(['restricted'], { items: accepted.map((a) => a.input.toString('base64')) });
    accepted.forEach(({ input, typed }, i) => {
      expect(results[i], `mutated pickle ${input.toString('hex')}`).toEqual({ typed });
    });
    expect(accepted.length).toBeGreaterThan(100);
  });
});
