import { adjustPValues } from './multiple.ts';
import { clopperPearson, logChoose } from './distributions.ts';
import { createRng } from './rng.ts';
import type { ClusterTotals, PAdjustMethod } from './types.ts';

/**
 * Permutation tests whose verdict does not depend on Monte Carlo luck.
 *
 * A permutation p is exact when every relabelling is enumerated; otherwise it is estimated from
 * random relabellings, and a verdict "adjusted p < α" can flip with the seed when the exact p lies
 * near the threshold it is compared with. Here a test enumerates every split when there are at most
 * `MAX_EXACT_SPLITS`, and otherwise samples in batches that `resolveMonteCarloFamily` extends until
 * each decision of the whole multiple-testing family is settled (or a cap is reached, and the test
 * is reported undecided).
 */

/** Splits enumerated exactly up to this many (6 vs 6 speakers: 924; 6 of 36: 1,947,792; 12 vs 12: 2.7 million is sampled). */
export const MAX_EXACT_SPLITS = 2_000_000;

/** Default total risk that any Monte Carlo interval of a family misses its exact p (see resolveMonteCarloFamily). */
export const DEFAULT_MC_RISK = 1e-3;

/** A permutation test that is either exact or can draw more random permutations. */
export interface MonteCarloTest {
  /** Every split enumerated: p is the exact permutation p. */
  readonly exact: boolean;
  /** b: splits at least as extreme as the observed one (exact: the observed split included). */
  readonly extreme: number;
  /** m: splits enumerated (exact) or drawn at random. */
  readonly permutations: number;
  /**
   * Exact: b/m. Sampled: (b + 1)/(m + 1) (Phipson & Smyth 2010, Stat. Appl. Genet. Mol. Biol. 9:39),
   * a valid p for the sampled test. NaN when the test is undefined (a side without clusters).
   */
  readonly p: number;
  /** Draws `n` more random permutations (no-op when exact or untestable). */
  draw(n: number): void;
  /**
   * Monte Carlo interval of the exact p at risk `risk`, when p is not simply b/m or (b + 1)/(m + 1) (e.g. the larger of
   * a Welch p and a sampled permutation p); absent: Clopper–Pearson on b of m (see resolveMonteCarloFamily).
   */
  interval?(risk: number): { lo: number; hi: number };
}

/** The speaker-level group-vs-rest permutation test, with its observed statistic. */
export interface GroupVsRestTest extends MonteCarloTest {
  /** Pooled rate(group) − rate(rest): Σerrors/Σwords of the group's clusters minus the rest's. */
  readonly statistic: number;
}

/** C(n, k), rounded (exact below 2^53 for the sizes used here). */
export function splitCount(n: number, k: number): number {
  return Math.round(Math.exp(logChoose(n, k)));
}

/**
 * Two-sided speaker-level permutation test of pooled rate(group g) − rate(rest), group labels
 * permuted across clusters with group sizes kept (the statistic |d|, d = Σe_g/Σw_g − Σe_rest/Σw_rest).
 * With at most `maxExactSplits` ways to choose the group's clusters, every split is enumerated and
 * p = #{|d*| ≥ |d|} / C(n, n_g) (the observed split counts; a textbook exact permutation p, e.g.
 * Good 2005, *Permutation, Parametric and Bootstrap Tests of Hypotheses*, §3). Otherwise `initial`
 * random splits are drawn (seeded; `draw` continues the same stream) and p = (b + 1)/(m + 1).
 * Ties: |d*| ≥ |d|·(1 − 1e-12). p NaN when the group or the rest has no cluster or d is not finite.
 */
export function groupVsRestTest(
  totals: ClusterTotals,
  g: number,
  initial: number,
  seed: number,
  maxExactSplits = MAX_EXACT_SPLITS,
): GroupVsRestTest {
  const { errors, words, group } = totals;
  const n = group.length;
  let totE = 0;
  let totW = 0;
  let inE = 0;
  let inW = 0;
  let nIn = 0;
  for (let i = 0; i < n; i++) {
    totE += errors[i];
    totW += words[i];
    if (group[i] === g) {
      inE += errors[i];
      inW += words[i];
      nIn++;
    }
  }
  const statistic = inE / inW - (totE - inE) / (totW - inW);
  if (nIn === 0 || nIn === n || !Number.isFinite(statistic)) {
    return { statistic, exact: false, extreme: 0, permutations: 0, p: Number.NaN, draw: () => undefined };
  }
  // Either side determines the split, and |d| is the same from both: draw the smaller one.
  const k = Math.min(nIn, n - nIn);
  const obs = Math.abs(statistic) * (1 - 1e-12);
  const extremeSplit = (e: number, w: number) => Math.abs(e / w - (totE - e) / (totW - w)) >= obs;
  if (splitCount(n, k) <= maxExactSplits) {
    let hits = 0;
    let splits = 0;
    const walk = (start: number, left: number, e: number, w: number): void => {
      if (left === 0) {
        splits++;
        if (extremeSplit(e, w)) hits++;
        return;
      }
      for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, e + errors[i], w + words[i]);
    };
    walk(0, k, 0, 0);
    return { statistic, exact: true, extreme: hits, permutations: splits, p: hits / splits, draw: () => undefined };
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rng = createRng(seed);
  return sampled(statistic, initial, (count) => {
    let extreme = 0;
    for (let r = 0; r < count; r++) {
      let e = 0;
      let w = 0;
      for (let j = 0; j < k; j++) {
        const pick = j + ((rng.next() * (n - j)) | 0);
        const tmp = perm[j];
        perm[j] = perm[pick];
        perm[pick] = tmp;
        e += errors[perm[j]];
        w += words[perm[j]];
      }
      if (extremeSplit(e, w)) extreme++;
    }
    return extreme;
  });
}

/** How one test of a family came out. */
export interface MonteCarloDecision {
  /** Raw p (exact or Phipson–Smyth) and its adjusted value over the family (NaN: not in the family). */
  p: number;
  pAdjusted: number;
  /**
   * Monte Carlo interval of the exact permutation p (Clopper–Pearson on b of m, see
   * resolveMonteCarloFamily): [p, p] when exact, NaN when untestable.
   */
  lo: number;
  hi: number;
  /** The adjustment applied to every low end and to every high end: the interval of the adjusted exact p. */
  adjustedLo: number;
  adjustedHi: number;
  exact: boolean;
  permutations: number;
  /**
   * Whether "adjusted p < α" is settled: the same with every p at the low end of its interval and
   * at the high end. False only for a sampled test still on the fence at the cap.
   */
  decided: boolean;
}

export interface MonteCarloFamilyOptions {
  method: PAdjustMethod;
  alpha: number;
  /** Largest number of random permutations of one test (default 1,000,000). */
  maxPermutations?: number;
  /** Total risk that some interval of the family misses its exact p (default 1e-3). */
  risk?: number;
}

/** Thresholds the raw p's are compared with by the adjustment: a decision can only change where a p crosses one. */
function criticalValues(method: PAdjustMethod, alpha: number, m: number): number[] {
  if (method === 'none') return [alpha];
  // Holm rejects p_(k) against α/(m − k + 1); Benjamini–Hochberg p_(k) against kα/m.
  return Array.from({ length: m }, (_, j) => (method === 'holm' ? alpha / (j + 1) : ((j + 1) * alpha) / m));
}

/**
 * Adaptive Monte Carlo for a family of permutation tests adjusted together (Holm, BH or none), so
 * that no "adjusted p < α" verdict depends on the random draws — the approach of MMCTest (Gandy &
 * Hahn 2014, "MMCTest — a safe algorithm for implementing multiple Monte Carlo tests", Scand. J.
 * Stat. 41:1083), itself built on the sequential Monte Carlo test with bounded resampling risk of
 * Gandy (2009, JASA 104:1504; cf. Besag & Clifford 1991's sequential p):
 * 1. each sampled test's exact permutation p gets a Clopper–Pearson interval from its b of m draws,
 *    at level 1 − risk/(tests × looks), so all intervals of all looks hold together with
 *    probability ≥ 1 − risk (Bonferroni);
 * 2. the adjustment is applied to the vector of lower ends and to the vector of upper ends (Holm and
 *    BH adjusted p's are monotone in every raw p, so the adjusted exact p lies between them); a test
 *    is decided when both give the same side of α;
 * 3. while a test is undecided, it doubles its draws, up to `maxPermutations` (when every undecided
 *    test is exact or at the cap, the sampled tests whose interval still contains one of the
 *    adjustment's critical values — Holm: α/j; BH: jα/m — double theirs instead).
 * Exact tests have the interval [p, p]. Reported p's stay b/m (exact) or (b + 1)/(m + 1) (sampled),
 * inside their intervals, so a decided test's adjusted p is on the decided side of α. Tests with a
 * NaN p are left out of the family. Mutates the tests (draws) and returns one decision per test.
 */
export function resolveMonteCarloFamily(tests: readonly MonteCarloTest[], o: MonteCarloFamilyOptions): MonteCarloDecision[] {
  const cap = o.maxPermutations ?? 1_000_000;
  const risk = o.risk ?? DEFAULT_MC_RISK;
  const sampled = tests.filter((t) => !t.exact && Number.isFinite(t.p));
  const start = Math.max(1, Math.min(...sampled.map((t) => t.permutations)));
  const looks = Math.max(1, Math.ceil(Math.log2(cap / start)) + 1);
  const each = risk / Math.max(1, sampled.length * looks);
  const m = tests.filter((t) => Number.isFinite(t.p)).length;
  const crit = criticalValues(o.method, o.alpha, m);
  const interval = (t: MonteCarloTest): { lo: number; hi: number } => {
    if (!Number.isFinite(t.p)) return { lo: Number.NaN, hi: Number.NaN };
    if (t.exact) return { lo: t.p, hi: t.p };
    if (t.interval) return t.interval(each);
    const ci = clopperPearson(t.extreme, t.permutations, each);
    return { lo: Math.min(ci.lo, t.p), hi: Math.max(ci.hi, t.p) };
  };
  let bounds = tests.map(interval);
  let decided: boolean[] = [];
  let adjLo: number[] = [];
  let adjHi: number[] = [];
  for (let look = 0; ; look++) {
    adjLo = adjustPValues(bounds.map((b) => b.lo), o.method);
    adjHi = adjustPValues(bounds.map((b) => b.hi), o.method);
    decided = tests.map((_, i) => !(adjLo[i] < o.alpha && adjHi[i] >= o.alpha));
    if (decided.every(Boolean) || look >= looks) break;
    // More draws for the undecided tests (MMCTest); when none of them can draw (exact, or at the cap), for
    // every test whose interval still contains a critical value, since those are what the decisions hang on.
    const drawable = (t: MonteCarloTest) => !t.exact && Number.isFinite(t.p) && t.permutations < cap;
    let pick = tests.map((t, i) => drawable(t) && !decided[i]);
    if (!pick.some(Boolean)) pick = tests.map((t, i) => drawable(t) && crit.some((c) => bounds[i].lo <= c && c <= bounds[i].hi));
    let drew = false;
    tests.forEach((t, i) => {
      if (!pick[i]) return;
      t.draw(Math.min(t.permutations, cap - t.permutations));
      drew = true;
    });
    if (!drew) break;
    bounds = tests.map(interval);
  }
  const pAdjusted = adjustPValues(tests.map((t) => t.p), o.method);
  return tests.map((t, i) => ({
    p: t.p,
    pAdjusted: pAdjusted[i],
    lo: bounds[i].lo,
    hi: bounds[i].hi,
    adjustedLo: adjLo[i],
    adjustedHi: adjHi[i],
    exact: t.exact,
    permutations: t.permutations,
    decided: decided[i],
  }));
}

/**
 * A one-sided permutation test of any statistic of the column sums over a group of clusters against the
 * rest, group membership permuted across clusters (group size kept): `stat(sums)` gets the sums of every
 * column over the clusters labelled as the group (the rest's are the totals minus them), and a split counts
 * as extreme when its statistic ≥ the observed one − 1e-12·|observed| − `absTolerance`. Exact when C(n, k) ≤ `maxExactSplits`
 * (p = b/splits, observed split included), else `initial` random splits (p = (b + 1)/(m + 1), Phipson &
 * Smyth 2010; `draw` continues the seeded stream). p NaN when the group is empty, everything, or the observed
 * statistic is not finite.
 */
export function splitTest(
  columns: readonly Float64Array[],
  inGroup: readonly boolean[],
  stat: (sums: Float64Array) => number,
  initial: number,
  seed: number,
  maxExactSplits = MAX_EXACT_SPLITS,
  absTolerance = 0,
): MonteCarloTest & { statistic: number } {
  const n = inGroup.length;
  const c = columns.length;
  const members: number[] = [];
  inGroup.forEach((x, i) => x && members.push(i));
  const k = members.length;
  const sums = new Float64Array(c);
  for (const i of members) for (let j = 0; j < c; j++) sums[j] += columns[j][i];
  const statistic = stat(sums);
  if (k === 0 || k === n || !Number.isFinite(statistic)) return { statistic, exact: false, extreme: 0, permutations: 0, p: Number.NaN, draw: () => undefined };
  const threshold = statistic - 1e-12 * Math.abs(statistic) - absTolerance;
  if (splitCount(n, k) <= maxExactSplits) {
    let hits = 0;
    let splits = 0;
    const acc = new Float64Array(c);
    const walk = (start: number, left: number): void => {
      if (left === 0) {
        splits++;
        if (stat(acc) >= threshold) hits++;
        return;
      }
      for (let i = start; i <= n - left; i++) {
        for (let j = 0; j < c; j++) acc[j] += columns[j][i];
        walk(i + 1, left - 1);
        for (let j = 0; j < c; j++) acc[j] -= columns[j][i];
      }
    };
    walk(0, k);
    return { statistic, exact: true, extreme: hits, permutations: splits, p: hits / splits, draw: () => undefined };
  }
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  const acc = new Float64Array(c);
  return sampled(statistic, initial, (count) => {
    let extreme = 0;
    for (let r = 0; r < count; r++) {
      acc.fill(0);
      for (let j = 0; j < k; j++) {
        const pick = j + ((rng.next() * (n - j)) | 0);
        const t = perm[j];
        perm[j] = perm[pick];
        perm[pick] = t;
        for (let q = 0; q < c; q++) acc[q] += columns[q][perm[j]];
      }
      if (stat(acc) >= threshold) extreme++;
    }
    return extreme;
  });
}

/**
 * A sampled permutation test: `batch(count)` draws `count` random splits and returns how many were at least as
 * extreme as the observed one; `initial` are drawn at once. p = (b + 1)/(m + 1) (Phipson & Smyth 2010).
 */
export function sampledTest(statistic: number, initial: number, batch: (count: number) => number): GroupVsRestTest {
  return sampled(statistic, initial, batch);
}

function sampled(statistic: number, initial: number, batch: (count: number) => number): GroupVsRestTest {
  let extreme = 0;
  let permutations = 0;
  const draw = (count: number): void => {
    extreme += batch(count);
    permutations += count;
  };
  draw(initial);
  return {
    statistic,
    exact: false,
    get extreme() {
      return extreme;
    },
    get permutations() {
      return permutations;
    },
    get p() {
      return (extreme + 1) / (permutations + 1);
    },
    draw,
  };
}

/** Relabellings of clusters with every group's size kept: n!/(n₁!·…·n_G!) (a float; exact below 2^53). */
export function labellingCount(sizes: readonly number[]): number {
  let left = sizes.reduce((a, b) => a + b, 0);
  let log = 0;
  for (const k of sizes) {
    log += logChoose(left, k);
    left -= k;
  }
  return Math.round(Math.exp(log));
}

/**
 * A permutation test over every group's labels at once (G ≥ 2 groups, each group's size kept): the null
 * distribution of a statistic of the per-group column sums when group labels are exchangeable across clusters
 * (as in a one-way PERMANOVA, Anderson 2001, Austral Ecol. 26:32, or Westfall & Young's 1993 max-statistic
 * adjustment). `columns[c][i]` is cluster i's value in column c; `extreme(sums)` gets `sums[c][g]`, the sum of
 * column c over the clusters labelled g, and says whether that labelling is at least as extreme as the observed
 * one (the caller's tolerance). When there are at most `maxExactSplits` labellings (`labellingCount`) every one is
 * enumerated and p = b/labellings (exact; the observed labelling included, so p ≥ 1/labellings); otherwise
 * `initial` seeded random relabellings (Fisher–Yates) are drawn, p = (b + 1)/(m + 1) (Phipson & Smyth 2010), and
 * `draw` continues the stream, so `resolveMonteCarloFamily` can settle a decision. A group with no cluster is
 * kept (its sums stay 0).
 */
export function labellingTest(
  columns: readonly Float64Array[],
  group: Int32Array,
  groups: number,
  extreme: (sums: readonly Float64Array[]) => boolean,
  initial: number,
  seed: number,
  maxExactSplits = MAX_EXACT_SPLITS,
): MonteCarloTest {
  const n = group.length;
  const C = columns.length;
  const sizes = new Array<number>(groups).fill(0);
  for (let i = 0; i < n; i++) sizes[group[i]]++;
  const sums = columns.map(() => new Float64Array(groups));
  const total = columns.map((col) => col.reduce((a, b) => a + b, 0));
  if (labellingCount(sizes) <= maxExactSplits) {
    let hits = 0;
    let count = 0;
    const free = new Uint8Array(n).fill(1);
    const last = groups - 1;
    const leaf = () => {
      // The last group takes what is left: its sums are the totals minus the others'.
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let g = 0; g < last; g++) s += sums[c][g];
        sums[c][last] = total[c] - s;
      }
      count++;
      if (extreme(sums)) hits++;
    };
    const fill = (g: number): void => {
      if (g === last) return leaf();
      const pool: number[] = [];
      for (let i = 0; i < n; i++) if (free[i]) pool.push(i);
      const k = sizes[g];
      const walk = (start: number, left: number): void => {
        if (left === 0) return fill(g + 1);
        for (let j = start; j <= pool.length - left; j++) {
          const i = pool[j];
          free[i] = 0;
          for (let c = 0; c < C; c++) sums[c][g] += columns[c][i];
          walk(j + 1, left - 1);
          for (let c = 0; c < C; c++) sums[c][g] -= columns[c][i];
          free[i] = 1;
        }
      };
      walk(0, k);
      // Undo drift of the add/subtract pairs before the next branch reuses this group's sums.
      for (let c = 0; c < C; c++) sums[c][g] = 0;
    };
    fill(0);
    return { exact: true, extreme: hits, permutations: count, p: hits / count, draw: () => undefined };
  }
  const labels = Int32Array.from(group);
  const rng = createRng(seed);
  return sampled(Number.NaN, initial, (m) => {
    let hit = 0;
    for (let r = 0; r < m; r++) {
      for (let i = n - 1; i > 0; i--) {
        const j = (rng.next() * (i + 1)) | 0;
        const t = labels[i];
        labels[i] = labels[j];
        labels[j] = t;
      }
      for (let c = 0; c < C; c++) sums[c].fill(0);
      for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) sums[c][labels[i]] += columns[c][i];
      if (extreme(sums)) hit++;
    }
    return hit;
  });
}

/** Clopper–Pearson interval of a sampled test's exact p at risk `risk` ([p, p] when exact; NaN when untestable). */
export function monteCarloInterval(t: MonteCarloTest, risk = DEFAULT_MC_RISK): { lo: number; hi: number } {
  if (!Number.isFinite(t.p)) return { lo: Number.NaN, hi: Number.NaN };
  if (t.exact) return { lo: t.p, hi: t.p };
  if (t.interval) return t.interval(risk);
  const ci = clopperPearson(t.extreme, t.permutations, risk);
  return { lo: Math.min(ci.lo, t.p), hi: Math.max(ci.hi, t.p) };
}
