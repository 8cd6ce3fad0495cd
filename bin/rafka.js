#!/usr/bin/env node
// Thin launcher: the broker is compiled to dist/ by `npm ci` (the `prepare` script).
import { main } from '../dist/cli.js';
import { exitWhenStuck } from '../dist/process-exit.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; exitWhenStuck(code); },
  (err) => { console.error(err?.stack ?? String(err)); process.exitCode = 1; exitWhenStuck(1); },
);
