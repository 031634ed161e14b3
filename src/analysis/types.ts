/** Error counts of one aligned utterance (word, character or phone level). */
export interface ErrorCounts {
  /** Reference tokens (N). */
  ref: number;
  hits: number;
  sub: number;
  del: number;
  ins: number;
}

/**
 * One utterance after scoring: the unit every statistic and report works on.
 * `labels` holds the self-declared attributes (missing ones are `undeclared`).
 */
export interface ScoredUtterance {
  id: string;
  speaker: string;
  labels: Record<string, string>;
  backend: string;
  condition: string;
  status: 'ok' | 'failed';
  error?: string;
  ref: string;
  hyp: string;
  durationSec?: number;
  /** Estimated SNR in dB from audio QC, when known. */
  snrDb?: number;
  /** Audio faults that left the utterance scored (the audio stage's flags, e.g. downmix-cancelled), when any. */
  audioFlags?: string[];
  words: ErrorCounts;
  chars: ErrorCounts;
  phones?: ErrorCounts;
}
