import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The project's CLI entry point, as `npx asrfair` runs it. */
export const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');

/** Runs the real CLI in a child process and returns its exit code and output (never throws on exit ≠ 0). */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliIn(args);
}

/** `cli` with the arguments as one array, an optional working directory and environment (output up to 16 MB). */
export async function cliIn(args: readonly string[], cwd?: string, env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, env, maxBuffer: 1 << 24 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
