import { BackendError } from '../backends/types.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (so at most retries + 1 calls). */
  retries: number;
  /** Backoff base: attempt k waits a uniform random time in [0, min(maxDelayMs, baseDelayMs·2^k)] ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we honour; a server asking for more is treated as a failure of this call. */
  maxRetryAfterSec: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterSec: 300 };

/** Node network error codes that mean "try again". */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

export interface ErrorClass {
  retryable: boolean;
  retryAfterSec?: number;
  status?: number;
}

/** Decides whether a failed call is worth repeating. BackendError says so itself; bare network errors are transient. */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof BackendError || (err as Error)?.name === 'BackendError') {
    const e = err as BackendError;
    return { retryable: e.retryable, retryAfterSec: e.retryAfterSec, status: e.status };
  }
  if (err instanceof CallTimeoutError) return { retryable: true };
  const code = (err as { code?: string; cause?: { code?: string } })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (code && TRANSIENT_CODES.has(code)) return { retryable: true };
  if (err instanceof TypeError && /fetch failed/.test(err.message)) return { retryable: true };
  return { retryable: false };
}

/** Delay before retry number `attempt` (0-based): full jitter, but never shorter than the server's Retry-After. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, retryAfterSec: number | undefined, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jitter = random() * cap;
  return retryAfterSec !== undefined ? Math.max(retryAfterSec * 1000, jitter) : jitter;
}

export class CallTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${(timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0)} s`);
    this.name = 'CallTimeoutError';
  }
}

/** Thrown when a call is abandoned because the run is being stopped (not a failure of the utterance). */
export class CallAbandonedError extends Error {
  constructor() {
    super('abandoned: run stopped');
    this.name = 'CallAbandonedError';
  }
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Per-attempt timeout; the attempt's AbortSignal fires when it passes. */
  timeoutMs: number;
  /** Aborting this abandons the call at once (second Ctrl-C). */
  hardStop: AbortSignal;
  /** Aborting this cancels pending backoff waits (first Ctrl-C): no new attempt starts. */
  softStop?: AbortSignal;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export interface RetryOutcome<T> {
  value?: T;
  error?: unknown;
  ok: boolean;
  /** Calls made. */
  attempts: number;
  /** Whether the final error was transient (for "retry failed rows on rerun"). */
  retryable: boolean;
}

function sleep(ms: number, signals: AbortSignal[]): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(t);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const t = setTimeout(() => done(true), ms);
    for (const s of signals) {
      if (s.aborted) return done(false);
      s.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/**
 * Runs one attempt with a timeout. The backend gets an AbortSignal that fires on timeout or hard stop;
 * we also race the call so a backend that ignores its signal cannot hang the run.
 */
async function attemptOnce<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, hardStop: AbortSignal): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onHard = () => ctl.abort(new CallAbandonedError());
  if (hardStop.aborted) throw new CallAbandonedError();
  hardStop.addEventListener('abort', onHard, { once: true });
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new CallTimeoutError(timeoutMs);
      ctl.abort(e);
      reject(e);
    }, timeoutMs);
    ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
  });
  guard.catch(() => undefined);
  try {
    return await Promise.race([fn(ctl.signal), guard]);
  } catch (e) {
    // A backend that throws its own AbortError on our signal: report why we aborted instead.
    if (ctl.signal.aborted) throw ctl.signal.reason;
    throw e;
  } finally {
    clearTimeout(timer);
    hardStop.removeEventListener('abort', onHard);
  }
}

/** Calls `fn` with retries (exponential backoff, full jitter, Retry-After honoured) for transient errors only. */
export async function withRetries<T>(fn: (signal: AbortSignal) => Promise<T>, opts: RetryOptions): Promise<RetryOutcome<T>> {
  const random = opts.random ?? Math.random;
  const stops = [opts.hardStop, ...(opts.softStop ? [opts.softStop] : [])];
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const value = await attemptOnce(fn, opts.timeoutMs, opts.hardStop);
      return { ok: true, value, attempts, retryable: false };
    } catch (error) {
      if (error instanceof CallAbandonedError || opts.hardStop.aborted) throw new CallAbandonedError();
      const cls = classifyError(error);
      const retryAfterTooLong = cls.retryAfterSec !== undefined && cls.retryAfterSec > opts.policy.maxRetryAfterSec;
      if (!cls.retryable || attempts > opts.policy.retries || retryAfterTooLong) {
        return { ok: false, error, attempts, retryable: cls.retryable };
      }
      const delayMs = backoffDelayMs(attempts - 1, opts.policy, cls.retryAfterSec, random);
      opts.onRetry?.({ attempt: attempts, delayMs, error });
      if (!(await sleep(delayMs, stops))) throw new CallAbandonedError();
    }
  }
}
