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
import { isCandidateGroup, isRoleGroup, undefinedUnless } from '../analysis/cells.ts';
import { intervalMinSpeakers } from '../analysis/groups.ts';

/** No minimum cell given: only the interval rule's floor applies (MIN_BOOTSTRAP_SPEAKERS). */
const NO_MIN_CELL = { speakers: 0, words: 0 };
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
  /** A small cell whose interval of the change lies wholly above 0: no verdict, but named wherever worse groups are. */
  worseSmallCell: boolean;
  significantlyBetter: boolean;
  /** Test utterances of this group left out of before and after alike (one side, or another tested candidate, not scored); absent in older adapt.json. */
  unpaired?: number;
  paired: PairedResult;
}

/** A test utterance left out of a before/after comparison, with its group and why (which scoring lacks it, and its error). */
export interface UnpairedUtterance {
  id: string;
  group: string;
  why: string;
}

/**
 * The test scorings (name → rows, e.g. baseline and every tested candidate) cut to the utterances every one of them
 * scored (`status` ok), so every table built from them has one "before" per group; each utterance cut is returned once
 * with its group (by `groupBy`) and which scorings lack it and why. Trial 19: map/unweighted lost two child utterances to
 * a timeout, and its table said 0–12 115.2 % before on 38 utterances beside mllr's 117.6 % on 40.
 */
export function commonTestSet(scorings: ReadonlyMap<string, readonly ScoredUtterance[]>, groupBy: string): { rows: Map<string, ScoredUtterance[]>; unpaired: UnpairedUtterance[] } {
  const all = [...scorings];
  const byName = all.map(([n, rows]) => [n, new Map(rows.map((u) => [u.id, u]))] as const);
  const ids = new Map<string, ScoredUtterance>();
  for (const [, rows] of all) for (const u of rows) if (!ids.has(u.id)) ids.set(u.id, u);
  const unpaired: UnpairedUtterance[] = [];
  const keep = new Set<string>();
  for (const [id, u] of ids) {
    const lacking = byName.filter(([, m]) => m.get(id)?.status !== 'ok').map(([n, m]) => `${n}${m.get(id)?.error ? `: ${m.get(id)!.error}` : m.has(id) ? '' : ': not decoded'}`);
    if (lacking.length) unpaired.push({ id, group: groupOf(u, groupBy), why: `not scored by ${lacking.join('; ')}` });
    else keep.add(id);
  }
  return { rows: new Map(all.map(([n, rows]) => [n, rows.filter((u) => keep.has(u.id))])), unpaired };
}

export interface RemedyReport {
  groupBy: string;
  /**
   * The minimum cell behind the verdicts and the interval rule: a figure over fewer than intervalMinSpeakers(minCell)
   * speakers (never fewer than 4) has no interval; { speakers: 0, words: 0 } when none was given. Absent in adapt.json
   * of older asrfair.
   */
  minCell?: { speakers: number; words: number };
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
  /** Share of the gap closed, 1 − gapAfter / gapBefore, only when the gap narrowed (`gap.shift`); null otherwise (never negative). */
  gapClosed: number | null;
  /** The worst − best gap as a `GapShift` (its size, direction, small cells, groups that got worse). */
  gap: GapShift;
  /** Which groups the worst-group and gap figures range over: `adequate` (not small cells) or `all` (fewer than two adequate). */
  worstAmong: 'adequate' | 'all';
  /** Some group was left out of the worst-group and gap figures as no declared group (`leftOut`; at least two declared groups exist). */
  undeclaredLeftOut: boolean;
  /** The groups left out of the worst-group and gap figures: `undeclared` and roles (`interviewer`); absent in older adapt.json. */
  leftOut?: string[];
  /** Optional: gap of `target` to `reference` before and after (e.g. planted group vs null group). */
  pair?: GapShift & { target: string; reference: string; gapBefore: number; gapAfter: number };
  noGroupSignificantlyWorse: boolean;
  /** Test utterances left out of before and after alike (`RemedyGroup.unpaired` counts them per group); absent in older adapt.json. */
  unpaired?: UnpairedUtterance[];
  /** Small cells whose change interval lies wholly above 0 (`worseSmallCell`): no verdict, named beside the worse groups. */
  worseSmallCells: string[];
}

/**
 * A gap between two groups (WER of one − WER of the other, fractions) before and after the remedy, judged by its
 * **size** |gap| whatever its sign: a gap that shrinks in size narrowed (even if it was negative), one that grows
 * widened, and a sign flip is said (`reversed`). The share closed, 1 − |after| / |before|, exists only when the gap
 * narrowed from a size of at least `NO_GAP` (so it is never negative and never divides by a zero gap).
 */
export interface GapShift {
  /** Signed change after − before, paired speaker bootstrap. */
  change: Interval;
  /** |after| − |before| (negative: narrowed), from the same bootstrap draws. */
  sizeChange: Interval;
  /** `no-gap-before` when |before| < NO_GAP; `unchanged` when the size moved by less than NO_GAP. */
  shift: 'narrowed' | 'widened' | 'unchanged' | 'no-gap-before';
  /** 1 − |after| / |before| when `shift` is `narrowed`, else null. */
  closed: number | null;
  /** The sign flipped: the group that had the lower WER before has the higher one after (both sizes ≥ NO_GAP). */
  reversed: boolean;
  /** Groups of this gap (before or after) below the minimum cell: its figures are fragile. */
  smallCells: string[];
  /**
   * When the gap narrowed: its groups whose WER went up (after − before > 0) *and* whose rise made the gap's size smaller
   * (undoing that group's change alone would leave |after| larger). A group that got worse on the far side of a sign
   * flip made |gap| larger and is not named (map/unweighted of trial 15: stops 60.5 → 53.2, none 53.2 → 54.0).
   */
  narrowedByWorse: string[];
}

/** A gap below this size (fraction; 0.05 pp, which prints as 0.0 pp) counts as no gap, and size moves below it as none. */
export const NO_GAP = 0.0005;

/**
 * The shift of a gap from `before` to `after` (signed fractions); intervals from the caller's draws. `afterWithout(g)`
 * is the gap after with group g's own change undone (its WER as before, every other group's as after): a group that
 * got worse is named in `narrowedByWorse` only when |afterWithout(g)| > |after|, i.e. its rise narrowed the gap,
 * whatever the signs (default: every group that got worse, for callers with no counterfactual).
 */
export function gapShift(
  before: number,
  after: number,
  change: Interval,
  sizeChange: Interval,
  groups: readonly { group: string; smallCell: boolean; change: Interval }[],
  afterWithout?: (group: string) => number,
): GapShift {
  const sb = Math.abs(before);
  const sa = Math.abs(after);
  const shift: GapShift['shift'] = sb < NO_GAP ? 'no-gap-before' : Math.abs(sa - sb) < NO_GAP ? 'unchanged' : sa < sb ? 'narrowed' : 'widened';
  const uniq = [...new Map(groups.map((g) => [g.group, g])).values()];
  return {
    change,
    sizeChange,
    shift,
    closed: shift === 'narrowed' ? 1 - sa / sb : null,
    reversed: sb >= NO_GAP && sa >= NO_GAP && Math.sign(before) !== Math.sign(after),
    smallCells: uniq.filter((g) => g.smallCell).map((g) => g.group),
    narrowedByWorse:
      shift === 'narrowed'
        ? uniq.filter((g) => g.change.estimate > 0 && (!afterWithout || Math.abs(afterWithout(g.group)) > sa)).map((g) => g.group)
        : [],
  };
}

/**
 * The groups the worst-group and gap figures range over, and the groups `adapt`'s dev selection ranks (one rule for
 * both, the cards' candidate rule `isCandidateGroup`): declared groups (not `undeclared`, not a role such as CORAAL's
 * `interviewer`; all groups when fewer than two are declared) that are not small cells (fewer speakers or reference
 * words than `minCell`; all of the declared ones when fewer than two are large enough). `leftOut` names the groups left
 * out as not declared; `undeclaredLeftOut` is true when there is any.
 */
export function rankedGroups(
  cells: readonly { group: string; speakers: number; words: number }[],
  minCell?: { speakers: number; words: number },
): { among: string[]; worstAmong: 'adequate' | 'all'; undeclaredLeftOut: boolean; leftOut: string[]; small: string[] } {
  const small = cells.filter((c) => minCell !== undefined && (c.speakers < minCell.speakers || c.words < minCell.words)).map((c) => c.group);
  const declared = cells.filter((c) => isCandidateGroup(c.group));
  const base = declared.length >= 2 ? declared : [...cells];
  const adequate = base.filter((c) => !small.includes(c.group));
  const worstAmong = adequate.length >= 2 || !minCell ? 'adequate' : 'all';
  const among = (worstAmong === 'adequate' && minCell ? adequate : base).map((c) => c.group);
  const leftOut = cells.filter((c) => !base.includes(c)).map((c) => c.group);
  return { among, worstAmong, undeclaredLeftOut: leftOut.length > 0, leftOut, small };
}

/** What the remedy text says when `RemedyReport.undeclaredLeftOut`. */
export const UNDECLARED_LEFT_OUT = '"undeclared" (utterances that declare no value) is not a group anyone declared: it is left out of the worst group and the gap (its own row is above)';

/**
 * What the remedy text says of the groups `rankedGroups` left out (`leftOut`; older reports: `undeclaredLeftOut` means
 * `undeclared`): `UNDECLARED_LEFT_OUT` for `undeclared` alone, the role named for `interviewer`. Undefined when none.
 */
export function leftOutText(r: Pick<RemedyReport, 'undeclaredLeftOut' | 'leftOut'>): string | undefined {
  const names = r.leftOut ?? (r.undeclaredLeftOut ? ['undeclared'] : []);
  const roles = names.some((n) => isRoleGroup(n));
  const undeclared = names.some((n) => !isRoleGroup(n));
  if (roles && undeclared) {
    return '"undeclared" (utterances that declare no value) and "interviewer" (a role: corpus staff) are not groups anyone declared: they are left out of the worst group and the gap (their own rows are above)';
  }
  if (roles) return '"interviewer" is a role (corpus staff), not a declared group: it is left out of the worst group and the gap (its own row is above)';
  return undeclared ? UNDECLARED_LEFT_OUT : undefined;
}

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
    /** Utterances the caller already cut from both sides (`commonTestSet`): counted per group with those unpaired here. */
    unpaired?: readonly UnpairedUtterance[];
  },
): RemedyReport {
  const resamples = opts.resamples ?? 2000;
  const seed = opts.seed ?? 1;
  const level = opts.level ?? 0.95;
  const afterById = new Map(after.map((u) => [u.id, u]));
  const pairs = before.filter((u) => u.status === 'ok' && afterById.get(u.id)?.status === 'ok').map((u) => ({ a: u, b: afterById.get(u.id)! }));
  // A pair missing one side is left out of both, and counted on its group's row.
  const paired = new Set(pairs.map((p) => p.a.id));
  const unpaired: UnpairedUtterance[] = [
    ...(opts.unpaired ?? []),
    ...before.filter((u) => !paired.has(u.id)).map((u) => {
      const a = afterById.get(u.id);
      const side = u.status !== 'ok' ? `${opts.beforeName}${u.error ? `: ${u.error}` : ''}` : `${opts.afterName}${a?.error ? `: ${a.error}` : a ? '' : ': not decoded'}`;
      return { id: u.id, group: groupOf(u, opts.groupBy), why: `not scored by ${side}` };
    }),
  ];
  // One set of bootstrap draws feeds every interval: comparePaired hands out the draws behind each group's change (the
  // interval `asrfair compare` prints), and the worst-group and gap changes are computed from those same draws. Groups
  // are resampled independently of each other, so together they are a speaker bootstrap stratified by group.
  const cmp = comparePaired(
    pairs.map((p) => p.b),
    pairs.map((p) => p.a),
    { resamples, seed, level, groupBy: opts.groupBy, draws: true, minCell: opts.minCell ?? NO_MIN_CELL },
  );
  // The card's interval rule (intervalMinSpeakers): a figure built from a group of fewer speakers has no interval.
  const minSpeakers = intervalMinSpeakers(opts.minCell ?? NO_MIN_CELL);
  const resamplable = (gs: readonly { speakers: number }[]) => gs.every((g) => g.speakers >= minSpeakers);
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
      worseSmallCell: smallCell && change.lo > 0,
      significantlyBetter: !smallCell && change.hi < 0,
      unpaired: unpaired.filter((x) => x.group === g.group).length,
      // Without its draws (used above): adapt.json keeps the statistics only.
      paired: withoutDraws(g),
    };
  });
  // "undeclared" is nobody's declared group: never the worst or the best of the gap (its own before/after stay in the
  // table), as in the card's gap to best; unless fewer than two groups are declared. Small cells stay out too.
  const ranked = rankedGroups(groups, opts.minCell);
  const { worstAmong, undeclaredLeftOut, leftOut } = ranked;
  const among = ranked.among.map((n) => gi.get(n)!);
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
  // worst − best is never negative: its size change is its change.
  const worst = (k: 'before' | 'after') => amongGroups.reduce((w, g) => (g[k] > w.wer ? { group: g.group, wer: g[k] } : w), { group: '', wer: -Infinity });
  const bestOf = (k: 'before' | 'after') => amongGroups.reduce((w, g) => (g[k] < w.wer ? { group: g.group, wer: g[k] } : w), { group: '', wer: Infinity });
  const best = (k: 'before' | 'after') => bestOf(k).wer;
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
    const size = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) {
      const ga = drawsAfter[t][b] - drawsAfter[r][b];
      const gb = drawsBefore[t][b] - drawsBefore[r][b];
      d[b] = ga - gb;
      size[b] = Math.abs(ga) - Math.abs(gb);
    }
    const gb = gt.before - gr.before;
    const ga = gt.after - gr.after;
    // Undoing the target's change moves the gap by −change, the reference's by +change.
    const without = (g: string) => (g === gt.group ? ga - (gt.after - gt.before) : ga + (gr.after - gr.before));
    const ok = resamplable([gt, gr]);
    const shift = gapShift(gb, ga, undefinedUnless(ok, percentileInterval(d, level, ga - gb)), undefinedUnless(ok, percentileInterval(size, level, Math.abs(ga) - Math.abs(gb))), [gt, gr], without);
    pair = { ...opts.pair, gapBefore: gb, gapAfter: ga, ...shift };
  }
  const amongOk = resamplable(amongGroups);
  const gapChange = undefinedUnless(amongOk, percentileInterval(gapD, level, gapAfter - gapBefore));
  const ends = [worstBefore.group, bestOf('before').group, worstAfter.group, bestOf('after').group].map((n) => groups[gi.get(n)!]!);
  // worst − best after with one group's WER as before (the others as after).
  const gapWithout = (name: string) => {
    const w = amongGroups.map((g) => (g.group === name ? g.before : g.after));
    return Math.max(...w) - Math.min(...w);
  };
  const gap = gapShift(gapBefore, gapAfter, gapChange, gapChange, ends, gapWithout);
  return {
    groupBy: opts.groupBy,
    minCell: opts.minCell ?? NO_MIN_CELL,
    before: opts.beforeName,
    after: opts.afterName,
    resamples,
    seed,
    level,
    groups,
    worstBefore,
    worstAfter,
    worstChange: undefinedUnless(amongOk, percentileInterval(worstD, level, worstAfter.wer - worstBefore.wer)),
    gapBefore,
    gapAfter,
    gapChange,
    gapClosed: gap.closed,
    gap,
    worstAmong,
    undeclaredLeftOut,
    leftOut,
    ...(pair ? { pair } : {}),
    noGroupSignificantlyWorse: groups.every((g) => !g.significantlyWorse),
    unpaired,
    worseSmallCells: groups.filter((g) => g.worseSmallCell).map((g) => g.group),
  };
}
