/**
 * express-session habits fail loudly in plain JavaScript: a sloppy-mode CommonJS Express app
 * (fixtures/express-session-habits.cjs) on the built package gets a TypeError that says what to
 * write for each, instead of a silently lost write or a request that never ends.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, ROOT } from '../interop/helpers/cli.js';

interface RouteResult {
  status: number;
  body: string;
  setCookie: number;
}

let results: Record<string, RouteResult> & { sloppy: boolean };

beforeAll(async () => {
  await buildOnce();
  const run = spawnSync(process.execPath, [join(ROOT, 'test', 'package', 'fixtures', 'express-session-habits.cjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  results = JSON.parse(run.stdout) as typeof results;
}, 240_000);

/** The error an errored route answered with. */
function errorOf(route: string): { name: string; message: string } {
  const result = results[route]!;
  expect(result.status).toBe(500);
  return JSON.parse(result.body) as { name: string; message: string };
}

describe('express-session habits in sloppy-mode JavaScript', () => {
  it('runs in sloppy mode', () => {
    expect(results.sloppy).toBe(true);
  });

  it('req.session.user = … throws a TypeError naming set() and data', () => {
    const error = errorOf('/assign');
    expect(error.name).toBe('TypeError');
    expect(error.message).toContain("session.set('user', value)");
    expect(error.message).toContain('session.data.user = value');
  });

  it('assigning a read-only property throws instead of being ignored', () => {
    const error = errorOf('/assign-id');
    expect(error.name).toBe('TypeError');
    expect(error.message).toContain('session.id is read-only');
  });

  it('regenerate(callback) and destroy(callback) throw instead of never calling back', () => {
    for (const route of ['/regenerate', '/destroy']) {
      const error = errorOf(route);
      expect(error.name).toBe('TypeError');
      expect(error.message).toMatch(/takes no callback/);
    }
  });

  it('save(callback) and session.cookie throw with what to do instead', () => {
    expect(errorOf('/save').message).toMatch(/^session\.save\(\) does not exist: sessionkit saves the session for you/);
    expect(errorOf('/cookie').message).toMatch(/permanentLifetime/);
  });

  it('set() and data work, and JSON.stringify shows the data', () => {
    const result = results['/set']!;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ user: 'alice', visits: 1 });
    expect(result.setCookie).toBe(1);
  });
});
