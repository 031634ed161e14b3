/**
 * Start-up cost: a command loads only the packages it uses. `report` reads a run export (no SQLite, no ffmpeg,
 * no queue, no cloud SDK); a local `run` with a `hypotheses` backend needs neither BullMQ nor a cloud SDK (the
 * AWS SDK and openai are imported on those backends' first call). Observed in the real CLI process: an ESM
 * resolve hook logs every module it resolves and, at exit, every CommonJS module in require's cache (BullMQ and
 * fluent-ffmpeg are loaded through require()). A queue worker loads its backend registry before it says it is
 * pulling jobs, so its first job does not wait for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { startRedis, stopChild } from '../scale/helpers.ts';

const REPO = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOOK = join(dir, 'log-modules.mjs');
writeFileSync(
  HOOK,
  `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = process.env.MODULE_LOG;
register('data:text/javascript,' + encodeURIComponent(
  'import { appendFileSync } from "node:fs";' +
  'export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(' + JSON.stringify(out) + ', r.url + "\\\\n"); return r; }'));
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(out, Object.keys(require.cache).join('\\n') + '\\n'));
`,
);

/** Runs the CLI with the module log; returns its exit code, stderr and the package names it loaded. */
function loaded(name: string, args: string[]): { code: number | null; stderr: string; packages: Set<string> } {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, MODULE_LOG: log }, timeout: 120_000 });
  const packages = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1]);
  }
  return { code: r.status, stderr: r.stderr, packages };
}

const CLOUD_AND_QUEUE = ['bullmq', 'ioredis', 'openai', '@aws-sdk/client-transcribe', '@aws-sdk/client-s3'];
const runDir = join(dir, 'artie');

describe('commands load only the packages they use', () => {
  it('a local run of real vendor transcripts (Artie, hypotheses backend) loads no queue and no cloud SDK', () => {
    const r = loaded('run', ['run', 'manifests/suites/artie-vendors.yaml', '--limit', '30', '--store', join(dir, 'store.sqlite'), '--out', runDir, '--no-progress']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    // The hook sees the packages the run does use.
    expect(r.packages).toContain('better-sqlite3');
    expect(r.packages).toContain('yaml');
    for (const p of CLOUD_AND_QUEUE) expect(r.packages, p).not.toContain(p);
  }, 120_000);

  it('report on that run loads no SQLite, ffmpeg, queue or cloud SDK', () => {
    const r = loaded('report', ['report', runDir, '--out', join(dir, 'card')]);
    expect(r.code).toBe(0);
    expect(r.packages).toContain('zod');
    for (const p of ['better-sqlite3', 'fluent-ffmpeg', ...CLOUD_AND_QUEUE]) expect(r.packages, p).not.toContain(p);
    expect(readFileSync(join(dir, 'card', 'card.md'), 'utf8')).toMatch(/^# Accuracy by accent — artie-bias-corpus/m);
  }, 120_000);

  it('a queue worker has loaded the backend registry when it says it is pulling jobs', async () => {
    const redis = await startRedis();
    const log = join(dir, 'worker.log');
    writeFileSync(log, '');
    const proc = spawn(process.execPath, ['--import', HOOK, BIN, 'worker', '--queue', redis.url, '--cache-dir', join(dir, 'worker-audio')], {
      cwd: REPO,
      env: { ...process.env, MODULE_LOG: log },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let err = '';
      await new Promise<void>((ready, fail) => {
        const t = setTimeout(() => fail(new Error(`worker did not start: ${err}`)), 60_000);
        proc.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (err.includes('pulling from')) {
            clearTimeout(t);
            // Everything resolved before this line was loaded before the worker said it was pulling.
            appendFileSync(log, '--pulling--\n');
            ready();
          }
        });
        proc.on('exit', (code) => fail(new Error(`worker exited ${code}: ${err}`)));
      });
    } finally {
      await stopChild(proc, 'SIGTERM');
      await redis.stop();
    }
    const before = readFileSync(log, 'utf8').split('--pulling--')[0];
    expect(before).toMatch(/\/backends\/command\.(ts|js)\n/);
    expect(before).toMatch(/\/backends\/registry\.(ts|js)\n/);
    // The SDKs of backends no job asked for are still not loaded.
    expect(before).not.toMatch(/node_modules\/(openai|@aws-sdk)\//);
    expect(readFileSync(log, 'utf8')).toMatch(/node_modules\/bullmq\//);
  }, 120_000);
});
