import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { describeRedis, parseRedisUrl } from '../../scaleout/queue.ts';
import { startQueueWorker } from '../../scaleout/queue-worker.ts';
import { waitForRedis } from '../../scaleout/queue-messages.ts';
import { startOrphanWatchdog } from '../../scaleout/orphan-watchdog.ts';
// Backend type `ctm` (registered by the score-import stage).
import '../../scoreimport/ctm-backend.ts';
import { ownInterrupts } from '../interrupt.ts';
import { sayErr } from '../terminal.ts';

interface WorkerFlags {
  queue: string;
  queueName?: string;
  concurrency: number;
  cacheDir: string;
  lockMs: number;
  stalledIntervalMs: number;
  maxStalled: number;
}

/** After a second SIGINT/SIGTERM the worker exits within this many ms, whether or not Redis answers. */
export const FORCE_EXIT_MS = 2000;
/** After the first signal and the last job in flight, how long closing may wait for Redis (ms). */
export const CLOSE_GRACE_MS = 5000;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Pull transcription jobs from a Redis queue (asrfair run --queue) and return results; run any number, on any machines sharing the corpus filesystem. ' +
        "A job whose backend key or asrfair code differs from the coordinator's (after rebuilding the backend from its files) goes back to the queue and the worker exits 2. " +
        'SIGINT/SIGTERM: finish jobs in flight, then exit; a second signal puts them back in the queue for another worker (no attempt counted) and exits within 2 s. Its recogniser processes die with it, also after kill -9 (Linux).',
    )
    .requiredOption('--queue <redis-url>', 'redis://host:port[/db] (as given to asrfair run --queue)')
    .option('--queue-name <name>', 'BullMQ queue name (default asrfair-transcribe)')
    .option('--concurrency <n>', 'jobs processed at once by this worker', positiveInt, 4)
    .option('--cache-dir <dir>', "where audio is prepared when the coordinator's prepared file is not reachable", '.asrfair/worker-audio')
    .option('--lock-ms <ms>', "a job whose worker stops renewing its lock for this long is stalled and goes back to the queue", positiveInt, 30_000)
    .option('--stalled-interval-ms <ms>', 'how often to look for stalled jobs', positiveInt, 30_000)
    .option('--max-stalled <n>', 'a job that stalls more often than this fails for good', positiveInt, 2)
    .action(async (flags: WorkerFlags) => {
      const redis = parseRedisUrl(flags.queue);
      const err = (s: string) => sayErr(`asrfair worker: ${s}`);
      // A worker may start before Redis: it says so at once and waits (ioredis alone would wait silently).
      await waitForRedis(redis, describeRedis(redis), { log: err });
      startOrphanWatchdog();
      let refusedExit: Promise<void> | undefined;
      const w = startQueueWorker({
        redis,
        queueName: flags.queueName,
        concurrency: flags.concurrency,
        audioCacheDir: resolve(flags.cacheDir),
        lockDurationMs: flags.lockMs,
        stalledIntervalMs: flags.stalledIntervalMs,
        maxStalledCount: flags.maxStalled,
        log: err,
        // A configuration fault of this worker: it stops (the refused jobs went back to the queue), exit 2.
        onRefuse: () => {
          refusedExit ??= w.close().then(() => {
            err(`${w.id} stopped after ${w.done()} jobs (refused a job: see above)`);
            process.exit(2);
          });
        },
      });
      await w.ready();
      err(`${w.id} pulling from ${describeRedis(redis)} (queue ${w.worker.name}, concurrency ${flags.concurrency}); Ctrl-C to stop`);
      await new Promise<void>((done) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            err(`${signal} again: abandoning jobs in flight: they go back to the queue now for another worker (no attempt counted)`);
            // process.exit stops its decoders too (the CLI's exit hook, src/cli/interrupt.ts). Closing talks to
            // Redis, which may be down or hung: exit after FORCE_EXIT_MS whatever it does.
            const exit = () => process.exit(130);
            setTimeout(exit, FORCE_EXIT_MS);
            void w.close(true).finally(exit);
            return;
          }
          stopping = true;
          err(`${signal}: finishing jobs in flight, then exiting (again to abandon them)`);
          void w.close().then(() => {
            err(`${w.id} stopped after ${w.done()} jobs`);
            done();
          });
          // Closing also talks to Redis: once no job is in flight, a Redis that does not answer does not keep us.
          const idle = setInterval(() => {
            if (w.inFlight() > 0) return;
            clearInterval(idle);
            setTimeout(() => {
              err(`${w.id} stopped after ${w.done()} jobs (Redis did not answer the close within ${CLOSE_GRACE_MS / 1000} s)`);
              process.exit(0);
            }, CLOSE_GRACE_MS).unref();
          }, 200);
          idle.unref();
        };
        ownInterrupts();
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
