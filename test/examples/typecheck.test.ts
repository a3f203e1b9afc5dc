/**
 * Every example (so every code block of the README and docs) and the typing fixtures of
 * test/package/types/ type-check with `tsc --strict` against the built package, as an
 * application sees it: under nodenext (ESM), bundler, and node10 (CommonJS, where only
 * `typesVersions` finds the subpaths). The fixtures' `@ts-expect-error` lines fail the check if
 * a type gets looser (a session value typed `any`, a wrong type accepted).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from '../interop/helpers/cli.js';
import { RESOLUTIONS, typeCheck, writeConsumer } from '../package/support/consumer.js';
import { exampleFiles, importedPackages, ROOT } from './support/snippets.js';

const TYPE_FIXTURES = 'test/package/types';

/** The examples and the typing fixtures, by their path in the consumer project. */
function projectFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of exampleFiles()) files[file] = readFileSync(join(ROOT, file), 'utf8');
  for (const name of readdirSync(join(ROOT, TYPE_FIXTURES)).filter((f) => f.endsWith('.ts'))) {
    files[`types/${name}`] = readFileSync(join(ROOT, TYPE_FIXTURES, name), 'utf8');
  }
  return files;
}

let dir: string;

beforeAll(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'sessionkit-examples-tsc-'));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('examples and typing fixtures type-check against the built package', () => {
  const files = projectFiles();
  const packages = [...new Set(Object.values(files).flatMap(importedPackages))];

  it('cover the examples, the fixtures and the packages they import', () => {
    expect(Object.keys(files).filter((file) => file.startsWith('examples/')).length).toBeGreaterThan(20);
    expect(Object.keys(files).filter((file) => file.startsWith('types/')).length).toBeGreaterThan(2);
    expect(packages).toEqual(expect.arrayContaining(['express', 'fastify', 'koa', 'hono']));
  });

  for (const resolution of RESOLUTIONS) {
    it(`under moduleResolution ${resolution}, strict`, () => {
      const folder = writeConsumer(join(dir, resolution), { resolution, files, packages });
      const result = typeCheck(folder);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    }, 240_000);
  }
});
