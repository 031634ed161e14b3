import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { BackendConfigError, BackendError, type AudioRef, type Backend } from '../backends/types.ts';
import { prepareAudio, type PrepareOptions } from '../audio/prepare.ts';
import { describeError, loadPlugins } from '../run/engine.ts';
import { backoffDelayMs, DEFAULT_RETRY, withRetries } from '../run/retry.ts';
import { scrubString } from '../backends/secrets.ts';
import { BACKOFF_TYPE, bullmq, connectionOf, DEFAULT_QUEUE_NAME, JOB_FORMAT, type JobBackendSpec, type RedisTarget, type TranscribeJobData, type TranscribeJobResult } from './queue.ts';

export interface QueueWorkerOptions {
  redis: RedisTarget;
  queueName?: string;
  /** Jobs processed at once by this worker. */
  concurrency?: number;
  /** Where audio is prepared again when the coordinator's prepared file is not reachable. */
  audioCacheDir: string;
  /** A job whose lock is not renewed for this long is considered stalled (its worker died). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs. */
  stalledIntervalMs?: number;
  /** A job that stalls more often than this fails for good. */
  maxStalledCount?: number;
  log?: (line: string) => void;
}

export interface QueueWorkerHandle {
  /** `host:pid`, reported with every result. */
  readonly id: string;
  readonly worker: Worker<TranscribeJobData, TranscribeJobResult>;
  /** Resolves when the worker is connected and its backend registry is loaded (jobs start at full speed). */
  ready(): Promise<void>;
  /** Jobs this worker finished (completed or failed for good). */
  done(): number;
  /** Waits for jobs in flight, then disconnects (force: abandon them; they return to the queue as stalled). */
  close(force?: boolean): Promise<void>;
}

/** A retryable failure, carrying the server's Retry-After for the backoff strategy. */
class RetryableJobError extends Error {
  constructor(
    message: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = 'RetryableJobError';
  }
}

/** BullMQ's UnrecoverableError: the job fails at once, without its remaining attempts. */
function unrecoverable(message: string): Error {
  return new (bullmq().UnrecoverableError)(message);
}

async function sha256File(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * Builds backends from job specs, once per distinct spec, and checks that the worker's backend has the
 * coordinator's key (a different tool version or option on this machine would file results under the
 * wrong key).
 */
class BackendPool {
  private readonly backends = new Map<string, Promise<Backend>>();
  private readonly loadedPlugins = new Set<string>();
  /**
   * The backend registry, imported when the worker starts rather than on its first job: loading every backend
   * module (and the SDKs they use) takes a few hundred ms, which the first job would otherwise wait for.
   */
  readonly registry = import('../backends/index.ts');

  constructor() {
    // A failed import surfaces on the first job (as that job's error), not as an unhandled rejection here.
    this.registry.catch(() => undefined);
  }

  get(spec: JobBackendSpec): Promise<Backend> {
    const id = JSON.stringify([spec.type, spec.options, spec.baseDir, spec.plugins]);
    let b = this.backends.get(id);
    if (!b) {
      b = this.build(spec);
      b.catch(() => this.backends.delete(id));
      this.backends.set(id, b);
    }
    return b;
  }

  private async build(spec: JobBackendSpec): Promise<Backend> {
    const fresh = spec.plugins.filter((p) => !this.loadedPlugins.has(p));
    if (fresh.length) {
      await loadPlugins({ plugins: fresh, file: spec.suiteFile });
      for (const p of fresh) this.loadedPlugins.add(p);
    }
    const { getBackendFactory } = await this.registry;
    return getBackendFactory(spec.type).create(spec.options, { baseDir: spec.baseDir });
  }

  async close(): Promise<void> {
    for (const b of this.backends.values()) await b.then((x) => x.close?.()).catch(() => undefined);
  }
}

/**
 * The coordinator's prepared WAV if this machine can read it with the right bytes, else prepared here.
 * Compared with the coordinator's audio hash, not the result key (which also carries the utterance id for
 * backends keyed by id).
 */
async function audioFor(data: TranscribeJobData, cacheDir: string): Promise<AudioRef> {
  if ((await sha256File(data.audio.wav16k)) === data.audio.sha256) return data.audio;
  let audio: AudioRef;
  try {
    audio = await prepareAudio(data.prepare.entry, { cacheDir, condition: (data.prepare.condition ?? undefined) as PrepareOptions['condition'], seed: data.prepare.seed });
  } catch (e) {
    throw unrecoverable(`audio of ${data.audio.id} not reachable on this worker (${data.audio.wav16k}) and could not be prepared here: ${describeError(e)}`);
  }
  if (audio.sha256 !== data.audio.sha256) {
    throw unrecoverable(`audio of ${data.audio.id} prepared on this worker differs from the coordinator's (sha256 ${audio.sha256.slice(0, 12)}… vs ${data.audio.sha256.slice(0, 12)}…): different ffmpeg/sox version or source file`);
  }
  return audio;
}

/**
 * Starts a worker that pulls transcription jobs, runs one attempt each (BullMQ does the retries with
 * our backoff), and returns the result as the job's return value for the coordinator to commit.
 */
export function startQueueWorker(opts: QueueWorkerOptions): QueueWorkerHandle {
  const id = `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => undefined);
  const pool = new BackendPool();
  const hardStop = new AbortController();
  let finished = 0;

  const processJob = async (job: Job<TranscribeJobData, TranscribeJobResult>): Promise<TranscribeJobResult> => {
    const data = job.data;
    if (data.format !== JOB_FORMAT) throw unrecoverable(`job format ${String(data.format)} is not ${JOB_FORMAT}: coordinator and worker run different asrfair versions`);
    let backend: Backend;
    try {
      backend = await pool.get(data.backend);
    } catch (e) {
      throw unrecoverable(`backend "${data.backend.name}" (${data.backend.type}) cannot be built on this worker: ${describeError(e)}`);
    }
    if (backend.key !== data.key.backendKey) {
      throw unrecoverable(`backend "${data.backend.name}" has key ${backend.key} on this worker but ${data.key.backendKey} on the coordinator (different version or options)`);
    }
    if (data.codeVersion !== undefined && backend.codeVersion !== data.codeVersion) {
      throw unrecoverable(`backend "${data.backend.name}" is made by asrfair code ${backend.codeVersion ?? 'without a version'} on this worker but ${data.codeVersion} on the coordinator: run the same asrfair on both`);
    }
    const audio = await audioFor(data, opts.audioCacheDir);
    let latencyMs = 0;
    const outcome = await withRetries(
      async (signal) => {
        const t = performance.now();
        try {
          return await backend.transcribe(audio, signal);
        } finally {
          latencyMs = performance.now() - t;
        }
      },
      { policy: { ...DEFAULT_RETRY, retries: 0 }, timeoutMs: data.timeoutMs, hardStop: hardStop.signal },
    );
    const attempts = job.attemptsMade + 1;
    if (!outcome.ok) {
      const msg = describeError(outcome.error);
      if (!outcome.retryable) {
        // A permanent failure comes back as a failed result (not a failed job) so the coordinator's engine
        // sees what a local run sees: the HTTP status (10 × one 4xx stops the backend) and whether it is a
        // configuration error (stored nowhere; the run stops).
        return {
          format: JOB_FORMAT,
          status: 'failed',
          hypothesis: null,
          words: null,
          phones: null,
          raw: null,
          latencyMs: Math.round(latencyMs * 10) / 10,
          costUsd: 0,
          durationSec: audio.durationSec,
          error: msg,
          retryable: false,
          attempts,
          codeVersion: backend.codeVersion ?? null,
          worker: id,
          httpStatus: outcome.error instanceof BackendError ? (outcome.error.status ?? null) : null,
          configError: outcome.error instanceof BackendConfigError,
        };
      }
      const retryAfterSec = (outcome.error as { retryAfterSec?: number })?.retryAfterSec;
      log(`${data.audio.id}: attempt ${attempts} failed (will retry if attempts remain): ${msg}`);
      throw new RetryableJobError(msg, retryAfterSec);
    }
    const t = outcome.value!;
    return {
      format: JOB_FORMAT,
      status: 'ok',
      hypothesis: t.text,
      words: t.words ?? null,
      phones: t.phones ?? null,
      raw: t.raw ?? null,
      latencyMs: Math.round(latencyMs * 10) / 10,
      costUsd: t.costUsd ?? backend.estimateCostUsd?.(audio.durationSec) ?? 0,
      durationSec: audio.durationSec,
      error: null,
      retryable: false,
      attempts,
      // The worker's own code made it (its checkout may differ from the coordinator's): the store stamps this version.
      codeVersion: backend.codeVersion ?? null,
      worker: id,
    };
  };

  const { Worker } = bullmq();
  const worker = new Worker<TranscribeJobData, TranscribeJobResult>(opts.queueName ?? DEFAULT_QUEUE_NAME, processJob, {
    connection: connectionOf(opts.redis),
    concurrency: opts.concurrency ?? 4,
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 2,
    settings: {
      backoffStrategy: (attemptsMade, type, err, job) => {
        if (type !== BACKOFF_TYPE) return 0;
        const b = (job?.data as TranscribeJobData | undefined)?.backoff ?? DEFAULT_RETRY;
        const retryAfterSec = (err as RetryableJobError | undefined)?.retryAfterSec;
        if (retryAfterSec !== undefined && retryAfterSec > b.maxRetryAfterSec) return -1;
        return Math.round(backoffDelayMs(Math.max(0, attemptsMade - 1), { ...DEFAULT_RETRY, ...b }, retryAfterSec));
      },
    },
  });
  worker.on('completed', () => finished++);
  worker.on('failed', (job, err) => {
    if (job && (err instanceof bullmq().UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))) finished++;
  });
  worker.on('error', (e) => log(`worker error: ${scrubString(describeError(e))}`));

  return {
    id,
    worker,
    ready: async () => {
      await Promise.all([worker.waitUntilReady(), pool.registry]);
    },
    done: () => finished,
    async close(force = false) {
      if (force) hardStop.abort();
      await worker.close(force);
      await pool.close();
    },
  };
}
