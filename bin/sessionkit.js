#!/usr/bin/env node
// Entry point of the `sessionkit` command: runs the built CLI (built by `npm install` via `prepare`).
import { main } from '../dist/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
