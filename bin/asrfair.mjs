#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs as `prepare`). When dist/ is
// missing or any file under src/ is newer than the build, runs the sources through tsx instead, so an
// edit is never shadowed by a stale build.
import { join } from 'node:path';
import { builtIsFresh } from './dist-fresh.mjs';

const root = join(import.meta.dirname, '..');

let main;
if (builtIsFresh(root)) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
