/**
 * Benches time the command a user runs: `node bin/asrfair.mjs <command>` from the compiled `dist/`
 * (what `npm ci` builds), with its start-up, input reading and report writing, not only the inner loop.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stopwatch } from './cpu.ts';
import { builtIsFresh } from '../bin/dist-fresh.mjs';

const ROOT = join(import.meta.dirname, '..');
/** The CLI entry point users run (`npx asrfair`). */
export const BIN = join(ROOT, 'bin/asrfair.mjs');

/**
 * Builds dist/ (`npm run build`) when it is missing or stale, so the bench times the compiled CLI and
 * not the sources through tsx. Throws when the build fails. Do not edit src/ while a bench runs.
 */
export function ensureBuilt(): void {
  if (builtIsFresh(ROOT)) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}${build.stdout}`);
  if (!builtIsFresh(ROOT)) throw new Error('dist/ is still older than src/ after the build (is src/ being edited?)');
}

/** Wall and CPU seconds of a finished command and of its whole process tree (every child it waited for). */
export interface CliCost {
  wall: number;
  cpu: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `asrfair <args>` as a child process and measures it with `stopwatch` (bench/cpu.ts): the CPU of
 * this process plus every reaped descendant, so start the bench's other work only after it returns.
 * Rejects when the command exits non-zero, with its stderr's last lines.
 */
export function timeCli(args: readonly string[], opts: { cwd?: string } = {}): Promise<CliCost> {
  return new Promise((resolve, reject) => {
    const w = stopwatch();
    const p = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const c = w();
      if (code === 0) resolve({ ...c, stdout, stderr });
      else reject(new Error(`asrfair ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}
