import type { AudioRef } from '../audio/types.ts';

/** Audio handed to a backend (defined by the audio stage, which prepares and verifies it). */
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
  /**
   * ISO 639-1 code of the language the recogniser is set to (pocketsphinx en-US model → `en`; openai's `language`;
   * aws-transcribe's LanguageCode prefix); undefined when it detects the language or is not known. The run engine
   * warns when the manifest's declared `language` differs.
   */
  language?: string;
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
  /**
   * The version of asrfair's code that shapes this backend's results: `codeVersion` (backends/code-version.ts) of the
   * module that runs the decoder and reads its output (local engines), or that builds the requests and reads the
   * answers (remote services, command lines, hypothesis files). The run store stamps each result with it and a run
   * does not reuse a stored result of another version (it decodes again and says how many). Undefined: results are
   * reused whatever code made them.
   */
  readonly codeVersion?: string;
  /**
   * Remote services: the version of what shapes the request alone (the upload, the call's parameters, the SDK), the
   * tail of `codeVersion` (`withRequestVersion` in backends/code-version.ts). A stored ok result of another
   * `codeVersion` whose request part equals this one was asked exactly as this code would ask: the run reads its stored
   * answer again with `rereadAnswer` instead of paying for the call again.
   */
  readonly requestVersion?: string;
  /**
   * Rebuilds a transcript from a stored answer (`Transcript.raw` as this backend stored it) with the current code that
   * reads answers; `durationSec` is the audio's. Throws an Error when the stored answer cannot be read (the run then
   * calls the service again).
   */
  rereadAnswer?(raw: unknown, durationSec: number): Transcript;
  /**
   * How many calls it works on at once (PocketSphinx: its decoder processes); calls beyond it wait inside `transcribe`
   * for one to free. The run engine never has more in flight than this, so a call's timeout counts the work, not that
   * wait. Absent: no limit of its own (the suite's `concurrency` alone).
   */
  readonly parallel?: number;
  info(): Promise<BackendInfo>;
  transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript>;
  /**
   * Checks before any call that this audio can be sent (vendor size limits): undefined when it can, else the reason.
   * May prepare the upload (e.g. compress it); `--dry-run` calls it too.
   */
  checkUpload?(audio: AudioRef): Promise<string | undefined>;
  /** Estimated USD cost of transcribing `durationSec` seconds (0 for local engines). */
  estimateCostUsd?(durationSec: number): number;
  glass?: GlassBox;
  /**
   * True when results depend on the utterance id rather than the audio (precomputed hypotheses, a command whose
   * template passes `{id}`, a per-group backend): the run store then keys rows by audio hash and utterance id.
   * It says nothing about cost: such a backend may call a paid service, so its keys are leased like any other's.
   */
  readonly keyByUtteranceId?: boolean;
  /**
   * True when a call only reads answers made earlier (a hypotheses file, a CTM): repeating it costs nothing and
   * touches nothing outside this process, so the run takes no lease on its key (it only checks the store).
   * Default (absent): calls are leased, at most one per key across the processes on one store.
   */
  readonly readsStoredAnswers?: boolean;
  /**
   * False when the backend never reads the audio (precomputed hypotheses, CTM answers): a run whose backends all
   * say so does not open the manifest's audio at all, so a text-only import's missing clips fail nothing.
   * Default (absent): the audio is needed.
   */
  readonly needsAudio?: boolean;
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

/**
 * A call that failed because of how the backend is configured (missing API key or credentials, a rejected key, an
 * option the service refuses), not because of this utterance. The run engine stores nothing for it (a rerun after
 * the fix calls again) and stops the run with this message.
 */
export class BackendConfigError extends BackendError {
  constructor(message: string, status?: number) {
    super(message, false, undefined, status);
    this.name = 'BackendConfigError';
  }
}

/**
 * Audio that cannot be sent to this backend at all (e.g. over the vendor's upload size limit): the reason is stored
 * as the utterance's failure without calling, and `--dry-run` counts such utterances.
 */
export class UploadLimitError extends BackendError {
  constructor(message: string) {
    super(message, false);
    this.name = 'UploadLimitError';
  }
}
