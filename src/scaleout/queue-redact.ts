/**
 * What a worker hands BullMQ, without credentials. Everything a processor returns or throws is written to Redis by
 * BullMQ: the return value into the job hash and the `completed` event of the queue's events stream, an error's
 * message and stack into `failedReason`, `stacktrace` and the `failed` event. The coordinator's own checks come too
 * late for that, and it may not even hold the worker's credentials (each worker reads its own environment).
 */
import { scrubString, secretValues, stripSecrets, transcriptHasCredential } from '../backends/secrets.ts';
import { credentialFailure } from '../run/store.ts';
import type { TranscribeJobResult } from './queue.ts';

/**
 * A worker's result as it may go to Redis. An ok result whose transcript (hypothesis or words) holds the value of a
 * secret environment variable of this worker becomes the failure the store makes of it (`credentialFailure`,
 * src/run/store.ts: `CREDENTIAL_FAILURE_ERROR`, no hypothesis, words or phones, not retryable, its cost in USD kept:
 * the call was made and paid for, as in a local run) with `raw` dropped too (the answer holds the secret and must not
 * reach Redis); in any other result, `raw` is stripped of secret-named fields and secret values and `error` scrubbed.
 * `secrets`: the values to look for (default: this process's environment, `secretValues`).
 */
export function redactForQueue(r: TranscribeJobResult, secrets: readonly string[] = secretValues()): TranscribeJobResult {
  if (r.status === 'ok' && transcriptHasCredential(r.hypothesis, r.words, secrets)) return { ...credentialFailure(r), raw: null };
  return {
    ...r,
    raw: r.raw === null || r.raw === undefined ? r.raw : stripSecrets(r.raw, secrets),
    error: r.error === null ? null : scrubString(r.error, secrets),
  };
}

/**
 * An error a processor is about to throw, as BullMQ may store it (message and stack, which BullMQ keeps in
 * `stacktrace`): the same class and fields, secret values scrubbed from both. Errors BullMQ acts on by class
 * (WaitingError, DelayedError) carry no text of ours and pass through unchanged.
 */
export function redactError<E>(e: E, secrets: readonly string[] = secretValues()): E {
  if (!(e instanceof Error)) return new Error(scrubString(String(e), secrets)) as E;
  if (e.name === 'WaitingError' || e.name === 'DelayedError') return e;
  e.message = scrubString(e.message, secrets);
  if (e.stack) e.stack = scrubString(e.stack, secrets);
  return e;
}
