/**
 * Queue messages in asrfair's words. BullMQ and ioredis report in their own terms (`Missing lock for job 3960….
 * moveToDelayed`, `could not renew lock for job …`, `connect ECONNREFUSED …` about once a second while Redis is
 * down); a user needs the utterance and backend, what happens to the job, and one line per change of state.
 */
import { scrubString } from '../backends/secrets.ts';
import { escapeControl } from '../manifest/escape.ts';

/** The error code of a failed connection (ioredis/Node net errors), e.g. `ECONNREFUSED`, if the message or code carries one. */
export function connectionErrorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const m = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b/.exec(String((e as Error | null)?.message ?? e));
  return m?.[1];
}

/**
 * One line for an error a BullMQ worker/queue emitted. `nameOf(jobId)` gives `utt-003 (backend "rec")` for jobs this
 * process has seen. Lock messages name the utterance and say what happens to the job; connection errors say Redis
 * cannot be reached and that the client keeps retrying. Secrets are scrubbed, control characters escaped.
 */
export function describeQueueError(e: unknown, nameOf: (jobId: string) => string | undefined = () => undefined): string {
  const msg = String((e as Error | null)?.message ?? e);
  const name = (jobId: string) => nameOf(jobId) ?? `a job (queue id ${jobId.slice(0, 12)}…)`;
  let m = /Missing lock for job ([^.\s]+)\.\s*(\w+)?/.exec(msg);
  if (m) {
    return `${name(m[1])}: this worker no longer holds the job's lock (it expired: Redis was unreachable, or the job ran past --lock-ms), so its outcome here is dropped; the job went back to the queue and runs again`;
  }
  m = /Missing key for job ([^.\s]+)\.\s*(\w+)?/.exec(msg);
  if (m) return `${name(m[1])}: the job is no longer in Redis (Redis restarted without its data, or the job was removed), so its outcome here is dropped; the coordinator enqueues it again`;
  m = /could not renew lock for job (\S+)/.exec(msg);
  if (m) return `${name(m[1])}: could not renew the job's lock (Redis unreachable?); if that lasts past --lock-ms the job goes back to the queue for another worker`;
  const code = connectionErrorCode(e);
  if (code) return `cannot reach Redis: ${code}; retrying`;
  if (/Connection is closed/i.test(msg)) return 'the connection to Redis closed; retrying';
  return `queue error: ${escapeControl(scrubString(msg))}`;
}

/**
 * Prints a line only when it differs from the last one printed (one line per change of state, not one a second
 * while Redis is down); `recovered()` prints `back` once after errors.
 */
export class ErrorLine {
  private last: string | undefined;
  constructor(
    private readonly log: (line: string) => void,
    private readonly back = 'connection to Redis is back',
  ) {}

  /** Lines about one job (they name it) already printed: each is said once, however the outage interleaves them. */
  private readonly jobLines = new Set<string>();

  say(line: string): void {
    if (line === this.last || this.jobLines.has(line)) return;
    if (/^\S.* \(backend "|^a job \(queue id /.test(line)) {
      this.jobLines.add(line);
      if (this.jobLines.size > 1000) this.jobLines.delete(this.jobLines.values().next().value!);
    }
    this.last = line;
    this.log(line);
  }

  recovered(): void {
    if (this.last === undefined) return;
    this.last = undefined;
    this.log(this.back);
  }
}

/** How long `asrfair run --queue` waits for an unreachable Redis before giving up (default of `--queue-timeout`), seconds. */
export const QUEUE_CONNECT_TIMEOUT_SEC = 30;

/**
 * Waits until a TCP connection to the Redis host:port opens, retrying every `retryMs` (ms). The first failure prints
 * one line at once (`cannot reach redis://…: ECONNREFUSED; retrying …`), success after a failure one more. With
 * `timeoutSec` (seconds) it gives up then and returns the last error code; without, it retries until `signal` aborts.
 * Returns undefined when reached. Only reachability is checked (TLS and AUTH are left to the client).
 */
export async function waitForRedis(
  target: { host: string; port: number },
  described: string,
  opts: { log: (line: string) => void; timeoutSec?: number; retryMs?: number; signal?: AbortSignal },
): Promise<string | undefined> {
  const { connect } = await import('node:net');
  const t0 = Date.now();
  let failed: string | undefined;
  for (;;) {
    const code = await new Promise<string | undefined>((done) => {
      const s = connect({ host: target.host, port: target.port });
      const finish = (c: string | undefined) => {
        s.destroy();
        done(c);
      };
      s.setTimeout(5000, () => finish('ETIMEDOUT'));
      s.once('connect', () => finish(undefined));
      s.once('error', (e) => finish(connectionErrorCode(e) ?? (e as Error).message));
    });
    if (code === undefined) {
      if (failed) opts.log(`reached ${described} after ${Math.round((Date.now() - t0) / 1000)} s`);
      return undefined;
    }
    const left = opts.timeoutSec === undefined ? undefined : opts.timeoutSec * 1000 - (Date.now() - t0);
    if (code !== failed) {
      opts.log(`cannot reach ${described}: ${code}; ${opts.timeoutSec === undefined ? 'retrying until it answers (Ctrl-C to stop)' : `retrying for up to ${opts.timeoutSec} s (--queue-timeout)`}`);
      failed = code;
    }
    if ((left !== undefined && left <= 0) || opts.signal?.aborted) return code;
    await new Promise((r) => setTimeout(r, Math.min(opts.retryMs ?? 1000, left ?? Infinity)));
  }
}
