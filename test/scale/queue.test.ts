import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import { loadSuite } from '../../src/run/suite.ts';
import { JOB_FORMAT, JOB_NAME, jobIdOf, type TranscribeJobData, type TranscribeJobResult } from '../../src/scaleout/queue.ts';
import { runCommand } from '../../src/cli/commands/run.ts';
import { RunStore, type RunItemResult } from '../../src/run/store.ts';
import { connectionOf, DEFAULT_QUEUE_NAME, parseRedisUrl } from '../../src/scaleout/queue.ts';
import { CLI, expectedHyp, ids, REPO, soxWavs, startRedis, startWorker, stopChild, tmp, writeManifest, writeSuite, type RedisProcess, type WorkerProcess } from './helpers.ts';

let redis: RedisProcess;
let workers: WorkerProcess[] = [];
const dirs: string[] = [];

const WORKER_ARGS = ['--concurrency', '2', '--lock-ms', '3000', '--stalled-interval-ms', '1000'];

beforeAll(async () => {
  redis = await startRedis();
  workers = await Promise.all([0, 1, 2].map(() => startWorker(redis.url, WORKER_ARGS)));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function corpus(n: number, opts: { sleepSec: number; flaky?: boolean; retries?: number }) {
  const dir = tmp();
  dirs.push(dir);
  const utts = ids(n);
  soxWavs(dir, utts);
  writeManifest(dir, utts);
  const log = join(dir, 'calls.log');
  const suite = writeSuite(dir, { log, ...opts });
  return { dir, utts, log, suite, store: join(dir, 'store.sqlite') };
}

async function quietRun(suite: string, store: string, out: string) {
  const write = process.stdout.write.bind(process.stdout);
  let text = '';
  process.stdout.write = ((s: string) => ((text += s), true)) as typeof process.stdout.write;
  try {
    const summary = await runCommand(suite, { store, out, progress: false, drainSec: 5, queue: redis.url });
    return { summary, text };
  } finally {
    process.stdout.write = write;
  }
}

function items(store: string): RunItemResult[] {
  const s = new RunStore(store);
  try {
    const run = s.listRuns().at(-1)!;
    return [...s.iterateRun(run.runId)];
  } finally {
    s.close();
  }
}

function countResults(store: string): number {
  const s = new RunStore(store);
  try {
    return (s.db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
  } finally {
    s.close();
  }
}

interface LogLine {
  kind: 'start' | 'end';
  id: string;
  pid: number;
}

function readLog(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [kind, id, pid] = l.split(' ');
      return { kind: kind as LogLine['kind'], id, pid: Number(pid) };
    });
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('distributed mode (BullMQ on a real redis-server, workers as child processes)', () => {
  it('retries retryable failures with backoff, fails non-retryable ones at once, and a rerun retries only transient failures', async () => {
    const c = corpus(10, { sleepSec: 0.05, flaky: true, retries: 0 });
    const first = await quietRun(c.suite, c.store, join(c.dir, 'out1'));
    expect(first.summary.status).toBe('done');
    const byId = new Map(items(c.store).map((i) => [i.uttId, i.result!]));
    expect(byId.size).toBe(10);
    // exit 3: permanent (UnrecoverableError) — one attempt, not retryable.
    expect(byId.get('utt-007')).toMatchObject({ status: 'failed', attempts: 1, retryable: false });
    expect(byId.get('utt-007')!.error).toMatch(/exited with code 3/);
    // exit 75 with retries: 0 — the only attempt failed, the failure is transient.
    expect(byId.get('utt-008')).toMatchObject({ status: 'failed', attempts: 1, retryable: true });
    for (const id of c.utts.filter((u) => !/[78]$/.test(u))) expect(byId.get(id)).toMatchObject({ status: 'ok', hypothesis: expectedHyp(id) });

    // Rerun: the transient failure is tried again (and now succeeds), nothing else is called.
    const startsBefore = readLog(c.log).filter((l) => l.kind === 'start').length;
    await quietRun(c.suite, c.store, join(c.dir, 'out2'));
    const again = readLog(c.log).filter((l) => l.kind === 'start').slice(startsBefore);
    expect(again.map((l) => l.id)).toEqual(['utt-008']);
    const after = new Map(items(c.store).map((i) => [i.uttId, i.result!]));
    expect(after.get('utt-008')).toMatchObject({ status: 'ok', hypothesis: expectedHyp('utt-008') });
    expect(after.get('utt-007')).toMatchObject({ status: 'failed', retryable: false });

    // With retries allowed, BullMQ makes the second attempt within the same run.
    const r = corpus(10, { sleepSec: 0.05, flaky: true, retries: 2 });
    await quietRun(r.suite, r.store, join(r.dir, 'out'));
    const rr = new Map(items(r.store).map((i) => [i.uttId, i.result!]));
    expect(rr.get('utt-008')).toMatchObject({ status: 'ok', attempts: 2 });
    expect(rr.get('utt-007')).toMatchObject({ status: 'failed', attempts: 1, retryable: false });
  }, 60_000);

  it('a worker that cannot read the prepared audio prepares it itself, and refuses audio or backends that differ', async () => {
    const c = corpus(2, { sleepSec: 0 });
    const suite = loadSuite(c.suite);
    const spec = suite.backends[0];
    const backend = await getBackendFactory(spec.type).create(spec.options, { baseDir: c.dir });
    const audio = await prepareAudio({ id: 'utt-000', audioPath: join(c.dir, 'audio/utt-000.wav') }, { cacheDir: join(c.dir, 'coord-cache') });
    const conn = connectionOf(parseRedisUrl(redis.url));
    const queue = new Queue<TranscribeJobData, TranscribeJobResult>(DEFAULT_QUEUE_NAME, { connection: conn });
    const events = new QueueEvents(DEFAULT_QUEUE_NAME, { connection: conn });
    await events.waitUntilReady();
    const submit = async (over: { audioSha256?: string; backendKey?: string; codeVersion?: string }) => {
      // A job of another coordinator code version gets its own key (a finished job's id is never queued again).
      const key = { backendKey: over.backendKey ?? backend.key, conditionKey: over.codeVersion ? 'other-code' : 'clean', audioSha256: over.audioSha256 ?? audio.sha256 };
      const data: TranscribeJobData = {
        format: JOB_FORMAT,
        key,
        codeVersion: over.codeVersion ?? backend.codeVersion,
        backend: { name: spec.name, type: spec.type, options: spec.options, baseDir: c.dir, plugins: [], suiteFile: c.suite },
        audio: { ...audio, sha256: key.audioSha256, wav16k: join(c.dir, 'not-mounted-here.wav') },
        prepare: { entry: { id: audio.id, audioPath: audio.path }, condition: null, seed: 1 },
        timeoutMs: 10_000,
        backoff: { baseDelayMs: 10, maxDelayMs: 100, maxRetryAfterSec: 300 },
      };
      const job = await queue.add(JOB_NAME, data, { jobId: jobIdOf(key), attempts: 3 });
      return job.waitUntilFinished(events, 30_000).then(
        (r: TranscribeJobResult) => ({ ok: r, job }),
        (e: Error) => ({ err: e.message, job }),
      );
    };
    try {
      const good = await submit({});
      expect('ok' in good && good.ok).toMatchObject({ status: 'ok', hypothesis: expectedHyp('utt-000'), attempts: 1 });
      // The worker stamps the result with its own code version (the run store keeps it with the result).
      expect(backend.codeVersion).toMatch(/^asrfair .*, source sha256 [0-9a-f]{12} \(\d+ files\)$/);
      expect('ok' in good && good.ok.codeVersion).toBe(backend.codeVersion);
      // A worker whose backend key or code differs from the coordinator's, or that prepares other audio than the
      // coordinator's (another ffmpeg), has a configuration fault: the job goes
      // back to the queue unchanged (no attempt counted, no result), the worker says so in one line and exits 2.
      // Dedicated workers on their own queue, so the shared workers above stay up.
      const refusing = async (over: { backendKey?: string; codeVersion?: string; audioSha256?: string }, queueName: string) => {
        const w = await startWorker(redis.url, ['--queue-name', queueName, '--concurrency', '1']);
        const q = new Queue<TranscribeJobData, TranscribeJobResult>(queueName, { connection: conn });
        try {
          const key = { backendKey: over.backendKey ?? backend.key, conditionKey: 'clean', audioSha256: over.audioSha256 ?? audio.sha256 };
          const data: TranscribeJobData = {
            format: JOB_FORMAT,
            key,
            codeVersion: over.codeVersion ?? backend.codeVersion,
            backend: { name: spec.name, type: spec.type, options: spec.options, baseDir: c.dir, plugins: [], suiteFile: c.suite },
            audio: over.audioSha256 ? { ...audio, sha256: over.audioSha256, wav16k: join(c.dir, 'not-mounted-here.wav') } : audio,
            prepare: { entry: { id: audio.id, audioPath: audio.path }, condition: null, seed: 1 },
            timeoutMs: 10_000,
            backoff: { baseDelayMs: 10, maxDelayMs: 100, maxRetryAfterSec: 300 },
          };
          const job = await q.add(JOB_NAME, data, { jobId: jobIdOf(key), attempts: 3 });
          const code = await new Promise<number | null>((done) => (w.proc.exitCode !== null ? done(w.proc.exitCode) : w.proc.once('exit', done)));
          const back = (await q.getJob(job.id!))!;
          return { code, stderr: w.stderr(), state: await back.getState(), attemptsMade: back.attemptsMade, returnvalue: back.returnvalue };
        } finally {
          await q.obliterate({ force: true });
          await q.close();
        }
      };
      const wrongAudio = await refusing({ audioSha256: 'b'.repeat(64) }, 'refuse-audio');
      expect(wrongAudio.code).toBe(2);
      expect(wrongAudio.stderr).toMatch(/refuses the job of utt-000: audio prepared on this worker differs from the coordinator's \(sha256 [0-9a-f]{12}… here, b{12}… on the coordinator\): likely another ffmpeg or sox build/);
      expect(wrongAudio).toMatchObject({ state: 'waiting', attemptsMade: 0, returnvalue: null });
      const wrongBackend = await refusing({ backendKey: 'command:sh:0000' }, 'refuse-key');
      expect(wrongBackend.code).toBe(2);
      expect(wrongBackend.stderr).toMatch(/refuses the job of utt-000: backend "rec" has key .* on this worker but command:sh:0000 on the coordinator .*goes back to the queue/);
      expect(wrongBackend).toMatchObject({ state: 'waiting', attemptsMade: 0, returnvalue: null });
      // A coordinator of another asrfair code version: refused at once, not decoded with this worker's code.
      const otherCode = await refusing({ codeVersion: 'asrfair 0.0.1, source sha256 000000000000 (1 files)' }, 'refuse-code');
      expect(otherCode.code).toBe(2);
      expect(otherCode.stderr).toMatch(/is made by asrfair code asrfair .* on this worker but asrfair 0\.0\.1, source sha256 000000000000 \(1 files\) on the coordinator: run the same asrfair on both/);
      expect(otherCode).toMatchObject({ state: 'waiting', attemptsMade: 0 });
    } finally {
      await backend.close?.();
      await events.close();
      await queue.close();
    }
  }, 60_000);

  it('finishes every utterance exactly once when a worker is killed with SIGKILL mid-run', async () => {
    const N = 36;
    const c = corpus(N, { sleepSec: 0.3 });
    const victim = workers[0];
    let inFlightAtKill: string[] = [];
    const killer = (async () => {
      // Kill the victim while it has a call in flight and others have already finished some.
      await until(() => {
        const log = readLog(c.log);
        const ended = new Set(log.filter((l) => l.kind === 'end' && l.pid === victim.pid).map((l) => l.id));
        const open = log.filter((l) => l.kind === 'start' && l.pid === victim.pid && !ended.has(l.id)).map((l) => l.id);
        if (log.filter((l) => l.kind === 'end').length >= 6 && open.length > 0) {
          victim.proc.kill('SIGKILL');
          inFlightAtKill = open;
          return true;
        }
        return false;
      }, 30_000, 'the victim to be mid-call');
    })();
    const { summary, text } = await quietRun(c.suite, c.store, join(c.dir, 'out'));
    await killer;
    expect(summary.status).toBe('done');
    expect(inFlightAtKill.length).toBeGreaterThan(0);

    const its = items(c.store);
    expect(its).toHaveLength(N);
    expect(new Set(its.map((i) => i.uttId))).toEqual(new Set(c.utts));
    for (const it of its) expect(it.result).toMatchObject({ status: 'ok', hypothesis: expectedHyp(it.uttId) });
    expect(countResults(c.store)).toBe(N);

    // The killed worker's calls in flight were picked up again by the survivors (stalled-job recovery).
    const log = readLog(c.log);
    for (const id of inFlightAtKill) {
      expect(log.some((l) => l.kind === 'start' && l.id === id && l.pid !== victim.pid)).toBe(true);
    }
    // Only calls the victim had in flight when it died were repeated (at most its concurrency, 2).
    const starts = log.filter((l) => l.kind === 'start');
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const st of starts) (seen.has(st.id) ? repeated : seen).add(st.id);
    const victimStarted = new Set(starts.filter((l) => l.pid === victim.pid).map((l) => l.id));
    for (const id of inFlightAtKill) expect(repeated.has(id)).toBe(true);
    // Delivery is at-least-once: besides the victim's calls (at most its concurrency, 2), a survivor whose lock
    // renewal is starved on a loaded machine may see a job redelivered. The store still holds one result per key.
    const repeatedElsewhere = [...repeated].filter((id) => !victimStarted.has(id));
    expect(repeated.size - repeatedElsewhere.length).toBeLessThanOrEqual(2);
    expect(repeatedElsewhere.length).toBeLessThanOrEqual(2);
    expect(text).toMatch(/queue: results by worker: /);
    for (const w of workers.slice(1)) expect(text).toContain(`:${w.pid} `);
    workers = workers.slice(1);
  }, 90_000);

  it('a coordinator killed mid-run loses nothing: the rerun collects finished jobs from Redis instead of calling again', async () => {
    const N = 20;
    const c = corpus(N, { sleepSec: 0.2 });
    const coord = spawn(process.execPath, [CLI, 'run', c.suite, '--queue', redis.url, '--store', c.store, '--no-progress', '--out', join(c.dir, 'o1')], {
      cwd: REPO,
      stdio: 'ignore',
    });
    await until(() => readLog(c.log).filter((l) => l.kind === 'end').length >= 4, 30_000, 'some results');
    await stopChild(coord, 'SIGKILL');
    const queue = new Queue(DEFAULT_QUEUE_NAME, { connection: connectionOf(parseRedisUrl(redis.url)) });
    try {
      // Let the workers finish everything that was enqueued before the coordinator died.
      const t0 = Date.now();
      for (;;) {
        const n = await queue.getJobCounts('waiting', 'active', 'delayed');
        if (n.waiting + n.active + n.delayed === 0) break;
        if (Date.now() - t0 > 30_000) throw new Error('queue did not drain');
        await new Promise((r) => setTimeout(r, 50));
      }
      const left = (await queue.getJobCounts('completed')).completed;
      expect(left).toBeGreaterThan(0);
    } finally {
      await queue.close();
    }
    expect(readLog(c.log).filter((l) => l.kind === 'start').length).toBeGreaterThan(0);
    await quietRun(c.suite, c.store, join(c.dir, 'o2'));
    const starts = readLog(c.log).filter((l) => l.kind === 'start');
    // Every utterance was transcribed exactly once across both coordinators.
    expect(starts.map((s) => s.id).sort()).toEqual([...c.utts].sort());
    const its = items(c.store);
    expect(its).toHaveLength(N);
    for (const it of its) expect(it.result).toMatchObject({ status: 'ok', hypothesis: expectedHyp(it.uttId) });
    expect(countResults(c.store)).toBe(N);
  }, 90_000);
});
