import type { ScoredUtterance } from './types.ts';
import { groupOf } from '../manifest/schema.ts';
import { maxStatisticTest } from '../stats/tests.ts';
import { resolveMonteCarloFamily } from '../stats/permutation.ts';
import { subSeed } from '../stats/rng.ts';
import { partitionByRun, speakerTotals } from './cells.ts';
import { analyseOneRun, resolveGroupOptions, testGroupFamily, type GroupOptions, type GroupRow, type GroupTable } from './groups.ts';

export interface SliceOptions extends Omit<GroupOptions, 'groupBy' | 'adjust'> {
  /** Label keys crossed into slices, e.g. ['accent', 'gender']. */
  keys: readonly string[];
  /** Correction for the number of slices tried (default 'holm'). */
  correction?: 'holm' | 'bh';
  /**
   * Compute the worst slice's max-statistic p (`pMaxT`, default true). Its verdict is settled by drawing up to
   * `maxPermutations` relabellings (on Artie's 969 speakers, a pMaxT of 0.051 took the full 10^6, about a CPU minute),
   * so a caller that does not show it (the service card) leaves it out: pMaxT is then NaN and survivesMaxT false.
   */
  maxT?: boolean;
}

export interface WorstSlice {
  slice: string;
  wer: number;
  /** Pooled WER(slice) − WER(rest). */
  diff: number;
  p: number;
  /** p corrected over every slice meeting the minimum cell rule in this table. */
  pAdjusted: number;
  /** pAdjusted < alpha, settled despite Monte Carlo error, and the slice is worse than the rest. */
  survivesCorrection: boolean;
  /**
   * One-sided max-statistic permutation p (Westfall–Young single step): how often, with speaker
   * labels permuted, the largest slice-vs-rest WER difference among tested slices is this large.
   * Exact when every relabelling can be enumerated (at most 2 million), else sampled (Phipson–Smyth) with
   * draws doubled until "pMaxT < α" is settled (MMCTest, Gandy & Hahn 2014; up to `maxPermutations`).
   */
  pMaxT: number;
  /** Monte Carlo interval of the exact pMaxT (Clopper–Pearson, risk 0.001; [p, p] when exact). */
  pMaxTLo: number;
  pMaxTHi: number;
  /** Every relabelling enumerated. */
  pMaxTExact: boolean;
  /** Relabellings enumerated or drawn. */
  pMaxTPermutations: number;
  /** "pMaxT < α" is settled despite Monte Carlo error (false only at the draw cap). */
  pMaxTDecided: boolean;
  /** pMaxT < α and settled. */
  survivesMaxT: boolean;
}

export interface SliceTable extends GroupTable {
  keys: readonly string[];
  correction: 'holm' | 'bh';
  /** Slices meeting the minimum cell rule: the family the correction is over. */
  tested: number;
  /** Highest-WER slice among those tested (undefined when none meet the minimum cell). */
  worst?: WorstSlice;
}

/** Slice name of an utterance, e.g. "accent=scottish × gender=female" (missing labels 'undeclared'). */
export function sliceOf(u: Pick<ScoredUtterance, 'labels'>, keys: readonly string[]): string {
  return keys.map((k) => `${k}=${groupOf(u, k)}`).join(' × ');
}

/**
 * Intersectional slices per backend × condition, each slice tested against the rest (speaker
 * permutation test on pooled WER), p-values corrected over the slices meeting the minimum cell
 * (small slices are reported but neither tested nor eligible as worst; see testGroupFamily).
 */
export function analyseSlices(utts: readonly ScoredUtterance[], options: SliceOptions): SliceTable[] {
  if (options.keys.length === 0) throw new Error('analyseSlices: give at least one label key');
  const correction = options.correction ?? 'holm';
  const o = resolveGroupOptions({ ...options, groupBy: options.keys.join('×'), adjust: correction });
  return partitionByRun(utts).map((part) => {
    const slice = (u: ScoredUtterance) => sliceOf(u, options.keys);
    const t = analyseOneRun(part.utts, slice, o, part.backend, part.condition);
    testGroupFamily(t.rows, { method: correction, alpha: o.alpha, maxPermutations: o.maxPermutations });
    const tested = t.rows.filter((r) => !r.smallCell);
    const worstRow = tested.reduce<GroupRow | undefined>((w, r) => (!w || r.wer.estimate > w.wer.estimate ? r : w), undefined);
    let maxT = { p: NaN, lo: NaN, hi: NaN, exact: false, permutations: 0, decided: false };
    if (worstRow && options.maxT !== false) {
      const clusters = speakerTotals(part.utts, slice);
      const index = new Map(t.rows.map((r, i) => [r.group, i]));
      const test = maxStatisticTest(
        {
          errors: Float64Array.from(clusters, (c) => c.errors),
          words: Float64Array.from(clusters, (c) => c.words),
          group: Int32Array.from(clusters, (c) => index.get(c.group)!),
          groups: t.rows.length,
        },
        t.rows.map((r) => !r.smallCell),
        index.get(worstRow.group)!,
        o.permutations,
        subSeed(o.seed, `maxT|${o.groupBy}|${part.backend}|${part.condition}`),
      );
      // pMaxT is already adjusted for the slices tried: one decision, "p < α", settled like a family of one.
      const [d] = resolveMonteCarloFamily([test], { method: 'none', alpha: o.alpha, maxPermutations: o.maxPermutations });
      maxT = { p: d.p, lo: d.lo, hi: d.hi, exact: d.exact, permutations: d.permutations, decided: d.decided };
    }
    return {
      ...t,
      keys: options.keys,
      correction,
      tested: tested.length,
      ...(worstRow
        ? {
            worst: {
              slice: worstRow.group,
              wer: worstRow.wer.estimate,
              diff: worstRow.permutation.diff,
              p: worstRow.permutation.p,
              pAdjusted: worstRow.permutation.pAdjusted,
              survivesCorrection: worstRow.permutation.decided && worstRow.permutation.pAdjusted < o.alpha && worstRow.permutation.diff > 0,
              pMaxT: maxT.p,
              pMaxTLo: maxT.lo,
              pMaxTHi: maxT.hi,
              pMaxTExact: maxT.exact,
              pMaxTPermutations: maxT.permutations,
              pMaxTDecided: maxT.decided,
              survivesMaxT: maxT.decided && maxT.p < o.alpha,
            },
          }
        : {}),
    };
  });
}
