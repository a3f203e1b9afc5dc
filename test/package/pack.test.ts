/**
 * What `npm pack` puts in the tarball (after a build): the legal and release files, a built file
 * for every target package.json points to, nothing from the sources or the tests, no empty or
 * dangling source maps, and a size within a stated bound.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, ROOT, run } from '../interop/helpers/cli.js';

/** One file of `npm pack --dry-run --json`. */
interface PackedFile {
  path: string;
  size: number;
}

/** The part of `npm pack --dry-run --json` these tests read. */
interface PackResult {
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

/**
 * Size bounds: the package measured 223 KiB packed and 828 KiB unpacked in 127 files when these
 * bounds were first set, and about 1.1 MiB unpacked once sealed cookies, the restricted pickle
 * codec, the Flask-Session and express-session layouts came in. They leave room to grow by about
 * a third, and fail on what has slipped in before: source maps carrying a copy of the sources
 * doubled the unpacked size.
 */
const MAX_PACKED_BYTES = 400 * 1024;
const MAX_UNPACKED_BYTES = 1500 * 1024;

/** The top-level entries the package is meant to contain. */
const ALLOWED_TOP_LEVEL = new Set(['dist', 'bin', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);

/** What a built file in dist/ may be. */
const BUILT_FILE = /\.(js|cjs|d\.ts|d\.cts)$/;

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  module: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
  typesVersions: Record<string, Record<string, string[]>>;
  files: string[];
  scripts: Record<string, string>;
  license: string;
  repository: { url: string };
  homepage: string;
  bugs: { url: string };
  keywords: string[];
};

let pack: PackResult;
let paths: Set<string>;

beforeAll(async () => {
  await buildOnce();
  // --ignore-scripts: the build above is fresh; prepack would clean dist/ under other test files.
  const result = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
  expect(result.code, result.stderr).toBe(0);
  pack = (JSON.parse(result.stdout) as PackResult[])[0]!;
  paths = new Set(pack.files.map((file) => file.path));
}, 240_000);

/** Every string target under an `exports` entry, with the conditions that lead to it. */
function exportTargets(value: unknown, conditions: string[] = []): Array<{ conditions: string[]; target: string }> {
  if (typeof value === 'string') return [{ conditions, target: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([condition, inner]) => exportTargets(inner, [...conditions, condition]));
}

/** The packed files a target matches: itself, or every file a `*` pattern covers, by what `*` stood for. */
function matches(target: string): Map<string, string> {
  const path = target.replace(/^\.\//, '');
  if (!path.includes('*')) return paths.has(path) ? new Map([['', path]]) : new Map();
  const [before, after] = path.split('*') as [string, string];
  const found = new Map<string, string>();
  for (const file of paths) {
    if (file.startsWith(before) && file.endsWith(after) && file.length > before.length + after.length) {
      const star = file.slice(before.length, file.length - after.length);
      if (!star.includes('/')) found.set(star, file);
    }
  }
  return found;
}

describe('npm pack', () => {
  it('contains LICENSE, README.md, CHANGELOG.md, package.json and the command', () => {
    for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'bin/sessionkit.js']) expect(paths, file).toContain(file);
    expect(pkg.files).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md']));
  });

  it('contains nothing beyond dist/, bin/ and the release files: no sources, tests, demo, docs or scripts', () => {
    const outside = [...paths].filter((path) => !ALLOWED_TOP_LEVEL.has(path.split('/')[0]!));
    expect(outside).toEqual([]);
    const notBuilt = [...paths].filter((path) => path.startsWith('dist/') && !BUILT_FILE.test(path));
    expect(notBuilt).toEqual([]);
    expect([...paths].filter((path) => path.startsWith('bin/'))).toEqual(['bin/sessionkit.js']);
  });

  it('has a built file for every target of exports, under every condition', () => {
    const entries = Object.entries(pkg.exports);
    expect(entries.length).toBeGreaterThan(5);
    for (const [subpath, conditions] of entries) {
      const targets = exportTargets(conditions);
      expect(targets.length, subpath).toBeGreaterThan(0);
      const stars = targets.map(({ conditions: path, target }) => {
        const found = matches(target);
        expect(found.size, `${subpath} → ${path.join('.')} → ${target}`).toBeGreaterThan(0);
        return [...found.keys()].sort();
      });
      // A pattern export offers the same modules under every condition (no ESM-only store).
      for (const star of stars) expect(star, subpath).toEqual(stars[0]);
    }
  });

  it('exports every store module as sessionkit/stores/<name>, in ESM, CommonJS and both declaration flavours', () => {
    const storeSources = storeEntryPoints(join(ROOT, 'src', 'stores'));
    expect(storeSources.length).toBeGreaterThan(5);
    for (const name of storeSources) {
      for (const ext of ['js', 'cjs', 'd.ts', 'd.cts']) expect(paths, `${name}.${ext}`).toContain(`dist/stores/${name}.${ext}`);
    }
  });

  it('main, module, types, bin and every typesVersions target exist', () => {
    for (const target of [pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin)]) expect(paths, target).toContain(target.replace(/^\.\//, ''));
    const versions = Object.values(pkg.typesVersions).flatMap((mapping) => Object.entries(mapping));
    expect(versions.length).toBeGreaterThan(5);
    for (const [subpath, targets] of versions) {
      for (const target of targets) expect(matches(target).size, `${subpath} → ${target}`).toBeGreaterThan(0);
    }
  });

  it('typesVersions covers every subpath export that is not the root or package.json', () => {
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== '.' && key !== './package.json').map((key) => key.slice(2));
    expect(Object.keys(pkg.typesVersions['*']!).sort()).toEqual(subpaths.sort());
  });

  it('no source map is empty, and no built file points to a map that is not shipped', () => {
    for (const path of [...paths].filter((file) => file.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { sources: string[]; mappings: string };
      expect(map.sources.length, path).toBeGreaterThan(0);
      expect(map.mappings, path).not.toBe('');
    }
    for (const path of [...paths].filter((file) => /\.c?js$/.test(file) && file.startsWith('dist/'))) {
      const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(ROOT, path), 'utf8'))?.[1];
      if (reference !== undefined) expect(paths, `${path} → ${reference}`).toContain(join(path, '..', reference));
    }
  });

  it(`stays under ${MAX_PACKED_BYTES / 1024} KiB packed and ${MAX_UNPACKED_BYTES / 1024} KiB unpacked`, () => {
    expect(pack.size).toBeGreaterThan(0);
    expect(pack.size).toBeLessThan(MAX_PACKED_BYTES);
    expect(pack.unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
    expect(pack.entryCount).toBe(pack.files.length);
  });
});

describe('package.json and the files a registry page shows', () => {
  it('names the repository, homepage, issue tracker, license and keywords', () => {
    expect(pkg.repository.url).toContain('github.com/sessionkit/sessionkit');
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/sessionkit\/sessionkit/);
    expect(pkg.bugs.url).toBe('https://github.com/sessionkit/sessionkit/issues');
    expect(pkg.license).toBe('MIT');
    expect(pkg.keywords).toEqual(expect.arrayContaining(['session', 'flask', 'express-session']));
  });

  it('LICENSE is the MIT license of the sessionkit contributors', () => {
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 sessionkit contributors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
  });

  it('CHANGELOG.md has an Unreleased section and the version of package.json', () => {
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(changelog).toContain('## [Unreleased]');
    expect(changelog).toContain(`## [${version}]`);
  });

  it('every link in README.md works from the registry page: absolute, as docs/ and examples/ are not in the package', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(link, link).toMatch(/^(https:\/\/|#)/);
    // The files they point to exist in this repository, on the branch the links name.
    for (const link of links.filter((l) => l.startsWith('https://github.com/sessionkit/sessionkit/'))) {
      const path = link.replace(/^https:\/\/github\.com\/sessionkit\/sessionkit\/(blob|tree)\/main\//, '').replace(/#.*$/, '');
      expect(statSync(join(ROOT, path), { throwIfNoEntry: false }), link).toBeDefined();
    }
  });

  it('the build runs before packing, and a working copy does not build on npm install', () => {
    expect(pkg.scripts.prepack).toMatch(/tsup/);
    expect(pkg.scripts.prepare ?? '').not.toMatch(/tsup/);
  });
});

/** The public store modules: each top-level module, and each folder with an index.ts (tsup.config.ts). */
function storeEntryPoints(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const modules = entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => e.name.slice(0, -'.ts'.length));
  const folders = entries.filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'index.ts'))).map((e) => e.name);
  return [...modules, ...folders];
}
