import { studentTTwoSidedP } from '../stats/distributions.ts';
import { mean, sampleVariance } from '../stats/descriptive.ts';
import { permutationGroupVsRest } from '../stats/tests.ts';

/**
 * Speaker-cluster comparison of one group with a comparison set (the other groups, or one declared
 * reference group), used by the glass box for every confusion, word and phone-goodness test.
 *
 * Each speaker is one cluster with a ratio num/den (e.g. TH → T count / TH count; or summed GOP /
 * phone count). Two tests are offered:
 * - `welch` (default): the cluster-level t-test — Welch's unequal-variance t-test of the unweighted
 *   per-speaker ratios, one-sided in the direction tested (Donner & Klar 2000, *Design and Analysis of
 *   Cluster Randomization Trials*, §6.2; Hayes & Moulton 2017, *Cluster Randomised Trials*, §10.3:
 *   the recommended analysis with few clusters per arm). Its p-values keep resolution with few
 *   speakers, which multiple-testing control needs: with 6 vs 6 speakers a permutation p cannot go
 *   below 1/924 (every split enumerated), too coarse to survive Benjamini–Hochberg over hundreds of
 *   confusions.
 * - `permutation`: speaker labels permuted across clusters, pooled-ratio difference, two-sided,
 *   p = (1 + #{|d*| ≥ |d|}) / (1 + permutations) (src/stats/tests.ts); the direction is checked by
 *   the caller.
 * Speakers without the denominator (den = 0) take no part. p is NaN with fewer than two speakers on
 * either side (Welch) or none (permutation).
 */

export type ClusterTestMethod = 'welch' | 'permutation';

export interface ClusterValue {
  /** Index of the cluster's group in the caller's group list. */
  group: number;
  num: number;
  den: number;
}

export interface ClusterComparison {
  p: number;
  /** Speakers with den > 0 in the group and in the comparison set. */
  nGroup: number;
  nComparison: number;
  /** Mean of the per-speaker ratios (unweighted), group and comparison set. */
  meanGroup: number;
  meanComparison: number;
}

/**
 * Compares group `g` with the clusters whose group index is in `comparison` (all others when
 * undefined). `direction`: 'greater' tests ratio(group) > ratio(comparison), 'less' the opposite.
 */
export function compareClusters(
  values: readonly ClusterValue[],
  g: number,
  comparison: ReadonlySet<number> | undefined,
  direction: 'greater' | 'less',
  method: ClusterTestMethod,
  permutations: number,
  seed: number,
): ClusterComparison {
  const inG: number[] = [];
  const inC: number[] = [];
  const kept: ClusterValue[] = [];
  for (const v of values) {
    const isG = v.group === g;
    if (!isG && comparison && !comparison.has(v.group)) continue;
    if (v.den <= 0) continue;
    kept.push(v);
    (isG ? inG : inC).push(v.num / v.den);
  }
  const out = { nGroup: inG.length, nComparison: inC.length, meanGroup: inG.length ? mean(inG) : Number.NaN, meanComparison: inC.length ? mean(inC) : Number.NaN };
  if (method === 'permutation') {
    if (!inG.length || !inC.length) return { ...out, p: Number.NaN };
    const perm = permutationGroupVsRest(
      { errors: Float64Array.from(kept, (v) => v.num), words: Float64Array.from(kept, (v) => v.den), group: Int32Array.from(kept, (v) => (v.group === g ? 0 : 1)), groups: 2 },
      0,
      permutations,
      seed,
    );
    return { ...out, p: perm.p };
  }
  return { ...out, p: welchOneSided(inG, inC, direction) };
}

/** One-sided p of Welch's t-test (Welch 1947; df by Welch–Satterthwaite). NaN with < 2 values on a side. */
export function welchOneSided(a: readonly number[], b: readonly number[], direction: 'greater' | 'less'): number {
  if (a.length < 2 || b.length < 2) return Number.NaN;
  const diff = (mean(a) - mean(b)) * (direction === 'greater' ? 1 : -1);
  const qa = sampleVariance(a) / a.length;
  const qb = sampleVariance(b) / b.length;
  const se2 = qa + qb;
  if (se2 === 0) return diff > 0 ? 0 : 1;
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((qa * qa) / (a.length - 1) + (qb * qb) / (b.length - 1));
  const two = studentTTwoSidedP(t, df);
  return t > 0 ? two / 2 : 1 - two / 2;
}
