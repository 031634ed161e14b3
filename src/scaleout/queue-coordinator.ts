import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Job, Queue, QueueEvents } from 'bullmq';
import { ownerAlive, type ResultKey } from '../run/store.ts';
import type { Suite } from '../run/suite.ts';
import type { ExecutorResult, TranscribeExecutor } from '../run/engine.ts';
import { resolveConditions } from '../run/conditions.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../run/retry.ts';
import { scrubString } from '../backends/secrets.ts';
import { escapeControl } from '../manifest/escape.ts';
import {
  BACKOFF_TYPE,
  bullmq,
  connectionOf,
  coordinatorsKey,
  type CoordinatorEntry,
  DEFAULT_QUEUE_NAME,
  JOB_FORMAT,
  JOB_NAME,
  jobIdOf,
  keptJobsKey,
  shareableOptions,
  type RedisTarget,
  type TranscribeJobData,
  type TranscribeJobResult,
  refusalsKey,
  type WorkerRefusal,
} from './queue.ts';
import { describeQueueError, ErrorLine } from './queue-messages.ts';

export interface QueueCoordinatorOptions {
  redis: RedisTarget;
  queueName?: string;
  /** How often jobs still waited for are looked up directly (events can be missed across reconnects). */
  sweepMs?: number;
  retryPolicy?: Partial<RetryPolicy>;
  log?: (line: string) => void;
  /**
   * After a worker refused a job (its configuration differs: backend key, code, audio), how long jobs may wait with
   * none active and no result collected before the run stops as stale (ms; default 30 000). See {@link QueueCoordinator.stale}.
   */
  staleAfterMs?: number;
  /** Refusals by distinct workers since the last result, none active, after which the run stops at once (default 3). */
  staleRefusals?: number;
}

/** Why a queue run stopped because its workers refuse its jobs: the workers (host:pid → their line) and the sentence. */
export interface StaleQueue {
  workers: Map<string, string>;
  line: string;
}

/** How long a coordinator counts as running without renewing its entry (ms); renewed at every sweep. */
export const COORDINATOR_ALIVE_MS = 30_000;
/** How often kept jobs whose coordinators have all ended are looked for and removed (ms). */
const KEPT_CLEANUP_EVERY_MS = 30_000;
/** How long kept-job and coordinator records live in Redis without renewal (seconds): as long as a dead coordinator's jobs. */
const RECORDS_TTL_SEC = 7 * 24 * 3600;

const FINISHED = new Set(['completed', 'failed']);

/** The ioredis commands used on the coordinator records, under BullMQ's narrower client type. */
interface RecordsClient {
  hset(k: string, field: string, value: string): Promise<number>;
  hgetall(k: string): Promise<Record<string, string>>;
  hdel(k: string, ...fields: string[]): Promise<number>;
  expire(k: string, sec: number): Promise<number>;
  zadd(k: string, ...scoreMembers: (string | number)[]): Promise<number>;
  zrangebyscore(k: string, min: string, max: string): Promise<string[]>;
  zrem(k: string, ...members: string[]): Promise<number>;
}

interface Waiter {
  key: ResultKey;
  jobId: string;
  data: TranscribeJobData;
  attempts: number;
  /** When the row this call replaces was stored (TranscribeExecutor's `storedAt`). */
  storedAt?: string;
  resolve(r: ExecutorResult): void;
  lastChecked: number;
}

/**
 * The coordinator side of distributed mode: each backend call becomes a BullMQ job (id derived from the
 * result key), and the job's return value comes back as the result the engine commits to its store.
 *
 * Several coordinators may share one queue (and its workers), each with its own store: a job id is enqueued once,
 * and a coordinator that finds the job finished uses its result instead of enqueuing it again. So collected jobs are
 * not removed while the coordinator runs (a coordinator started later, on other audio preparation, may reach the
 * same key minutes after), and at its end only when no other coordinator runs on the queue; otherwise they are
 * kept ({@link keptJobsKey}) until every coordinator that ran when it ended has ended too. Coordinators record
 * themselves in {@link coordinatorsKey}. (Removed at once on collection, a job another coordinator was waiting for,
 * or reached a second later, was enqueued again: 14–16 calls for 12 utterances with two coordinators, trial 17.)
 */
export class QueueCoordinator {
  readonly queue: Queue<TranscribeJobData, TranscribeJobResult>;
  private readonly events: QueueEvents;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly perWorker = new Map<string, number>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly policy: RetryPolicy;
  private readonly log: (line: string) => void;
  private sweeping = false;
  private readonly startedAt = Date.now();
  /** Workers that refused jobs during this run (host:pid → their line). */
  private readonly refusedBy = new Map<string, string>();
  private readonly errors: ErrorLine;
  /** When the last job's outcome was collected (or the coordinator started). */
  private lastProgressAt = Date.now();
  /** Refusals recorded since the last collected outcome: host:pid → when. */
  private readonly refusedSinceProgress = new Map<string, number>();
  private staleState: StaleQueue | undefined;
  private readonly staleController = new AbortController();
  /** This coordinator in {@link coordinatorsKey}. */
  private readonly token = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Jobs collected, still in Redis (removed or kept for other coordinators when this one ends). */
  private readonly collected = new Set<string>();
  /** Results collected from jobs another coordinator (or an earlier run) added (TranscribeJobData.coordinator): no call of this run's. */
  private sharedResults = 0;
  private lastCleanupAt = 0;
  /** Aborted when the run is stale (every job waits and the workers that took one refused it): the run stops. */
  readonly staleSignal = this.staleController.signal;

  private constructor(
    private readonly opts: QueueCoordinatorOptions,
    queue: Queue<TranscribeJobData, TranscribeJobResult>,
    events: QueueEvents,
  ) {
    this.queue = queue;
    this.events = events;
    this.policy = { ...DEFAULT_RETRY, ...opts.retryPolicy };
    this.log = opts.log ?? (() => undefined);
    events.on('completed', ({ jobId }) => void this.collect(jobId));
    events.on('failed', ({ jobId }) => void this.collect(jobId));
    // One line per change of state (Redis down, back), not one per reconnection attempt of each connection.
    this.errors = new ErrorLine((l) => this.log(`queue: ${l}`));
    events.on('error', (e) => this.errors.say(describeQueueError(e)));
    queue.on('error', (e) => this.errors.say(describeQueueError(e)));
    void queue.client
      .then((c) => {
        this.errors.recovered();
        c.on('ready', () => this.errors.recovered());
      })
      .catch(() => undefined);
    this.sweepTimer = setInterval(
      () => void this.sweep().then(() => this.heartbeat()).then(() => this.pollRefusals()).then(() => this.checkStale()),
      opts.sweepMs ?? 2000,
    );
    this.sweepTimer.unref();
  }

  static async connect(opts: QueueCoordinatorOptions): Promise<QueueCoordinator> {
    const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
    const { Queue, QueueEvents } = bullmq();
    const queue = new Queue<TranscribeJobData, TranscribeJobResult>(name, { connection: connectionOf(opts.redis) });
    const events = new QueueEvents(name, { connection: connectionOf(opts.redis) });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const c = new QueueCoordinator(opts, queue, events);
    await c.heartbeat();
    return c;
  }

  /** Records (renews) this coordinator as running in {@link coordinatorsKey}; now and then removes kept jobs nobody can need. */
  private async heartbeat(): Promise<void> {
    try {
      const client = await this.records();
      const now = Date.now();
      const entry: CoordinatorEntry = { startedAt: this.startedAt, aliveUntil: now + COORDINATOR_ALIVE_MS };
      const k = coordinatorsKey(this.queue.name);
      await client.hset(k, this.token, JSON.stringify(entry));
      await client.expire(k, RECORDS_TTL_SEC);
      if (now - this.lastCleanupAt >= KEPT_CLEANUP_EVERY_MS) {
        this.lastCleanupAt = now;
        await this.removeKept((await this.otherCoordinators(now)).map((e) => e.startedAt).concat(this.startedAt));
      }
    } catch (e) {
      this.errors.say(describeQueueError(e));
    }
  }

  private async records(): Promise<RecordsClient> {
    return (await this.queue.client) as unknown as RecordsClient;
  }

  /** The other coordinators running on this queue (entries renewed within {@link COORDINATOR_ALIVE_MS}); drops dead ones. */
  private async otherCoordinators(now: number): Promise<CoordinatorEntry[]> {
    const client = await this.records();
    const k = coordinatorsKey(this.queue.name);
    const live: CoordinatorEntry[] = [];
    for (const [token, json] of Object.entries(await client.hgetall(k))) {
      if (token === this.token) continue;
      let e: CoordinatorEntry | undefined;
      try {
        e = JSON.parse(json) as CoordinatorEntry;
      } catch {
        e = undefined;
      }
      // A coordinator killed on this host is dead at once (its pid is gone), elsewhere once its entry is not renewed.
      if (e && typeof e.aliveUntil === 'number' && typeof e.startedAt === 'number' && e.aliveUntil > now && ownerAlive(token)) live.push(e);
      else await client.hdel(k, token);
    }
    return live;
  }

  /**
   * Removes the kept jobs that no running coordinator can need: those whose collecting coordinator ended before the
   * earliest start among `startedAt` (the coordinators running now; none: every kept job).
   */
  private async removeKept(startedAt: number[]): Promise<void> {
    const client = await this.records();
    const k = keptJobsKey(this.queue.name);
    const before = startedAt.length ? Math.min(...startedAt) : Number.POSITIVE_INFINITY;
    const ids = await client.zrangebyscore(k, '-inf', before === Number.POSITIVE_INFINITY ? '+inf' : `(${before}`);
    await this.removeJobs(ids);
    if (ids.length) await client.zrem(k, ...ids);
  }

  /** Removes finished jobs from Redis (a job enqueued again since, not finished, stays). */
  private async removeJobs(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(
        ids.slice(i, i + 100).map(async (id) => {
          if (!FINISHED.has(await this.queue.getJobState(id))) return;
          await this.queue.remove(id).catch((e: Error) => this.log(`queue: could not remove collected job ${id}: ${e.message}`));
        }),
      );
    }
  }

  /** Results this coordinator collected from jobs it did not enqueue (another coordinator's, or an earlier run's). */
  sharedCount(): number {
    return this.sharedResults;
  }

  /** Jobs collected per worker id (host:pid). */
  workerCounts(): Map<string, number> {
    return new Map(this.perWorker);
  }

  /** The engine hook: enqueue (idempotently), then wait for the job's outcome. */
  executor(suite: Suite): TranscribeExecutor {
    const conditionSpecs = new Map(resolveConditions(suite).map((c) => [c.key, c.spec ?? null]));
    return async ({ backend, audio, key, storedAt }, { softStop, hardStop }) => {
      const jobId = jobIdOf(key);
      const data: TranscribeJobData = {
        format: JOB_FORMAT,
        key,
        backend: {
          name: backend.spec.name,
          type: backend.spec.type,
          options: shareableOptions(backend.spec.options),
          baseDir: dirname(suite.file),
          plugins: suite.plugins,
          suiteFile: suite.file,
        },
        ...(backend.backend.codeVersion !== undefined ? { codeVersion: backend.backend.codeVersion } : {}),
        audio,
        prepare: { entry: { id: audio.id, audioPath: audio.path, start: audio.start, end: audio.end }, condition: conditionSpecs.get(key.conditionKey) ?? null, seed: suite.seed },
        timeoutMs: backend.timeoutMs,
        backoff: { baseDelayMs: this.policy.baseDelayMs, maxDelayMs: this.policy.maxDelayMs, maxRetryAfterSec: this.policy.maxRetryAfterSec },
      };
      if (hardStop.aborted) return undefined;
      const outcome = new Promise<ExecutorResult>((resolve) => {
        const list = this.waiters.get(jobId) ?? [];
        list.push({ key, jobId, data, attempts: backend.retries + 1, ...(storedAt !== undefined ? { storedAt } : {}), resolve, lastChecked: Date.now() });
        this.waiters.set(jobId, list);
      });
      await this.enqueue(jobId, data, backend.retries + 1, storedAt);
      const abandoned = new Promise<undefined>((resolve) => {
        if (hardStop.aborted) resolve(undefined);
        hardStop.addEventListener('abort', () => resolve(undefined), { once: true });
        // Stopped (first Ctrl-C, budget, a fatal error): no new calls. A job no worker has started is not a call in
        // flight: it leaves the queue at once, so the drain waits for active jobs only.
        const withdraw = () => void this.withdraw(jobId).then((gone) => gone && resolve(undefined));
        if (softStop.aborted) withdraw();
        else softStop.addEventListener('abort', withdraw, { once: true });
      });
      const result = await Promise.race([outcome, abandoned]);
      if (!result) this.waiters.delete(jobId);
      return result;
    };
  }

  /**
   * Adds the job unless one with its id exists. A job waiting or running (another coordinator's) is waited for; a
   * finished one (another coordinator's, or left by one that died before committing it) is collected rather than run
   * again, unless it is the outcome already stored (`storedAt`: it finished before then, so this call is a retry) or
   * was made by another code version than this run's: then it is replaced by a new job.
   */
  private async enqueue(jobId: string, data: TranscribeJobData, attempts: number, storedAt?: string): Promise<void> {
    const state = await this.queue.getJobState(jobId);
    if (FINISHED.has(state)) {
      const job = await bullmq().Job.fromId<TranscribeJobData, TranscribeJobResult>(this.queue, jobId);
      if (job && reusableOutcome(job, data, storedAt)) {
        await this.collect(jobId);
        return;
      }
      if (job) await job.remove().catch(() => undefined);
      this.collected.delete(jobId);
    } else if (state !== 'unknown') return;
    await this.queue.add(JOB_NAME, { ...data, coordinator: this.token }, {
      jobId,
      attempts,
      backoff: { type: BACKOFF_TYPE },
      // Collected jobs are removed by the coordinator; these caps only bound what a dead coordinator leaves.
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /**
   * Removes a job of this run that no worker has started (waiting, prioritized, or delayed for a retry) from the
   * queue; true when it was removed. An active job is locked by its worker and stays (BullMQ refuses to remove it),
   * as does any job when Redis does not answer. Counted for {@link withdrawnLine}.
   */
  private async withdraw(jobId: string): Promise<boolean> {
    try {
      const job = await bullmq().Job.fromId(this.queue, jobId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
      await job.remove();
      this.withdrawn++;
      return true;
    } catch {
      return false;
    }
  }

  /** Jobs withdrawn from the queue because the run stopped before a worker started them. */
  private withdrawn = 0;

  /** One line for the jobs withdrawn when the run stopped (undefined when none was). */
  withdrawnLine(): string | undefined {
    return this.withdrawn ? `queue: ${this.withdrawn} job(s) no worker had started were withdrawn from the queue (not stored; a rerun enqueues them again)` : undefined;
  }

  /** Turns a finished job into a result for every waiter on it, then removes the job from Redis. */
  private async collect(jobId: string): Promise<void> {
    const waiting = this.waiters.get(jobId);
    if (!waiting?.length) return;
    // The state first: a finished job's data no longer changes, whereas a job read while active and then found
    // finished has no return value (it was stored as "worker returned no result in this format", trial 17).
    const state = await this.queue.getJobState(jobId);
    if (!FINISHED.has(state)) return;
    const job = await bullmq().Job.fromId<TranscribeJobData, TranscribeJobResult>(this.queue, jobId);
    // Gone since (removed, Redis restarted): the sweep enqueues it again.
    if (!job) return;
    if (this.waiters.get(jobId) !== waiting) return;
    this.waiters.delete(jobId);
    this.lastProgressAt = Date.now();
    this.refusedSinceProgress.clear();
    const key = waiting[0].key;
    let row: ExecutorResult;
    const r = job.returnvalue as TranscribeJobResult | null;
    if (state === 'completed' && r?.format === JOB_FORMAT) {
      this.perWorker.set(r.worker, (this.perWorker.get(r.worker) ?? 0) + 1);
      const { format: _f, worker: _w, ...rest } = r;
      row = { ...key, ...rest };
    } else {
      const lastTrace = job.stacktrace?.at(-1) ?? '';
      const stalled = /stalled more than/.test(job.failedReason ?? '');
      row = {
        ...key,
        status: 'failed',
        hypothesis: null,
        words: null,
        phones: null,
        raw: null,
        latencyMs: null,
        costUsd: 0,
        durationSec: job.data.audio.durationSec,
        error: scrubString(state === 'completed' ? 'worker returned no result in this format (different asrfair version?)' : job.failedReason || 'failed on a worker'),
        // Unrecoverable means the backend said the error is permanent; exhausted retries and stalls are transient.
        retryable: stalled || !lastTrace.startsWith('UnrecoverableError'),
        attempts: Math.max(1, job.attemptsMade),
      };
    }
    // Added by another coordinator (also when both added it at once: the first add wins, the second adds nothing).
    if (job.data.coordinator !== this.token) this.sharedResults++;
    // Kept in Redis for other coordinators until this one ends (class comment).
    this.collected.add(jobId);
    for (const w of waiting) w.resolve(row);
  }

  /** Looks up jobs whose events may have been missed; re-adds any that vanished without a result. */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      for (const [jobId, list] of [...this.waiters]) {
        if (now - list[0].lastChecked < (this.opts.sweepMs ?? 2000)) continue;
        list[0].lastChecked = now;
        const job = await bullmq().Job.fromId(this.queue, jobId);
        if (job) await this.collect(jobId);
        else if (this.waiters.get(jobId) === list) await this.enqueue(jobId, list[0].data, list[0].attempts);
      }
    } catch (e) {
      this.errors.say(describeQueueError(e));
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Reads the refusals workers recorded since this coordinator started (a worker whose backend key, code or
   * job format differs, or that cannot build a backend, puts the job back and stops) and logs each new one.
   */
  async pollRefusals(): Promise<void> {
    try {
      const client = await this.queue.client;
      const all = await client.hgetall(refusalsKey(this.queue.name));
      for (const [worker, json] of Object.entries(all)) {
        if (this.refusedBy.has(worker)) continue;
        let r: WorkerRefusal;
        try {
          r = JSON.parse(json) as WorkerRefusal;
        } catch {
          continue;
        }
        if (typeof r.at !== 'number' || r.at < this.startedAt - 1000) continue;
        this.refusedBy.set(worker, String(r.line));
        if (r.at > this.lastProgressAt) this.refusedSinceProgress.set(worker, r.at);
        this.log(`queue: worker ${escapeControl(String(r.line))}`);
      }
    } catch {
      // Redis unreachable: said once by the error line; the next poll tries again.
    }
  }

  /**
   * Whether the run is stale: since the last collected result, workers refused jobs (their configuration differs from
   * this run's: backend key, code version, prepared audio), jobs are waiting, none is active, and either
   * `staleAfterMs` passed since the last refusal or `staleRefusals` distinct workers refused. Then no worker that is
   * alive takes the jobs: the run stops (`staleSignal`) instead of waiting for ever. Redis unreachable: not stale
   * (said by the error line; the next check tries again).
   */
  async checkStale(now = Date.now()): Promise<StaleQueue | undefined> {
    if (this.staleState || this.refusedSinceProgress.size === 0 || this.waiters.size === 0) return this.staleState;
    const lastRefusal = Math.max(...this.refusedSinceProgress.values());
    const waited = now - Math.max(lastRefusal, this.lastProgressAt);
    const many = this.refusedSinceProgress.size >= (this.opts.staleRefusals ?? 3);
    if (!many && waited < (this.opts.staleAfterMs ?? 30_000)) return undefined;
    let counts: Record<string, number>;
    try {
      counts = await this.jobCounts();
    } catch {
      return undefined;
    }
    if ((counts.active ?? 0) > 0 || (counts.waiting ?? 0) + (counts.delayed ?? 0) === 0) return undefined;
    const workers = new Map([...this.refusedSinceProgress.keys()].sort().map((w) => [w, this.refusedBy.get(w) ?? '']));
    const why = many ? `${workers.size} workers in a row refused jobs` : `a worker refused jobs and none took a job for ${Math.round(waited / 1000)} s`;
    const line = `queue: stopping: ${why}, with ${this.waiters.size} job(s) waiting and no result since: every worker that took a job refuses them (its configuration differs from this run's: backend key, asrfair code or prepared audio; their lines above): ${[...workers.keys()].map((w) => escapeControl(w)).join(', ')}. Nothing stored is lost; start workers whose configuration matches and run the same command again`;
    this.staleState = { workers, line };
    this.staleController.abort();
    return this.staleState;
  }

  /** Set once the run stopped as stale (checkStale). */
  stale(): StaleQueue | undefined {
    return this.staleState;
  }

  /** Workers that refused jobs during this run: host:pid → the line they printed. */
  refusals(): Map<string, string> {
    return new Map(this.refusedBy);
  }

  /**
   * Ends this coordinator's record: its collected jobs are removed from Redis when no other coordinator runs on the
   * queue (with every kept job), else kept for them ({@link keptJobsKey}, scored now). Redis unreachable: one line;
   * what is left expires after 7 days.
   */
  private async release(): Promise<void> {
    try {
      const client = await this.records();
      const now = Date.now();
      await client.hdel(coordinatorsKey(this.queue.name), this.token);
      const others = await this.otherCoordinators(now);
      const mine = [...this.collected];
      if (others.length === 0) {
        await this.removeJobs(mine);
        await this.removeKept([]);
      } else if (mine.length) {
        const k = keptJobsKey(this.queue.name);
        for (let i = 0; i < mine.length; i += 500) await client.zadd(k, ...mine.slice(i, i + 500).flatMap((id) => [now, id]));
        await client.expire(k, RECORDS_TTL_SEC);
        await this.removeKept(others.map((e) => e.startedAt));
      }
      this.collected.clear();
    } catch (e) {
      this.log(`queue: could not remove the collected jobs from Redis (${escapeControl(scrubString((e as Error).message))}); they expire after 7 days`);
    }
  }

  /** Counts of jobs by state in Redis (for progress lines). */
  async jobCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.pollRefusals();
    await this.release();
    await this.events.close();
    await this.queue.close();
  }
}

/**
 * Whether a finished job's outcome may serve a call: not when it finished before `storedAt` (the row the call replaces
 * is that outcome, or older: the call is a retry), nor when its result was made by another code version than `data`
 * asks for (times are the hosts' clocks).
 */
function reusableOutcome(job: Job<TranscribeJobData, TranscribeJobResult>, data: TranscribeJobData, storedAt?: string): boolean {
  if (storedAt !== undefined && job.finishedOn !== undefined && job.finishedOn <= Date.parse(storedAt)) return false;
  const r = job.returnvalue as TranscribeJobResult | null;
  if (data.codeVersion !== undefined && r?.format === JOB_FORMAT && r.codeVersion != null && r.codeVersion !== data.codeVersion) return false;
  return true;
}
