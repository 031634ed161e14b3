#!/usr/bin/env node
// Compiles src/ to dist/ (the CLI runs from there; tsx only when dist/ is missing or older than src/),
// copies the data files src/ reads at run time, and stamps the build. Run by `npm run build` and `prepare`.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
for (const e of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (e.isFile() && !e.name.endsWith('.ts')) {
    const rel = join(e.parentPath, e.name).slice(join(root, 'src').length + 1);
    cpSync(join(root, 'src', rel), join(dist, rel));
  }
}
writeFileSync(join(dist, '.build-stamp'), new Date().toISOString() + '\n');
