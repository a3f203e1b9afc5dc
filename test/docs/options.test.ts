/**
 * The option tables of README.md and docs/*.md agree with the code: every option of every
 * exported options type appears in its table with a default, and every option a table lists
 * exists. The option names are read from the exported types with the TypeScript compiler; the
 * interfaces' and adapters' own lists of accepted names (what `rejectUnknownOptions` checks) must
 * equal them. (The stores build theirs with `optionNames<TheirOptionsType>()`, which the compiler
 * already holds equal to the type.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_OPTION_NAMES } from '../../src/adapters/internal/options.js';
import { COOKIE_SESSION_OPTION_NAMES } from '../../src/interfaces/cookie.js';
import { SERVER_SESSION_OPTION_NAMES } from '../../src/interfaces/server/options.js';
import { ROOT } from '../examples/support/snippets.js';

/** A table in a page: the section it is in, and where its rows are. */
interface TableRef {
  page: string;
  /** The heading line of the section holding the table, as written. */
  heading: string;
  /** For the adapters' shared table: only rows of this adapter. */
  adapter?: string;
}

/** An options type and the tables that document it. */
interface Documented {
  /** The module exporting the type, relative to the root. */
  module: string;
  /** The exported type. */
  type: string;
  tables: TableRef[];
  /** The names the constructor accepts at run time, when it keeps them in a list of its own. */
  accepted?: ReadonlySet<string>;
}

const README_COOKIES: TableRef = { page: 'README.md', heading: '### Cookie settings (every interface)' };
const ADAPTER_BASE: TableRef = { page: 'docs/adapters.md', heading: '## Options' };
const adapterRows = (adapter: string): TableRef => ({ page: 'docs/adapters.md', heading: '## Options', adapter });

const DOCUMENTED: Documented[] = [
  {
    module: 'src/interfaces/cookie.ts',
    type: 'CookieSessionOptions',
    tables: [README_COOKIES, { page: 'README.md', heading: '### `CookieSessionInterface`' }],
    accepted: COOKIE_SESSION_OPTION_NAMES,
  },
  {
    module: 'src/interfaces/server/options.ts',
    type: 'ServerSessionOptions',
    tables: [README_COOKIES, { page: 'README.md', heading: '### `ServerSessionInterface`' }],
    accepted: SERVER_SESSION_OPTION_NAMES,
  },
  { module: 'src/stores/memory/index.ts', type: 'MemoryStoreOptions', tables: [{ page: 'docs/stores.md', heading: '## MemoryStore' }] },
  { module: 'src/stores/filesystem/index.ts', type: 'FileSystemStoreOptions', tables: [{ page: 'docs/stores.md', heading: '## FileSystemStore' }] },
  { module: 'src/stores/sqlite/index.ts', type: 'SqliteStoreOptions', tables: [{ page: 'docs/stores.md', heading: '## SqliteStore' }] },
  { module: 'src/stores/redis/index.ts', type: 'RedisStoreOptions', tables: [{ page: 'docs/stores.md', heading: '## RedisStore' }] },
  { module: 'src/stores/from-url.ts', type: 'OpenStoreOptions', tables: [{ page: 'docs/stores.md', heading: '## Opening a store from a URL' }] },
  { module: 'src/stores/memcached/index.ts', type: 'MemcachedStoreOptions', tables: [{ page: 'docs/stores-more.md', heading: '## MemcachedStore' }] },
  { module: 'src/stores/mongodb/index.ts', type: 'MongoStoreOptions', tables: [{ page: 'docs/stores-more.md', heading: '## MongoStore' }] },
  { module: 'src/stores/sql/index.ts', type: 'SqlStoreOptions', tables: [{ page: 'docs/stores-more.md', heading: '## SqlStore' }] },
  { module: 'src/adapters/node.ts', type: 'NodeSessionOptions', tables: [ADAPTER_BASE, adapterRows('node')], accepted: ADAPTER_OPTION_NAMES.node },
  { module: 'src/adapters/express.ts', type: 'ExpressSessionOptions', tables: [ADAPTER_BASE, adapterRows('express')], accepted: ADAPTER_OPTION_NAMES.express },
  { module: 'src/adapters/fastify.ts', type: 'FastifySessionOptions', tables: [ADAPTER_BASE, adapterRows('fastify')], accepted: ADAPTER_OPTION_NAMES.fastify },
  { module: 'src/adapters/koa.ts', type: 'KoaSessionOptions', tables: [ADAPTER_BASE, adapterRows('koa')], accepted: ADAPTER_OPTION_NAMES.koa },
  { module: 'src/adapters/hono.ts', type: 'HonoSessionOptions', tables: [ADAPTER_BASE, adapterRows('hono')], accepted: ADAPTER_OPTION_NAMES.hono },
  { module: 'src/adapters/fetch.ts', type: 'OpenSessionOptions', tables: [adapterRows('fetch')], accepted: ADAPTER_OPTION_NAMES.fetch },
];

// ---------------------------------------------------------------------------------------------
// The option names of the exported types

let checker: ts.TypeChecker;
let program: ts.Program;

beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json could not be read');
  program = ts.createProgram(
    DOCUMENTED.map((entry) => join(ROOT, entry.module)),
    { ...config.options, noEmit: true },
  );
  checker = program.getTypeChecker();
}, 120_000);

/** Every property name of an exported type; for a union, of any of its members. */
function optionNamesOf(module: string, typeName: string): string[] {
  const source = program.getSourceFile(join(ROOT, module));
  if (!source) throw new Error(`${module} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  let symbol = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === typeName);
  if (!symbol) throw new Error(`${module} does not export ${typeName}`);
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const members = type.isUnion() ? type.types : [type];
  return [...new Set(members.flatMap((member) => checker.getPropertiesOfType(member).map((p) => p.name)))].sort();
}

// ---------------------------------------------------------------------------------------------
// The option tables of the pages

/** One row of an option table: the option names it documents and its default. */
interface OptionRow {
  names: string[];
  defaultText: string;
  adapter: string | undefined;
  line: string;
}

const HEADING = /^(#+) /;

/** The lines of the section a heading starts, up to the next heading of the same or a higher level. */
function section(page: string, heading: string): string[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`${page} has no heading ${heading}`);
  const level = HEADING.exec(heading)![1]!.length;
  const end = lines.findIndex((line, i) => i > start && (HEADING.exec(line)?.[1]?.length ?? Infinity) <= level);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

/**
 * The option names a cell starts with: its leading backticked items (`` `secret`, `secretFallbacks` ``),
 * each up to where an identifier ends (`` `onError(error, req)` `` → `onError`, `` `trustProxy: boolean` `` → `trustProxy`).
 */
function namesIn(cell: string): string[] {
  const leading = /^(?:\s*`[^`]+`\s*,?)+/.exec(cell)?.[0] ?? '';
  return [...leading.matchAll(/`([A-Za-z_$][\w$]*)[^`]*`/g)].map((match) => match[1]!);
}

/** The rows of the tables with an "Option" column in a section. */
function optionRows(ref: TableRef): OptionRow[] {
  const rows: OptionRow[] = [];
  const lines = section(ref.page, ref.heading);
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || !lines[i + 1]?.startsWith('| ---')) continue;
    const header = cells(lines[i]!);
    const option = header.findIndex((h) => h === 'Option');
    const flask = header.findIndex((h) => h.startsWith('Flask'));
    const fallback = header.findIndex((h) => h.startsWith('Default'));
    const adapter = header.findIndex((h) => h === 'Adapter');
    let j = i + 2;
    for (; j < lines.length && lines[j]!.startsWith('|'); j++) {
      if (option === -1) continue;
      const row = cells(lines[j]!);
      const names = [...namesIn(row[option] ?? ''), ...(flask === -1 ? [] : namesIn(row[flask] ?? ''))];
      rows.push({ names, defaultText: fallback === -1 ? '' : (row[fallback] ?? ''), adapter: adapter === -1 ? undefined : row[adapter], line: lines[j]! });
    }
    i = j;
  }
  return rows.filter((row) => (ref.adapter === undefined ? row.adapter === undefined : row.adapter === ref.adapter));
}

// ---------------------------------------------------------------------------------------------

describe('option tables', () => {
  it('reads names from table cells as they are written', () => {
    expect(namesIn('`secret`, `secretFallbacks`')).toEqual(['secret', 'secretFallbacks']);
    expect(namesIn('`onError(error, ctx)` — set `ctx.status` / `ctx.body`')).toEqual(['onError']);
    expect(namesIn('`trustProxy: boolean`, third argument of `openSession`')).toEqual(['trustProxy']);
    expect(namesIn('`pool` (postgres, mysql)')).toEqual(['pool']);
    expect(namesIn('')).toEqual([]);
  });

  for (const entry of DOCUMENTED) {
    describe(entry.type, () => {
      let inType: string[];
      let rows: OptionRow[];
      beforeAll(() => {
        inType = optionNamesOf(entry.module, entry.type);
        rows = entry.tables.flatMap(optionRows);
      });

      it('has options, and tables that list some', () => {
        expect(inType.length).toBeGreaterThan(0);
        expect(rows.length).toBeGreaterThan(0);
      });

      it('documents every option of the type', () => {
        const documented = new Set(rows.flatMap((row) => row.names));
        expect(inType.filter((name) => !documented.has(name))).toEqual([]);
      });

      it('documents only options the type has', () => {
        const extra = rows.flatMap((row) => row.names.filter((name) => !inType.includes(name)).map((name) => `${name} in ${row.line}`));
        expect(extra).toEqual([]);
      });

      it('gives every documented option its default', () => {
        expect(rows.filter((row) => row.names.length === 0 || row.defaultText === '').map((row) => row.line)).toEqual([]);
      });

      if (entry.accepted) {
        it('accepts at run time exactly the options of the type', () => {
          expect([...entry.accepted!].sort()).toEqual(inType);
        });
      }
    });
  }
});
