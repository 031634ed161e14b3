/**
 * Scale-out benchmark: throughput of distributed mode with 1, 2 and 4 `asrfair worker` child processes
 * on loopback (a real redis-server on a free port), against a latency-bound recogniser (the command
 * backend running a shell script that sleeps --latency ms). Each worker runs --worker-concurrency calls
 * at once, so the ideal rate with k workers is k × concurrency / latency.
 * Reference measured in the same process: the rate with 1 worker; printed ratios are rate(k) / rate(1)
 * (goal: ≥ 1.8 at 2 workers, ≥ 3.2 at 4) and efficiency against the ideal.
 * Usage: node --import tsx bench/scale.ts [--n 80] [--latency 100] [--worker-concurrency 1]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../src/cli/commands/run.ts';
import { ids, soxWavs, startRedis, startWorker, tmp, writeManifest, writeSuite, type WorkerProcess } from '../test/scale/helpers.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = arg('n', 80);
const LATENCY_MS = arg('latency', 100);
const CONC = arg('worker-concurrency', 1);

async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await f();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

const dir = tmp('asrfair-bench-scale-');
const redis = await startRedis();
let workers: WorkerProcess[] = [];
try {
  const utts = ids(N);
  soxWavs(dir, utts, 0.1);
  writeManifest(dir, utts);
  const suite = writeSuite(dir, { log: join(dir, 'calls.log'), sleepSec: LATENCY_MS / 1000 });
  // Warm the prepared-audio cache so every measured run does the same work.
  await quiet(() => runCommand(suite, { store: join(dir, 'warm.sqlite'), out: join(dir, 'warm'), progress: false, drainSec: 5, dryRun: true }));

  console.log(`scale-out: ${N} utterances, recogniser latency ${LATENCY_MS} ms, ${CONC} call(s) at once per worker, redis on loopback`);
  const rates = new Map<number, number>();
  for (const k of [1, 2, 4]) {
    while (workers.length < k) workers.push(await startWorker(redis.url, ['--concurrency', String(CONC)]));
    const summary = await quiet(() => runCommand(suite, { store: join(dir, `k${k}.sqlite`), out: join(dir, `out-k${k}`), progress: false, drainSec: 5, queue: redis.url }));
    const ok = summary.cells.reduce((s, c) => s + c.ok, 0);
    if (ok !== N) throw new Error(`${k} workers: only ${ok} of ${N} utterances ok`);
    const rate = N / (summary.elapsedMs / 1000);
    rates.set(k, rate);
    const ideal = (k * CONC * 1000) / LATENCY_MS;
    const base = rates.get(1)!;
    console.log(
      `${k} worker${k > 1 ? 's' : ' '}: ${rate.toFixed(1).padStart(6)} utterances/s  ` +
        `scaling vs 1 worker ×${(rate / base).toFixed(2)}  efficiency vs ideal ${ideal.toFixed(0)}/s: ${((100 * rate) / ideal).toFixed(0)}%`,
    );
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
