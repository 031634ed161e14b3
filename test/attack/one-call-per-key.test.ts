/**
 * Trial 17, defects 4 and 5: a backend called twice for one result key across processes. Real Common Voice clips
 * (ffmpeg prepares them), a real SQLite store, a real redis-server and worker, `command` backends that append one
 * line per call to a file: the count of lines is the count of (paid) calls.
 *  - Two `run` on one store: a template with `{id}` (and a by-group backend) made the key id-dependent, and id-keyed
 *    keys skipped the store's lease: every key was called by both processes (24 calls for 12 utterances).
 *  - Two queue coordinators on one queue, each with its own store: a coordinator removed a job as soon as it
 *    collected it, so the other, waiting for it or reaching it a moment later, enqueued it again (14–16 for 12).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { cli, query, until } from './helpers.ts';
import { tmp } from '../run/helpers.ts';
import { startRedis, startWorker, type RedisProcess, type WorkerProcess } from '../scale/helpers.ts';

const CV = new URL('../../corpora/cv-6.1-en-sample/', import.meta.url).pathname;
const N = 6;

const dirs: string[] = [];
const procs: (RedisProcess | WorkerProcess)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder with N real CV clips in m.jsonl and suite.yaml over `backends` (YAML list items). */
function workspace(backends: (dir: string) => string): string {
  const dir = tmp('asrfair-onecall-');
  dirs.push(dir);
  symlinkSync(join(CV, 'en'), join(dir, 'en'));
  const lines = readFileSync(join(CV, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, N);
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'suite.yaml'), `name: onecall\nmanifest: m.jsonl\ngroupBy: [accent]\nqc: false\ntimeoutSec: 60\nretries: 0\nbackends:\n${backends(dir)}`);
  return dir;
}

/** Command backend options that sleep, log their argument ({id} or {wav16k}) to calls-<log>.log, and answer. */
const rec = (dir: string, log: string, arg: string, sleep = 1) =>
  `{ command: "sh -c 'sleep ${sleep}; echo $0 >> ${join(dir, `calls-${log}.log`)}; echo what is the forecast' ${arg}", version: "c1" }`;

const calls = (dir: string, log: string): string[] => {
  const f = join(dir, `calls-${log}.log`);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
};

function expectOnceEach(lines: string[], what: string): void {
  const per = new Map<string, number>();
  for (const l of lines) per.set(l, (per.get(l) ?? 0) + 1);
  expect([...per].filter(([, n]) => n > 1), `${what}: keys called more than once`).toEqual([]);
  expect(lines, what).toHaveLength(N);
}

describe('at most one backend call per key across processes', () => {
  it('two runs on one store: a command template with {id} and a by-group backend take the lease too', async () => {
    const inner = (d: string) => `{ type: command, options: ${rec(d, 'group', '{wav16k}')} }`;
    const dir = workspace(
      (d) =>
        `  - { name: byid, type: command, options: ${rec(d, 'byid', '{id}')} }\n` +
        `  - { name: group, type: by-group, options: { key: accent, groups: { us: ${inner(d)} }, otherwise: ${inner(d)} } }\n`,
    );
    const store = join(dir, 'st', 'store.sqlite');
    const a = cli(['run', 'suite.yaml', '--store', store, '--out', 'outA', '--no-progress', '--no-gate'], dir);
    await new Promise((r) => setTimeout(r, 300));
    const b = cli(['run', 'suite.yaml', '--store', store, '--out', 'outB', '--no-progress', '--no-gate'], dir);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.err + rb.err).not.toMatch(/at .*\.ts:\d+/);
    expect([ra.code, rb.code], ra.err + rb.err).toEqual([0, 0]);
    expectOnceEach(calls(dir, 'byid'), 'command with {id}');
    expectOnceEach(calls(dir, 'group'), 'by-group');
    expect(query<{ n: number }>(store, "SELECT COUNT(*) AS n FROM results WHERE status = 'ok'")[0].n).toBe(2 * N);
    expect(query(store, 'SELECT * FROM leases')).toHaveLength(0);
  }, 240_000);

  describe('two queue coordinators on one queue', () => {
    const queueRun = async (sameStore: boolean) => {
      const dir = workspace((d) => `  - { name: rec, type: command, options: ${rec(d, 'rec', '{id}', 2)} }\n`);
      const redis = await startRedis();
      procs.push(redis);
      procs.push(await startWorker(redis.url, ['--concurrency', '2'], dir));
      const store = (k: string) => join(dir, sameStore ? 'st' : `st${k}`, 'store.sqlite');
      const args = (k: string) => ['run', 'suite.yaml', '--queue', redis.url, '--store', store(k), '--out', `out${k}`, '--no-progress', '--no-gate'];
      const a = cli(args('A'), dir);
      // B starts once A has collected results (the jobs A enqueued first are finished): B reaches them late.
      await until(() => calls(dir, 'rec').length >= 2 || a.child.exitCode !== null, 'two calls made', 120_000);
      const b = cli(args('B'), dir);
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.err + rb.err).not.toMatch(/at .*\.ts:\d+/);
      expect([ra.code, rb.code], ra.err + rb.err).toEqual([0, 0]);
      expectOnceEach(calls(dir, 'rec'), sameStore ? 'one store' : 'own stores');
      for (const k of sameStore ? ['A'] : ['A', 'B']) {
        expect(query<{ n: number }>(store(k), "SELECT COUNT(*) AS n FROM results WHERE status = 'ok'")[0].n, k).toBe(N);
      }
      // Nothing left in Redis once both ended: no job, no kept record, no coordinator record.
      const keys = spawnSync('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', 'bull:asrfair-transcribe:*'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
      expect(keys.filter((k) => /:[0-9a-f]{64}$|asrfair-kept|asrfair-coordinators/.test(k))).toEqual([]);
      return { ra, rb };
    };

    it('each with its own store: a job is enqueued once and B uses the results A collected', async () => {
      const { ra, rb } = await queueRun(false);
      // Every key: one coordinator added the job, the other used its result, and their summaries say so.
      const shared = (t: string) => Number(/queue: (\d+) result\(s\) came from jobs already in the queue/.exec(t)?.[1] ?? 0);
      expect(shared(rb.err + rb.out)).toBeGreaterThan(0);
      expect(shared(ra.err + ra.out) + shared(rb.err + rb.out)).toBe(N);
    }, 300_000);

    it('a rerun retries a stored transient failure although its job is kept for another coordinator', async () => {
      const dir = workspace((d) => `  - { name: rec, type: command, options: { command: ["sh", "${join(d, 'flaky.sh')}", "{id}"], retryOnExit: [75], version: "f1" } }\n`);
      const first = readFileSync(join(dir, 'm.jsonl'), 'utf8').split('\n')[0];
      const flaky = (JSON.parse(first) as { id: string }).id;
      // Fails once, transiently (exit 75), on the first utterance; answers otherwise. One line per call.
      writeFileSync(join(dir, 'flaky.sh'), `echo "$1" >> ${join(dir, 'calls-rec.log')}\nif [ "$1" = "${flaky}" ] && [ ! -e ${join(dir, 'failed-once')} ]; then : > ${join(dir, 'failed-once')}; exit 75; fi\necho what is the forecast\n`);
      const redis = await startRedis();
      procs.push(redis);
      procs.push(await startWorker(redis.url, ['--concurrency', '2'], dir));
      // Another coordinator runs on the queue (this test process, alive for the whole test): collected jobs are kept.
      const other = JSON.stringify({ startedAt: Date.now(), aliveUntil: Date.now() + 600_000 });
      spawnSync('redis-cli', ['-p', String(redis.port), 'HSET', 'bull:asrfair-transcribe:asrfair-coordinators', `${hostname()}:${process.pid}:test`, other]);
      const store = join(dir, 'st', 'store.sqlite');
      const run = (out: string) => cli(['run', 'suite.yaml', '--queue', redis.url, '--store', store, '--out', out, '--no-progress', '--no-gate'], dir).done;
      const r1 = await run('o1');
      expect(r1.code, r1.err).toBe(0);
      expect(query<{ status: string }>(store, "SELECT status FROM results WHERE status = 'failed'")).toHaveLength(1);
      const r2 = await run('o2');
      expect(r2.code, r2.err).toBe(0);
      // The kept job is the failure already stored: the rerun enqueued the call again instead of reusing it.
      expect(calls(dir, 'rec').filter((l) => l === flaky)).toHaveLength(2);
      expect(calls(dir, 'rec')).toHaveLength(N + 1);
      expect(query<{ n: number }>(store, "SELECT COUNT(*) AS n FROM results WHERE status = 'ok'")[0].n).toBe(N);
    }, 300_000);

    it('on one store, with {id} in the template: one call per key', async () => {
      await queueRun(true);
    }, 300_000);
  });
});
