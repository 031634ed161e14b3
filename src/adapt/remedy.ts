/**
 * The remedy report: per group, WER before (baseline) and after (adapted) on the same held-out
 * test utterances, and the change in the worst group's WER and in the gap (worst − best group),
 * every interval from one set of speaker-bootstrap draws (comparePaired's own per-group draws, handed out with its
 * `draws` option: speakers resampled within each group; both systems share the draws, so the differences are paired; percentile intervals,
 * Efron & Tibshirani 1993 §13.3). A group "got significantly worse" when
 * its paired interval of after − before lies wholly above 0.
 */
import type { ScoredUtterance } from '../analysis/types.ts';
import { comparePaired, type PairedResult } from '../analysis/paired.ts';
import { isUndeclaredGroup } from '../analysis/cells.ts';
import { percentileInterval } from '../stats/descriptive.ts';
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
  /** Undeclared groups were left out of the worst-group and gap figures (at least two declared groups exist). */
  undeclaredLeftOut: boolean;
  /** Optional: gap of `target` to `reference` before and after (e.g. planted group vs null group). */
  pair?: { target: string; reference: string; gapBefore: number; gapAfter: number; change: Interval; closed: number };
  noGroupSignificantlyWorse: boolean;
}

/** What the remedy text says when `RemedyReport.undeclaredLeftOut`. */
export const UNDECLARED_LEFT_OUT = '"undeclared" (utterances that declare no value) is not a group anyone declared: it is left out of the worst group and the gap (its own row is above)';

const withoutDraws = ({ draws: _draws, ...rest }: PairedResult & { group: string }): PairedResult => rest;

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
  // One set of bootstrap draws feeds every interval: comparePaired hands out the draws behind each group's change (the
  // interval `asrfair compare` prints), and the worst-group and gap changes are computed from those same draws. Groups
  // are resampled independently of each other, so together they are a speaker bootstrap stratified by group.
  const cmp = comparePaired(
    pairs.map((p) => p.b),
    pairs.map((p) => p.a),
    { resamples, seed, level, groupBy: opts.groupBy, draws: true },
  );
  const cmpGroups = cmp.groups ?? [];
  const names = cmpGroups.map((g) => g.group);
  const gi = new Map(names.map((n, i) => [n, i]));
  // Per group, WER in each resample: comparePaired(after, before) has A = after, B = before.
  const drawsAfter = cmpGroups.map((g) => g.draws!.a);
  const drawsBefore = cmpGroups.map((g) => g.draws!.b);
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
      // Without its draws (used above): adapt.json keeps the statistics only.
      paired: withoutDraws(g),
    };
  });
  // "undeclared" is nobody's declared group: never the worst or the best of the gap (its own before/after stay in the
  // table), as in the card's gap to best; unless fewer than two groups are declared.
  const declared = groups.map((_, i) => i).filter((i) => !isUndeclaredGroup(groups[i].group));
  const base = declared.length >= 2 ? declared : groups.map((_, i) => i);
  const undeclaredLeftOut = base.length < groups.length;
  const adequate = base.filter((i) => !groups[i].smallCell);
  const worstAmong: RemedyReport['worstAmong'] = adequate.length >= 2 || !opts.minCell ? 'adequate' : 'all';
  const among = worstAmong === 'adequate' && opts.minCell ? adequate : base;
  const amongGroups = among.map((i) => groups[i]!);
  const worstD = new Float64Array(resamples);
  const gapD = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let maxBefore = -Infinity, minBefore = Infinity, maxAfter = -Infinity, minAfter = Infinity;
    for (const g of among) {
      maxBefore = Math.max(maxBefore, drawsBefore[g][b]);
      minBefore = Math.min(minBefore, drawsBefore[g][b]);
      maxAfter = Math.max(maxAfter, drawsAfter[g][b]);
      minAfter = Math.min(minAfter, drawsAfter[g][b]);
    }
    worstD[b] = maxAfter - maxBefore;
    gapD[b] = maxAfter - minAfter - (maxBefore - minBefore);
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
    for (let b = 0; b < resamples; b++) d[b] = drawsAfter[t][b] - drawsAfter[r][b] - (drawsBefore[t][b] - drawsBefore[r][b]);
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
    undeclaredLeftOut,
    ...(pair ? { pair } : {}),
    noGroupSignificantlyWorse: groups.every((g) => !g.significantlyWorse),
  };
}
