import type { Markup } from '../manifest/schema.ts';
/** Error counts of one aligned utterance (word, character or phone level). */
export interface ErrorCounts {
  /** Reference tokens (N). */
  ref: number;
  hits: number;
  sub: number;
  del: number;
  ins: number;
}


/** C = correct (hit), S = substitution, D = deletion, I = insertion. */
export type EditType = 'C' | 'S' | 'D' | 'I';

export interface AlignOp {
  type: EditType;
  /** Reference token (absent for insertions). */
  ref?: string;
  /** Hypothesis token (absent for deletions). */
  hyp?: string;
}

export interface Alignment {
  ops: AlignOp[];
  counts: ErrorCounts;
}

/**
 * `sclite`: NIST sclite's default weights (correct 0, insertion 3, deletion 3, substitution 4) and
 * its tie-breaking, so counts equal sclite's exactly. `unit`: plain Levenshtein (1/1/1).
 */
export type CostModel = 'sclite' | 'unit';

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
  /**
   * The reference before the alignment chose among its alternatives (sclite alternations `{ a / b }`, GLM
   * alternatives), written in sclite's markup after the normaliser; present only on rows whose reference has
   * alternatives, where `ref` is the path this row's alignment chose and may differ between backends. Absent in
   * exports written before it existed. `compare` pairs on it (`refNetwork ?? ref`).
   */
  refNetwork?: string;
  hyp: string;
  durationSec?: number;
  /** Estimated SNR in dB from audio QC, when known. */
  snrDb?: number;
  /** Audio faults that left the utterance scored (the audio stage's flags, e.g. downmix-cancelled), when any. */
  audioFlags?: string[];
  /** Sample rate of the source recording (Hz), before the audio stage resampled it to 16 kHz; absent for text-only runs. */
  sourceRate?: number;
  /** What the corpus's markup policy removed from the reference before scoring (never counted as words). */
  markup?: Markup;
  words: ErrorCounts;
  /**
   * `total`: only the error total E is known (scores imported as errors or WER × words): `words.sub` = min(E, ref),
   * `ins` the rest, del 0, hits ref − sub; the split is not real, so no S/D/I shares are reported for such rows.
   */
  errorSplit?: 'total';
  chars: ErrorCounts;
  phones?: ErrorCounts;
}

/** A scored utterance as a run export stores it (`results.jsonl`): `audio` is relative to the export's folder. */
export type ExportedUtterance = ScoredUtterance & { audio?: string };
