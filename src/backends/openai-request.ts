/**
 * What shapes an OpenAI transcription request: the bytes uploaded and the call's parameters. Kept apart from the code
 * that reads the answers (openai.ts), so that the version of this module alone (`openaiRequestVersion`) says whether
 * a stored answer was asked exactly as the current code would ask (Backend.requestVersion).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { runFfmpeg } from '../audio/ffmpeg.ts';
import { sourceVersion } from './code-version.ts';
import type { AudioRef } from './types.ts';

/** The options that shape a request (a subset of OpenAIBackendOptions). */
export interface OpenAIRequestOptions {
  model: string;
  language?: string;
  prompt?: string;
  temperature?: number;
  timestamps: boolean;
  uploadFormat: 'flac' | 'wav';
}

/** FLAC (ffmpeg's encoder, compression level 8) of a prepared WAV: the same samples, about half the bytes for speech. */
export function encodeFlac(wav: string, signal?: AbortSignal): Promise<Buffer> {
  return runFfmpeg({ input: wav, outputOptions: ['-map', '0:a:0', '-c:a', 'flac', '-compression_level', '8'], format: 'flac', signal });
}

/** The bytes uploaded for this audio (FLAC unless `uploadFormat: wav`) and the file name and MIME type sent with them. */
export async function uploadOf(audio: AudioRef, uploadFormat: 'flac' | 'wav', signal?: AbortSignal): Promise<{ bytes: Buffer; name: string; type: string }> {
  const base = audio.sha256.slice(0, 16);
  if (uploadFormat === 'wav') return { bytes: await readFile(audio.wav16k), name: `${base}.wav`, type: 'audio/wav' };
  return { bytes: await encodeFlac(audio.wav16k, signal), name: `${base}.flac`, type: 'audio/flac' };
}

/** `response_format` asked for: `verbose_json` (word timestamps) or `json`. */
export function responseFormatOf(o: OpenAIRequestOptions): 'verbose_json' | 'json' {
  return o.timestamps ? 'verbose_json' : 'json';
}

/** The parameters of `audio.transcriptions.create`, apart from the file. */
export function transcriptionParams(o: OpenAIRequestOptions): {
  model: string;
  response_format: 'verbose_json' | 'json';
  timestamp_granularities?: 'word'[];
  language?: string;
  prompt?: string;
  temperature?: number;
} {
  return {
    model: o.model,
    response_format: responseFormatOf(o),
    ...(o.timestamps ? { timestamp_granularities: ['word' as const] } : {}),
    ...(o.language !== undefined ? { language: o.language } : {}),
    ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
  };
}

let memo: string | undefined;
/**
 * This module's source version (no package version) and the openai SDK's version, e.g.
 * `source sha256 3f…(3 files), openai-node 6.49.0`: Backend.requestVersion of the openai backend.
 */
export function openaiRequestVersion(): string {
  const sdk = (createRequire(import.meta.url)('openai/version') as { VERSION: string }).VERSION;
  return (memo ??= `${sourceVersion(['backends/openai-request.ts'])}, openai-node ${sdk}`);
}
