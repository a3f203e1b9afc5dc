/**
 * The code snippets of README.md and docs/*.md, and the files they are taken from.
 *
 * Every TypeScript or JavaScript code block of those pages is announced by a marker on the line
 * before its fence, naming the file that holds it:
 *
 *     <!-- example: examples/readme/quick-start.ts -->
 *
 * The block is the file's `// #region snippet` … `// #endregion snippet` parts, each dedented,
 * joined by line breaks — or the whole file when it has no such region. (`path#name` selects the
 * regions called `name`.) So the code around a snippet — imports, the app, `listen()` — lives in
 * the file, which is type-checked and run as a whole.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The pages whose code blocks are checked. */
export function documentationPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`);
  return ['README.md', ...docs.sort()];
}

/** Fence languages that are code to check (others — sh, sql, text — are shown as they are). */
export const CODE_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'tsx', 'mjs', 'cjs']);

const FENCE = /^```(\S*)\s*$/;
const MARKER = /^<!-- example: (\S+?)(?:#(\S+))? -->$/;
const REGION_START = /^\s*\/\/ #region (\S+)\s*$/;
const REGION_END = /^\s*\/\/ #endregion(?: (\S+))?\s*$/;

/** One code block of a page. */
export interface CodeBlock {
  /** The page, relative to the repository root. */
  page: string;
  /** Line number of the opening fence (1-based). */
  line: number;
  /** The fence's language. */
  language: string;
  /** The code between the fences. */
  code: string;
  /** The file the marker names (relative to the root), if there is a marker. */
  source: string | undefined;
  /** The region name the marker selects. */
  region: string;
}

/** Every fenced block of a page, with the example marker preceding it, if any. */
export function codeBlocks(page: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((text, j) => j > i && text.startsWith('```'));
    if (end === -1) throw new Error(`${page}:${i + 1}: unclosed code fence`);
    const marker = i > 0 ? MARKER.exec(lines[i - 1]!) : null;
    blocks.push({
      page,
      line: i + 1,
      language: open[1]!,
      code: lines.slice(i + 1, end).join('\n'),
      source: marker?.[1],
      region: marker?.[2] ?? 'snippet',
    });
    i = end;
  }
  return blocks;
}

/** Removes the indentation every non-empty line shares. */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line) => line.slice(common));
}

/** The snippet a file holds under `region`: its regions of that name, or the whole file. */
export function snippetOf(text: string, region = 'snippet'): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const parts: string[][] = [];
  let current: string[] | undefined;
  let any = false;
  for (const line of lines) {
    const start = REGION_START.exec(line);
    if (start) {
      any = true;
      if (start[1] === region) current = [];
      continue;
    }
    const end = REGION_END.exec(line);
    if (end) {
      if (current && (end[1] === undefined || end[1] === region)) parts.push(dedent(current));
      current = undefined;
      continue;
    }
    current?.push(line);
  }
  if (!any && region === 'snippet') return lines.join('\n');
  return parts.map((part) => part.join('\n')).join('\n');
}

/** Every file under examples/ (relative to the root), sorted. */
export function exampleFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name)) found.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, 'examples'));
  return found.sort();
}

/** Marks an example that is type-checked but not run, with the reason after it. */
export const NOT_RUN = /@example-not-run (.+)$/m;

/** Bare package names an example imports (`express`, `@hono/node-server`), sessionkit excluded. */
export function importedPackages(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?:from|import|require\()\s*\(?\s*'([^'./][^']*)'/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
    if (name !== 'sessionkit') names.add(name);
  }
  return [...names].sort();
}
