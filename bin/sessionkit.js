#!/usr/bin/env node
// Entry point of the `sessionkit` command: runs the built CLI. The npm package ships it built; a
// clone of the repository builds it with `npm run build`.
import { fileURLToPath, URL } from 'node:url';

const built = new URL('../dist/cli/index.js', import.meta.url);

let cli;
try {
  cli = await import(built.href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(fileURLToPath(built))) throw error;
  process.stderr.write('sessionkit: the CLI is not built (dist/cli/index.js is missing); run `npm run build` in the repository first\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
