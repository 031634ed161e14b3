import type { AudioFlag, SourceFacts } from './flags.ts';

/** Audio handed to a backend: the original file plus a 16 kHz mono 16-bit WAV prepared and verified by the audio stage. */
export interface AudioRef {
  /** Utterance id (for logs, error messages and id-keyed backends). */
  id: string;
  /** Original audio file as named by the manifest (absolute path). */
  path: string;
  /** Segment bounds in seconds within `path`, when the utterance is part of a longer file. */
  start?: number;
  end?: number;
  /** 16 kHz mono 16-bit PCM WAV of exactly this utterance (segment cut, condition applied). */
  wav16k: string;
  /** sha256 of the bytes of `wav16k`: the content part of the result-store key. */
  sha256: string;
  /** Duration in seconds of `wav16k`. */
  durationSec: number;
  /** Faults found in the source or its preparation that left the utterance scored (see `audio/flags.ts`). */
  flags?: AudioFlag[];
  /** What was measured on the source file (rate, channels, durations from header and data). */
  source?: SourceFacts;
  /** True when `wav16k` is not just the source decoded: a condition was applied, or a fault fixed (channel fallback). */
  altered?: boolean;
  /** The utterance's labels (after label maps and bins), for backends that pick a model per group (`by-group`). */
  labels?: Readonly<Record<string, string>>;
}
