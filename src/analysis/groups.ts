import type { z } from 'zod';
import { HeadlineSchema } from '../run/suite.ts';
import type { ScoredUtterance } from './types.ts';
import type { ClusterTotals, Interval, PAdjustMethod, WelchResult } from '../stats/types.ts';
import { stratifiedClusterBootstrap, stratumRateDraws, overallRateDraws, type ClusterSeries } from '../stats/bootstrap.ts';
import { percentileInterval, sampleVariance } from '../stats/descriptive.ts';
import { adjustPValues } from '../stats/multiple.ts';
import { subSeed } from '../stats/rng.ts';
import { welchTTest, withinBetweenTest } from '../stats/tests.ts';
import { groupVsRestTest, resolveMonteCarloFamily, type GroupVsRestTest, type MonteCarloTest } from '../stats/permutation.ts';
import { minDetectableDifference } from '../stats/power.ts';
import { isCandidateGroup, labelGroup, undefinedUnless, partitionByRun, speakerTotals, sumTotals, type SpeakerTotals } from './cells.ts';
export type { Interval, PAdjustMethod, WelchResult };

/** Minimum cell rule: cells below either threshold are flagged `smallCell` (and suppressed in published tables). */
export interface MinCell {
  speakers: number;
  words: number;
}

export const DEFAULT_MIN_CELL: MinCell = { speakers: 10, words: 500 };

/**
 * Floor of `intervalMinSpeakers`, whatever the minimum cell. A speaker-cluster bootstrap of n speakers draws one
 * speaker n times with probability n·(1/n)ⁿ = n^(1−n): 50 % for n = 2 (3 distinct resamples), 11 % for n = 3, 1.6 %
 * for n = 4. Above 2.5 % the percentile interval's ends are single speakers' own WERs, not a 95 % interval; 4 is the
 * smallest n below it.
 */
export const MIN_BOOTSTRAP_SPEAKERS = 4;

/**
 * Fewest speakers a cell (a group, the rest of a table, or a whole table) needs for a speaker-cluster bootstrap
 * interval and a detectable gap: the minimum cell's speaker rule (default 10), the size below which a cell is "not
 * enough data" and not tested, and never fewer than MIN_BOOTSTRAP_SPEAKERS. Below it the card shows [—]: with few
 * clusters the cluster bootstrap undercovers badly (Cameron, Gelbach & Miller 2008, Rev. Econ. Stat. 90:414), and
 * with 2 speakers it has only 3 distinct resamples.
 */
export function intervalMinSpeakers(minCell: MinCell): number {
  return Math.max(minCell.speakers, MIN_BOOTSTRAP_SPEAKERS);
}

/**
 * How a set of utterances' word error rate is summarised:
 * - `pooled`: Σerrors / Σreference words (sclite's and NIST's convention; long utterances weigh more);
 * - `mean-utterance`: mean of per-utterance WERs over utterances with ≥ 1 reference word (the metric of
 *   Koenecke et al. 2020, PNAS, and of the Artie bias corpus paper, Meyer et al. 2020, LREC);
 * - `mean-speaker`: mean of per-speaker pooled WERs (each speaker weighs the same).
 * Each is a ratio of per-speaker sums, so all three get the same speaker-cluster bootstrap.
 */
export type WerMetric = z.infer<typeof HeadlineSchema>;
export const WER_METRICS: readonly WerMetric[] = HeadlineSchema.options;

/** Human label of a WER metric, used in every table header. */
export function werMetricLabel(m: WerMetric): string {
  return m === 'pooled' ? 'pooled WER' : m === 'mean-utterance' ? 'mean per-utterance WER' : 'mean per-speaker WER';
}

export interface GroupOptions {
  /** Label key to group by (e.g. 'accent'); missing labels are 'undeclared'. */
  groupBy: string;
  /** Group the `gapToReference` column is measured against (default: none). */
  referenceGroup?: string;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /**
   * Permutations of the within/between test, and the first batch of a group-vs-rest test whose splits are too
   * many to enumerate (default 2000; see testGroupFamily).
   */
  permutations?: number;
  /** Seed of every random draw (default 1). */
  seed?: number;
  /** Interval level (default 0.95). */
  level?: number;
  minCell?: MinCell;
  /** Multiple-testing adjustment across every group test of every table returned (default 'holm'). */
  adjust?: PAdjustMethod;
  /** Significance level and power of the minimum-detectable-gap column (defaults 0.05, 0.8). */
  alpha?: number;
  power?: number;
  /** The WER the table leads with: its `wer` column, gaps, ratios and group-vs-rest permutation test (default 'pooled'). */
  headline?: WerMetric;
  /**
   * Cap on the random permutations of one group-vs-rest test when its splits are too many to enumerate
   * (default 1,000,000): draws are doubled until the test's adjusted verdict is settled (see
   * testGroupFamily), and a test still unsettled at the cap is reported undecided.
   */
  maxPermutations?: number;
}

/** Substitution / deletion / insertion shares of all errors (sum to 1 when there are errors; NaN when some rows only give totals). */
export interface ErrorShares {
  sub: number;
  del: number;
  ins: number;
}

/** Size and pooled rates of a set of utterances (a group, or everything). */
export interface CellSummary {
  /** Speakers with at least one scored utterance. */
  speakers: number;
  /** Scored (status ok) utterances. */
  utterances: number;
  /** Failed utterances: counted here, excluded from every rate. */
  failed: number;
  /** Reference words of the scored utterances. */
  refWords: number;
  /** Reference words of the failed utterances. */
  failedRefWords: number;
  /**
   * Hours of audio of the scored utterances; NaN (not measured) unless every scored utterance has a
   * duration — a text-only cell has no audio, and a partial sum would understate the hours.
   */
  hours: number;
  /** The headline WER (see GroupOptions.headline; pooled by default) with speaker-cluster bootstrap CI. */
  wer: Interval;
  /** Every WER summary (pooled, mean per-utterance, mean per-speaker), each with its speaker-cluster bootstrap CI. */
  werMetrics: Record<WerMetric, Interval>;
  /** WER if every failed utterance counted as all deletions (so failures cannot flatter a group). */
  werFailedAsDeleted: number;
  /** Mean of per-speaker WERs (each speaker weighted equally) — not the pooled WER. */
  meanSpeakerWer: number;
  /** Pooled character error rate. */
  cer: number;
  /** Pooled phone error rate over utterances that carry phone counts; undefined when none do. */
  per?: number;
  shares: ErrorShares;
}

export interface GroupRow extends CellSummary {
  group: string;
  /**
   * WER(group) − WER(best group). Estimate: against the best group of the sample (`bestGroup`). Interval: the
   * percentile interval of WER*(group) − min over the candidate groups of WER*(h) in each bootstrap draw, so the
   * uncertainty of which group is best is part of it (the target of Hsu's comparisons with the best, μ_g − min_h μ_h:
   * Hsu 1996, *Multiple Comparisons*, ch. 4); widened if needed to contain the estimate. Candidates: the declared groups
   * the best group is chosen from (those meeting the minimum cell, or all declared when none does; `undeclared` is
   * never one, but gets its own gap to them, negative when it does better). See `gapToBestDraws`.
   */
  gapToBest: Interval;
  /** WER(group) − WER(all groups), bootstrap CI. */
  gapToOverall: Interval;
  /**
   * WER(group) − WER(all other groups pooled), bootstrap CI: the same comparison as the permutation
   * test's, so one row states one comparison (issue 14).
   */
  gapToRest: Interval;
  /** WER(group) − WER(reference group), when a reference group is set and present. */
  gapToReference?: Interval;
  /** WER(group) / WER(best group), bootstrap CI (per draw against that draw's best candidate, as `gapToBest`). */
  ratioToBest: Interval;
  /** Speaker-level permutation test of pooled WER(group) − WER(rest). */
  permutation: GroupPermutation;
  /** Welch t-test on per-speaker WER, group vs rest. */
  welch: WelchResult & { pAdjusted: number };
  /** Below the minimum cell rule. */
  smallCell: boolean;
  /**
   * Smallest difference in mean per-speaker WER (group vs rest) detectable at `alpha`, `power`:
   * (z₁₋α/₂ + z_power) · √(s²_g/n_g + s²_r/n_r) with per-speaker sample variances. NaN when the group or the rest has
   * fewer speakers than `intervalMinSpeakers` (its variance is then no estimate).
   */
  minDetectableGap: number;
}

/**
 * The speaker-level permutation test of one row, group vs rest. A comparison is in the correction family
 * (`tested`) when the group meets the minimum cell rule; in a table of two groups both rows are the same
 * split (A vs rest = A vs B = B vs rest), tested once and counted once, when either group meets it.
 */
export interface GroupPermutation {
  /** Pooled WER(group) − WER(rest). */
  diff: number;
  /** Exact (every split enumerated: b/splits) or sampled (Phipson–Smyth (b + 1)/(m + 1)); NaN when untestable. */
  p: number;
  /** Adjusted over the family of tested comparisons; NaN when the row is not tested. */
  pAdjusted: number;
  /** True when every split was enumerated (no Monte Carlo error). */
  exact: boolean;
  /** Splits enumerated, or random permutations drawn (adaptive: see testGroupFamily). */
  permutations: number;
  /**
   * Monte Carlo interval of the exact p and of its adjusted value ([p, p] when exact; Clopper–Pearson at a level
   * giving a family-wide risk of 0.001, src/stats/permutation.ts); NaN when not tested.
   */
  lo: number;
  hi: number;
  adjustedLo: number;
  adjustedHi: number;
  /** In the correction family. */
  tested: boolean;
  /** "Adjusted p < α" is settled despite Monte Carlo error (always true when exact; false only at the draw cap). */
  decided: boolean;
  /** Two-group table: the other row, which is the same comparison (counted once). */
  sameComparisonAs?: string;
}

/** Are speakers more alike within groups than between? (pairwise squared distances of per-speaker WER) */
export interface WithinBetween {
  /** Mean squared difference of per-speaker WER over pairs of speakers in the same group. */
  within: number;
  /** … over pairs of speakers in different groups. */
  between: number;
  /** between / within (> 1: group membership explains part of the spread). */
  ratio: number;
  /**
   * One-sided permutation p of the ratio (group labels permuted across speakers, group sizes kept): exact when every
   * relabelling is enumerated (at most 2 million), else sampled, (b + 1)/(m + 1), from `permutations` draws.
   */
  p: number;
  /** Relabellings enumerated (exact) or drawn. */
  permutations: number;
  exact: boolean;
  /** Monte Carlo interval of the exact p (Clopper–Pearson, risk 0.001; [p, p] when exact; NaN when untestable). */
  lo: number;
  hi: number;
}

/** One group table: one label key × backend × condition. */
export interface GroupTable {
  groupBy: string;
  backend: string;
  condition: string;
  overall: CellSummary;
  /**
   * Declared group with the lowest headline WER among declared groups meeting the minimum cell rule (or among all
   * declared groups, if none does); never `undeclared`, the `interviewer` role, nor a slice with such a part
   * (`isCandidateGroup`).
   * '' when no group is declared.
   */
  bestGroup: string;
  referenceGroup?: string;
  rows: GroupRow[];
  withinBetween: WithinBetween;
  settings: Required<Omit<GroupOptions, 'referenceGroup'>>;
}

/** Group options with every default filled in. */
export type ResolvedGroupOptions = Required<Omit<GroupOptions, 'referenceGroup'>> & Pick<GroupOptions, 'referenceGroup'>;

export function resolveGroupOptions(o: GroupOptions): ResolvedGroupOptions {
  return {
    groupBy: o.groupBy,
    referenceGroup: o.referenceGroup,
    resamples: o.resamples ?? 2000,
    permutations: o.permutations ?? 2000,
    seed: o.seed ?? 1,
    level: o.level ?? 0.95,
    minCell: o.minCell ?? DEFAULT_MIN_CELL,
    adjust: o.adjust ?? 'holm',
    alpha: o.alpha ?? 0.05,
    power: o.power ?? 0.8,
    headline: o.headline ?? 'pooled',
    maxPermutations: o.maxPermutations ?? 1_000_000,
  };
}

/** Group tables for every backend × condition present in `utts`, with p-values adjusted across all of them. */
export function analyseGroups(utts: readonly ScoredUtterance[], options: GroupOptions): GroupTable[] {
  const parts = partitionByRun(utts);
  const o = resolveGroupOptions(options);
  const tables = parts.map((part) =>
    analyseOneRun(part.utts, labelGroup(o.groupBy), o, part.backend, part.condition),
  );
  return adjustGroupTables(tables, o.adjust);
}

/** Re-adjusts the group-vs-rest p-values across several analyses (e.g. several groupBy keys) as one family (see testGroupFamily). */
export function adjustGroupTables(tables: GroupTable[], method: PAdjustMethod): GroupTable[] {
  const rows = tables.flatMap((t) => t.rows);
  const first = tables[0]?.settings;
  testGroupFamily(rows, { method, alpha: first?.alpha ?? 0.05, maxPermutations: first?.maxPermutations ?? 1_000_000 });
  for (const t of tables) t.settings = { ...t.settings, adjust: method };
  return tables;
}

/** The permutation test behind each row made by analyseOneRun (rows of a two-group table share one). */
const rowTests = new WeakMap<GroupRow, GroupVsRestTest>();

/**
 * Adjusts the group-vs-rest tests of `rows` as one family and sets every row's `permutation` and
 * `welch.pAdjusted`. The family: one test per distinct comparison whose row is `tested` (the group meets
 * the minimum cell; the two rows of a two-group table are one comparison, its verdict on the row that meets
 * it). Rows below the minimum cell keep their raw p and get adjusted p NaN. Sampled permutation tests are extended until "adjusted p < α" is settled
 * (`resolveMonteCarloFamily`: MMCTest, Gandy & Hahn 2014), at most `maxPermutations` draws each.
 */
export function testGroupFamily(rows: readonly GroupRow[], o: { method: PAdjustMethod; alpha: number; maxPermutations: number }): void {
  const tests: MonteCarloTest[] = [];
  const index = new Map<MonteCarloTest, number>();
  const welchP: number[] = [];
  const keyOf = rows.map((r) => {
    if (!r.permutation.tested) return -1;
    const t: MonteCarloTest = rowTests.get(r) ?? fixedTest(r.permutation);
    let i = index.get(t);
    if (i === undefined) {
      index.set(t, (i = tests.length));
      tests.push(t);
      welchP.push(r.welch.p);
    }
    return i;
  });
  const decisions = resolveMonteCarloFamily(tests, o);
  const welchAdj = adjustPValues(welchP, o.method);
  rows.forEach((r, i) => {
    const k = keyOf[i];
    if (k < 0) {
      Object.assign(r.permutation, { pAdjusted: NaN, lo: NaN, hi: NaN, adjustedLo: NaN, adjustedHi: NaN, decided: false });
      r.welch.pAdjusted = NaN;
      return;
    }
    const d = decisions[k];
    Object.assign(r.permutation, { p: d.p, pAdjusted: d.pAdjusted, exact: d.exact, permutations: d.permutations, lo: d.lo, hi: d.hi, adjustedLo: d.adjustedLo, adjustedHi: d.adjustedHi, decided: d.decided });
    r.welch.pAdjusted = welchAdj[k];
    // A small group whose two-group comparison is tested through the other row: that row carries the verdict.
    if (r.smallCell) Object.assign(r.permutation, { pAdjusted: NaN, adjustedLo: NaN, adjustedHi: NaN, decided: false });
  });
}

/** A row whose test object is gone (e.g. a copied row): its p as it stands, no more draws. */
function fixedTest(p: GroupPermutation): MonteCarloTest {
  const extreme = p.exact ? p.p * p.permutations : p.p * (p.permutations + 1) - 1;
  return { exact: p.exact, permutations: p.permutations, extreme: Math.round(extreme), p: p.p, draw: () => undefined };
}

function speakerWer(t: SpeakerTotals): number {
  return t.errors / t.words;
}

/** Per-speaker (cluster) sums whose ratio is each WER metric. */
function metricSeries(clusters: readonly SpeakerTotals[]): Record<WerMetric, ClusterSeries> {
  return {
    pooled: { errors: Float64Array.from(clusters, (c) => c.errors), words: Float64Array.from(clusters, (c) => c.words) },
    'mean-utterance': { errors: Float64Array.from(clusters, (c) => c.uttWerSum), words: Float64Array.from(clusters, (c) => c.uttWerCount) },
    'mean-speaker': {
      errors: Float64Array.from(clusters, (c) => (c.words > 0 ? c.errors / c.words : 0)),
      words: Float64Array.from(clusters, (c) => (c.words > 0 ? 1 : 0)),
    },
  };
}

function ratioOfSums(x: ClusterSeries, pick?: (i: number) => boolean): number {
  let e = 0;
  let w = 0;
  for (let i = 0; i < x.errors.length; i++) {
    if (pick && !pick(i)) continue;
    e += x.errors[i];
    w += x.words[i];
  }
  return e / w;
}

function summary(ts: readonly SpeakerTotals[], wer: Interval, werMetrics: Record<WerMetric, Interval>): CellSummary {
  const s = sumTotals(ts);
  const scored = ts.filter((t) => t.words > 0);
  const errs = s.sub + s.del + s.ins;
  return {
    speakers: new Set(ts.filter((t) => t.utterances > 0).map((t) => t.speaker)).size,
    utterances: s.utterances,
    failed: s.failed,
    refWords: s.words,
    failedRefWords: s.failedWords,
    hours: s.utterances > 0 && s.timed === s.utterances ? s.seconds / 3600 : NaN,
    wer,
    werMetrics,
    werFailedAsDeleted: (s.errors + s.failedWords) / (s.words + s.failedWords),
    meanSpeakerWer: scored.reduce((a, t) => a + speakerWer(t), 0) / scored.length,
    cer: s.charErrors / s.chars,
    ...(s.phoneUtterances > 0 ? { per: s.phoneErrors / s.phones } : {}),
    shares: s.unsplit > 0 ? { sub: NaN, del: NaN, ins: NaN } : errs > 0 ? { sub: s.sub / errs, del: s.del / errs, ins: s.ins / errs } : { sub: 0, del: 0, ins: 0 },
  };
}

/**
 * Group table of one backend × condition; p-values are left unadjusted (pAdjusted = p, tests not extended):
 * testGroupFamily adjusts them.
 */
export function analyseOneRun(
  utts: readonly ScoredUtterance[],
  groupOfUtt: (u: ScoredUtterance) => string,
  o: ResolvedGroupOptions,
  backend: string,
  condition: string,
): GroupTable {
  const clusters = speakerTotals(utts, groupOfUtt);
  const names = [...new Set(clusters.map((c) => c.group))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const G = names.length;
  const group = Int32Array.from(clusters, (c) => index.get(c.group)!);
  const series = metricSeries(clusters);
  // The headline metric is series 0, so its draws and permutation test are those of a one-series run.
  const order = [o.headline, ...WER_METRICS.filter((m) => m !== o.headline)];
  const totals: ClusterTotals = { ...series[o.headline], group, groups: G };
  const runSeed = subSeed(o.seed, `${o.groupBy}|${backend}|${condition}`);
  const draws = stratifiedClusterBootstrap(group, G, order.map((m) => series[m]), o.resamples, subSeed(runSeed, 'bootstrap'));
  const groupDraws = names.map((_, g) => stratumRateDraws(draws, 0, g));
  const overallDraws = overallRateDraws(draws, 0);
  const byGroup = names.map((n) => clusters.filter((c) => c.group === n));
  const metricsUnless = (ok: boolean, metrics: Record<WerMetric, Interval>): Record<WerMetric, Interval> =>
    Object.fromEntries(WER_METRICS.map((m) => [m, undefinedUnless(ok, metrics[m])])) as Record<WerMetric, Interval>;
  const metricIntervals = (g: number | undefined): Record<WerMetric, Interval> => {
    const out = {} as Record<WerMetric, Interval>;
    order.forEach((m, si) => {
      const est = ratioOfSums(series[m], g === undefined ? undefined : (i) => group[i] === g);
      out[m] = percentileInterval(g === undefined ? overallRateDraws(draws, si) : stratumRateDraws(draws, si, g), o.level, est);
    });
    return out;
  };
  const pooled = names.map((_, g) => ratioOfSums(series[o.headline], (i) => group[i] === g));
  const overallWer = ratioOfSums(series[o.headline]);
  const eligible = names.map((_, g) => {
    const s = sumTotals(byGroup[g]);
    const speakers = new Set(byGroup[g].filter((t) => t.utterances > 0).map((t) => t.speaker)).size;
    return speakers >= o.minCell.speakers && s.words >= o.minCell.words;
  });
  // The best group is a declared one: `undeclared` and the `interviewer` role (and a slice with such a part) keep their
  // own gap to it.
  const declared = names.map((_, g) => g).filter((g) => isCandidateGroup(names[g]) && !Number.isNaN(pooled[g]));
  const candidates = declared.some((g) => eligible[g]) ? declared.filter((g) => eligible[g]) : declared;
  const best = candidates.reduce((b, g) => (b < 0 || pooled[g] < pooled[b] ? g : b), -1);
  const ref = o.referenceGroup !== undefined ? index.get(o.referenceGroup) : undefined;
  const bestDraws = gapToBestDraws(groupDraws, candidates);

  const diffInterval = (g: number, other: Float64Array, otherEstimate: number): Interval => {
    const d = new Float64Array(o.resamples);
    for (let b = 0; b < o.resamples; b++) d[b] = groupDraws[g][b] - other[b];
    return percentileInterval(d, o.level, pooled[g] - otherEstimate);
  };
  // A group of too few speakers cannot be resampled by speaker (one speaker: every resample is that speaker; two:
  // three distinct resamples): its intervals and detectable gap are undefined, not narrow (intervalMinSpeakers).
  const speakersOf = byGroup.map((cs) => cs.filter((c) => c.utterances > 0).length);
  const minSpeakers = intervalMinSpeakers(o.minCell);
  const resamplable = (g: number) => speakersOf[g] >= minSpeakers;
  const restDraws = names.map((_, g) => {
    const d = new Float64Array(o.resamples);
    for (let b = 0; b < o.resamples; b++) {
      let e = 0;
      let w = 0;
      for (let h = 0; h < G; h++) {
        if (h === g) continue;
        e += draws.errors[0][b * G + h];
        w += draws.words[0][b * G + h];
      }
      d[b] = e / w;
    }
    return d;
  });
  const restPooled = names.map((_, g) => ratioOfSums(series[o.headline], (i) => group[i] !== g));
  const speakerWers = clusters.map((c) => (c.words > 0 ? speakerWer(c) : NaN));
  // Two groups: "A vs rest" and "B vs rest" are one split, so one test serves both rows.
  const tests = names.map((n, g) => (G === 2 && g === 1 ? undefined : groupVsRestTest(totals, g, o.permutations, subSeed(runSeed, `perm:${n}`))));
  const testOf = (g: number): GroupVsRestTest => tests[g] ?? tests[0]!;
  const tested = (g: number) => (G === 2 ? eligible[0] || eligible[1] : eligible[g]);
  const rows: GroupRow[] = names.map((group, g) => {
    const inG: number[] = [];
    const rest: number[] = [];
    clusters.forEach((c, i) => {
      if (Number.isNaN(speakerWers[i])) return;
      (c.group === group ? inG : rest).push(speakerWers[i]);
    });
    const ratio = new Float64Array(o.resamples);
    if (best >= 0) for (let b = 0; b < o.resamples; b++) ratio[b] = groupDraws[g][b] / bestDraws[b];
    const test = testOf(g);
    const diff = G === 2 && g === 1 ? -test.statistic : test.statistic;
    const welch = welchTTest(inG, rest);
    const metrics = metricsUnless(resamplable(g), metricIntervals(g));
    const base = summary(byGroup[g], metrics[o.headline], metrics);
    const restOk = resamplable(g) && speakersOf.reduce((n, k, h) => (h === g ? n : n + k), 0) >= minSpeakers;
    const bestOk = best >= 0 && resamplable(g) && candidates.every(resamplable);
    return {
      group,
      ...base,
      gapToBest: best >= 0 ? undefinedUnless(bestOk, containing(diffInterval(g, bestDraws, pooled[best]))) : nanInterval(),
      gapToOverall: undefinedUnless(resamplable(g), diffInterval(g, overallDraws, overallWer)),
      gapToRest: G >= 2 ? undefinedUnless(restOk, diffInterval(g, restDraws[g], restPooled[g])) : nanInterval(),
      ...(ref !== undefined ? { gapToReference: undefinedUnless(resamplable(g) && resamplable(ref), diffInterval(g, groupDraws[ref], pooled[ref])) } : {}),
      ratioToBest: best >= 0 ? undefinedUnless(bestOk, containing(percentileInterval(ratio, o.level, pooled[g] / pooled[best]))) : nanInterval(),
      permutation: {
        diff, p: test.p, pAdjusted: test.p, exact: test.exact, permutations: test.permutations,
        lo: NaN, hi: NaN, adjustedLo: NaN, adjustedHi: NaN, tested: tested(g) && Number.isFinite(test.p), decided: test.exact,
        ...(G === 2 ? { sameComparisonAs: names[1 - g] } : {}),
      },
      welch: { ...welch, pAdjusted: welch.p },
      smallCell: !eligible[g],
      minDetectableGap: restOk ? minDetectableDifference(sampleVariance(inG), inG.length, sampleVariance(rest), rest.length, o.alpha, o.power) : NaN,
    };
  });
  rows.forEach((r, g) => rowTests.set(r, testOf(g)));
  const scoredIdx = speakerWers.map((w, i) => (Number.isNaN(w) ? -1 : i)).filter((i) => i >= 0);
  const wb = withinBetweenTest(
    Float64Array.from(scoredIdx, (i) => speakerWers[i]),
    Int32Array.from(scoredIdx, (i) => totals.group[i]),
    G,
    o.permutations,
    subSeed(runSeed, 'within-between'),
  );
  const { referenceGroup, ...settings } = o;
  return {
    groupBy: o.groupBy,
    backend,
    condition,
    overall: overallSummary(utts, o, backend, condition),
    bestGroup: best >= 0 ? names[best] : '',
    ...(ref !== undefined ? { referenceGroup } : {}),
    rows,
    withinBetween: wb,
    settings,
  };
}

/**
 * The "All groups" row of every table of one backend × condition: the same population whatever the grouping, so the
 * same numbers and intervals in each (the accent table and the accent × gender table of one card). Clusters are whole
 * speakers (sorted by id), resampled without strata (a bootstrap stratified by the table's groups would give each
 * table its own interval), seeded by backend × condition only. Intervals undefined below intervalMinSpeakers.
 */
function overallSummary(utts: readonly ScoredUtterance[], o: ResolvedGroupOptions, backend: string, condition: string): CellSummary {
  const clusters = speakerTotals(utts, () => '').sort((a, b) => (a.speaker < b.speaker ? -1 : a.speaker > b.speaker ? 1 : 0));
  const series = metricSeries(clusters);
  const order = [o.headline, ...WER_METRICS.filter((m) => m !== o.headline)];
  const seed = subSeed(o.seed, `overall|${backend}|${condition}`);
  const draws = stratifiedClusterBootstrap(new Int32Array(clusters.length), 1, order.map((m) => series[m]), o.resamples, seed);
  const ok = clusters.filter((c) => c.utterances > 0).length >= intervalMinSpeakers(o.minCell);
  const metrics = {} as Record<WerMetric, Interval>;
  order.forEach((m, si) => {
    metrics[m] = undefinedUnless(ok, percentileInterval(overallRateDraws(draws, si), o.level, ratioOfSums(series[m])));
  });
  return summary(clusters, metrics[o.headline], metrics);
}

/**
 * The best candidate's rate in each bootstrap draw: min over `candidates` of `groupDraws[h][b]` (NaN draws of a group
 * skipped; NaN when every candidate's is). The gap and ratio to best are taken against it, so that, as in Hsu's
 * multiple comparisons with the best (Hsu 1996, *Multiple Comparisons: Theory and Methods*, ch. 4), which group is
 * best is estimated too rather than fixed: with the best group's identity fixed, a group nearly as good as the
 * best gets an interval that excludes its true gap (test/analysis/gap-to-best.test.ts: 4 groups of 30 simulated
 * speakers at 10 %, 10.5 %, 15 %, 20 % WER, 160 samples: the 10.5 % group's 95 % interval covered its 0.5-point gap
 * 64 % of the time with the best group fixed, 96 % per draw; the others 91–99 % either way). With exact ties the
 * per-draw minimum is biased low (Hall & Miller 2010, Biometrika 97:881, on the bootstrap of extrema): a group
 * behind several tied best groups then gets an interval shifted up (simulated with three tied groups and 40
 * speakers: 90 % coverage instead of 93 %).
 */
export function gapToBestDraws(groupDraws: readonly Float64Array[], candidates: readonly number[]): Float64Array {
  const B = groupDraws[0]?.length ?? 0;
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let m = Number.NaN;
    for (const h of candidates) {
      const v = groupDraws[h][b];
      if (!Number.isNaN(v) && !(v >= m)) m = v;
    }
    out[b] = m;
  }
  return out;
}

/** The interval widened, if needed, to contain its own estimate (a per-draw minimum can put both ends above it). */
function containing(i: Interval): Interval {
  if (Number.isNaN(i.lo) || Number.isNaN(i.hi) || Number.isNaN(i.estimate)) return i;
  return { estimate: i.estimate, lo: Math.min(i.lo, i.estimate), hi: Math.max(i.hi, i.estimate) };
}

function nanInterval(): Interval {
  return { estimate: NaN, lo: NaN, hi: NaN };
}
