import { readFile } from 'node:fs/promises';
import OpenAI, { toFile } from 'openai';
import { VERSION as OPENAI_SDK_VERSION } from 'openai/version';
import { registerBackend } from './registry.ts';
import { BackendError, type AudioRef, type Backend, type BackendInfo, type Transcript, type WordTiming } from './types.ts';
import { OptionReader, costAtPerMinute, optionsHash } from './options.ts';
import { abortedError, errorForStatus } from './http-errors.ts';
import { scrubString, secretValues, stripSecrets } from './secrets.ts';

/** Public list prices, USD per minute of audio (platform.openai.com/docs/pricing, 2025). */
export const OPENAI_PRICES_PER_MINUTE: Readonly<Record<string, number>> = {
  'whisper-1': 0.006,
  'gpt-4o-transcribe': 0.006,
  'gpt-4o-mini-transcribe': 0.003,
};

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

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
}

/** gpt-4o transcription models accept only json/text response formats, so no word timestamps. */
export function supportsWordTimestamps(model: string): boolean {
  return !model.startsWith('gpt-4o');
}

const OPTION_NAMES = ['model', 'baseURL', 'language', 'prompt', 'temperature', 'timestamps', 'apiKeyEnv', 'priceUsdPerMinute', 'timeoutMs'] as const;

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
  return {
    model,
    baseURL,
    language: r.string('language'),
    prompt: r.string('prompt'),
    temperature,
    timestamps,
    apiKeyEnv: r.string('apiKeyEnv', 'OPENAI_API_KEY'),
    priceUsdPerMinute: r.number('priceUsdPerMinute'),
    timeoutMs: r.number('timeoutMs', 600_000),
  };
}

interface TranscriptionBody {
  text?: unknown;
  words?: unknown;
  [k: string]: unknown;
}

export class OpenAIBackend implements Backend {
  readonly key: string;
  private client?: OpenAI;
  private clientKey?: string;

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
      version: `openai-node ${OPENAI_SDK_VERSION}`,
      model: this.options.model,
      capabilities: { wordTimes: this.options.timestamps, confidences: false, phones: false, glassBox: false, remote: true },
    };
  }

  private secrets(): string[] {
    const key = process.env[this.options.apiKeyEnv];
    return key ? [...secretValues(), key] : secretValues();
  }

  private getClient(): OpenAI {
    const apiKey = process.env[this.options.apiKeyEnv];
    if (!apiKey) throw new BackendError(`openai: environment variable ${this.options.apiKeyEnv} is not set (the API key is read only from the environment)`, false);
    if (!this.client || this.clientKey !== apiKey) {
      // Our run engine owns retries (with Retry-After and a budget), so the SDK must not retry on its own.
      this.client = new OpenAI({ apiKey, baseURL: this.options.baseURL, maxRetries: 0, timeout: this.options.timeoutMs });
      this.clientKey = apiKey;
    }
    return this.client;
  }

  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const client = this.getClient();
    const o = this.options;
    const responseFormat = o.timestamps ? 'verbose_json' : 'json';
    let data: TranscriptionBody;
    let requestId: string | null = null;
    try {
      const file = await toFile(await readFile(audio.wav16k), `${audio.sha256.slice(0, 16)}.wav`, { type: 'audio/wav' });
      const res = await client.audio.transcriptions
        .create(
          {
            file,
            model: o.model,
            response_format: responseFormat,
            ...(o.timestamps ? { timestamp_granularities: ['word' as const] } : {}),
            ...(o.language !== undefined ? { language: o.language } : {}),
            ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
            ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
          },
          { signal },
        )
        .withResponse();
      data = res.data as unknown as TranscriptionBody;
      requestId = res.request_id;
    } catch (err) {
      throw this.mapError(err, signal);
    }
    if (data === null || typeof data !== 'object' || typeof data.text !== 'string') {
      throw new BackendError(`openai: response has no "text" field (got ${scrubString(JSON.stringify(data) ?? String(data), this.secrets()).slice(0, 200)})`, true);
    }
    return {
      text: data.text,
      words: parseWords(data.words),
      raw: stripSecrets({ model: o.model, response_format: responseFormat, request_id: requestId, body: data }, this.secrets()),
      costUsd: this.estimateCostUsd(typeof data.duration === 'number' ? data.duration : audio.durationSec),
    };
  }

  private mapError(err: unknown, signal: AbortSignal): BackendError {
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
  },
  env: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID'],
  async create(options) {
    return new OpenAIBackend(parseOpenAIOptions(options));
  },
});
