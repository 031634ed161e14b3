import { stat } from 'node:fs/promises';
import type OpenAI from 'openai';
import { registerBackend } from './registry.ts';
import { codeVersion as moduleCodeVersion, withRequestVersion } from './code-version.ts';
import { openaiRequestVersion, responseFormatOf, transcriptionParams, uploadOf } from './openai-request.ts';
import { BackendConfigError, BackendError, UploadLimitError, type AudioRef, type Backend, type BackendInfo, type Transcript, type WordTiming } from './types.ts';
import { OptionReader, costAtPerMinute, optionsHash } from './options.ts';
import { abortedError, errorForStatus } from './http-errors.ts';
import { checkIso6391 } from './language.ts';
import { scrubString, secretValues, stripSecrets } from './secrets.ts';

/** Public list prices, USD per minute of audio (platform.openai.com/docs/pricing, 2025). */
export const OPENAI_PRICES_PER_MINUTE: Readonly<Record<string, number>> = {
  'whisper-1': 0.006,
  'gpt-4o-transcribe': 0.006,
  'gpt-4o-mini-transcribe': 0.003,
};

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** "File uploads are currently limited to 25 MB" (platform.openai.com/docs/guides/speech-to-text); 25 × 10⁶ bytes to be safe. */
export const OPENAI_MAX_UPLOAD_BYTES = 25_000_000;

export interface OpenAIBackendOptions {
  model: string;
  /** Any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (default: OPENAI_BASE_URL, else api.openai.com). */
  baseURL: string;
  language?: string;
  prompt?: string;
  temperature?: number;
  /** Ask for word timestamps (response_format verbose_json, timestamp_granularities [word]). */
  timestamps: boolean;
  /** Environment variable holding the API key (default OPENAI_API_KEY). The key itself is never an option. */
  apiKeyEnv: string;
  /** Overrides the list price (USD per minute). */
  priceUsdPerMinute?: number;
  /** SDK-level request timeout; the run engine's AbortSignal normally fires first. */
  timeoutMs: number;
  /**
   * What is uploaded: `flac` (default; lossless, about half the WAV's size, so ~50 min of 16 kHz speech fit in
   * 25 MB) or `wav` (the prepared 16-bit WAV, ~13 min fit; for servers without FLAC). Both carry the same samples,
   * so this is not part of the key.
   */
  uploadFormat: 'flac' | 'wav';
  /** Upload size limit in bytes (default 25 MB, OpenAI's); audio whose upload is larger fails without a call. */
  maxUploadBytes: number;
}

/** gpt-4o transcription models accept only json/text response formats, so no word timestamps. */
export function supportsWordTimestamps(model: string): boolean {
  return !model.startsWith('gpt-4o');
}

const OPTION_NAMES = ['model', 'baseURL', 'language', 'prompt', 'temperature', 'timestamps', 'apiKeyEnv', 'priceUsdPerMinute', 'timeoutMs', 'uploadFormat', 'maxUploadBytes'] as const;

export function parseOpenAIOptions(options: Record<string, unknown>): OpenAIBackendOptions {
  const r = new OptionReader('openai', options);
  r.rejectUnknown(OPTION_NAMES);
  const model = r.string('model', 'whisper-1');
  const explicitTimestamps = options.timestamps !== undefined;
  const timestamps = r.boolean('timestamps', model === 'whisper-1');
  if (explicitTimestamps && timestamps && !supportsWordTimestamps(model)) {
    throw new Error(`openai backend: model ${model} returns only json/text, so "timestamps: true" is not available (drop the option)`);
  }
  const temperature = r.number('temperature');
  if (temperature !== undefined && (temperature < 0 || temperature > 1)) throw new Error('openai backend: option "temperature" must be between 0 and 1');
  // Resolved here (not left to the SDK) so the key names the server that actually answers.
  const baseURL = r.string('baseURL') ?? (process.env.OPENAI_BASE_URL || undefined) ?? OPENAI_DEFAULT_BASE_URL;
  if (!/^https?:\/\//.test(baseURL)) throw new Error(`openai backend: option "baseURL" must be an http(s) URL`);
  const language = r.string('language');
  if (language !== undefined) checkIso6391('openai', 'language', language);
  const maxUploadBytes = r.number('maxUploadBytes', OPENAI_MAX_UPLOAD_BYTES);
  if (maxUploadBytes < 1024) throw new Error('openai backend: option "maxUploadBytes" must be at least 1024');
  return {
    model,
    baseURL,
    language,
    prompt: r.string('prompt'),
    temperature,
    timestamps,
    apiKeyEnv: r.string('apiKeyEnv', 'OPENAI_API_KEY'),
    priceUsdPerMinute: r.number('priceUsdPerMinute'),
    timeoutMs: r.number('timeoutMs', 600_000),
    uploadFormat: r.oneOf('uploadFormat', ['flac', 'wav'] as const, 'flac'),
    maxUploadBytes,
  };
}

export { encodeFlac } from './openai-request.ts';

interface TranscriptionBody {
  text?: unknown;
  words?: unknown;
  [k: string]: unknown;
}

let openaiSdk: Promise<typeof import('openai')> | undefined;
/**
 * The openai package, imported on the first call rather than with the backend registry: every command that
 * registers backends (run, worker, backends) would otherwise load it whether or not a suite uses it.
 */
function loadOpenAI(): Promise<typeof import('openai')> {
  return (openaiSdk ??= import('openai'));
}

export class OpenAIBackend implements Backend {
  readonly key: string;
  /** Backend.requestVersion: openai-request.ts's source version and the SDK's. */
  readonly requestVersion = openaiRequestVersion();
  /** This module's code version (it imports the request module) and the request version (Backend.codeVersion). */
  readonly codeVersion = withRequestVersion(moduleCodeVersion(['backends/openai.ts']), this.requestVersion);
  private client?: OpenAI;
  private clientKey?: string;
  /** Upload sizes measured by checkUpload, by audio sha256 (so --dry-run and the call agree). */
  private readonly uploadSizes = new Map<string, number>();

  constructor(readonly options: OpenAIBackendOptions) {
    // Everything that changes the transcript; never the key or its env var name.
    const { model, baseURL, language, prompt, temperature, timestamps } = options;
    this.key = `openai:${model}:${optionsHash({ baseURL: baseURL.replace(/\/+$/, ''), model, language, prompt, temperature, timestamps })}`;
  }

  private get pricePerMinute(): number {
    return this.options.priceUsdPerMinute ?? OPENAI_PRICES_PER_MINUTE[this.options.model] ?? 0;
  }

  estimateCostUsd(durationSec: number): number {
    return costAtPerMinute(durationSec, this.pricePerMinute);
  }

  async info(): Promise<BackendInfo> {
    return {
      name: 'openai',
      // Hosted models carry no version beyond their name; the SDK version says how we called it.
      version: `openai-node ${(await import('openai/version')).VERSION}`,
      model: this.options.model,
      capabilities: { wordTimes: this.options.timestamps, confidences: false, phones: false, glassBox: false, remote: true },
      ...(this.options.language !== undefined ? { language: this.options.language } : {}),
    };
  }

  /** The bytes uploaded for this audio (openai-request.ts `uploadOf`); a failed FLAC encoding is a BackendError. */
  private async upload(audio: AudioRef, signal?: AbortSignal): Promise<{ bytes: Buffer; name: string; type: string }> {
    try {
      return await uploadOf(audio, this.options.uploadFormat, signal);
    } catch (e) {
      if (signal?.aborted) throw abortedError('openai', signal);
      if (this.options.uploadFormat === 'wav') throw e;
      throw new BackendError(`openai: could not encode FLAC for upload: ${(e as Error).message.slice(0, 300)}`, false);
    }
  }

  private tooLarge(audio: AudioRef, bytes: number): string | undefined {
    const max = this.options.maxUploadBytes;
    if (bytes <= max) return undefined;
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    return `upload limit: the ${this.options.uploadFormat.toUpperCase()} of this ${(audio.durationSec / 60).toFixed(1)}-min utterance is ${mb(bytes)}, over the ${mb(max)} the API accepts; cut it into segments (manifest start/end) to score it`;
  }

  /** Whether this audio fits the upload limit: WAVs under the limit fit as FLAC too; longer ones are encoded to know. */
  async checkUpload(audio: AudioRef): Promise<string | undefined> {
    let size = this.uploadSizes.get(audio.sha256);
    if (size === undefined) {
      const wavBytes = (await stat(audio.wav16k)).size;
      // FLAC of 16-bit PCM is never more than the PCM plus its frame headers (verbatim subframes).
      if (wavBytes * 1.01 + 8192 <= this.options.maxUploadBytes) return undefined;
      size = this.options.uploadFormat === 'wav' ? wavBytes : (await this.upload(audio)).bytes.length;
      this.uploadSizes.set(audio.sha256, size);
    }
    return this.tooLarge(audio, size);
  }

  private secrets(): string[] {
    const key = process.env[this.options.apiKeyEnv];
    return key ? [...secretValues(), key] : secretValues();
  }

  private getClient(sdk: typeof import('openai')): OpenAI {
    const apiKey = process.env[this.options.apiKeyEnv];
    if (!apiKey) throw new BackendConfigError(`openai: environment variable ${this.options.apiKeyEnv} is not set (the API key is read only from the environment)`);
    if (!this.client || this.clientKey !== apiKey) {
      // Our run engine owns retries (with Retry-After and a budget), so the SDK must not retry on its own.
      this.client = new sdk.default({ apiKey, baseURL: this.options.baseURL, maxRetries: 0, timeout: this.options.timeoutMs });
      this.clientKey = apiKey;
    }
    return this.client;
  }

  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const sdk = await loadOpenAI();
    const client = this.getClient(sdk);
    const o = this.options;
    let data: TranscriptionBody;
    let requestId: string | null = null;
    try {
      const up = await this.upload(audio, signal);
      const refused = this.tooLarge(audio, up.bytes.length);
      if (refused) throw new UploadLimitError(`openai: ${refused}`);
      const file = await sdk.toFile(up.bytes, up.name, { type: up.type });
      const res = await client.audio.transcriptions.create({ file, ...transcriptionParams(o) }, { signal }).withResponse();
      data = res.data as unknown as TranscriptionBody;
      requestId = res.request_id;
    } catch (err) {
      throw this.mapError(sdk.default, err, signal);
    }
    const raw = stripSecrets({ model: o.model, response_format: responseFormatOf(o), request_id: requestId, body: data }, this.secrets());
    return this.readAnswer(data, raw, audio.durationSec);
  }

  /**
   * The transcript in an answer body (`text`, verbose_json `words`) with its cost (the answer's `duration` when given,
   * else the audio's, at the list price); `raw` is what the store keeps. Throws a retryable BackendError without `text`.
   */
  private readAnswer(data: TranscriptionBody, raw: unknown, durationSec: number): Transcript {
    if (data === null || typeof data !== 'object' || typeof data.text !== 'string') {
      throw new BackendError(`openai: response has no "text" field (got ${scrubString(JSON.stringify(data) ?? String(data), this.secrets()).slice(0, 200)})`, true);
    }
    return {
      text: data.text,
      words: parseWords(data.words),
      raw,
      costUsd: this.estimateCostUsd(typeof data.duration === 'number' ? data.duration : durationSec),
    };
  }

  /**
   * Backend.rereadAnswer: the transcript of a stored answer (`raw` as `transcribe` stored it: `{ model,
   * response_format, request_id, body }`), read by the current code. Throws when `raw` holds no answer body.
   */
  rereadAnswer(raw: unknown, durationSec: number): Transcript {
    const body = (raw as { body?: unknown } | null)?.body;
    if (body === null || typeof body !== 'object') throw new Error('openai: the stored result holds no answer body');
    return this.readAnswer(body as TranscriptionBody, raw, durationSec);
  }

  private mapError(OpenAI: typeof import('openai').default, err: unknown, signal: AbortSignal): BackendError {
    if (err instanceof BackendError) return err;
    const secrets = this.secrets();
    const clean = (s: string) => scrubString(s, secrets).replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, '[redacted]');
    if (err instanceof OpenAI.APIUserAbortError || signal.aborted) return abortedError('openai', signal);
    if (err instanceof OpenAI.APIConnectionTimeoutError) return new BackendError('openai: request timed out', true);
    if (err instanceof OpenAI.APIConnectionError) {
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      return new BackendError(`openai: connection error${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${clean(cause.message)})` : ''}`, true);
    }
    if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
      const body = err.error as { message?: unknown } | undefined;
      const detail = typeof body?.message === 'string' ? body.message : err.message;
      // A rejected key fails every call the same way: configuration, not this utterance.
      if (err.status === 401) return new BackendConfigError(`openai: HTTP 401: ${clean(detail).slice(0, 300)}`, 401);
      return errorForStatus('openai', err.status, clean(detail).slice(0, 300), err.headers);
    }
    // A 2xx whose body is not the JSON it claims to be: a server glitch, worth one more try.
    if (err instanceof SyntaxError) return new BackendError(`openai: malformed response body (${clean(err.message).slice(0, 120)})`, true);
    const msg = err instanceof Error ? err.message : String(err);
    return new BackendError(`openai: ${clean(msg).slice(0, 300)}`, false);
  }
}

function parseWords(words: unknown): WordTiming[] | undefined {
  if (!Array.isArray(words)) return undefined;
  const out: WordTiming[] = [];
  for (const w of words) {
    const x = w as { word?: unknown; start?: unknown; end?: unknown };
    if (typeof x?.word !== 'string' || typeof x.start !== 'number' || typeof x.end !== 'number') continue;
    out.push({ word: x.word.trim(), start: x.start, end: x.end });
  }
  return out;
}

registerBackend({
  type: 'openai',
  description: 'OpenAI transcription API (whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe) or any compatible server via baseURL',
  options: {
    model: 'whisper-1 (default), gpt-4o-transcribe, gpt-4o-mini-transcribe, or a compatible server\'s model name',
    baseURL: 'API base URL of an OpenAI-compatible server (default OPENAI_BASE_URL, else https://api.openai.com/v1)',
    language: 'ISO-639-1 language hint, e.g. en',
    prompt: 'text prompt to guide the model',
    temperature: 'sampling temperature 0..1',
    timestamps: 'word timestamps via verbose_json (default true for whisper-1; not available on gpt-4o models)',
    apiKeyEnv: 'name of the environment variable holding the API key (default OPENAI_API_KEY)',
    priceUsdPerMinute: 'override list price (whisper-1 $0.006, gpt-4o-transcribe $0.006, gpt-4o-mini-transcribe $0.003 per minute)',
    timeoutMs: 'SDK request timeout in ms (default 600000; the run engine\'s per-call timeout usually fires first)',
    uploadFormat: 'flac (default: lossless, ~50 min of speech fit in 25 MB) or wav (~13 min fit)',
    maxUploadBytes: `upload size limit in bytes (default ${OPENAI_MAX_UPLOAD_BYTES}); larger audio fails without a call and --dry-run counts it`,
  },
  env: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID'],
  async create(options) {
    return new OpenAIBackend(parseOpenAIOptions(options));
  },
});
