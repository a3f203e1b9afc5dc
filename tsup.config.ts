import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

/** Every module under these folders is its own public entry point (a subpath export). */
function entriesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'cli/index': 'src/cli/index.ts',
    ...Object.fromEntries(
      [...entriesIn('src/stores'), ...entriesIn('src/adapters')].map((f) => [
        f.replace(/^src\//, '').replace(/\.ts$/, ''),
        f,
      ]),
    ),
    // Each store folder's index.ts is its entry (src/stores/redis/index.ts → stores/redis), over
    // a module of the same name beside the folders.
    ...Object.fromEntries(
      readdirSync('src/stores', { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(`src/stores/${entry.name}/index.ts`))
        .map((entry) => [`stores/${entry.name}`, `src/stores/${entry.name}/index.ts`]),
    ),
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: false,
  clean: true,
  target: 'node20',
  splitting: true,
  shims: true,
});
