import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { BackendConfigError, BackendError, type AudioRef, type Backend } from '../backends/types.ts';
import { prepareAudio, type PrepareOptions } from '../audio/prepare.ts';
import { describeError, loadPlugins } from '../run/engine.ts';
import { backoffDelayMs, CallAbandonedError, DEFAULT_RETRY, withRetries } from '../run/retry.ts';
import { scrubString } from '../backends/secrets.ts';
import { escapeControl } from '../manifest/escape.ts';
import { BACKOFF_TYPE, bullmq, connectionOf, DEFAULT_QUEUE_NAME, JOB_FORMAT, REFUSAL_TTL_SEC, refusalsKey, type JobBackendSpec, type RedisTarget, type TranscribeJobData, type TranscribeJobResult, type WorkerRefusal } from './queue.ts';
import { describeQueueError, ErrorLine } from './queue-messages.ts';
import { redactError, redactForQueue } from './queue-redact.ts';

/** On a forced close, how long jobs in flight may take to put themselves back in the queue (ms). */
export const ABANDON_WAIT_MS = 1000;

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
  /**
   * Called once when this worker refuses a job because of its own configuration (backend key, code version or
   * job format differs from the coordinator's, or the backend cannot be built here): the job went back to the
   * queue, the worker has stopped taking jobs, and the line was logged and recorded for the coordinator.
   */
  onRefuse?: (line: string) => void;
}

export interface QueueWorkerHandle {
  /** `host:pid`, reported with every result. */
  readonly id: string;
  readonly worker: Worker<TranscribeJobData, TranscribeJobResult>;
  /** Resolves when the worker is connected and its backend registry is loaded (jobs start at full speed). */
  ready(): Promise<void>;
  /** Jobs this worker finished (completed or failed for good). */
  done(): number;
  /** Jobs being processed now. */
  inFlight(): number;
  /**
   * Waits for jobs in flight, then disconnects. force: abandon them; each goes back to the queue's wait list at once
   * (no attempt counted), or, when Redis does not answer within {@link ABANDON_WAIT_MS}, as stalled after its lock expires.
   */
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

  private static idOf(spec: JobBackendSpec): string {
    return JSON.stringify([spec.type, spec.options, spec.baseDir, spec.plugins]);
  }

  /**
   * Builds the spec's backend again, from its files as they are now (a `modelFiles` file edited since this worker
   * built it changes the key). Jobs that found the same stale backend at once share one rebuild.
   */
  async rebuild(spec: JobBackendSpec, stale: Backend): Promise<Backend> {
    const id = BackendPool.idOf(spec);
    const current = this.backends.get(id);
    if (current && (await current.catch(() => undefined)) !== stale) return current;
    this.backends.delete(id);
    return this.get(spec);
  }

  get(spec: JobBackendSpec): Promise<Backend> {
    const id = BackendPool.idOf(spec);
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
 * backends keyed by id). Audio prepared here that differs from the coordinator's (another ffmpeg/sox build, e.g. one
 * without libsoxr; another source file at the same path), or that cannot be prepared here (the corpus is not mounted
 * at the coordinator's path), is a fault of this worker's setup, not of the utterance: `{ fault }`, which the worker
 * refuses (nothing stored, the job goes back to the queue).
 */
async function audioFor(data: TranscribeJobData, cacheDir: string): Promise<{ audio: AudioRef } | { fault: string }> {
  if ((await sha256File(data.audio.wav16k)) === data.audio.sha256) return { audio: data.audio };
  let audio: AudioRef;
  try {
    audio = await prepareAudio(data.prepare.entry, { cacheDir, condition: (data.prepare.condition ?? undefined) as PrepareOptions['condition'], seed: data.prepare.seed });
  } catch (e) {
    return {
      fault: `its prepared audio ${escapeControl(data.audio.wav16k)} is not readable here (or its bytes differ) and could not be prepared on this worker: ${escapeControl(describeError(e))} (mount the corpus and the prepared-audio cache at the coordinator's paths)`,
    };
  }
  if (audio.sha256 !== data.audio.sha256) {
    return {
      fault: `audio prepared on this worker differs from the coordinator's (sha256 ${audio.sha256.slice(0, 12)}… here, ${data.audio.sha256.slice(0, 12)}… on the coordinator): likely another ffmpeg or sox build on this worker (versions, libsoxr) or another source file at ${escapeControl(data.prepare.entry.audioPath)}; mount the coordinator's prepared-audio cache (${escapeControl(data.audio.wav16k)}) here or install the same ffmpeg`,
    };
  }
  return { audio };
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

  /** Recently seen job ids → "utterance (backend "name")", to name them in BullMQ's lock messages. */
  const jobNames = new Map<string, string>();
  let refused = false;
  // Assigned below; the processor only runs once the worker exists.
  let worker: Worker<TranscribeJobData, TranscribeJobResult> | undefined;

  /**
   * The backend for a job, or why this worker cannot serve it (a fault of this worker's configuration, not of the
   * utterance). A key that differs is looked at again from the files as they are now before refusing.
   */
  const backendFor = async (data: TranscribeJobData): Promise<{ backend: Backend } | { fault: string }> => {
    const name = `backend "${escapeControl(data.backend.name)}"`;
    if (data.format !== JOB_FORMAT) return { fault: `job format ${String(data.format)} is not ${JOB_FORMAT}: coordinator and worker run different asrfair versions` };
    let backend: Backend;
    try {
      backend = await pool.get(data.backend);
      if (backend.key !== data.key.backendKey) {
        const stale = backend.key;
        backend = await pool.rebuild(data.backend, backend);
        if (backend.key === data.key.backendKey) log(`${name}: its files changed since this worker built it (key ${stale}); built again, its key now matches the coordinator's`);
      }
    } catch (e) {
      return { fault: `${name} (${data.backend.type}) cannot be built on this worker: ${describeError(e)}` };
    }
    if (backend.key !== data.key.backendKey) {
      return { fault: `${name} has key ${backend.key} on this worker but ${data.key.backendKey} on the coordinator (its version, options or modelFiles differ here)` };
    }
    if (data.codeVersion !== undefined && backend.codeVersion !== data.codeVersion) {
      return { fault: `${name} is made by asrfair code ${backend.codeVersion ?? 'without a version'} on this worker but ${data.codeVersion} on the coordinator: run the same asrfair on both` };
    }
    return { backend };
  };

  /** A worker fault: the job goes back to the queue unchanged (no attempt counted, nothing stored), this worker stops taking jobs. */
  const refuse = async (job: Job<TranscribeJobData, TranscribeJobResult>, token: string | undefined, fault: string): Promise<never> => {
    if (!refused) {
      refused = true;
      void worker?.pause(true);
      const line = `${id} refuses the job of ${escapeControl(job.data.audio.id)}: ${fault}. The job goes back to the queue for other workers; this worker takes no more jobs (restart it where its files and version match the coordinator's)`;
      log(line);
      const record: WorkerRefusal = { at: Date.now(), line };
      try {
        // ioredis under BullMQ's narrower client type.
        const client = (await worker!.client) as unknown as { hset(k: string, f: string, v: string): Promise<number>; expire(k: string, sec: number): Promise<number> };
        await client.hset(refusalsKey(worker!.name), id, JSON.stringify(record));
        await client.expire(refusalsKey(worker!.name), REFUSAL_TTL_SEC);
      } catch (e) {
        log(`could not record the refusal for the coordinator: ${scrubString(describeError(e))}`);
      }
      opts.onRefuse?.(line);
    }
    await job.moveToWait(token);
    throw new (bullmq().WaitingError)();
  };

  let active = 0;
  /**
   * Everything BullMQ gets from a job goes to Redis (return value: job hash and events stream; an error: failedReason,
   * stacktrace, events): a credential of this worker's environment is taken out here, before BullMQ sees it.
   */
  const processJob = async (job: Job<TranscribeJobData, TranscribeJobResult>, token?: string): Promise<TranscribeJobResult> => {
    active++;
    try {
      return redactForQueue(await processOne(job, token));
    } catch (e) {
      if ((e as Error | null)?.name === 'WaitingError') throw e; // refused: already back in the queue
      if (e instanceof CallAbandonedError || hardStop.signal.aborted) return putBack(job, token);
      throw redactError(e);
    } finally {
      active--;
    }
  };

  /**
   * A job abandoned because this worker is stopping (second signal): not the utterance's failure. It goes back to the
   * queue's wait list at once for another worker, with no attempt counted; when Redis does not take it back, BullMQ is
   * not told either, so the job stays active until its lock expires and returns to the queue as stalled.
   */
  const putBack = async (job: Job<TranscribeJobData, TranscribeJobResult>, token: string | undefined): Promise<never> => {
    const what = jobNames.get(job.id ?? '') ?? escapeControl(String(job.data.audio?.id));
    try {
      await job.moveToWait(token);
      log(`${what}: abandoned; back in the queue for another worker (no attempt counted)`);
    } catch (e) {
      log(
        `${what}: abandoned; could not put it back in the queue (${escapeControl(scrubString(describeError(e)))}): it returns to the queue when its lock expires (--lock-ms), counted as stalled (--max-stalled)`,
      );
    }
    throw new (bullmq().WaitingError)();
  };

  const processOne = async (job: Job<TranscribeJobData, TranscribeJobResult>, token?: string): Promise<TranscribeJobResult> => {
    const data = job.data;
    if (job.id) {
      jobNames.set(job.id, `${escapeControl(String(data.audio?.id))} (backend "${escapeControl(String(data.backend?.name))}")`);
      if (jobNames.size > 10_000) jobNames.delete(jobNames.keys().next().value!);
    }
    if (refused) {
      // Fetched before the pause took effect: back to the queue as well.
      await job.moveToWait(token);
      throw new (bullmq().WaitingError)();
    }
    const got = await backendFor(data);
    if ('fault' in got) return refuse(job, token, got.fault);
    const backend = got.backend;
    const prepared = await audioFor(data, opts.audioCacheDir);
    if ('fault' in prepared) return refuse(job, token, prepared.fault);
    const audio = prepared.audio;
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
      const total = job.opts.attempts ?? 1;
      const what = jobNames.get(job.id ?? '') ?? escapeControl(data.audio.id);
      log(
        attempts < total
          ? `${what}: attempt ${attempts} of ${total} failed, retrying: ${escapeControl(msg)}`
          : `${what}: attempt ${attempts} of ${total} failed, the last one: recorded as a transient failure (a rerun tries again): ${escapeControl(msg)}`,
      );
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
  worker = new Worker<TranscribeJobData, TranscribeJobResult>(opts.queueName ?? DEFAULT_QUEUE_NAME, processJob, {
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
  const errors = new ErrorLine(log);
  worker.on('error', (e) => errors.say(describeQueueError(e, (jobId) => jobNames.get(jobId))));
  void worker.client
    .then((c) => {
      errors.recovered(); // the client resolves once connected: after an outage at start, that is the recovery
      c.on('ready', () => errors.recovered());
    })
    .catch(() => undefined);

  const w = worker;
  return {
    id,
    worker: w,
    ready: async () => {
      await Promise.all([w.waitUntilReady(), pool.registry]);
    },
    done: () => finished,
    inFlight: () => active,
    async close(force = false) {
      if (force) {
        hardStop.abort();
        // Jobs in flight put themselves back in the queue (putBack) before the connection closes; bounded, as Redis
        // may not answer.
        const t0 = Date.now();
        while (active > 0 && Date.now() - t0 < ABANDON_WAIT_MS) await new Promise((r) => setTimeout(r, 20));
      }
      await w.close(force);
      await pool.close();
    },
  };
}
