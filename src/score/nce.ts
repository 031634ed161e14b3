/**
 * Normalised cross entropy (NCE) of hypothesis word confidences, as sclite prints it in the `sum`
 * report's NCE column when every alignment carries hypothesis confidences (SCTK sclite
 * `compute_SCORE_nce`; NIST's definition for the Hub-4/RT evaluations):
 *
 *   NCE = (H(C) + Σ_correct log2 p̂(w) + Σ_incorrect log2(1 − p̂(w))) / H(C)
 *   H(C) = −(n_c log2 p_c + (n − n_c) log2(1 − p_c)),   p_c = n_c / n
 *
 * over the hypothesis words (correct, substituted and inserted; n_c correct ones, n all of them),
 * with each confidence p̂ clipped to [1e-7, 1 − 1e-7] as sclite does. Per speaker and over the whole
 * set; a speaker without hypothesis words gets 0 (sclite). Confidences outside [0, 1] are counted.
 * 1 is perfect, 0 no better than the base rate, below 0 worse.
 */
import type { ErrorCounts } from './types.ts';

const LOW = 0.0000001;
const HIGH = 0.9999999;

interface Sums {
  correct: number;
  incorrect: number;
  words: number;
}

/** NCE per speaker and for the set (see the top of this file). */
export interface NceResult {
  system: number;
  speakers: Map<string, number>;
  /** Confidences outside [0, 1] (clipped, as sclite does). */
  outOfRange: number;
}

/** Accumulates the log-confidence sums of each speaker's hypothesis words while alignments stream past. */
export class NceTally {
  private readonly bySpeaker = new Map<string, Sums>();
  private outOfRange = 0;

  /** One hypothesis word of `speaker`: aligned as correct or not, with its confidence (0–1). */
  add(speaker: string, correct: boolean, confidence: number): void {
    let s = this.bySpeaker.get(speaker);
    if (!s) this.bySpeaker.set(speaker, (s = { correct: 0, incorrect: 0, words: 0 }));
    if (confidence < 0 || confidence > 1) this.outOfRange++;
    const p = Math.min(HIGH, Math.max(LOW, confidence));
    s.words++;
    if (correct) s.correct += Math.log2(p);
    else s.incorrect += Math.log2(1 - p);
  }

  /**
   * NCE of every speaker of `speakers` (their hits, substitutions and insertions give n_c and n, as in
   * sclite) and of the set. Non-finite when a speaker's words are all correct or all wrong (H(C) = 0).
   */
  result(speakers: readonly { speaker: string; counts: ErrorCounts }[]): NceResult {
    const out = new Map<string, number>();
    let c = 0;
    let i = 0;
    const total = { hits: 0, wrong: 0 };
    for (const { speaker, counts } of speakers) {
      total.hits += counts.hits;
      total.wrong += counts.sub + counts.ins;
      const s = this.bySpeaker.get(speaker);
      if (!s || s.words === 0) {
        out.set(speaker, 0);
        continue;
      }
      out.set(speaker, nce(counts.hits, counts.sub + counts.ins, s.correct, s.incorrect));
      c += s.correct;
      i += s.incorrect;
    }
    return { system: nce(total.hits, total.wrong, c, i), speakers: out, outOfRange: this.outOfRange };
  }
}

function nce(hits: number, wrong: number, sumCorrect: number, sumIncorrect: number): number {
  const p = hits / (hits + wrong);
  const h = -(hits * Math.log2(p) + wrong * Math.log2(1 - p));
  return (h + sumCorrect + sumIncorrect) / h;
}
