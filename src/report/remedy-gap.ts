/**
 * How a remedy's gap figures are said, the same in remedy.md/html (`asrfair adapt`) and in the card's remedy section:
 * a gap is judged by its size |gap| whatever its sign (src/adapt/remedy.ts `GapShift`), so a gap that grows is
 * "widened by X pp" (never a negative share closed), a gap of 0 before has no share closed, a sign flip is said, and a
 * gap that involves a small cell, or narrowed because one of its groups got worse, says so.
 */
import { NO_GAP, type GapShift } from '../adapt/remedy.ts';
import type { Interval } from '../stats/types.ts';

/** The writer's number formats: a WER difference in points (`pp`) and an interval of one (`ci`). */
export interface GapFormat {
  pp: (x: number) => string;
  ci: (i: Interval) => string;
  /** Escapes a group name for the output (identity for plain text the renderer escapes as a whole). */
  name: (s: string) => string;
}


/**
 * One sentence for a gap (group names escaped by `f.name`; `label` as given, escaped by the caller). `label` names it ("Gap (worst − best)", "Gap a − b");
 * `signed` gaps (a pair) also give the size |a − b|. E.g. `Gap th-stopping − none: -15.9 pp → -1.9 pp; change +14.0
 * [+5.2, +20.1]; size |th-stopping − none| 15.9 pp → 1.9 pp: narrowed, 88% of it closed; it narrowed because
 * th-stopping got worse; th-stopping is a small cell (below the minimum cell): fragile, no verdict.`
 */
export function gapSentence(label: string, before: number, after: number, g: GapShift, f: GapFormat, signed: { a: string; b: string } | null): string {
  const names = (xs: readonly string[]) => xs.map(f.name).join(', ');
  const sb = Math.abs(before);
  const sa = Math.abs(after);
  const parts = [`${label}: ${f.pp(before)} → ${f.pp(after)}; change ${f.ci(g.change)}`];
  const size = signed ? `size |${f.name(signed.a)} − ${f.name(signed.b)}| ${f.pp(sb)} → ${f.pp(sa)} (change ${f.ci(g.sizeChange)})` : '';
  if (g.shift === 'no-gap-before') parts.push(`no gap before (below ${(100 * NO_GAP).toFixed(2)} pp), so no share closed${sa >= NO_GAP ? `: a gap of ${f.pp(sa)} opened` : ''}`);
  else if (g.shift === 'unchanged') parts.push(`${size ? `${size}: ` : ''}unchanged in size`);
  else if (g.shift === 'widened') parts.push(`${size ? `${size}: ` : ''}widened by ${f.pp(sa - sb)}`);
  else parts.push(`${size ? `${size}: ` : ''}narrowed, ${Math.round(100 * (g.closed ?? 0))}% of it closed`);
  if (g.reversed && signed) parts.push(`its sign reversed (${f.name(signed.a)} now has the ${after > 0 ? 'higher' : 'lower'} WER)`);
  if (g.narrowedByWorse.length) parts.push(`it narrowed because ${names(g.narrowedByWorse)} got worse`);
  if (g.smallCells.length) parts.push(`${names(g.smallCells)} ${g.smallCells.length > 1 ? 'are small cells' : 'is a small cell'} (below the minimum cell): fragile, no verdict`);
  return parts.join('; ');
}

/** The short cell of a table column ("88% closed", "widened 7.9 pp", "no gap before"), with the same caveats. */
export function gapCell(before: number, after: number, g: GapShift, f: GapFormat): string {
  const names = (xs: readonly string[]) => xs.map(f.name).join(', ');
  const base =
    g.shift === 'no-gap-before' ? 'no gap before' : g.shift === 'unchanged' ? 'unchanged' : g.shift === 'widened' ? `widened ${f.pp(Math.abs(after) - Math.abs(before))}` : `${Math.round(100 * (g.closed ?? 0))}% closed`;
  const notes = [
    ...(g.reversed ? ['sign reversed'] : []),
    ...(g.narrowedByWorse.length ? [`by ${names(g.narrowedByWorse)} getting worse`] : []),
    ...(g.smallCells.length ? [`small cell: ${names(g.smallCells)}`] : []),
  ];
  return notes.length ? `${base} (${notes.join('; ')})` : base;
}

/** Groups that got worse (interval wholly above 0): the significant ones, then small cells marked "(small cell, no verdict)". */
export function worseGroups(r: { groups: readonly { group: string; significantlyWorse: boolean; worseSmallCell: boolean }[] }): string[] {
  return [
    ...r.groups.filter((g) => g.significantlyWorse).map((g) => g.group),
    ...r.groups.filter((g) => g.worseSmallCell).map((g) => `${g.group} (small cell, no verdict)`),
  ];
}

/**
 * The remedy's verdict sentences on groups getting worse (plain text; `name` escapes a group name), the same in
 * remedy.md/html and the card: "No group got significantly worse" only when some group was tested (not a small cell,
 * and a paired interval, i.e. at least `minSpeakers` speakers); the groups with no interval are named as "not tested",
 * and when none was tested that is all it says (trial 19: 18+ 31.3 % → 42.6 % on 2 speakers had read "no group worse").
 */
export function worseVerdictLines(
  groups: readonly { group: string; smallCell: boolean; significantlyWorse: boolean; change: Interval }[],
  minSpeakers: number,
  name: (s: string) => string = (s) => s,
): string[] {
  const untested = groups.filter((g) => !g.smallCell && (Number.isNaN(g.change.lo) || Number.isNaN(g.change.hi))).map((g) => name(g.group));
  const tested = groups.filter((g) => !g.smallCell && !Number.isNaN(g.change.lo) && !Number.isNaN(g.change.hi));
  const worse = tested.filter((g) => g.significantlyWorse).map((g) => name(g.group));
  const out: string[] = [];
  if (worse.length) out.push(`Significantly worse: ${worse.join(', ')} (paired interval wholly above 0)`);
  else if (tested.length) out.push(`No group got significantly worse (paired interval wholly above 0; tested: ${tested.map((g) => name(g.group)).join(', ')})`);
  else out.push('No group could be tested for getting worse');
  if (untested.length) out.push(`Not tested (fewer than ${minSpeakers} speakers, no interval): ${untested.join(', ')}`);
  return out;
}
