/**
 * Fresh-user trial 13, the worker path: a worker whose backend key differs from the coordinator's never stores a
 * result (it rebuilds from the files as they are now, else puts the job back and stops, and the coordinator names
 * it); a second signal exits within seconds even when Redis is gone; a `kill -9` of a worker takes its recogniser
 * along; an unreachable Redis is said at once; retry lines say which attempt was the last. Real redis-server, real
 * `asrfair worker`/`run` processes, a real python3 recogniser behind the `command` backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CLI, freePort, ids, soxWavs, startRedis, startWorker, tmp, writeManifest, type RedisProcess, type WorkerProcess } from './helpers.ts';
import { describeQueueError } from '../../src/scaleout/queue-messages.ts';

let redis: RedisProcess;
const dirs: string[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * n utterances and a suite whose `command` backend is rec.py (python3, a `modelFiles` file, so editing it changes
 * the key), `version` from `versionCommand` reading $RECVER (so a worker's environment can change its key).
 * rec.py logs `<pid> <id>` to calls.log, sleeps SLEEP s, prints the reference minus its first word; exit 75 (retryable) when FAIL is set.
 */
function workspace(n: number, opts: { sleepSec?: number; retries?: number; fail?: boolean } = {}): { dir: string; suite: string } {
  const dir = tmp('asrfair-qfaults-');
  dirs.push(dir);
  const utts = ids(n);
  soxWavs(dir, utts);
  writeManifest(dir, utts);
  writeFileSync(
    join(dir, 'rec.py'),
    `import os, sys, time
uid = sys.argv[1]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'calls.log'), 'a') as f:
    f.write(f"{os.getpid()} {uid}\\n")
time.sleep(${opts.sleepSec ?? 0})
${opts.fail ? 'sys.exit(75)' : ''}
print("world " + uid)
# v1
`,
  );
  const suite = join(dir, 'suite.yaml');
  writeFileSync(
    suite,
    ['name: qfaults', 'manifest: manifest.jsonl', 'groupBy: [accent]', 'qc: false', 'timeoutSec: 60', `retries: ${opts.retries ?? 0}`, 'backends:', '  - name: rec', '    type: command',
      '    options: { command: "python3 rec.py {id} {wav16k}", cwd: ".", versionCommand: [sh, -c, "echo v$RECVER"], modelFiles: [rec.py], retryOnExit: [75] }', ''].join('\n'),
  );
  return { dir, suite };
}

async function run(dir: string, suite: string, queueName: string, extra: string[] = [], env: Record<string, string> = {}, timeoutMs = 0) {
  try {
    const r = await promisify(execFile)(
      process.execPath,
      [CLI, 'run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--no-gate', '--queue', redis.url, '--queue-name', queueName, ...extra],
      { encoding: 'utf8', env: { ...process.env, RECVER: '1', ...env }, cwd: dir, timeout: timeoutMs, killSignal: 'SIGKILL' },
    );
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

function rows(dir: string): Array<{ status: string; error: string | null; backend_key: string }> {
  const db = new Database(join(dir, 'store.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT status, error, backend_key FROM results').all() as Array<{ status: string; error: string | null; backend_key: string }>;
  } finally {
    db.close();
  }
}

async function worker(queueName: string, recver: string, extra: string[] = [], url = redis.url): Promise<WorkerProcess> {
  const saved = process.env.RECVER;
  process.env.RECVER = recver;
  try {
    // A flag given twice is refused, so `extra`'s --concurrency replaces the default rather than following it.
    const w = await startWorker(url, [...(extra.includes('--concurrency') ? [] : ['--concurrency', '2']), '--queue-name', queueName, ...extra]);
    workers.push(w);
    return w;
  } finally {
    if (saved === undefined) delete process.env.RECVER;
    else process.env.RECVER = saved;
  }
}

const exited = (w: WorkerProcess) =>
  new Promise<number | null>((done) => (w.proc.exitCode !== null || w.proc.signalCode !== null ? done(w.proc.exitCode) : w.proc.once('exit', (c) => done(c))));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
  } catch {
    return false;
  }
};

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('a worker whose backend key differs from the coordinator’s', () => {
  it('rebuilds its backend when a modelFiles file was edited after it started, and stores fresh results', async () => {
    const q = 'qf-edit';
    const { dir, suite } = workspace(4);
    const w = await worker(q, '1');
    const first = await run(dir, suite, q);
    expect(first.code, first.stderr).toBe(0);
    const oldKey = rows(dir)[0].backend_key;
    appendFileSync(join(dir, 'rec.py'), '# v2\n');
    const second = await run(dir, suite, q);
    expect(second.code, second.stderr).toBe(0);
    const after = rows(dir).filter((r) => r.backend_key !== oldKey);
    expect(after).toHaveLength(4);
    expect(after.every((r) => r.status === 'ok')).toBe(true);
    expect(w.stderr()).toMatch(/backend "rec": its files changed since this worker built it .*built again, its key now matches the coordinator's/);
  }, 90_000);

  it('never stores a result: the job goes back to the queue, the worker says so and stops (exit 2), the coordinator names it', async () => {
    const q = 'qf-stale';
    const { dir, suite } = workspace(6);
    const stale = await worker(q, '2'); // its versionCommand prints v2; the coordinator's prints v1
    const running = run(dir, suite, q);
    const code = await exited(stale);
    expect(code).toBe(2);
    const lines = stale.stderr().split('\n').filter((l) => /refuses/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^asrfair worker: \S+:\d+ refuses the job of utt-00\d: backend "rec" has key command:\S+ on this worker but command:\S+ on the coordinator .*goes back to the queue/);
    const good = await worker(q, '1');
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    const stored = rows(dir);
    expect(stored).toHaveLength(6);
    expect(stored.every((x) => x.status === 'ok'), JSON.stringify(stored)).toBe(true);
    expect(r.stdout).toMatch(new RegExp(`queue: results by worker: \\S+:${good.pid} 6`));
    expect(r.stdout).toMatch(new RegExp(`queue: 1 worker\\(s\\) refused jobs .*: \\S+:${stale.pid}$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`queue: worker \\S+:${stale.pid} refuses the job of`));
    // No call reached the stale worker's recogniser.
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls).toHaveLength(6);
  }, 120_000);
});

// Trial: a worker whose own ffmpeg prepares different audio (the job's sha256 ≠ that of the worker's WAV) stored a
// *permanent failure* for the utterance. Now it is refused like a backend-key mismatch. The worker's ffmpeg is another
// real ffmpeg build as far as asrfair can tell: fluent-ffmpeg's own FFMPEG_PATH names a wrapper that resamples with
// swr instead of soxr (an ffmpeg without libsoxr); the coordinator's prepared audio is moved away while it runs, so the
// worker prepares its own. Sources are 22.05 kHz FLAC, so both sides decode and resample with ffmpeg.
describe('a worker whose prepared audio differs from the coordinator’s', () => {
  it('stores nothing: the job goes back to the queue, one line with both sha256 prefixes and the likely cause, exit 2; the coordinator names it', async () => {
    const q = 'qf-audio';
    const { dir, suite } = workspace(4);
    for (const id of ids(4)) {
      const r = spawnSync('sox', ['-D', '-n', '-r', '22050', '-c', '1', '-b', '16', join(dir, 'audio', `${id}.flac`), 'synth', '0.3', 'sine', String(300 + 40 * Number(id.slice(-1)))]);
      expect(r.status, r.stderr?.toString()).toBe(0);
    }
    writeFileSync(join(dir, 'manifest.jsonl'), readFileSync(join(dir, 'manifest.jsonl'), 'utf8').replaceAll('.wav"', '.flac"'));
    appendFileSync(suite, 'audioCacheDir: prepared\n');
    const ffmpeg = join(dir, 'ffmpeg-without-soxr');
    writeFileSync(ffmpeg, '#!/bin/bash\nargs=()\nfor a in "$@"; do args+=("${a//resampler=soxr/resampler=swr}"); done\nexec ffmpeg "${args[@]}"\n');
    chmodSync(ffmpeg, 0o755);
    const running = run(dir, suite, q);
    // Every job is enqueued once its audio is prepared: then the coordinator's prepared files go out of the worker's reach.
    const waiting = () => Number(spawnSync('redis-cli', ['-p', String(redis.port), 'LLEN', `bull:${q}:wait`], { encoding: 'utf8' }).stdout.trim());
    expect(await until(() => waiting() === 4, 60_000)).toBe(true);
    renameSync(join(dir, 'prepared'), join(dir, 'prepared.away'));
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = ffmpeg;
    let bad: WorkerProcess;
    try {
      bad = await worker(q, '1', ['--cache-dir', join(dir, 'worker-audio')]);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
    // Before: it stored a permanent failure per job and went on (never exited).
    const code = await Promise.race([exited(bad), new Promise<string>((done) => setTimeout(() => done('still running after 45 s'), 45_000))]);
    expect(code, bad.stderr()).toBe(2);
    const lines = bad.stderr().split('\n').filter((l) => /refuses/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^asrfair worker: \S+:\d+ refuses the job of utt-00\d: audio prepared on this worker differs from the coordinator's \(sha256 [0-9a-f]{12}… here, [0-9a-f]{12}… on the coordinator\): likely another ffmpeg or sox build on this worker .*goes back to the queue/,
    );
    const [, here, there] = /sha256 ([0-9a-f]{12})… here, ([0-9a-f]{12})…/.exec(lines[0])!;
    expect(here).not.toBe(there);
    expect(existsSync(join(dir, 'calls.log'))).toBe(false); // no call reached the recogniser
    renameSync(join(dir, 'prepared.away'), join(dir, 'prepared'));
    const good = await worker(q, '1', ['--cache-dir', join(dir, 'worker-audio-good')]);
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    const stored = rows(dir);
    expect(stored).toHaveLength(4);
    expect(stored.every((x) => x.status === 'ok'), JSON.stringify(stored)).toBe(true);
    expect(r.stdout).toMatch(new RegExp(`queue: results by worker: \\S+:${good.pid} 4`));
    expect(r.stdout).toMatch(new RegExp(`queue: 1 worker\\(s\\) refused jobs .*: \\S+:${bad.pid}$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`queue: worker \\S+:${bad.pid} refuses the job of utt-00\\d: audio prepared on this worker differs`));
  }, 150_000);
});

// Trial: a stale coordinator (every worker refuses its jobs: they exit 2 one after another) waited for ever. Now it
// stops with one line naming the refusing workers, exit 2, and what was stored stays (the rerun completes).
describe('a coordinator whose jobs every worker refuses', () => {
  const storedRows = (dir: string) => (existsSync(join(dir, 'store.sqlite')) ? rows(dir) : []);

  it('stops when a worker refused and no worker takes a job for --queue-timeout seconds: one line naming it, exit 2', async () => {
    const q = 'qf-stale-coord';
    const { dir, suite } = workspace(6);
    const running = run(dir, suite, q, ['--queue-timeout', '4'], {}, 90_000);
    const stale = await worker(q, '2');
    expect(await exited(stale)).toBe(2);
    const r = await running; // before: killed by the 90 s timeout, still waiting
    expect(r.code, r.stderr).toBe(2);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      new RegExp(`^asrfair: queue: stopping: a worker refused jobs and none took a job for \\d+ s, with 6 job\\(s\\) waiting and no result since: every worker that took a job refuses them .*: \\S+:${stale.pid}\\. Nothing stored is lost`),
    );
    expect(r.stderr.split('\n').filter((l) => /queue: stopping/.test(l))).toHaveLength(1);
    expect(storedRows(dir)).toHaveLength(0); // no failure stored for a refused job
    await worker(q, '1');
    const again = await run(dir, suite, q);
    expect(again.code, again.stderr).toBe(0);
    expect(rows(dir).filter((x) => x.status === 'ok')).toHaveLength(6);
  }, 180_000);

  it('stops after 3 workers in a row refused with no result, however long --queue-timeout is', async () => {
    const q = 'qf-stale-three';
    const { dir, suite } = workspace(4);
    const running = run(dir, suite, q, ['--queue-timeout', '600'], {}, 150_000);
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await worker(q, '2');
      pids.push(w.pid);
      expect(await exited(w)).toBe(2);
    }
    const r = await running;
    expect(r.code, r.stderr).toBe(2);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^asrfair: queue: stopping: 3 workers in a row refused jobs, with 4 job\(s\) waiting/);
    for (const pid of pids) expect(last).toContain(`:${pid}`);
    expect(storedRows(dir)).toHaveLength(0);
  }, 240_000);
});

describe('stopping a worker', () => {
  it('a second SIGTERM exits within a few seconds although Redis is gone', async () => {
    const own = await startRedis();
    try {
      const q = 'qf-stop';
      const { dir, suite } = workspace(2, { sleepSec: 30 });
      const w = await startWorker(own.url, ['--concurrency', '2', '--queue-name', q]);
      workers.push(w);
      const coord = spawn(process.execPath, [CLI, 'run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--queue', own.url, '--queue-name', q], { cwd: dir, stdio: 'ignore' });
      expect(await until(() => existsSync(join(dir, 'calls.log')), 20_000)).toBe(true);
      coord.kill('SIGKILL');
      await own.stop(); // Redis gone with the job in flight
      w.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      w.proc.kill('SIGTERM');
      const code = await exited(w);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(code).toBe(130);
      expect(w.stderr()).toMatch(/SIGTERM again: abandoning jobs in flight/);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('kill -9 of a worker takes its recogniser (own process group) along within a few seconds', async () => {
    const q = 'qf-kill9';
    const { dir, suite } = workspace(1, { sleepSec: 60 });
    const w = await worker(q, '1', ['--concurrency', '1']);
    const coord = spawn(process.execPath, [CLI, 'run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--queue', redis.url, '--queue-name', q], {
      cwd: dir, stdio: 'ignore', env: { ...process.env, RECVER: '1' },
    });
    try {
      expect(await until(() => existsSync(join(dir, 'calls.log')), 20_000)).toBe(true);
      const recPid = Number(readFileSync(join(dir, 'calls.log'), 'utf8').split(' ')[0]);
      expect(alive(recPid)).toBe(true);
      w.proc.kill('SIGKILL');
      await exited(w);
      expect(await until(() => !alive(recPid), 5000)).toBe(true);
    } finally {
      coord.kill('SIGKILL');
    }
  }, 60_000);
});

/** redis-server on a given port (so it can be restarted on the same one), ready when this resolves. */
async function redisOn(port: number): Promise<{ stop(): Promise<void> }> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((ready, fail) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) ready();
    });
    proc.on('exit', (c) => fail(new Error(`redis-server exited ${c}`)));
  });
  return { stop: () => new Promise<void>((done) => (proc.exitCode !== null || proc.signalCode !== null ? done() : (proc.once('exit', () => done()), proc.kill('SIGKILL')))) };
}

describe('messages', () => {
  it('a Redis outage mid-run is one line per change of state on the worker and the coordinator, and the run completes', async () => {
    const port = await freePort();
    let own = await redisOn(port);
    const url = `redis://127.0.0.1:${port}/0`;
    try {
      const q = 'qf-outage';
      const { dir, suite } = workspace(1, { sleepSec: 4 });
      const w = await worker(q, '1', ['--concurrency', '1'], url);
      const coord = spawn(process.execPath, [CLI, 'run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--no-gate', '--queue', url, '--queue-name', q], {
        cwd: dir, env: { ...process.env, RECVER: '1' },
      });
      let coordErr = '';
      coord.stderr.on('data', (d: Buffer) => (coordErr += d.toString()));
      const coordExit = new Promise<number | null>((done) => coord.on('exit', done));
      expect(await until(() => existsSync(join(dir, 'calls.log')), 20_000), coordErr + w.stderr()).toBe(true);
      await own.stop();
      await new Promise((r) => setTimeout(r, 5000)); // about five reconnection attempts per connection
      own = await redisOn(port);
      const finished = await Promise.race([coordExit, new Promise<string>((r) => setTimeout(() => r('timeout'), 40_000))]);
      expect(finished, `coordinator: ${coordErr}\nworker: ${w.stderr()}`).toBe(0);
      expect(rows(dir).map((r) => r.status)).toEqual(['ok']);
      for (const text of [w.stderr(), coordErr]) {
        const down = text.split('\n').filter((l) => /cannot reach Redis|connection to Redis closed/.test(l));
        expect(down.length, text).toBeGreaterThanOrEqual(1);
        expect(down.length, text).toBeLessThanOrEqual(2);
        expect(text).toMatch(/connection to Redis is back/);
        expect(text).not.toMatch(/ECONNREFUSED.*\n.*ECONNREFUSED.*\n.*ECONNREFUSED/);
      }
      // Redis gone, nothing in flight: the first SIGTERM does not wait for it for ever.
      await own.stop();
      const t0 = Date.now();
      w.proc.kill('SIGTERM');
      const code = await Promise.race([exited(w), new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000))]);
      expect(code, w.stderr()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      await own.stop();
    }
  }, 90_000);


  it('run --queue with nothing listening says so at once and gives up after --queue-timeout, exit 2', async () => {
    const port = await freePort();
    const { dir, suite } = workspace(1);
    const t0 = Date.now();
    let firstLineAt = 0;
    const proc = spawn(process.execPath, [CLI, 'run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--queue', `redis://127.0.0.1:${port}/0`, '--queue-timeout', '3'], { cwd: dir });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      if (!err) firstLineAt = Date.now() - t0;
      err += d.toString();
    });
    const code = await new Promise<number | null>((done) => proc.on('exit', done));
    expect(code).toBe(2);
    const lines = err.trim().split('\n');
    expect(lines[0]).toBe(`queue: cannot reach redis://127.0.0.1:${port}/0: ECONNREFUSED; retrying for up to 3 s (--queue-timeout)`);
    expect(lines.at(-1)).toBe(`asrfair: run: cannot reach redis://127.0.0.1:${port}/0 (ECONNREFUSED); gave up after 3 s (--queue-timeout): start redis-server there or fix --queue`);
    expect(lines).toHaveLength(2);
    // Said before the CLI's start-up plus one connection attempt, not after the give-up.
    expect(firstLineAt).toBeLessThan(Date.now() - t0 - 2000);
  }, 60_000);

  it('retry lines name the utterance and backend and say which attempt was the last', async () => {
    const q = 'qf-retry';
    const { dir, suite } = workspace(1, { fail: true, retries: 1 });
    const w = await worker(q, '1', ['--concurrency', '1']);
    const r = await run(dir, suite, q);
    expect(r.code, r.stderr).toBe(1); // every call failed
    const lines = w.stderr().split('\n').filter((l) => /attempt/.test(l));
    expect(lines[0]).toMatch(/^asrfair worker: utt-000 \(backend "rec"\): attempt 1 of 2 failed, retrying: /);
    expect(lines[1]).toMatch(/^asrfair worker: utt-000 \(backend "rec"\): attempt 2 of 2 failed, the last one: recorded as a transient failure/);
    expect(rows(dir).map((x) => x.status)).toEqual(['failed']);
  }, 60_000);

  it("BullMQ's lock messages become ours, naming the utterance", () => {
    const name = (id: string) => (id === '3960ab' ? 'utt-003 (backend "slowrec")' : undefined);
    expect(describeQueueError(new Error('Missing lock for job 3960ab. moveToDelayed'), name)).toMatch(/^utt-003 \(backend "slowrec"\): this worker no longer holds the job's lock .*runs again$/);
    expect(describeQueueError(new Error('could not renew lock for job 3960ab'), name)).toMatch(/^utt-003 \(backend "slowrec"\): could not renew the job's lock/);
    expect(describeQueueError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6399'), { code: 'ECONNREFUSED' }))).toBe(
      'cannot reach Redis: ECONNREFUSED; retrying',
    );
    expect(describeQueueError(new Error('Missing key for job 3960ab. moveToFinished'), name)).toMatch(/^utt-003 \(backend "slowrec"\): the job is no longer in Redis .*enqueues it again$/);
  });
});
