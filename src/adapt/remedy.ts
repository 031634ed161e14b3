/**
 * The remedy report: per group, WER before (baseline) and after (adapted) on the same held-out
 * test utterances, and the change in the worst group's WER and in the gap (worst − best group),
 * every interval from one set of speaker-bootstrap draws (speakers resampled within each group, as comparePaired
 * draws them per group; both systems share the draws, so the differences are paired; percentile intervals,
 * Efron & Tibshirani 1993 §13.3). A group "got significantly worse" when
 * its paired interval of after − before lies wholly above 0.
 */
import type { ScoredUtterance } from '../analysis/types.ts';
import { comparePaired, type PairedResult } from '../analysis/paired.ts';
import { stratifiedClusterBootstrap, stratumRateDraws, type ClusterSeries } from '../stats/bootstrap.ts';
import { percentileInterval } from '../stats/descriptive.ts';
import { subSeed } from '../stats/rng.ts';
import type { Interval } from '../stats/types.ts';
import { groupOf } from '../manifest/schema.ts';

export interface RemedyGroup {
  group: string;
  speakers: number;
  utterances: number;
  words: number;
  before: number;
  after: number;
  /** after − before (negative = better), paired speaker bootstrap: comparePaired's per-group draws, which worstChange and gapChange use too. */
  change: Interval;
  /** Fewer speakers or reference words than `minCell`: no verdict, left out of the worst-group and gap figures. */
  smallCell: boolean;
  /** Interval of the change lies wholly above 0 (never for a small cell). */
  significantlyWorse: boolean;
  significantlyBetter: boolean;
  paired: PairedResult;
}

export interface RemedyReport {
  groupBy: string;
  before: string;
  after: string;
  resamples: number;
  seed: number;
  level: number;
  groups: RemedyGroup[];
  worstBefore: { group: string; wer: number };
  worstAfter: { group: string; wer: number };
  /** max-group WER after − before (each side's worst group), stratified paired bootstrap. */
  worstChange: Interval;
  gapBefore: number;
  gapAfter: number;
  /** (worst − best) after − (worst − best) before. */
  gapChange: Interval;
  /** Share of the gap closed: 1 − gapAfter / gapBefore. */
  gapClosed: number;
  /** Which groups the worst-group and gap figures range over: `adequate` (not small cells) or `all` (fewer than two adequate). */
  worstAmong: 'adequate' | 'all';
  /** Optional: gap of `target` to `reference` before and after (e.g. planted group vs null group). */
  pair?: { target: string; reference: string; gapBefore: number; gapAfter: number; change: Interval; closed: number };
  noGroupSignificantlyWorse: boolean;
}

const errs = (u: ScoredUtterance) => u.words.sub + u.words.del + u.words.ins;

/**
 * Builds the remedy report from two scorings of the same test utterances (matched by id; failed
 * or unmatched utterances are left out on both sides). `pair` names a target and reference group
 * whose gap is reported separately.
 */
export function remedyReport(
  before: readonly ScoredUtterance[],
  after: readonly ScoredUtterance[],
  opts: {
    groupBy: string;
    beforeName: string;
    afterName: string;
    resamples?: number;
    seed?: number;
    level?: number;
    pair?: { target: string; reference: string };
    /** The card's minimum cell: smaller groups get no verdict and stay out of the worst-group and gap figures (as in `compare`). */
    minCell?: { speakers: number; words: number };
  },
): RemedyReport {
  const resamples = opts.resamples ?? 2000;
  const seed = opts.seed ?? 1;
  const level = opts.level ?? 0.95;
  const afterById = new Map(after.map((u) => [u.id, u]));
  const pairs = before.filter((u) => u.status === 'ok' && afterById.get(u.id)?.status === 'ok').map((u) => ({ a: u, b: afterById.get(u.id)! }));
  const cmp = comparePaired(
    pairs.map((p) => p.b),
    pairs.map((p) => p.a),
    { resamples, seed, level, groupBy: opts.groupBy },
  );
  // One set of bootstrap draws feeds every interval: each group's change (comparePaired's per-group bootstrap, so the
  // same interval as `asrfair compare`), the worst-group change and the gap changes. The draws are rebuilt here from the
  // same seeds and speaker order as comparePaired; groups resampled independently is a stratified speaker bootstrap.
  // (Earlier, worst-group and gap figures came from a second bootstrap with other draws, so a worst group's interval
  // differed from its own row's.)
  const cmpGroups = cmp.groups ?? [];
  const names = cmpGroups.map((g) => g.group);
  const gi = new Map(names.map((n, i) => [n, i]));
  const ra: Float64Array[] = [];
  const rb: Float64Array[] = [];
  for (const name of names) {
    const spk = new Map<string, number>();
    const mine = pairs.filter((p) => groupOf(p.a, opts.groupBy) === name);
    for (const p of mine) if (!spk.has(p.a.speaker)) spk.set(p.a.speaker, spk.size);
    const S = spk.size;
    const after: ClusterSeries = { errors: new Float64Array(S), words: new Float64Array(S) };
    const before: ClusterSeries = { errors: new Float64Array(S), words: new Float64Array(S) };
    for (const p of mine) {
      const i = spk.get(p.a.speaker)!;
      after.errors[i] += errs(p.b);
      after.words[i] += p.b.words.ref;
      before.errors[i] += errs(p.a);
      before.words[i] += p.a.words.ref;
    }
    const draws = stratifiedClusterBootstrap(new Int32Array(S), 1, [after, before], resamples, subSeed(seed, `paired:${name}`));
    rb.push(stratumRateDraws(draws, 0, 0));
    ra.push(stratumRateDraws(draws, 1, 0));
  }
  const groups: RemedyGroup[] = cmpGroups.map((g) => {
    const words = pairs.filter((p) => groupOf(p.a, opts.groupBy) === g.group).reduce((s, p) => s + p.a.words.ref, 0);
    const smallCell = opts.minCell !== undefined && (g.speakers < opts.minCell.speakers || words < opts.minCell.words);
    const change: Interval = g.diff;
    return {
      group: g.group,
      speakers: g.speakers,
      utterances: g.utterances,
      words,
      before: g.werB,
      after: g.werA,
      change,
      smallCell,
      significantlyWorse: !smallCell && change.lo > 0,
      significantlyBetter: !smallCell && change.hi < 0,
      paired: g,
    };
  });
  const adequate = groups.map((g, i) => (g.smallCell ? -1 : i)).filter((i) => i >= 0);
  const worstAmong: RemedyReport['worstAmong'] = adequate.length >= 2 || !opts.minCell ? 'adequate' : 'all';
  const among = worstAmong === 'adequate' && opts.minCell ? adequate : groups.map((_, i) => i);
  const amongGroups = among.map((i) => groups[i]!);
  const worstD = new Float64Array(resamples);
  const gapD = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let maxA = -Infinity, minA = Infinity, maxB = -Infinity, minB = Infinity;
    for (const g of among) {
      maxA = Math.max(maxA, ra[g][b]);
      minA = Math.min(minA, ra[g][b]);
      maxB = Math.max(maxB, rb[g][b]);
      minB = Math.min(minB, rb[g][b]);
    }
    worstD[b] = maxB - maxA;
    gapD[b] = maxB - minB - (maxA - minA);
  }
  const worst = (k: 'before' | 'after') => amongGroups.reduce((w, g) => (g[k] > w.wer ? { group: g.group, wer: g[k] } : w), { group: '', wer: -Infinity });
  const best = (k: 'before' | 'after') => Math.min(...amongGroups.map((g) => g[k]));
  const worstBefore = worst('before');
  const worstAfter = worst('after');
  const gapBefore = worstBefore.wer - best('before');
  const gapAfter = worstAfter.wer - best('after');
  let pair: RemedyReport['pair'];
  if (opts.pair && gi.has(opts.pair.target) && gi.has(opts.pair.reference)) {
    const t = gi.get(opts.pair.target)!;
    const r = gi.get(opts.pair.reference)!;
    const gt = groups[t];
    const gr = groups[r];
    const d = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) d[b] = rb[t][b] - rb[r][b] - (ra[t][b] - ra[r][b]);
    const gb = gt.before - gr.before;
    const ga = gt.after - gr.after;
    pair = { ...opts.pair, gapBefore: gb, gapAfter: ga, change: percentileInterval(d, level, ga - gb), closed: gb !== 0 ? 1 - ga / gb : 0 };
  }
  return {
    groupBy: opts.groupBy,
    before: opts.beforeName,
    after: opts.afterName,
    resamples,
    seed,
    level,
    groups,
    worstBefore,
    worstAfter,
    worstChange: percentileInterval(worstD, level, worstAfter.wer - worstBefore.wer),
    gapBefore,
    gapAfter,
    gapChange: percentileInterval(gapD, level, gapAfter - gapBefore),
    gapClosed: gapBefore !== 0 ? 1 - gapAfter / gapBefore : 0,
    worstAmong,
    ...(pair ? { pair } : {}),
    noGroupSignificantlyWorse: groups.every((g) => !g.significantlyWorse),
  };
}
