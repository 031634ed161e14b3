import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type { ConnectionOptions } from 'bullmq';
import { UsageError } from '../manifest/errors.ts';
import type { AudioRef } from '../backends/types.ts';
import type { PrepareEntry } from '../run/prepare.ts';
import type { NewResult, ResultKey } from '../run/store.ts';
import { REDACTED, stripSecrets } from '../backends/secrets.ts';

/** Default BullMQ queue name shared by `asrfair run --queue` and `asrfair worker`. */
export const DEFAULT_QUEUE_NAME = 'asrfair-transcribe';
/** BullMQ job name and backoff type of transcription jobs. */
export const JOB_NAME = 'transcribe';
export const BACKOFF_TYPE = 'asrfair';
export const JOB_FORMAT = 1;

let bullmqModule: typeof BullMQ | undefined;
/**
 * BullMQ, loaded through require() on first use. It ships CommonJS only; imported as ESM, Node's CommonJS
 * export lexer parses every file its index re-exports first, which costs the coordinator and each worker about
 * 70 ms of CPU (of 160) at start. Same module instance either way (Node's require cache).
 */
export function bullmq(): typeof BullMQ {
  return (bullmqModule ??= createRequire(import.meta.url)('bullmq') as typeof BullMQ);
}

/** A Redis location parsed from `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue: not a URL: expected redis://host:port[/db]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--queue: expected a redis:// or rediss:// URL, got ${u.protocol}//…`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`--queue: database must be a non-negative integer, got "/${dbText}"`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/** host:port/db, never the password (for logs). */
export function describeRedis(t: RedisTarget): string {
  return `${t.tls ? 'rediss' : 'redis'}://${t.host}:${t.port}/${t.db}`;
}

/** ioredis options for BullMQ (maxRetriesPerRequest null: BullMQ's blocking commands require it). */
export function connectionOf(t: RedisTarget): ConnectionOptions {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * The BullMQ job id of a result key: hex sha256 of its three parts (BullMQ ids may not contain `:`,
 * which backend keys do). Equal keys give equal ids, so enqueuing the same work twice is a no-op.
 */
export function jobIdOf(key: ResultKey): string {
  return createHash('sha256').update(`${key.backendKey}\u0000${key.conditionKey}\u0000${key.audioSha256}`).digest('hex');
}

/**
 * The Redis hash where workers record the jobs they refused (a configuration fault of that worker: its backend
 * key or code differs from the coordinator's, or it cannot build the backend). Field: the worker's `host:pid`;
 * value: JSON {@link WorkerRefusal}. BullMQ's default key prefix `bull`, so it sits beside the queue's own keys.
 */
export function refusalsKey(queueName: string): string {
  return `bull:${queueName}:asrfair-refusals`;
}

/**
 * The Redis hash of the coordinators running on a queue: field a coordinator's token (`host:pid:random`), value JSON
 * {@link CoordinatorEntry}, renewed while it runs. Collected jobs stay in Redis while another coordinator runs, so a
 * coordinator that finds a finished job uses its result instead of enqueuing the work again (see QueueCoordinator).
 */
export function coordinatorsKey(queueName: string): string {
  return `bull:${queueName}:asrfair-coordinators`;
}

/**
 * The Redis sorted set of collected jobs kept for other coordinators: member the job id, score the time (ms since the
 * epoch) the coordinator that collected it ended. Removed once no coordinator that ran at that time still runs.
 */
export function keptJobsKey(queueName: string): string {
  return `bull:${queueName}:asrfair-kept`;
}

/** A running coordinator, as recorded in {@link coordinatorsKey}: when it started and until when it counts as alive (ms since the epoch). */
export interface CoordinatorEntry {
  startedAt: number;
  aliveUntil: number;
}

/** One worker's refusal, as recorded in {@link refusalsKey}: when (ms since the epoch) and the line it printed. */
export interface WorkerRefusal {
  at: number;
  line: string;
}

/** How long refusal records live in Redis (seconds): as long as jobs a dead coordinator leaves behind. */
export const REFUSAL_TTL_SEC = 7 * 24 * 3600;

/** How a worker builds the backend of a job (the suite's spec; credentials come from the worker's environment). */
export interface JobBackendSpec {
  name: string;
  type: string;
  options: Record<string, unknown>;
  /** Folder relative option paths resolve against (the suite's folder; must be reachable by workers). */
  baseDir: string;
  /** Absolute paths of suite plugin modules that register extra backend types. */
  plugins: string[];
  suiteFile: string;
}

/** What a transcription job carries. Paths are absolute and must resolve on every worker (shared filesystem). */
export interface TranscribeJobData {
  format: typeof JOB_FORMAT;
  key: ResultKey;
  backend: JobBackendSpec;
  /** The coordinator's Backend.codeVersion: a worker whose code differs refuses the job (as for a different key). */
  codeVersion?: string;
  /** Audio as the coordinator prepared it (wav16k in the shared audio cache). */
  audio: AudioRef;
  /** How to prepare the same bytes again when the coordinator's cache is not reachable. */
  prepare: { entry: PrepareEntry; condition: unknown; seed: number };
  timeoutMs: number;
  backoff: { baseDelayMs: number; maxDelayMs: number; maxRetryAfterSec: number };
  /** The coordinator that added the job (its token in {@link coordinatorsKey}); others that collect it count it as shared. */
  coordinator?: string;
}

/** A worker's answer: the result row without its key (the coordinator knows it) plus who did it. */
export type TranscribeJobResult = Omit<NewResult, keyof ResultKey> & {
  format: typeof JOB_FORMAT;
  /** A permanent failure's HTTP status (the engine's dead-backend rule counts them as the local run does). */
  httpStatus?: number | null;
  /** The backend's configuration is wrong (BackendConfigError): the coordinator stores nothing and stops. */
  configError?: boolean;
  /** `host:pid` of the worker that produced it. */
  worker: string;
};

/** Backend options fit for Redis: secret-named fields dropped (workers read credentials from their environment). */
export function shareableOptions(options: Record<string, unknown>): Record<string, unknown> {
  return dropRedacted(stripSecrets(options)) as Record<string, unknown>;
}

function dropRedacted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropRedacted);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== REDACTED)
      .map(([k, x]) => [k, dropRedacted(x)]),
  );
}
