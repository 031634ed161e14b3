import { logChoose, studentTTwoSidedP } from '../stats/distributions.ts';
import { mean, sampleVariance } from '../stats/descriptive.ts';
import { welchTTest } from '../stats/tests.ts';
import { createRng } from '../stats/rng.ts';
import { groupVsRestTest, monteCarloInterval, sampledTest, splitTest, type MonteCarloTest } from '../stats/permutation.ts';

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
 *   speakers, which multiple-testing control needs, but the p is never below the permutation p of
 *   the same per-speaker ratios (`permutationFloor`; see `compareValues` for why).
 * - `permutation`: speaker labels permuted across clusters, pooled-ratio difference, two-sided
 *   (`groupVsRestTest`, src/stats/permutation.ts): exact, p = #{|d*| ≥ |d|} / splits, when the splits number
 *   at most MAX_EXACT_SPLITS; else p = (1 + #{|d*| ≥ |d|}) / (1 + permutations); the direction is checked by
 *   the caller.
 * Every p comes with how it was obtained (`MonteCarloResult`): exact, or sampled with its Monte Carlo interval
 * (Clopper–Pearson, risk 0.001), and the test itself, whose `draw` a caller can extend (e.g. with
 * `resolveMonteCarloFamily`, MMCTest, over a whole family of sound tests).
 * Speakers without the denominator (den = 0) take no part. p is NaN with fewer than two speakers on
 * either side (Welch) or none (permutation).
 */

/** How a p was obtained: exact (every split or sign pattern enumerated) or sampled, with its Monte Carlo interval. */
export interface MonteCarloResult {
  /** No Monte Carlo error: every split / sign pattern enumerated (or no permutation part). */
  exact: boolean;
  /** Splits or sign patterns enumerated, or random ones drawn (0 when untestable). */
  permutations: number;
  /** Monte Carlo interval of the p the same test would give with every split enumerated ([p, p] when exact; NaN when untestable). */
  pLo: number;
  pHi: number;
  /** The test behind p: `draw(n)` draws more, after which p and its interval are those of the longer run. */
  test: MonteCarloTest;
}

function resultOf(t: MonteCarloTest): MonteCarloResult {
  const { lo, hi } = monteCarloInterval(t);
  return { exact: t.exact, permutations: t.permutations, pLo: lo, pHi: hi, test: t };
}

const UNTESTABLE: MonteCarloTest = { exact: false, extreme: 0, permutations: 0, p: Number.NaN, draw: () => undefined };

/** A test whose p is max(floor, inner p) (a valid p when the inner one is: see compareValues); interval likewise. */
function atLeast(floor: number, inner: MonteCarloTest): MonteCarloTest {
  if (!Number.isFinite(floor) || !Number.isFinite(inner.p)) return UNTESTABLE;
  return {
    get exact() { return inner.exact; },
    get extreme() { return inner.extreme; },
    get permutations() { return inner.permutations; },
    get p() { return Math.max(floor, inner.p); },
    draw: (n: number) => inner.draw(n),
    interval: (risk: number) => {
      const i = monteCarloInterval(inner, risk);
      return { lo: Math.max(floor, i.lo), hi: Math.max(floor, i.hi) };
    },
  };
}

export type ClusterTestMethod = 'welch' | 'permutation';

export interface ClusterValue {
  /** Index of the cluster's group in the caller's group list. */
  group: number;
  num: number;
  den: number;
}

export interface ClusterComparison extends MonteCarloResult {
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
    if (!inG.length || !inC.length) return { ...out, p: Number.NaN, ...resultOf(UNTESTABLE) };
    const perm = groupVsRestTest(
      { errors: Float64Array.from(kept, (v) => v.num), words: Float64Array.from(kept, (v) => v.den), group: Int32Array.from(kept, (v) => (v.group === g ? 0 : 1)), groups: 2 },
      0,
      permutations,
      seed,
      MAX_EXACT_SPLITS,
    );
    return { ...out, p: perm.p, ...resultOf(perm) };
  }
  const t = compareValuesTest(inG, inC, direction, 'welch', permutations, seed);
  return { ...out, p: t.p, ...resultOf(t) };
}

/**
 * The smallest p a speaker-level test can give: `nA` vs `nB` speakers (permutation floor: one split of
 * C(nA + nB, nA), or 1/(1 + permutations) when sampled), or `strata` matched pairs (one sign pattern of 2^n).
 */
export function smallestP(design: { nA: number; nB: number } | { strata: number }, permutations: number): number {
  if ('strata' in design) return design.strata < 2 ? Number.NaN : design.strata <= 16 ? 2 ** -design.strata : 1 / (1 + permutations);
  const { nA, nB } = design;
  if (nA < 2 || nB < 2) return Number.NaN;
  const splits = binomial(nA + nB, nA);
  return splits > MAX_EXACT_SPLITS ? 1 / (1 + permutations) : 1 / splits;
}

/** Splits enumerated exactly up to this many (6 vs 6: 924; 12 vs 12: 2.7 million is sampled). */
const MAX_EXACT_SPLITS = 200_000;

function binomial(n: number, k: number): number {
  return Math.round(Math.exp(logChoose(n, k)));
}

/**
 * One-sided permutation p of the difference of means of `a` and `b` (values shuffled between the
 * sides): every split enumerated when there are at most MAX_EXACT_SPLITS (exact: p = #{d* ≥ d − 1e-12} / splits),
 * else `permutations` random splits (Phipson & Smyth 2010). Valid under exchangeability whatever the
 * values' distribution. NaN with < 2 values on a side. `permutationFloorTest` gives the test (exact or sampled,
 * drawable).
 */
export function permutationFloor(a: readonly number[], b: readonly number[], direction: 'greater' | 'less', permutations: number, seed: number): number {
  return permutationFloorTest(a, b, direction, permutations, seed).p;
}

/** The test behind `permutationFloor` (src/stats/permutation.ts `splitTest`: exact or sampled, `draw` extends it). */
export function permutationFloorTest(a: readonly number[], b: readonly number[], direction: 'greater' | 'less', permutations: number, seed: number): MonteCarloTest {
  if (a.length < 2 || b.length < 2) return UNTESTABLE;
  const all = Float64Array.from([...a, ...b]);
  const n = all.length;
  const k = a.length;
  const sign = direction === 'greater' ? 1 : -1;
  const total = all.reduce((s, x) => s + x, 0);
  const inA = Array.from({ length: n }, (_, i) => i < k);
  return splitTest([all], inA, (sums) => sign * (sums[0] / k - (total - sums[0]) / (n - k)), permutations, seed, MAX_EXACT_SPLITS, 1e-12);
}

/** One-sided p in the direction of positive `t` from the two-sided p of the same t. */
function oneSided(t: number, twoSided: number): number {
  return t > 0 ? twoSided / 2 : 1 - twoSided / 2;
}

/**
 * One-sided p of Welch's t-test (src/stats/tests.ts `welchTTest`: Welch 1947, df by
 * Welch–Satterthwaite). NaN with < 2 values on a side; both sides constant: 0 when the difference
 * points in `direction`, else 1.
 */
export function welchOneSided(a: readonly number[], b: readonly number[], direction: 'greater' | 'less'): number {
  if (a.length < 2 || b.length < 2) return Number.NaN;
  const r = welchTTest(a, b);
  const t = direction === 'greater' ? r.t : -r.t;
  if (r.diff === 0 && sampleVariance(a) + sampleVariance(b) === 0) return 1;
  return oneSided(t, r.p);
}

/**
 * One-sided p of the paired t-test on matched differences (Student 1908; e.g. Hayes & Moulton 2017,
 * §10.4, matched-pair cluster designs: the t-test of the pair differences with pairs − 1 df).
 * `d` holds one difference per matched pair (group − comparison). NaN with < 2 pairs; with zero
 * variance, 0 when the mean difference points in `direction`, else 1.
 */
export function pairedOneSided(d: readonly number[], direction: 'greater' | 'less'): number {
  if (d.length < 2) return Number.NaN;
  const diff = mean(d) * (direction === 'greater' ? 1 : -1);
  const se2 = sampleVariance(d) / d.length;
  if (se2 === 0) return diff > 0 ? 0 : 1;
  const t = diff / Math.sqrt(se2);
  return oneSided(t, studentTTwoSidedP(t, d.length - 1));
}

/** A speaker's value for a matched comparison: its group side and the matching stratum (e.g. a speaker profile). */
export interface MatchedValue {
  inGroup: boolean;
  stratum: string;
  value: number;
}

/**
 * Matched-pairs comparison: per stratum present on both sides, the mean of the group's speaker values
 * minus the mean of the comparison's, then `pairedOneSided` over the strata — never below the
 * sign-flip permutation p of the same differences (`signFlipP`; valid whatever their distribution,
 * see `compareValues`). Strata on one side only take no part. Returns the p and the number of strata.
 */
export function compareMatched(values: readonly MatchedValue[], direction: 'greater' | 'less', permutations = 10_000, seed = 1): { p: number; strata: number } & MonteCarloResult {
  const by = new Map<string, { g: number[]; c: number[] }>();
  for (const v of values) {
    if (!Number.isFinite(v.value)) continue;
    let s = by.get(v.stratum);
    if (!s) by.set(v.stratum, (s = { g: [], c: [] }));
    (v.inGroup ? s.g : s.c).push(v.value);
  }
  const d: number[] = [];
  for (const s of by.values()) if (s.g.length && s.c.length) d.push(mean(s.g) - mean(s.c));
  const t = atLeast(pairedOneSided(d, direction), signFlipTest(d, direction, permutations, seed));
  return { p: t.p, strata: d.length, ...resultOf(t) };
}

/**
 * One-sided sign-flip permutation p of the mean of paired differences: all 2^n sign patterns when
 * n ≤ 16 (exact: p = #{mean* ≥ mean} / 2^n; 6 pairs: p ≥ 1/64), else `permutations` random patterns
 * (Phipson & Smyth 2010). NaN with < 2 differences. `signFlipTest` gives the test (drawable when sampled).
 */
export function signFlipP(d: readonly number[], direction: 'greater' | 'less', permutations: number, seed: number): number {
  return signFlipTest(d, direction, permutations, seed).p;
}

/** The test behind `signFlipP`: exact over 2^n patterns (n ≤ 16), else sampled; `draw` continues the seeded stream. */
export function signFlipTest(d: readonly number[], direction: 'greater' | 'less', permutations: number, seed: number): MonteCarloTest {
  if (d.length < 2) return UNTESTABLE;
  const x = d.map((v) => (direction === 'greater' ? v : -v));
  const observed = x.reduce((s, v) => s + v, 0) - 1e-12;
  if (x.length <= 16) {
    let hits = 0;
    const n = 1 << x.length;
    for (let mask = 0; mask < n; mask++) {
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += mask & (1 << i) ? -x[i] : x[i];
      if (sum >= observed) hits++;
    }
    return { exact: true, extreme: hits, permutations: n, p: hits / n, draw: () => undefined };
  }
  const rng = createRng(seed);
  return sampledTest(observed, permutations, (m) => {
    let hits = 0;
    for (let r = 0; r < m; r++) {
      let sum = 0;
      for (const v of x) sum += rng.next() < 0.5 ? -v : v;
      if (sum >= observed) hits++;
    }
    return hits;
  });
}

/**
 * Compares per-speaker values (any scale, e.g. a speaker's phone error rate minus its rate over the
 * other phones) of a group, `a`, with a comparison set, `b`, one-sided in `direction`.
 * `permutation`: the permutation p of the difference of means (`permutationFloor`). `welch`: Welch's
 * t-test (`welchOneSided`), which keeps resolution below the permutation test's smallest p (6 vs 6
 * speakers: 1/924), but never below the permutation p of the same values: Welch's normal theory
 * fails when a few speakers differ wholesale (measured on planted null halves: Welch 1.8e-4 where the
 * split's permutation p was 0.03), and the larger of two p-values, one of them valid, is valid.
 * NaN with < 2 values on a side.
 */
export function compareValues(a: readonly number[], b: readonly number[], direction: 'greater' | 'less', method: ClusterTestMethod, permutations: number, seed: number): number {
  return compareValuesTest(a, b, direction, method, permutations, seed).p;
}

/** The test behind `compareValues`: the permutation test, floored by Welch's p when `method` is `welch`. */
export function compareValuesTest(a: readonly number[], b: readonly number[], direction: 'greater' | 'less', method: ClusterTestMethod, permutations: number, seed: number): MonteCarloTest {
  const perm = permutationFloorTest(a, b, direction, permutations, seed);
  return method === 'welch' ? atLeast(welchOneSided(a, b, direction), perm) : perm;
}

/** One speaker's value for `compareSpeakers`, with its matching stratum when the design declares one. */
export interface SpeakerValue {
  value: number;
  match?: string;
}

export interface SpeakerComparison extends MonteCarloResult {
  p: number;
  /** The smallest p this comparison could give (its permutation or sign-flip floor; NaN when not testable). */
  pMin: number;
  /** `welch`/`permutation` over independent speakers, or `matched` (paired over `strata` strata). */
  design: ClusterTestMethod | 'matched';
  strata?: number;
  /** Means of the finite speaker values, group and comparison (NaN without any). */
  meanGroup: number;
  meanComparison: number;
}

/**
 * The speaker-level test of the glass box's sound and goodness tests: `compareMatched` when `matched`
 * and every speaker on both sides has a match value, else `compareValues` (`test`) over the finite
 * values. Speakers whose value is NaN (no tokens) take no part.
 */
export function compareSpeakers(
  group: readonly SpeakerValue[],
  comparison: readonly SpeakerValue[],
  direction: 'greater' | 'less',
  o: { matched: boolean; test: ClusterTestMethod; permutations: number; seed: number },
): SpeakerComparison {
  const a = group.map((v) => v.value).filter(Number.isFinite);
  const b = comparison.map((v) => v.value).filter(Number.isFinite);
  const means = { meanGroup: mean(a), meanComparison: mean(b) };
  if (o.matched && [...group, ...comparison].every((v) => v.match !== undefined)) {
    const r = compareMatched([...group.map((v) => ({ inGroup: true, stratum: v.match!, value: v.value })), ...comparison.map((v) => ({ inGroup: false, stratum: v.match!, value: v.value }))], direction);
    return { ...r, pMin: smallestP({ strata: r.strata }, o.permutations), design: 'matched', ...means };
  }
  const t = compareValuesTest(a, b, direction, o.test, o.permutations, o.seed);
  return { p: t.p, ...resultOf(t), pMin: smallestP({ nA: a.length, nB: b.length }, o.permutations), design: o.test, ...means };
}
