import { groupVsRestTest, labellingTest, monteCarloInterval, MAX_EXACT_SPLITS, type MonteCarloTest } from './permutation.ts';
import { mean, sampleVariance } from './descriptive.ts';
import { binomialCdf, logChoose, normalTwoSidedP, studentTTwoSidedP } from './distributions.ts';
import type { ClusterTotals, PermutationResult, WelchResult } from './types.ts';

/** Welch's unequal-variance t-test of mean(a) − mean(b), df by Welch–Satterthwaite, two-sided p. */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): WelchResult {
  const nA = a.length;
  const nB = b.length;
  const meanA = mean(a);
  const meanB = mean(b);
  const qa = sampleVariance(a) / nA;
  const qb = sampleVariance(b) / nB;
  const se2 = qa + qb;
  const diff = meanA - meanB;
  let t = diff / Math.sqrt(se2);
  let df = (se2 * se2) / ((qa * qa) / (nA - 1) + (qb * qb) / (nB - 1));
  let p = studentTTwoSidedP(t, df);
  if (se2 === 0 && nA >= 2 && nB >= 2) {
    // Both groups constant: no spread to test against.
    t = diff === 0 ? 0 : Math.sign(diff) * Infinity;
    df = nA + nB - 2;
    p = diff === 0 ? 1 : 0;
  }
  return { meanA, meanB, diff, t, df, p, nA, nB };
}

/**
 * Speaker-level permutation test of pooled rate(group g) − rate(rest): group labels are permuted
 * across clusters (group sizes kept). Two-sided, `permutations` random splits,
 * p = (1 + #{|d*| ≥ |d|}) / (1 + permutations) — a fixed count of random draws even when the splits
 * could be enumerated (kept for tests that need a sampled p). Every statistic asrfair reports uses
 * `groupVsRestTest` (permutation.ts) instead: exact when the splits can be enumerated, else sampled with
 * its Monte Carlo interval and extendable until each verdict is settled.
 */
export function permutationGroupVsRest(
  totals: ClusterTotals,
  g: number,
  permutations: number,
  seed: number,
): PermutationResult {
  const t = groupVsRestTest(totals, g, permutations, seed, 0);
  return { statistic: t.statistic, p: t.p, permutations };
}

export interface WithinBetweenResult {
  within: number;
  between: number;
  ratio: number;
  /** Exact permutation p (every relabelling enumerated) or sampled (b + 1)/(m + 1); NaN when the ratio is undefined. */
  p: number;
  /** Relabellings enumerated (exact) or drawn. */
  permutations: number;
  /** Every relabelling enumerated. */
  exact: boolean;
  /** Monte Carlo interval of the exact p (Clopper–Pearson at risk 0.001; [p, p] when exact; NaN when untestable). */
  lo: number;
  hi: number;
}

/** Mean squared pairwise difference within and between groups from per-group Σx, Σx² and counts. */
function withinBetweenOf(sum: ArrayLike<number>, sq: ArrayLike<number>, cnt: ArrayLike<number>, groups: number): { within: number; between: number } {
  let totS = 0;
  let totQ = 0;
  let wSum = 0;
  let wPairs = 0;
  let N = 0;
  for (let g = 0; g < groups; g++) {
    totS += sum[g];
    totQ += sq[g];
    N += cnt[g];
    // Σ_{i<j in g} (x_i − x_j)² = n·Σx² − (Σx)²
    wSum += cnt[g] * sq[g] - sum[g] * sum[g];
    wPairs += (cnt[g] * (cnt[g] - 1)) / 2;
  }
  const allSum = N * totQ - totS * totS;
  const allPairs = (N * (N - 1)) / 2;
  return { within: wSum / wPairs, between: (allSum - wSum) / (allPairs - wPairs) };
}

/**
 * Within- vs between-group spread of per-speaker scores: mean squared pairwise difference within groups
 * and between groups (computed from group sums in O(n), so equivalent to a one-way PERMANOVA on the
 * scores, Anderson 2001), ratio = between / within, one-sided permutation p of the ratio (group labels
 * permuted across speakers, group sizes kept; ties within 1e-12 relative count as extreme). Exact when the
 * relabellings number at most `maxExact` (n!/Πn_g!; `labellingTest`), else `permutations` random ones with
 * p = (b + 1)/(m + 1) and its Monte Carlo interval (Clopper–Pearson, risk 0.001).
 */
export function withinBetweenTest(
  values: Float64Array,
  group: Int32Array,
  groups: number,
  permutations: number,
  seed: number,
  maxExact = MAX_EXACT_SPLITS,
): WithinBetweenResult {
  const sum = new Float64Array(groups);
  const sq = new Float64Array(groups);
  const cnt = new Float64Array(groups);
  for (let i = 0; i < values.length; i++) {
    sum[group[i]] += values[i];
    sq[group[i]] += values[i] * values[i];
    cnt[group[i]]++;
  }
  const { within, between } = withinBetweenOf(sum, sq, cnt, groups);
  const ratio = between / within;
  if (!Number.isFinite(ratio)) return { within, between, ratio, p: Number.NaN, permutations: 0, exact: false, lo: Number.NaN, hi: Number.NaN };
  const threshold = ratio * (1 - 1e-12);
  const squares = Float64Array.from(values, (x) => x * x);
  const t = labellingTest([values, squares], group, groups, (s) => {
    const r = withinBetweenOf(s[0], s[1], cnt, groups);
    return r.between / r.within >= threshold;
  }, permutations, seed, maxExact);
  return { within, between, ratio, p: t.p, permutations: t.permutations, exact: t.exact, ...monteCarloInterval(t) };
}

export interface SignTestResult {
  positive: number;
  negative: number;
  ties: number;
  /** Exact two-sided binomial p: min(1, 2·P(X ≤ min(N+, N−))), X ~ Bin(n, ½). */
  p: number;
}

/**
 * Ties: 'drop' (default, the textbook test: n = N+ + N−) or 'split' (sclite sc_stats: ties shared
 * between N+ and N−, the odd one to N−, n = all pairs).
 */
export type SignTies = 'drop' | 'split';

/** Exact sign test on paired differences (e.g. per-speaker WER of system A − system B). */
export function signTest(diffs: ArrayLike<number>, ties: SignTies = 'drop'): SignTestResult {
  let positive = 0;
  let negative = 0;
  let zero = 0;
  for (let i = 0; i < diffs.length; i++) {
    if (diffs[i] > 0) positive++;
    else if (diffs[i] < 0) negative++;
    else zero++;
  }
  let pos = positive;
  let neg = negative;
  if (ties === 'split') {
    pos += Math.floor(zero / 2);
    neg += Math.ceil(zero / 2);
  }
  const n = pos + neg;
  const p = n === 0 ? 1 : Math.min(1, 2 * binomialCdf(Math.min(pos, neg), n, 0.5));
  return { positive, negative, ties: zero, p };
}

export interface WilcoxonResult {
  /** Sum of ranks of positive differences. */
  wPlus: number;
  /** Non-zero differences used. */
  n: number;
  /** Exact (n ≤ 50, no tied |d|) or normal approximation with tie and continuity correction. */
  exact: boolean;
  z?: number;
  p: number;
}

/** Average ranks (1-based) of |values|, plus the tie-correction term Σ(t³ − t). */
function absRanks(d: number[]): { ranks: Float64Array; tieTerm: number } {
  const order = d.map((_, i) => i).sort((i, j) => Math.abs(d[i]) - Math.abs(d[j]));
  const ranks = new Float64Array(d.length);
  let tieTerm = 0;
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && Math.abs(d[order[e + 1]]) === Math.abs(d[order[s]])) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[order[k]] = r;
    const t = e - s + 1;
    tieTerm += t * t * t - t;
    s = e + 1;
  }
  return { ranks, tieTerm };
}

/**
 * Conventions: 'standard' (default; as R's wilcox.test: zeros dropped, exact for n ≤ 50 without
 * ties, else normal with tie and continuity correction) or 'sc_stats' (sclite: zeros kept and ranked, half of them
 * counted positive, the odd one on the side of the system with the higher mean — sc_stats orders the two systems worse
 * first, so its W+ and W− are the same whichever is A; normal approximation without tie or continuity correction).
 * `wPlus` and `z` are A − B's; sc_stats prints Z = (min(W+, W−) − μ)/σ, i.e. −|z| (checked against `sc_stats -t wilc`
 * with either system first: test/analysis/paired-sclite.test.ts).
 */
export type WilcoxonConvention = 'standard' | 'sc_stats';

/** Wilcoxon signed-rank test (two-sided) on paired differences. */
export function wilcoxonSignedRank(diffs: ArrayLike<number>, convention: WilcoxonConvention = 'standard'): WilcoxonResult {
  const d: number[] = [];
  const keepZeros = convention === 'sc_stats';
  for (let i = 0; i < diffs.length; i++) if ((keepZeros || diffs[i] !== 0) && !Number.isNaN(diffs[i])) d.push(diffs[i]);
  const n = d.length;
  if (n === 0) return { wPlus: 0, n, exact: true, p: 1 };
  const { ranks, tieTerm } = absRanks(d);
  let wPlus = 0;
  let zeros = 0;
  // sc_stats puts the system with the higher mean first (its "Avg." row), so differences run worse − better and the
  // odd zero goes to that side: ⌈zeros/2⌉ positive when A − B averages ≥ 0, ⌊zeros/2⌋ when it is negative.
  let sum = 0;
  for (let i = 0; i < n; i++) sum += d[i];
  const oddZero = keepZeros && sum < 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    if (d[i] > 0) wPlus += ranks[i];
    // Zeros share the lowest ranks, so which of them count positive does not matter.
    else if (d[i] === 0 && zeros++ % 2 === oddZero) wPlus += ranks[i];
  }
  const mu = (n * (n + 1)) / 4;
  if (keepZeros) {
    const z = (wPlus - mu) / Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
    return { wPlus, n, exact: false, z, p: normalTwoSidedP(z) };
  }
  if (n <= 50 && tieTerm === 0) {
    // Exact null distribution of W+ : counts of subsets of {1..n} with each sum.
    const max = (n * (n + 1)) / 2;
    const counts = new Float64Array(max + 1);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) counts[s] += counts[s - r];
    const total = 2 ** n;
    let lower = 0;
    for (let s = 0; s <= wPlus; s++) lower += counts[s];
    let upper = 0;
    for (let s = wPlus; s <= max; s++) upper += counts[s];
    return { wPlus, n, exact: true, p: Math.min(1, (2 * Math.min(lower, upper)) / total) };
  }
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const dev = wPlus - mu;
  const z = (dev - Math.sign(dev) * 0.5) / sigma;
  return { wPlus, n, exact: false, z, p: normalTwoSidedP(z) };
}

export interface MapssweResult {
  segments: number;
  /** Mean per-segment error difference (A − B). */
  meanDiff: number;
  sd: number;
  /** W = mean / (sd / √n), standard normal under H0. */
  w: number;
  p: number;
}

/**
 * sclite sc_stats' Matched Pair Sentence Segment Word Error test on given segments' error counts (cut
 * as sclite cuts them by `analysis/mapsswe-segments.ts`): Z_i = errA_i − errB_i,
 * W = mean(Z) / (sd(Z)/√n), exact two-sided normal p (sc_stats' own p: `analysis/paired.ts`).
 */
export function mapsswe(errorsA: ArrayLike<number>, errorsB: ArrayLike<number>): MapssweResult {
  const n = errorsA.length;
  if (errorsB.length !== n) throw new Error(`mapsswe: ${n} segments for A but ${errorsB.length} for B`);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = errorsA[i] - errorsB[i];
  const meanDiff = mean(z);
  const sd = Math.sqrt(sampleVariance(z));
  let w = meanDiff / (sd / Math.sqrt(n));
  let p = normalTwoSidedP(w);
  if (sd === 0) {
    w = meanDiff === 0 ? 0 : Math.sign(meanDiff) * Infinity;
    p = meanDiff === 0 ? 1 : 0;
  }
  return { segments: n, meanDiff, sd, w, p };
}

export interface FisherResult {
  /** Two-sided: sum of table probabilities ≤ that of the observed table (R's convention). */
  p: number;
  /** P(X ≥ a): the first cell is larger than chance would make it. */
  pGreater: number;
  pLess: number;
  /** Sample odds ratio ad / bc. */
  oddsRatio: number;
}

/** Fisher's exact test of the 2×2 table [[a, b], [c, d]] (hypergeometric on margins). */
export function fisherExact(a: number, b: number, c: number, d: number): FisherResult {
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const n = r1 + r2;
  const lo = Math.max(0, c1 - r2);
  const hi = Math.min(r1, c1);
  const denom = logChoose(n, c1);
  const prob = (x: number) => Math.exp(logChoose(r1, x) + logChoose(r2, c1 - x) - denom);
  const pObs = prob(a);
  let p = 0;
  let pGreater = 0;
  let pLess = 0;
  for (let x = lo; x <= hi; x++) {
    const px = prob(x);
    if (px <= pObs * (1 + 1e-7)) p += px;
    if (x >= a) pGreater += px;
    if (x <= a) pLess += px;
  }
  return { p: Math.min(1, p), pGreater: Math.min(1, pGreater), pLess: Math.min(1, pLess), oddsRatio: (a * d) / (b * c) };
}

/**
 * Single-step max-statistic permutation test (Westfall & Young 1993, *Resampling-Based Multiple Testing*, §2.6) of
 * group `g`: the share of relabellings (group labels permuted across clusters, group sizes kept) in which the largest
 * pooled rate(t) − rate(rest of t) over the tested groups t reaches g's observed difference (within 1e-12 relative).
 * One-sided (worse), FWER-adjusted over the tested groups. Exact when the relabellings number at most `maxExact`
 * (`labellingTest`: p = b/labellings), else `initial` seeded random relabellings, p = (b + 1)/(m + 1), and `draw`
 * continues them (so `resolveMonteCarloFamily` can settle "p < α"). p NaN when g is not tested or its difference is
 * not finite.
 */
export function maxStatisticTest(
  totals: ClusterTotals,
  tested: readonly boolean[],
  g: number,
  initial: number,
  seed: number,
  maxExact = MAX_EXACT_SPLITS,
): MonteCarloTest & { statistic: number } {
  const { errors, words, group, groups } = totals;
  let totE = 0;
  let totW = 0;
  const e = new Float64Array(groups);
  const w = new Float64Array(groups);
  for (let i = 0; i < group.length; i++) {
    totE += errors[i];
    totW += words[i];
    e[group[i]] += errors[i];
    w[group[i]] += words[i];
  }
  const statistic = e[g] / w[g] - (totE - e[g]) / (totW - w[g]);
  if (!tested[g] || !Number.isFinite(statistic)) return { statistic, exact: false, extreme: 0, permutations: 0, p: Number.NaN, draw: () => undefined };
  const threshold = statistic - 1e-12 * Math.abs(statistic);
  const t = labellingTest([errors, words], group, groups, (s) => {
    for (let h = 0; h < groups; h++) if (tested[h] && s[0][h] / s[1][h] - (totE - s[0][h]) / (totW - s[1][h]) >= threshold) return true;
    return false;
  }, initial, seed, maxExact);
  return Object.assign(t, { statistic });
}
