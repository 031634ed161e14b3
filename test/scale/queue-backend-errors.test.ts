/**
 * The Redis worker path treats configuration errors and dead backends as a local run does (issue 12's
 * rules): a configuration error (a rejected key, HTTP 401) is stored nowhere and stops the run with one
 * line, exit 2; a backend whose first 10 calls all fail with one 4xx is not called again, and the run
 * ends with one line and exit 1. Real redis-server, real `asrfair worker` processes, the OpenAI backend
 * against the loopback OpenAI server (real HTTP).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startOpenAIServer, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { SAME_4XX_STOP_AFTER } from '../../src/run/engine.ts';
import { CLI, startRedis, startWorker, tmp, type RedisProcess, type WorkerProcess } from './helpers.ts';

const SECRET = 'sk-queue-UNIQUEkeyVALUE-7731';
let redis: RedisProcess;
let server: OpenAIFakeServer;
const dirs: string[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startOpenAIServer(SECRET);
  server.setResolver(() => undefined); // knows no audio: every call is a 400
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await redis?.stop();
  await server?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** n distinct sox tones, a manifest and a suite with one OpenAI backend (concurrency 1, no retries). */
function workspace(n: number): { dir: string; suite: string } {
  const dir = tmp('asrfair-queue-errors-');
  dirs.push(dir);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = join(dir, `tone${i}.wav`);
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', f, 'synth', '0.3', 'sine', String(300 + 50 * i), 'vol', '0.3']);
    lines.push(JSON.stringify({ id: `t${i}`, audio: `tone${i}.wav`, text: 'a tone', speaker: `s${i % 2}`, labels: { accent: i % 2 ? 'north' : 'south' } }));
  }
  writeFileSync(join(dir, 'manifest.jsonl'), lines.join('\n') + '\n');
  const suite = join(dir, 'suite.yaml');
  writeFileSync(
    suite,
    ['name: qerr', 'manifest: manifest.jsonl', 'groupBy: [accent]', 'concurrency: 1', 'timeoutSec: 20', 'retries: 0', 'backends:',
      '  - name: whisper', '    type: openai', `    options: { baseURL: "${server.baseURL}", model: whisper-1 }`, ''].join('\n'),
  );
  return { dir, suite };
}

/** Queue mode keeps many jobs in flight by default; one at a time makes the stop point exact, as in the local test. */
async function runQueued(dir: string, suite: string, queueName: string, env: Record<string, string>) {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, 'run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--queue', redis.url, '--queue-name', queueName, '--concurrency', '1'], {
      encoding: 'utf8', env: { ...process.env, ...env }, cwd: dir,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const storedResults = (dir: string) => {
  const db = new Database(join(dir, 'store.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT status, error FROM results').all() as Array<{ status: string; error: string | null }>;
  } finally {
    db.close();
  }
};

async function workerWithKey(key: string, queueName: string): Promise<WorkerProcess> {
  const saved = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = key;
  try {
    const w = await startWorker(redis.url, ['--concurrency', '1', '--queue-name', queueName]);
    workers.push(w);
    return w;
  } finally {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  }
}

describe('worker path: configuration errors and dead backends, as in a local run', () => {
  it('a rejected key on the worker (HTTP 401) stores nothing and stops the run with one line, exit 2', async () => {
    const q = 'qerr-config';
    await workerWithKey('sk-wrong-UNIQUEwrongKEY-0002', q);
    const { dir, suite } = workspace(3);
    const r = await runQueued(dir, suite, q, { OPENAI_API_KEY: SECRET });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('asrfair: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/backend "whisper": .*HTTP 401.*nothing was stored for it; fix the configuration and rerun/);
    expect(storedResults(dir)).toEqual([]);
    expect(r.stderr).not.toContain('sk-wrong-UNIQUEwrongKEY-0002');
  }, 120_000);

  it(`stops calling after ${SAME_4XX_STOP_AFTER} identical 4xx from workers, one line, exit 1`, async () => {
    const q = 'qerr-dead';
    await workerWithKey(SECRET, q);
    const { dir, suite } = workspace(12);
    const before = server.requests.length;
    const r = await runQueued(dir, suite, q, { OPENAI_API_KEY: SECRET });
    expect(r.code, r.stderr).toBe(1);
    expect(server.requests.length - before).toBe(SAME_4XX_STOP_AFTER);
    const lines = r.stderr.trim().split('\n').filter((l) => /all \d+ calls failed/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^asrfair: backend "whisper": all ${SAME_4XX_STOP_AFTER} calls failed with HTTP 400 \\(2 more not sent\\)`));
    const rows = storedResults(dir);
    expect(rows).toHaveLength(SAME_4XX_STOP_AFTER);
    expect(rows.every((x) => x.status === 'failed' && /HTTP 400/.test(x.error ?? ''))).toBe(true);
  }, 180_000);
});
