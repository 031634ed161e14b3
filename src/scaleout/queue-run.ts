import { readManifest } from '../manifest/jsonl.ts';
import type { RunOptions } from '../run/engine.ts';
import type { ProgressSink } from '../run/progress.ts';
import type { Suite } from '../run/suite.ts';
import { formatShard, parseShardSpec, shardFilter, shardOf, shardProgress, shardStorePath, type ShardSpec } from './shard.ts';
import { describeRedis, parseRedisUrl } from './queue.ts';
import { QUEUE_CONNECT_TIMEOUT_SEC, waitForRedis } from './queue-messages.ts';
import { UsageError } from '../manifest/errors.ts';
import { escapeControl } from '../manifest/escape.ts';

/** `asrfair run` flags for scale-out. */
export interface ScaleOutFlags {
  /** `i/n`, 1-based. */
  shard?: string;
  /** redis://host:port[/db] */
  queue?: string;
  queueName?: string;
  concurrency?: number;
  limit?: number;
  dryRun?: boolean;
  /** Periodic queue status lines (waiting/active jobs, workers connected). */
  progress?: boolean;
  /** Seconds to wait for an unreachable Redis before giving up (default {@link QUEUE_CONNECT_TIMEOUT_SEC}). */
  queueTimeout?: number;
}

/** How often the coordinator logs the queue's state. */
export const QUEUE_STATUS_EVERY_MS = 10_000;

/** What `asrfair run` needs to run one shard and/or through the queue. */
export interface ScaleOut {
  shard?: ShardSpec;
  /** The store this run writes (a shard gets its own file). */
  storePath(path: string): string;
  /** Options merged last into the engine's options. */
  runOptions(progress: ProgressSink): Partial<RunOptions>;
  /** Lines worth printing after the run (per-worker counts, how to merge). */
  summaryLines(): Promise<string[]> | string[];
  /**
   * Aborted when a queue run must stop because every worker that takes its jobs refuses them (QueueCoordinator.checkStale):
   * the run stops as on a second Ctrl-C (what is stored stays), then `stopLine()` says why and the command exits 2.
   */
  stopped?: AbortSignal;
  /** The one line saying why the run stopped (undefined when it did not). */
  stopLine?(): string | undefined;
  /** A stopped queue run: the line counting the jobs it withdrew from the queue before any worker started them. */
  withdrawnLine?(): string | undefined;
  close(): Promise<void>;
}

/** Jobs in flight per backend in queue mode when --concurrency is not given (workers set the real parallelism). */
export const QUEUE_DEFAULT_IN_FLIGHT = 256;

async function countShard(suite: Suite, spec: ShardSpec, limit: number | undefined): Promise<{ mine: number; all: number }> {
  let all = 0;
  let mine = 0;
  for (const m of suite.manifests) {
    for await (const e of readManifest(m)) {
      if (limit !== undefined && all >= limit) return { mine, all };
      all++;
      if (shardOf(e.id, spec.count) === spec.index) mine++;
    }
  }
  return { mine, all };
}

export async function setupScaleOut(suite: Suite, flags: ScaleOutFlags, log: (line: string) => void): Promise<ScaleOut> {
  const shard = flags.shard === undefined ? undefined : parseShardSpec(flags.shard);
  const counts = shard ? await countShard(suite, shard, flags.limit) : undefined;
  const redis = flags.queue === undefined ? undefined : parseRedisUrl(flags.queue);
  if (redis && !flags.dryRun) {
    // ioredis retries an unreachable server silently for ever: say so at once, and give up after a known time.
    const timeoutSec = flags.queueTimeout ?? QUEUE_CONNECT_TIMEOUT_SEC;
    const code = await waitForRedis(redis, describeRedis(redis), { log: (l) => log(`queue: ${l}`), timeoutSec });
    if (code) throw new UsageError(`run: cannot reach ${describeRedis(redis)} (${code}); gave up after ${timeoutSec} s (--queue-timeout): start redis-server there or fix --queue`);
  }
  // BullMQ (and ioredis) load only for a queue run: a local run does not pay for them.
  const coordinator = redis && !flags.dryRun ? await (await import('./queue-coordinator.ts')).QueueCoordinator.connect({
        redis,
        queueName: flags.queueName,
        log,
        // After a refusal, jobs that no worker takes stop the run after as long as an unreachable Redis is waited for.
        staleAfterMs: (flags.queueTimeout ?? QUEUE_CONNECT_TIMEOUT_SEC) * 1000,
      }) : undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  if (coordinator && redis) {
    log(`queue: enqueuing on ${describeRedis(redis)} (queue ${coordinator.queue.name}); start workers with \`asrfair worker --queue ${describeRedis(redis)}\``);
    if ((await coordinator.queue.getWorkersCount()) === 0) log('queue: no worker connected yet; jobs wait until one is');
    if (flags.progress !== false) {
      statusTimer = setInterval(() => {
        void Promise.all([coordinator.jobCounts(), coordinator.queue.getWorkersCount()])
          .then(([n, w]) => log(`queue: ${n.waiting ?? 0} waiting, ${n.active ?? 0} active, ${n.delayed ?? 0} retrying later; ${w} worker(s) connected`))
          .catch(() => undefined);
      }, QUEUE_STATUS_EVERY_MS);
      statusTimer.unref();
    }
  }
  return {
    shard,
    ...(coordinator ? { stopped: coordinator.staleSignal, stopLine: () => coordinator.stale()?.line, withdrawnLine: () => coordinator.withdrawnLine() } : {}),
    storePath: (p) => (shard ? shardStorePath(p, shard) : p),
    runOptions(progress) {
      const o: Partial<RunOptions> = {};
      if (shard && counts) {
        o.filter = shardFilter(shard);
        o.runMeta = { shard: { ...shard, ...(flags.limit !== undefined ? { limit: flags.limit } : {}) } };
        // A shard is part of the corpus: run.json, its card and check say so, as for --limit.
        o.subsetShard = shard;
        o.progress = shardProgress(progress, counts.mine, counts.all);
      }
      if (coordinator) {
        o.executor = coordinator.executor(suite);
        o.concurrency = flags.concurrency ?? QUEUE_DEFAULT_IN_FLIGHT;
      }
      return o;
    },
    async summaryLines() {
      const lines: string[] = [];
      if (coordinator) {
        const per = [...coordinator.workerCounts()].sort((a, b) => a[0].localeCompare(b[0]));
        if (per.length) lines.push(`queue: results by worker: ${per.map(([w, n]) => `${w} ${n}`).join(', ')}`);
        const shared = coordinator.sharedCount();
        // Counted as called by this run (its store holds them as calls), made once for every coordinator that asked.
        if (shared) lines.push(`queue: ${shared} result(s) came from jobs already in the queue (another coordinator's, or an earlier run's): the backend was not called again for them`);
        await coordinator.pollRefusals();
        const refused = [...coordinator.refusals().keys()].sort();
        if (refused.length) {
          lines.push(`queue: ${refused.length} worker(s) refused jobs (their configuration differs from this run's; the jobs went to other workers, nothing of theirs was stored): ${refused.map((w) => escapeControl(w)).join(', ')}`);
        }
      }
      if (shard) lines.push(`shard ${formatShard(shard)} (${counts?.mine ?? 0} utterances); when every shard is done: asrfair merge <merged.sqlite> <the ${shard.count} shard stores>`);
      return lines;
    },
    async close() {
      clearInterval(statusTimer);
      await coordinator?.close();
    },
  };
}
