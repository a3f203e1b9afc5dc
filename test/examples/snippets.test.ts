/**
 * The code blocks of README.md and docs/*.md are real files: each block is the snippet of the
 * example its marker names (see support/snippets.ts), character for character, and every file
 * under examples/<folder>/ is shown by some page. typecheck.test.ts and run.test.ts check and run
 * those files against the built package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODE_LANGUAGES, codeBlocks, documentationPages, exampleFiles, ROOT, snippetOf } from './support/snippets.js';

const pages = documentationPages();
const blocks = pages.flatMap(codeBlocks);
const codeBlocksOnly = blocks.filter((block) => CODE_LANGUAGES.has(block.language));

describe('documentation code blocks', () => {
  it('finds the pages and their code', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/adapters.md', 'docs/stores.md']));
    expect(codeBlocksOnly.length).toBeGreaterThan(20);
  });

  it('announces every TypeScript and JavaScript block with the file it comes from', () => {
    const unmarked = codeBlocksOnly.filter((block) => block.source === undefined).map((block) => `${block.page}:${block.line}`);
    expect(unmarked).toEqual([]);
  });

  for (const block of codeBlocksOnly.filter((b) => b.source !== undefined)) {
    it(`${block.page}:${block.line} is ${block.source}${block.region === 'snippet' ? '' : `#${block.region}`}`, () => {
      const source = block.source!;
      expect(source, 'examples live under examples/ (or are a test file vitest runs)').toMatch(/^(examples\/.+|test\/.+\.test\.ts)$/);
      const path = join(ROOT, source);
      expect(existsSync(path), `${source} exists`).toBe(true);
      const snippet = snippetOf(readFileSync(path, 'utf8'), block.region);
      expect(snippet.length, `${source} has a snippet named ${block.region}`).toBeGreaterThan(0);
      expect(block.code).toBe(snippet);
    });
  }

  it('shows every example file under examples/<folder>/ on some page', () => {
    const shown = new Set(codeBlocksOnly.map((block) => block.source));
    const nested = exampleFiles().filter((file) => file.split('/').length > 2);
    expect(nested.length).toBeGreaterThan(10);
    expect(nested.filter((file) => !shown.has(file))).toEqual([]);
  });
});

describe('snippet extraction', () => {
  it('joins the regions of a file, each dedented, or takes the whole file', () => {
    const file = [
      "import a from 'a';",
      '// #region snippet',
      "import b from 'b';",
      '// #endregion snippet',
      'function main() {',
      '  // #region snippet',
      '  b(a);',
      '  if (a) {',
      '    a();',
      '  }',
      '  // #endregion snippet',
      '  // #region other',
      '  other();',
      '  // #endregion other',
      '}',
      '',
    ].join('\n');
    expect(snippetOf(file)).toBe("import b from 'b';\nb(a);\nif (a) {\n  a();\n}");
    expect(snippetOf(file, 'other')).toBe('other();');
    expect(snippetOf(file, 'missing')).toBe('');
    expect(snippetOf('const x = 1;\nx;\n')).toBe('const x = 1;\nx;');
  });
});
