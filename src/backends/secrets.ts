/** Field names whose values are never stored (not `*_tokens` usage counters, which are harmless). */
const SECRET_KEY =
  /^(proxy-)?authorization$|api[-_]?key|secret|password|passwd|credentials?$|cookie|^x-amz-security-token$|(session|access|refresh|auth|id|bearer)[-_]?token$|^token$|^signature$/i;

/** Environment variables whose values must never reach the store, logs or reports. */
const SECRET_ENV = ['OPENAI_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'AZURE_SPEECH_KEY', 'GOOGLE_API_KEY'];

export const REDACTED = '[redacted]';

/** Values of secret-bearing environment variables (plus any named `*_API_KEY`, `*_SECRET*`, `*_TOKEN`) worth scrubbing. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(env)) {
    if (!v || v.length < 8) continue;
    if (SECRET_ENV.includes(k) || /(_API_KEY|_SECRET|_SECRET_ACCESS_KEY|_TOKEN|_PASSWORD)$/.test(k)) out.add(v);
  }
  return [...out];
}

/** Replaces every occurrence of a known secret value (only those: no pattern) in a string. */
export function scrubValues(s: string, secrets: readonly string[] = secretValues()): string {
  let out = s;
  for (const v of secrets) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** Replaces every occurrence of a known secret value in a string, and bearer tokens and AWS signatures. */
export function scrubString(s: string, secrets: readonly string[] = secretValues()): string {
  const out = scrubValues(s, secrets);
  // Bearer tokens and AWS signatures that slipped into messages even if not in the environment.
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`).replace(/(Signature=)[0-9a-f]{16,}/g, `$1${REDACTED}`);
}

/** Deep copy of a JSON-like value with secret-named fields dropped and secret values scrubbed. */
export function stripSecrets(value: unknown, secrets: readonly string[] = secretValues(), depth = 0): unknown {
  if (depth > 50) return '[too deep]';
  if (typeof value === 'string') return scrubString(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => stripSecrets(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'function') continue;
    out[k] = SECRET_KEY.test(k) ? REDACTED : stripSecrets(v, secrets, depth + 1);
  }
  return out;
}

/**
 * The failure message of a result whose transcript (hypothesis text or word list) contained a credential: such a
 * result is never scored, because scrubbing would put the marker `[redacted]` where the recogniser's words were and
 * the normaliser would score it as the word "redacted" (an insertion). It is stored as a failure, without the secret.
 */
export const CREDENTIAL_IN_OUTPUT = "the recogniser's output contained a credential (the value of a secret environment variable); not scored";

/**
 * The stored `error` of such a result, wherever it was found (a local call, a queue worker, the store): the words a
 * local run stores for the BackendError it throws (`BackendError: ` + {@link CREDENTIAL_IN_OUTPUT}), so results.jsonl
 * is the same whichever way the run went.
 */
export const CREDENTIAL_FAILURE_ERROR = `BackendError: ${CREDENTIAL_IN_OUTPUT}`;

/**
 * Whether a transcript's text or words contain a known secret value (secretValues). Only values: a pattern such as
 * scrubString's "Bearer <8+ characters>" would also match speech ("Bearer instruments"), and a transcript is words.
 */
export function transcriptHasCredential(text: string | null | undefined, words?: readonly { word: string }[] | null, secrets: readonly string[] = secretValues()): boolean {
  if (text && scrubValues(text, secrets) !== text) return true;
  if (words?.length) {
    const joined = words.map((w) => w.word).join(' ');
    if (scrubValues(joined, secrets) !== joined) return true;
  }
  return false;
}
