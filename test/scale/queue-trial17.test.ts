/**
 * Fresh-user trial 17, the queue: a credential a recogniser echoes never goes through Redis (the worker fails the
 * result before BullMQ sees it, in the words a local run stores); a second SIGTERM on a worker puts its jobs back for
 * another worker (no attempt charged, nothing failed); a stopped coordinator whose jobs only wait stops at once; an
 * interrupted shard names the store it wrote. Real redis-server (and redis-cli MONITOR, which sees every command any
 * client sends), real `asrfair worker`/`run` processes, `command` backends over sox-made WAVs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CLI, ids, soxWavs, startRedis, startWorker, tmp, writeManifest, type RedisProcess, type WorkerProcess } from './helpers.ts';
import { CREDENTIAL_IN_OUTPUT } from '../../src/backends/secrets.ts';
import { redactError, redactForQueue } from '../../src/scaleout/queue-redact.ts';
import { credentialFailure } from '../../src/run/store.ts';

const SECRET = 'sk-t17SECRET-0123456789abcdef';

let redis: RedisProcess;
const dirs: string[] = [];
const workers: WorkerProcess[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** n sox-made utterances and a suite with one `command` backend (`options` is its YAML flow map). */
function workspace(n: number, options: string, retries = 0): { dir: string; suite: string } {
  const dir = tmp('asrfair-t17q-');
  dirs.push(dir);
  const utts = ids(n);
  soxWavs(dir, utts);
  writeManifest(dir, utts);
  const suite = join(dir, 'suite.yaml');
  writeFileSync(
    suite,
    ['name: t17q', 'manifest: manifest.jsonl', 'groupBy: [accent]', 'qc: false', 'timeoutSec: 60', `retries: ${retries}`, 'backends:', '  - name: rec', '    type: command', `    options: ${options}`, ''].join('\n'),
  );
  return { dir, suite };
}

/** The environment without any credential of this test (the coordinator's, unless a test gives it one). */
function envWithout(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  return { ...env, ...extra };
}

async function runCli(dir: string, args: string[], env: NodeJS.ProcessEnv) {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8', env, cwd: dir, timeout: 90_000, killSignal: 'SIGKILL' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** A worker with OPENAI_API_KEY set in its environment only. */
async function worker(queueName: string, extra: string[] = [], env: Record<string, string> = {}): Promise<WorkerProcess> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const w = await startWorker(redis.url, ['--queue-name', queueName, ...extra]);
    workers.push(w);
    return w;
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
}

/** Every value Redis holds now (strings, hashes, lists, sets, sorted sets, streams), as text. */
function redisDump(port: number): string {
  const cli = (...a: string[]) => spawnSync('redis-cli', ['-p', String(port), ...a], { encoding: 'utf8' }).stdout;
  let out = '';
  for (const db of ['0']) {
    for (const key of cli('-n', db, '--scan').split('\n').filter(Boolean)) {
      const type = cli('-n', db, 'type', key).trim();
      const read: Record<string, string[]> = { string: ['get', key], hash: ['hgetall', key], list: ['lrange', key, '0', '-1'], set: ['smembers', key], zset: ['zrange', key, '0', '-1'], stream: ['xrange', key, '-', '+'] };
      out += `${key} ${type}\n${read[type] ? cli('-n', db, ...read[type]) : ''}\n`;
    }
  }
  return out;
}

function rows(store: string): Array<{ status: string; error: string | null; attempts: number; hypothesis: string | null }> {
  const db = new Database(store, { readonly: true });
  try {
    return db.prepare('SELECT status, error, attempts, hypothesis FROM results').all() as Array<{ status: string; error: string | null; attempts: number; hypothesis: string | null }>;
  } finally {
    db.close();
  }
}

/** Each stored result's cost (USD), in key order. */
function rowCosts(store: string): number[] {
  const db = new Database(store, { readonly: true });
  try {
    return (db.prepare('SELECT cost_usd AS c FROM results ORDER BY audio_sha256').all() as { c: number }[]).map((r) => Math.round(r.c * 1e9) / 1e9);
  } finally {
    db.close();
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

const exited = (p: ChildProcess) => new Promise<number | null>((done) => (p.exitCode !== null || p.signalCode !== null ? done(p.exitCode) : p.once('exit', (c) => done(c))));

describe('a credential a recogniser echoes (trial 17 leak.yaml)', () => {
  it('never goes through Redis: the worker fails the result without the text, as a local run words it', async () => {
    const q = 't17-leak';
    // The user's backend, verbatim: the shell expands the worker's OPENAI_API_KEY into the transcript.
    // A paid recogniser: the call that echoed the key was made and paid for, in a queue run as in a local one.
    const { dir, suite } = workspace(2, `{ command: "sh -c 'echo hello $OPENAI_API_KEY'", version: "e1", priceUsdPerMinute: 0.6 }`);
    // Every command any client sends to Redis, from before the worker starts to after the run.
    const monitor = spawn('redis-cli', ['-p', String(redis.port), 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(monitor);
    let sent = '';
    monitor.stdout!.on('data', (d: Buffer) => (sent += d.toString()));
    await until(() => sent.includes('OK'), 5000);
    const w = await worker(q, ['--concurrency', '2'], { OPENAI_API_KEY: SECRET });
    // The coordinator does not hold the key: only the worker can see it is one.
    const r = await runCli(dir, ['run', suite, '--store', 'store.sqlite', '--out', 'out', '--no-progress', '--no-gate', '--queue', redis.url, '--queue-name', q], envWithout());
    expect(r.stderr).toMatch(/contained a credential/);
    await new Promise((res) => setTimeout(res, 500));
    monitor.kill('SIGKILL');
    expect(sent.length).toBeGreaterThan(1000);
    expect(sent.includes(SECRET), 'a command sent to Redis carried the secret').toBe(false);
    expect(redisDump(redis.port).includes(SECRET)).toBe(false);
    expect(w.stderr().includes(SECRET)).toBe(false);
    // Nothing the run wrote holds it either.
    const db = new Database(join(dir, 'store.sqlite'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((x) => join(dir, x)).filter((x) => statSync(x).isFile())) {
      expect(readFileSync(f).includes(SECRET), f).toBe(false);
    }
    const queued = rows(join(dir, 'store.sqlite'));
    expect(queued.map((x) => [x.status, x.hypothesis, x.error])).toEqual([
      ['failed', null, `BackendError: ${CREDENTIAL_IN_OUTPUT}`],
      ['failed', null, `BackendError: ${CREDENTIAL_IN_OUTPUT}`],
    ]);
    // results.jsonl of the queue run and of a local run of the same suite (the key in its environment) say the same.
    const local = await runCli(dir, ['run', suite, '--store', 'local.sqlite', '--out', 'outlocal', '--no-progress', '--no-gate'], envWithout({ OPENAI_API_KEY: SECRET }));
    const errors = (out: string) => readFileSync(join(dir, out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { error: string }).error);
    expect(errors('outlocal'), local.stderr).toEqual([`BackendError: ${CREDENTIAL_IN_OUTPUT}`, `BackendError: ${CREDENTIAL_IN_OUTPUT}`]);
    expect(errors('out')).toEqual(errors('outlocal'));
    // The same spend for the same failure: 0.2 s at $0.6 per minute each, stored by the queue run as by the local one.
    const cost = (store: string) => rowCosts(join(dir, store));
    expect(cost('local.sqlite')).toEqual([0.002, 0.002]);
    expect(cost('store.sqlite')).toEqual(cost('local.sqlite'));
    // So do their lines.
    expect(r.stderr).toContain(`failed rec utt-000 after 1 attempt: ${CREDENTIAL_IN_OUTPUT}\n`);
    expect(local.stderr).toContain(`failed rec utt-000 after 1 attempt: ${CREDENTIAL_IN_OUTPUT}\n`);
  }, 120_000);

  it('smallest input: a result, a failure and an error as the worker hands them to BullMQ carry no secret value', () => {
    const base = { format: 1 as const, status: 'ok' as const, hypothesis: `hello ${SECRET}`, words: null, phones: null, raw: { output: `hello ${SECRET}`, api_key: 'x' }, latencyMs: 1, costUsd: 0.01, durationSec: 1, error: null, retryable: false, attempts: 1, worker: 'h:1' };
    const r = redactForQueue(base, [SECRET]);
    // Raw dropped (it must not reach Redis), the paid call's cost kept (as the store keeps it for a local run).
    expect(r).toMatchObject({ status: 'failed', hypothesis: null, words: null, raw: null, costUsd: 0.01, error: `BackendError: ${CREDENTIAL_IN_OUTPUT}`, retryable: false });
    expect(r).toEqual({ ...credentialFailure(base), raw: null });
    const words = redactForQueue({ ...base, hypothesis: 'hello', words: [{ word: SECRET, start: 0, end: 1 }] }, [SECRET]);
    expect(words.status).toBe('failed');
    const failed = redactForQueue({ ...base, status: 'failed', hypothesis: null, error: `BackendError: exit 3: ${SECRET}` }, [SECRET]);
    expect(JSON.stringify(failed)).not.toContain(SECRET);
    expect(failed.error).toBe('BackendError: exit 3: [redacted]');
    const e = redactError(new Error(`bad ${SECRET}`), [SECRET]);
    expect(e.message + e.stack).not.toContain(SECRET);
  });
});

describe('a second SIGTERM on a worker (trial 17 slow2.yaml)', () => {
  it('puts its jobs back for another worker at once: no attempt charged, nothing failed, and it says so', async () => {
    const q = 't17-stop';
    // The first call of each utterance takes 60 s (the worker that is stopped); a later one answers at once.
    const { dir, suite } = workspace(2, '{ command: "sh rec.sh {id}", version: "s1" }');
    writeFileSync(join(dir, 'rec.sh'), 'echo "start $1" >> calls.log\nif [ ! -e "seen.$1" ]; then : > "seen.$1"; sleep 60; fi\necho "hello world $1"\n');
    chmodSync(join(dir, 'rec.sh'), 0o755);
    const a = await worker(q, ['--concurrency', '2']);
    const coord = spawn(process.execPath, [CLI, 'run', suite, '--store', 'store.sqlite', '--out', 'out', '--no-progress', '--no-gate', '--queue', redis.url, '--queue-name', q], { cwd: dir, env: envWithout() });
    children.push(coord);
    let cout = '';
    let cerr = '';
    coord.stdout!.on('data', (d: Buffer) => (cout += d.toString()));
    coord.stderr!.on('data', (d: Buffer) => (cerr += d.toString()));
    const calls = () => (existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n').length : 0);
    expect(await until(() => calls() === 2, 30_000), cerr + a.stderr()).toBe(true);
    a.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    a.proc.kill('SIGTERM');
    expect(await exited(a.proc)).toBe(130);
    expect(a.stderr()).toMatch(/SIGTERM again: abandoning jobs in flight: they go back to the queue now for another worker \(no attempt counted\)/);
    expect(a.stderr().split('\n').filter((l) => /utt-00[01] \(backend "rec"\): abandoned; back in the queue/.test(l))).toHaveLength(2);
    // Another worker takes them (the coordinator was never stopped): both ok, one attempt each, nothing failed.
    await worker(q, ['--concurrency', '2']);
    const code = await Promise.race([exited(coord), new Promise<string>((r) => setTimeout(() => r('timeout'), 40_000))]);
    expect(code, cout + cerr).toBe(0);
    expect(cerr).not.toMatch(/abandoned: run stopped|failed rec/);
    expect(rows(join(dir, 'store.sqlite')).map((x) => [x.status, x.attempts])).toEqual([['ok', 1], ['ok', 1]]);
    expect(calls()).toBe(4);
  }, 120_000);
});

describe('a stopped coordinator whose jobs only wait (trial 17: no worker on its queue)', () => {
  it('stops at once (not after --drain-sec), withdraws its waiting jobs, says so, exit 130', async () => {
    const q = 't17-nobody';
    const { dir, suite } = workspace(2, '{ command: "echo hello", version: "v1" }');
    const coord = spawn(process.execPath, [CLI, 'run', suite, '--store', 'store.sqlite', '--out', 'out', '--queue', redis.url, '--queue-name', q], { cwd: dir, env: envWithout() });
    children.push(coord);
    let cerr = '';
    coord.stderr!.on('data', (d: Buffer) => (cerr += d.toString()));
    expect(await until(() => /no worker connected yet/.test(cerr), 30_000), cerr).toBe(true);
    const waiting = () => Number(spawnSync('redis-cli', ['-p', String(redis.port), 'llen', `bull:${q}:wait`], { encoding: 'utf8' }).stdout.trim());
    expect(await until(() => waiting() === 2, 10_000)).toBe(true);
    const t0 = Date.now();
    coord.kill('SIGTERM');
    const code = await Promise.race([exited(coord), new Promise<string>((r) => setTimeout(() => r('timeout'), 40_000))]);
    expect(code, cerr).toBe(130);
    expect(Date.now() - t0, cerr).toBeLessThan(8000);
    expect(cerr).toMatch(/queue: 2 job\(s\) no worker had started were withdrawn from the queue \(not stored; a rerun enqueues them again\)/);
    expect(cerr).not.toMatch(/did not finish in time/);
    expect(waiting()).toBe(0);
  }, 90_000);
});

describe('a stopped coordinator with one job active and one waiting', () => {
  it('withdraws the waiting one at once and drains the active one (stored), exit 130', async () => {
    const q = 't17-half';
    const { dir, suite } = workspace(2, '{ command: "sh rec.sh {id}", version: "h1" }');
    writeFileSync(join(dir, 'rec.sh'), 'echo "start $1" >> calls.log\nsleep 4\necho "hello world $1"\n');
    await worker(q, ['--concurrency', '1']);
    const coord = spawn(process.execPath, [CLI, 'run', suite, '--store', 'store.sqlite', '--out', 'out', '--no-progress', '--queue', redis.url, '--queue-name', q], { cwd: dir, env: envWithout() });
    children.push(coord);
    let cerr = '';
    coord.stderr!.on('data', (d: Buffer) => (cerr += d.toString()));
    expect(await until(() => existsSync(join(dir, 'calls.log')), 30_000), cerr).toBe(true);
    const t0 = Date.now();
    coord.kill('SIGTERM');
    expect(await exited(coord), cerr).toBe(130);
    expect(Date.now() - t0, cerr).toBeLessThan(15_000);
    expect(cerr).toMatch(/queue: 1 job\(s\) no worker had started were withdrawn from the queue/);
    expect(rows(join(dir, 'store.sqlite')).map((x) => x.status)).toEqual(['ok']);
    expect(readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n')).toHaveLength(1);
  }, 90_000);
});

describe('an interrupted shard (trial 17: run --shard 2/3 --store sh/store.sqlite)', () => {
  it('names the store it wrote, sh/store.shard-2-of-3.sqlite', async () => {
    const { dir, suite } = workspace(9, '{ command: "sleep 30", version: "z1" }');
    const proc = spawn(process.execPath, [CLI, 'run', suite, '--shard', '2/3', '--store', 'sh/store.sqlite', '--out', 'out', '--no-progress', '--drain-sec', '1'], { cwd: dir, env: envWithout() });
    children.push(proc);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    expect(await until(() => existsSync(join(dir, 'sh', 'store.shard-2-of-3.sqlite')), 30_000), err).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    proc.kill('SIGTERM');
    expect(await exited(proc), err).toBe(130);
    expect(err).toMatch(/every finished result is stored in sh\/store\.shard-2-of-3\.sqlite\./);
    expect(err).not.toMatch(/stored in sh\/store\.sqlite/);
    expect(existsSync(join(dir, 'sh', 'store.sqlite'))).toBe(false);
  }, 60_000);
});
