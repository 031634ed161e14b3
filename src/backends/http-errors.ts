import { BackendError } from './types.ts';

/** Anything with a `get(name)` for headers: fetch Headers, or a plain record via `headerGetter`. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

export function headerGetter(h: Record<string, string | string[] | undefined> | undefined): HeaderSource {
  return {
    get(name: string) {
      if (!h) return undefined;
      const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
      const v = key === undefined ? undefined : h[key];
      return Array.isArray(v) ? v[0] : v;
    },
  };
}

/** Seconds to wait from `retry-after-ms`, or `retry-after` (delta seconds or an HTTP date). */
export function parseRetryAfter(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms != null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms) / 1000;
  const ra = headers.get('retry-after');
  if (ra == null || ra.trim() === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs;
  const date = Date.parse(ra);
  if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
  return undefined;
}

/** HTTP status → retry policy: 408, 409 (conflict while busy), 425, 429 and 5xx are worth repeating. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export function errorForStatus(prefix: string, status: number, detail: string, headers?: HeaderSource): BackendError {
  const retryable = isRetryableStatus(status);
  return new BackendError(`${prefix}: HTTP ${status}${detail ? `: ${detail}` : ''}`, retryable, retryable ? parseRetryAfter(headers) : undefined, status);
}

/** Error for a call cut short by the AbortSignal (the run engine's per-call timeout or a stop). */
export function abortedError(prefix: string, signal: AbortSignal): BackendError {
  const reason = signal.reason instanceof Error ? signal.reason.message : typeof signal.reason === 'string' ? signal.reason : 'aborted';
  return new BackendError(`${prefix}: call aborted (${reason})`, true);
}

/** Sleeps `ms`, rejecting early when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
