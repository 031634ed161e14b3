import type { AudioRef } from '../audio/types.ts';
export type { AudioRef };

export interface WordTiming {
  word: string;
  /** Seconds from the start of the utterance. */
  start: number;
  end: number;
  /** 0..1 when the engine gives one. */
  confidence?: number;
}

export interface PhoneSegment {
  phone: string;
  start: number;
  end: number;
  /** Acoustic score (engine units, e.g. log-likelihood) when available. */
  score?: number;
}

export interface Transcript {
  /** Hypothesis text as the recogniser returned it (before normalisation). */
  text: string;
  words?: WordTiming[];
  phones?: PhoneSegment[];
  /** Raw provider response (already free of secrets), stored for audit. */
  raw?: unknown;
  /** Estimated cost of this call in USD. */
  costUsd?: number;
}

export interface BackendCapabilities {
  wordTimes: boolean;
  confidences: boolean;
  phones: boolean;
  glassBox: boolean;
  /** Network service (costs money / needs credentials). */
  remote: boolean;
}

export interface BackendInfo {
  name: string;
  version: string;
  model: string;
  capabilities: BackendCapabilities;
}

/** Glass-box access to an open engine (PocketSphinx): phone decoding and forced alignment. */
export interface GlassBox {
  /** Free phone-loop decoding of the audio. */
  decodePhones(audio: AudioRef, signal: AbortSignal): Promise<PhoneSegment[]>;
  /** Forced alignment of a known word sequence; phones with per-phone acoustic scores. */
  forceAlign(audio: AudioRef, words: string[], signal: AbortSignal): Promise<{ words: WordTiming[]; phones: PhoneSegment[] }>;
}

export interface Backend {
  /** Stable id including model and an options hash: part of the result-store key. */
  readonly key: string;
  info(): Promise<BackendInfo>;
  transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript>;
  /** Estimated USD cost of transcribing `durationSec` seconds (0 for local engines). */
  estimateCostUsd?(durationSec: number): number;
  glass?: GlassBox;
  /**
   * True when results depend on the utterance id rather than the audio (precomputed hypotheses):
   * the run store then keys rows by audio hash and utterance id.
   */
  readonly keyByUtteranceId?: boolean;
  /**
   * Id-keyed backends: the entries of their input (file and 1-based line) whose utterance id is not in `seen`,
   * i.e. answers for utterances the manifest does not have. The run warns about them and counts them.
   */
  unmatchedEntries?(seen: ReadonlySet<string>): { file: string; line: number; id: string }[];
  /** Releases processes, sockets, temp files. */
  close?(): Promise<void>;
}

/** Errors a backend throws to steer the run engine's retry policy. */
export class BackendError extends Error {
  constructor(
    message: string,
    /** retryable: throttling (429), server errors (5xx), timeouts, dropped connections. */
    readonly retryable: boolean,
    /** Seconds the server asked us to wait (Retry-After), if any. */
    readonly retryAfterSec?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}
