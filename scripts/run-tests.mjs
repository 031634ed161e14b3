#!/usr/bin/env node
// Runs vitest and ends with a plain "Tests: N passed, N failed" line that any CI can read.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.tmp', 'vitest-results.json');
mkdirSync(join(root, '.tmp'), { recursive: true });
rmSync(out, { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (existsSync(out)) {
  const res = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
  console.log(`Tests: ${res.numPassedTests} passed, ${res.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
process.exit(r.status ?? 1);
