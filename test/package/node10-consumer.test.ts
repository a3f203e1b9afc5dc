/**
 * The built package as a consumer gets it, from a folder whose node_modules/sessionkit links to
 * this repository: a classic CommonJS TypeScript project (`moduleResolution: node10`, which
 * ignores `exports`) type-checks against `sessionkit/node` and `sessionkit/stores/memory` thanks
 * to `typesVersions` (a `SessionData` augmentation included, with `skipLibCheck: false`), and
 * fails without it; and every export loads with `require` and `import`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, ROOT } from '../interop/helpers/cli.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TSCONFIG = join(ROOT, 'test', 'package', 'node10', 'tsconfig.json');

/**
 * A consumer of the CommonJS build. The `@ts-expect-error` lines fail the check if a type
 * resolved to `any` (a module found without its declarations).
 */
const CONSUMER = `import http = require('node:http');
import { CookieSessionInterface } from 'sessionkit';
import { withSession, type SessionRequest } from 'sessionkit/node';
import { MemoryStore } from 'sessionkit/stores/memory';

interface Cart { items: number[] }

const sessionInterface = new CookieSessionInterface<Cart>({ secret: 'a long random secret' });
const store: MemoryStore = new MemoryStore({ maxEntries: 10 });

http.createServer(
  withSession({ sessionInterface }, (req: SessionRequest<Cart>, res) => {
    const items: number[] = req.session.get('items') ?? [];
    // @ts-expect-error the session data is typed: items is number[], not string
    const wrong: string = req.session.get('items');
    res.end(String(items.length + String(wrong).length));
  }),
);

// @ts-expect-error MemoryStore is a class with a typed constructor, not any
new MemoryStore({ maxEntries: 'ten' });
void store;

// SessionData, augmented here, types the sessions of interfaces created without a type.
declare module 'sessionkit' {
  interface SessionData { visits?: number }
}
http.createServer(
  withSession({ sessionInterface: new CookieSessionInterface({ secret: 'a long random secret' }) }, (req, res) => {
    const visits: number = req.session.get('visits', 0);
    // @ts-expect-error visits is a number
    req.session.set('visits', 'many');
    req.session.data.visits = visits + 1;
    res.end(String(visits));
  }),
);
`;

let dir: string;

beforeAll(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'sessionkit-node10-'));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A consumer folder with `node_modules/sessionkit` made by `install`, and @types/node. */
function consumer(name: string, install: (target: string) => void): string {
  const folder = join(dir, name);
  mkdirSync(join(folder, 'node_modules', '@types'), { recursive: true });
  install(join(folder, 'node_modules', 'sessionkit'));
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(folder, 'node_modules', '@types', 'node'), 'dir');
  copyFileSync(TSCONFIG, join(folder, 'tsconfig.json'));
  writeFileSync(join(folder, 'consumer.ts'), CONSUMER);
  return folder;
}

function tsc(folder: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, '-p', join(folder, 'tsconfig.json')], { cwd: folder, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('TypeScript with moduleResolution node10 (CommonJS)', () => {
  it('the tsconfig is the classic CommonJS setup', () => {
    const { compilerOptions } = JSON.parse(readFileSync(TSCONFIG, 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(compilerOptions).toMatchObject({ module: 'commonjs', moduleResolution: 'node10', strict: true });
    expect(compilerOptions).not.toHaveProperty('paths');
  });

  it('type-checks sessionkit, sessionkit/node and sessionkit/stores/memory from the built package', () => {
    const folder = consumer('linked', (target) => symlinkSync(ROOT, target, 'dir'));
    const result = tsc(folder);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  it('without typesVersions the subpaths are not found (so the check above depends on it)', () => {
    const folder = consumer('without-types-versions', (target) => {
      mkdirSync(target);
      const { typesVersions: _dropped, ...rest } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(target, 'package.json'), JSON.stringify(rest));
      symlinkSync(join(ROOT, 'dist'), join(target, 'dist'), 'dir');
    });
    const result = tsc(folder);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("Cannot find module 'sessionkit/node'");
    expect(result.output).toContain("Cannot find module 'sessionkit/stores/memory'");
  }, 120_000);
});

describe('every export loads at run time', () => {
  it('with require (CommonJS) and import (ESM), from a consumer folder', () => {
    const folder = consumer('runtime', (target) => symlinkSync(ROOT, target, 'dir'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const stores = readdirSync(join(ROOT, 'dist', 'stores'))
      .filter((file) => file.endsWith('.cjs'))
      .map((file) => file.slice(0, -'.cjs'.length));
    expect(stores).toEqual(expect.arrayContaining(['memory', 'redis', 'sqlite', 'from-url']));
    const specifiers = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .flatMap((key) => (key === './stores/*' ? stores.map((store) => `./stores/${store}`) : [key]))
      .map((key) => `sessionkit${key.slice(1)}`);
    expect(specifiers).toContain('sessionkit/node');
    const script = `
      const specifiers = ${JSON.stringify(specifiers)};
      const loaded = {};
      for (const specifier of specifiers) loaded[specifier] = [Object.keys(require(specifier)).length];
      Promise.all(specifiers.map((specifier) => import(specifier))).then((modules) => {
        modules.forEach((module, i) => loaded[specifiers[i]].push(Object.keys(module).length));
        process.stdout.write(JSON.stringify(loaded));
      });`;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: folder, encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    const loaded = JSON.parse(result.stdout) as Record<string, [number, number]>;
    expect(Object.keys(loaded)).toEqual(specifiers);
    for (const [specifier, [required, imported]] of Object.entries(loaded)) {
      // store is types only: it exports nothing at run time.
      if (specifier !== 'sessionkit/stores/store') expect(required, specifier).toBeGreaterThan(0);
      expect(imported, specifier).toBe(required);
    }
  }, 60_000);
});
