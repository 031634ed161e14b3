/** Audio handed to a backend: the original file plus a 16 kHz mono 16-bit WAV prepared by the audio stage. */
export interface AudioRef {
  /** Utterance id (for logs and error messages only: never part of a cache key). */
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
}
