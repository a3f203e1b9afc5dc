#!/usr/bin/env node
// The `prepare` script. When sessionkit is installed from git (`npm install
// github:sessionkit/sessionkit`), npm clones it, installs its devDependencies, runs `prepare`
// (never `prepack`: measured with npm 11.19, see npm/cli#1865) with `npm_package_resolved` set to
// the clone, and packs the clone; dist/ must be built by then, so this builds it. `npm install`
// or `npm ci` in a working copy runs `prepare` without that variable and builds nothing: the
// tests and the demo need no build, and `npm run build` makes the `sessionkit` command. `npm pack`
// and `npm publish` build in `prepack`, before this runs and finds dist/ there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const packingThisFolder = Boolean(process.env.npm_package_resolved);
const built = existsSync(new URL('../dist/index.js', import.meta.url));

if (packingThisFolder && !built) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = build.status ?? 1;
}
