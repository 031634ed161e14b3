import type { ScoredUtterance } from './types.ts';
import type { Interval, PAdjustMethod } from '../stats/types.ts';
import { pairedClusterDraws, stratifiedClusterBootstrap, type ClusterSeries } from '../stats/bootstrap.ts';
import { percentileInterval } from '../stats/descriptive.ts';
import { resolveMonteCarloFamily, splitTest, type MonteCarloTest } from '../stats/permutation.ts';
import { subSeed } from '../stats/rng.ts';
import { mapsswe, signTest, wilcoxonSignedRank, type MapssweResult, type SignTestResult, type WilcoxonResult } from '../stats/tests.ts';
import { normalCdf } from '../stats/distributions.ts';
import { mapssweSegments } from './mapsswe-segments.ts';
import { groupOf } from '../manifest/schema.ts';
import { undefinedUnless } from './cells.ts';
import { DEFAULT_MIN_CELL, intervalMinSpeakers, type MinCell } from './groups.ts';

export interface PairedOptions {
  resamples?: number;
  seed?: number;
  level?: number;
  /** Also compare within each group of this label key. */
  groupBy?: string;
  /**
   * The card's minimum cell (default DEFAULT_MIN_CELL): a set of fewer than `intervalMinSpeakers(minCell)` speakers
   * (the minimum cell's speakers, never fewer than 4) has no `diff` interval (lo, hi NaN), as the card's cells.
   */
  minCell?: MinCell;
  /**
   * Also hand out the speaker-bootstrap draws behind each `diff` interval (`PairedResult.draws`), so that figures
   * built on top (e.g. adapt's worst-group and gap changes) use the very draws of the per-group rows. Default false.
   */
  draws?: boolean;
}

/**
 * The paired speaker bootstrap behind a `diff` interval: in resample r, `a[r]` and `b[r]` are WER(A) and WER(B)
 * (errors / reference words, fractions) over the same resampled speakers (drawn with replacement, as many as there
 * are); `diff` is the percentile interval of a − b (Efron & Tibshirani 1993 §13.3). With fewer speakers than
 * `intervalMinSpeakers` (the card's rule) `diff` has no interval, though the draws are still handed out.
 */
export interface PairedDraws {
  a: Float64Array;
  b: Float64Array;
}

/** A vs B on the utterances both scored (matched by utterance id). All differences are A − B. */
export interface PairedResult {
  utterances: number;
  speakers: number;
  werA: number;
  werB: number;
  /** WER(A) − WER(B) with paired speaker-bootstrap CI. */
  diff: Interval;
  /** Exact sign test on per-speaker WER differences. */
  sign: SignTestResult;
  /** Wilcoxon signed-rank on per-speaker WER differences. */
  wilcoxon: WilcoxonResult;
  /** sclite sc_stats' matched-pair test (MAPSSWE) on sclite's segments (see `PairedMapsswe`). */
  mapsswe: PairedMapsswe;
  /**
   * Sign and Wilcoxon tests with sclite sc_stats' conventions (per-speaker WER in %, differences
   * within ±0.005 are ties; ties split between signs; Wilcoxon keeps zeros, normal approximation):
   * these reproduce sc_stats' numbers.
   */
  scStats: { sign: SignTestResult; wilcoxon: WilcoxonResult };
  /** With `PairedOptions.draws`: the bootstrap draws `diff` was computed from. */
  draws?: PairedDraws;
}

export interface PairedComparison extends PairedResult {
  /** Utterance ids in only one of the two runs. */
  onlyInA: number;
  onlyInB: number;
  /** Matched utterances left out because either side failed. */
  failedPairs: number;
  groups?: Array<PairedResult & { group: string }>;
}

/**
 * MAPSSWE as sclite's `sc_stats -t mapsswe` computes it: segments cut as SCTK's `test_comp_sents` cuts
 * them (`mapsswe-segments.ts`: bounded by 2 reference words both systems got right), W = mean / (sd/√n)
 * of the per-segment error differences A − B (equal to sc_stats' Z). `p` is sc_stats' p: its
 * `normprob` looks Φ up in a table at |W| truncated to two decimals (the lower entry, "a conservative
 * approximation"), p = 2·(1 − Φ(⌊100·|W|⌋/100)), so it can exceed the exact normal p by up to ~0.008
 * (measured: equal to sc_stats' printed p on 60 seeded corpora and on Artie's Amazon vs Google
 * transcripts). `pExact` is the exact two-sided normal p of W. Both are 1 with no segment (neither
 * system erred); with every segment's difference equal (sd 0) sc_stats prints Z 0 and p 1, asrfair
 * W ±∞ and p 0 when the difference is not 0. `wholeUtterances`: utterances whose word alignment could
 * not be recovered from the stored texts (markup networks, imported totals), each one segment.
 */
export type PairedMapsswe = MapssweResult & { pExact: number; wholeUtterances: number };

/** sc_stats' two-sided p of a normal statistic (its table look-up at |z| truncated to 0.01; see PairedMapsswe). */
export function scStatsNormalP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (!Number.isFinite(z)) return 0;
  return Math.min(1, 2 * (1 - normalCdf(Math.floor(Math.abs(z) * 100) / 100)));
}

function pairedMapsswe(pairs: readonly Pair[]): PairedMapsswe {
  const seg = mapssweSegments(pairs);
  if (seg.a.length === 0) return { segments: 0, meanDiff: 0, sd: 0, w: 0, p: 1, pExact: 1, wholeUtterances: seg.whole };
  const m = mapsswe(seg.a, seg.b);
  return { ...m, p: m.sd === 0 ? m.p : scStatsNormalP(m.w), pExact: m.p, wholeUtterances: seg.whole };
}

interface Pair {
  a: ScoredUtterance;
  b: ScoredUtterance;
}

const errorsOf = (u: ScoredUtterance) => u.words.sub + u.words.del + u.words.ins;

function pairUp(a: readonly ScoredUtterance[], b: readonly ScoredUtterance[]) {
  const byId = new Map(b.map((u) => [u.id, u]));
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  let failedPairs = 0;
  for (const ua of a) {
    const ub = byId.get(ua.id);
    if (!ub) continue;
    seen.add(ua.id);
    if (ua.status !== 'ok' || ub.status !== 'ok') failedPairs++;
    else pairs.push({ a: ua, b: ub });
  }
  return { pairs, failedPairs, onlyInA: a.length - seen.size, onlyInB: b.length - seen.size };
}

function pairedStats(pairs: readonly Pair[], resamples: number, seed: number, level: number, minSpeakers: number, keepDraws = false): PairedResult {
  const spk = new Map<string, number>();
  for (const p of pairs) if (!spk.has(p.a.speaker)) spk.set(p.a.speaker, spk.size);
  const S = spk.size;
  const A: ClusterSeries = { errors: new Float64Array(S), words: new Float64Array(S) };
  const B: ClusterSeries = { errors: new Float64Array(S), words: new Float64Array(S) };
  for (const p of pairs) {
    const i = spk.get(p.a.speaker)!;
    A.errors[i] += errorsOf(p.a);
    A.words[i] += p.a.words.ref;
    B.errors[i] += errorsOf(p.b);
    B.words[i] += p.b.words.ref;
  }
  const speakerDiffs: number[] = [];
  for (let i = 0; i < S; i++) {
    if (A.words[i] > 0 && B.words[i] > 0) speakerDiffs.push(A.errors[i] / A.words[i] - B.errors[i] / B.words[i]);
  }
  const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);
  const percentDiffs = speakerDiffs.map((d) => (Math.abs(100 * d) < 0.005 ? 0 : 100 * d));
  const estimate = sum(A.errors) / sum(A.words) - sum(B.errors) / sum(B.words);
  // pairedClusterBootstrap's draws, kept when asked for.
  const rates = S >= 1 && (S >= minSpeakers || keepDraws) ? pairedClusterDraws(A, B, resamples, seed) : undefined;
  return {
    utterances: pairs.length,
    speakers: S,
    werA: sum(A.errors) / sum(A.words),
    werB: sum(B.errors) / sum(B.words),
    // Too few speakers for a speaker bootstrap (intervalMinSpeakers, the card's rule): the interval is undefined, not narrow.
    diff: S >= minSpeakers && rates ? percentileInterval(rates.a.map((x, r) => x - rates.b[r]), level, estimate) : { estimate, lo: NaN, hi: NaN },
    sign: signTest(speakerDiffs),
    wilcoxon: wilcoxonSignedRank(speakerDiffs),
    mapsswe: pairedMapsswe(pairs),
    scStats: { sign: signTest(percentDiffs, 'split'), wilcoxon: wilcoxonSignedRank(percentDiffs, 'sc_stats') },
    ...(keepDraws && rates ? { draws: rates } : {}),
  };
}

/**
 * Paired comparison of two runs/backends (A − B) on the utterances both have, overall and per group. Each `diff` is a
 * paired speaker bootstrap (seed `subSeed(seed, 'paired')` overall, `subSeed(seed, 'paired:<group>')` per group, speakers
 * in order of first appearance); `options.draws` also returns those draws (`PairedResult.draws`).
 */
export function comparePaired(
  a: readonly ScoredUtterance[],
  b: readonly ScoredUtterance[],
  options: PairedOptions = {},
): PairedComparison {
  const resamples = options.resamples ?? 2000;
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  const { pairs, failedPairs, onlyInA, onlyInB } = pairUp(a, b);
  const keep = options.draws ?? false;
  const minSpeakers = intervalMinSpeakers(options.minCell ?? DEFAULT_MIN_CELL);
  const result: PairedComparison = { ...pairedStats(pairs, resamples, subSeed(seed, 'paired'), level, minSpeakers, keep), onlyInA, onlyInB, failedPairs };
  if (options.groupBy) {
    const key = options.groupBy;
    const names = [...new Set(pairs.map((p) => groupOf(p.a, key)))].sort();
    result.groups = names.map((group) => ({
      group,
      ...pairedStats(
        pairs.filter((p) => groupOf(p.a, key) === group),
        resamples,
        subSeed(seed, `paired:${group}`),
        level,
        minSpeakers,
        keep,
      ),
    }));
  }
  return result;
}

export interface DegradationOptions {
  groupBy: string;
  /** Condition the others are compared against (default 'clean'). */
  cleanCondition?: string;
  resamples?: number;
  permutations?: number;
  seed?: number;
  level?: number;
  minCell?: MinCell;
  adjust?: PAdjustMethod;
  /** Level the "degrades more" verdict is taken at: sampled p's are drawn until it is settled (default 0.05). */
  alpha?: number;
}

export interface DegradationRow {
  group: string;
  speakers: number;
  utterances: number;
  /** Reference words of the group's paired utterances under the clean condition (the minimum cell's words). */
  refWords: number;
  werClean: number;
  werCondition: number;
  /** WER(condition) − WER(clean) on paired utterances, paired speaker-bootstrap CI. */
  degradation: Interval;
  /** Degradation(group) − degradation(rest), stratified paired bootstrap CI. */
  excessOverRest: Interval;
  /**
   * One-sided permutation p that the group degrades more than the rest (speaker labels permuted): exact over
   * every split when they can be enumerated, else sampled and extended until the verdict is settled
   * (src/stats/permutation.ts). Adjusted over the groups meeting the minimum cell; NaN for a small cell.
   */
  p: number;
  pAdjusted: number;
  /** Every split enumerated. */
  exact: boolean;
  /** Splits enumerated or random splits drawn. */
  permutations: number;
  /** "Adjusted p < α" settled despite Monte Carlo error (false for a small cell, or at the draw cap). */
  decided: boolean;
  smallCell: boolean;
}

export interface DegradationTable {
  groupBy: string;
  backend: string;
  condition: string;
  cleanCondition: string;
  overall: Interval;
  rows: DegradationRow[];
}

/** Per backend × non-clean condition: how much each group's WER rises over clean, and whether more than the rest's. */
export function analyseDegradation(utts: readonly ScoredUtterance[], options: DegradationOptions): DegradationTable[] {
  const clean = options.cleanCondition ?? 'clean';
  const resamples = options.resamples ?? 2000;
  const permutations = options.permutations ?? 2000;
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  const minCell = options.minCell ?? DEFAULT_MIN_CELL;
  const tables: DegradationTable[] = [];
  const backends = [...new Set(utts.map((u) => u.backend))].sort();
  for (const backend of backends) {
    const mine = utts.filter((u) => u.backend === backend);
    const cleanUtts = mine.filter((u) => u.condition === clean);
    const conditions = [...new Set(mine.map((u) => u.condition))].filter((c) => c !== clean).sort();
    for (const condition of conditions) {
      const { pairs } = pairUp(
        mine.filter((u) => u.condition === condition),
        cleanUtts,
      );
      tables.push(degradationTable(pairs, options.groupBy, backend, condition, clean, { resamples, permutations, seed, level, minCell }));
    }
  }
  // One rule with the group tables: a group below the minimum cell is not tested and not in the family.
  const rows = tables.flatMap((t) => t.rows).filter((r) => !r.smallCell && degradationTests.has(r));
  const decisions = resolveMonteCarloFamily(rows.map((r) => degradationTests.get(r)!), { method: options.adjust ?? 'holm', alpha: options.alpha ?? 0.05 });
  rows.forEach((r, i) => Object.assign(r, { p: decisions[i].p, pAdjusted: decisions[i].pAdjusted, permutations: decisions[i].permutations, decided: decisions[i].decided }));
  return tables;
}

const degradationTests = new WeakMap<DegradationRow, MonteCarloTest>();

function degradationTable(
  pairs: readonly Pair[],
  key: string,
  backend: string,
  condition: string,
  clean: string,
  o: { resamples: number; permutations: number; seed: number; level: number; minCell: MinCell },
): DegradationTable {
  // Clusters: speaker × group; series 0 = condition (A), 1 = clean (B).
  const clusterIdx = new Map<string, number>();
  const groupNames = [...new Set(pairs.map((p) => groupOf(p.a, key)))].sort();
  const gIndex = new Map(groupNames.map((g, i) => [g, i]));
  const groupOfCluster: number[] = [];
  const cond = { errors: [] as number[], words: [] as number[] };
  const base = { errors: [] as number[], words: [] as number[] };
  const utterances = new Array<number>(groupNames.length).fill(0);
  for (const p of pairs) {
    const g = groupOf(p.a, key);
    const k = `${g}\u0000${p.a.speaker}`;
    let i = clusterIdx.get(k);
    if (i === undefined) {
      i = clusterIdx.size;
      clusterIdx.set(k, i);
      groupOfCluster.push(gIndex.get(g)!);
      cond.errors.push(0);
      cond.words.push(0);
      base.errors.push(0);
      base.words.push(0);
    }
    cond.errors[i] += errorsOf(p.a);
    cond.words[i] += p.a.words.ref;
    base.errors[i] += errorsOf(p.b);
    base.words[i] += p.b.words.ref;
    utterances[gIndex.get(g)!]++;
  }
  const G = groupNames.length;
  const strata = Int32Array.from(groupOfCluster);
  const A: ClusterSeries = { errors: Float64Array.from(cond.errors), words: Float64Array.from(cond.words) };
  const B: ClusterSeries = { errors: Float64Array.from(base.errors), words: Float64Array.from(base.words) };
  const runSeed = subSeed(o.seed, `degradation|${key}|${backend}|${condition}`);
  const draws = stratifiedClusterBootstrap(strata, G, [A, B], o.resamples, subSeed(runSeed, 'bootstrap'));
  const sums = (s: ClusterSeries, pick: (g: number) => boolean) => {
    let e = 0;
    let w = 0;
    for (let i = 0; i < strata.length; i++) if (pick(strata[i])) {
      e += s.errors[i];
      w += s.words[i];
    }
    return e / w;
  };
  const degr = (pick: (g: number) => boolean) => sums(A, pick) - sums(B, pick);
  // Bootstrap draws of the degradation per stratum and of everything-but-g.
  const degDraws = (pick: (g: number) => boolean): Float64Array => {
    const out = new Float64Array(o.resamples);
    for (let b = 0; b < o.resamples; b++) {
      let ea = 0, wa = 0, eb = 0, wb = 0;
      for (let g = 0; g < G; g++) if (pick(g)) {
        const k = b * G + g;
        ea += draws.errors[0][k];
        wa += draws.words[0][k];
        eb += draws.errors[1][k];
        wb += draws.words[1][k];
      }
      out[b] = ea / wa - eb / wb;
    }
    return out;
  };
  const minSpeakers = intervalMinSpeakers(o.minCell);
  const rows: DegradationRow[] = groupNames.map((group, g) => {
    const own = degDraws((h) => h === g);
    const rest = degDraws((h) => h !== g);
    const excess = own.map((v, b) => v - rest[b]);
    const observedExcess = degr((h) => h === g) - degr((h) => h !== g);
    const test = G > 1 ? excessTest(A, B, strata, g, o.permutations, subSeed(runSeed, `perm:${group}`)) : undefined;
    const speakers = new Set([...clusterIdx.keys()].filter((k) => k.startsWith(`${group}\u0000`))).size;
    let wordCount = 0;
    for (let i = 0; i < strata.length; i++) if (strata[i] === g) wordCount += B.words[i];
    const row: DegradationRow = {
      group,
      speakers,
      utterances: utterances[g],
      refWords: wordCount,
      werClean: sums(B, (h) => h === g),
      werCondition: sums(A, (h) => h === g),
      // Too few speakers (in the group, or the rest) for a speaker bootstrap (intervalMinSpeakers, the card's rule): the
      // interval is undefined, not narrow.
      degradation: undefinedUnless(speakers >= minSpeakers, percentileInterval(own, o.level, degr((h) => h === g))),
      excessOverRest: G > 1 ? undefinedUnless(Math.min(speakers, strata.length - speakers) >= minSpeakers, percentileInterval(excess, o.level, observedExcess)) : { estimate: NaN, lo: NaN, hi: NaN },
      p: test?.p ?? NaN,
      pAdjusted: NaN,
      exact: test?.exact ?? false,
      permutations: test?.permutations ?? 0,
      decided: false,
      smallCell: speakers < o.minCell.speakers || wordCount < o.minCell.words,
    };
    if (test) degradationTests.set(row, test);
    return row;
  });
  const all = degDraws(() => true);
  return {
    groupBy: key,
    backend,
    condition,
    cleanCondition: clean,
    overall: undefinedUnless(strata.length >= minSpeakers, percentileInterval(all, o.level, degr(() => true))),
    rows,
  };
}

/**
 * One-sided permutation test of degradation(g) − degradation(rest) ≥ observed, group membership permuted across
 * clusters (`splitTest`: exact when the splits can be enumerated, else sampled). A and B: the condition's and the
 * clean condition's per-cluster errors and words.
 */
function excessTest(A: ClusterSeries, B: ClusterSeries, strata: Int32Array, g: number, permutations: number, seed: number): MonteCarloTest {
  let tea = 0, twa = 0, teb = 0, twb = 0;
  for (let i = 0; i < strata.length; i++) {
    tea += A.errors[i];
    twa += A.words[i];
    teb += B.errors[i];
    twb += B.words[i];
  }
  const stat = (x: Float64Array) => x[0] / x[1] - x[2] / x[3] - ((tea - x[0]) / (twa - x[1]) - (teb - x[2]) / (twb - x[3]));
  return splitTest([A.errors, A.words, B.errors, B.words], Array.from(strata, (h) => h === g), stat, permutations, seed);
}
