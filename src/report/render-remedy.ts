/**
 * Rendering of the card's remedy section (src/report/remedy-section.ts) in every card format: the
 * same cells and sentences for Markdown and HTML (each escaped by its renderer), one CSV file
 * (`card-remedy.csv`, rates as fractions). JSON carries `card.remedy` as built.
 */
import { csvLine } from '../manifest/escape.ts';
import type { Interval } from '../stats/types.ts';
import { fmtGap, fmtInt, fmtPct, fmtPp, remedyNoIntervalLines } from './format.ts';
import type { CardRemedy } from './remedy-section.ts';
import { leftOutText } from '../adapt/remedy.ts';
import { DEFAULT_MIN_CELL, intervalMinSpeakers } from '../analysis/groups.ts';

import { gapCell, gapSentence, worseVerdictLines, type GapFormat } from './remedy-gap.ts';

export const REMEDY_HEAD = ['Group', 'Speakers', 'Utts', 'Words', 'WER before', 'WER after', 'After − before [95% CI]', 'Verdict'];

/** The table's cells, one array per group (plain text; the renderer escapes). */
export function remedyRows(r: CardRemedy): string[][] {
  if (!r.report) return [];
  return r.report.groups.map((g) => [
    g.group + (g.smallCell ? ' (small cell)' : ''), fmtInt(g.speakers), fmtInt(g.utterances), fmtInt(g.words), fmtPct(g.before), fmtPct(g.after),
    fmtGap(g.change),
    g.worseSmallCell ? 'worse, but a small cell (no verdict)' : g.smallCell ? 'not enough data (small cell)' : Number.isNaN(g.change.lo) ? `not tested (fewer than ${intervalMinSpeakers(r.report!.minCell ?? DEFAULT_MIN_CELL)} speakers: no interval)` : g.significantlyWorse ? 'significantly worse' : g.significantlyBetter ? 'significantly better' : 'no significant change',
  ]);
}

const fmt: GapFormat = { pp: fmtPp, ci: fmtGap, name: (s) => s };

/** The heading line under the section title. */
export function remedyHeading(r: CardRemedy): string {
  return `${r.after.name} against ${r.before.name}${r.settings.method ? ` (${r.settings.method}, ${r.settings.scope === 'group' ? 'one model per group' : 'one model for all'})` : ''}, condition ${r.conditionName}`;
}

/** Summary sentences under the table (plain text). */
export function remedySentences(r: CardRemedy): string[] {
  const unpublished = [
    ...(r.unpublished.length ? [`Published card: ${r.unpublished.length} group(s) below the minimum cell left out of every figure here: ${r.unpublished.join(', ')}.`] : []),
    // Older card.json files have no complementary.
    ...((r.complementary ?? []).length
      ? [`Published card: ${r.complementary!.length} group(s) hidden in the group tables beside small cells (complementary suppression) left out of every figure here too, so no total minus the groups shown gives a small cell back: ${r.complementary!.join(', ')}.`]
      : []),
    // Older card.json files have no noScored.
    ...((r.noScored ?? []).length
      ? [`No scored utterance (none scored by both ${r.before.name} and ${r.after.name}), so in no figure here: ${r.noScored.map((g) => `${g.group} (${g.utterances} utterance${g.utterances === 1 ? '' : 's'})`).join(', ')}.`]
      : []),
  ];
  if (!r.report) return [`Not computed: ${r.error ?? 'no data'}.`, ...unpublished];
  const x = r.report;
  const out = [
    `Worst group${x.worstAmong === 'adequate' && x.groups.some((g) => g.smallCell) ? ' (among groups that are not small cells)' : x.worstAmong === 'all' && x.groups.some((g) => g.smallCell) ? ' (among all groups: fewer than two are large enough)' : ''}: ${x.worstBefore.group} ${fmtPct(x.worstBefore.wer)} before, ${x.worstAfter.group} ${fmtPct(x.worstAfter.wer)} after; change ${fmtGap(x.worstChange)}.`,
    `${gapSentence('Gap (worst − best group), before → after', x.gapBefore, x.gapAfter, x.gap, fmt, null)}.`,
    ...(leftOutText(x) ? [`${leftOutText(x)}.`] : []),
  ];
  if (x.pair) out.push(`${gapSentence(`Gap ${x.pair.target} − ${x.pair.reference}, before → after`, x.pair.gapBefore, x.pair.gapAfter, x.pair, fmt, { a: x.pair.target, b: x.pair.reference })}.`);
  out.push(...worseVerdictLines(x.groups, intervalMinSpeakers(x.minCell ?? DEFAULT_MIN_CELL)).filter((l) => !l.startsWith('Not tested')).map((l) => `${l}.`));
  const worseSmall = x.groups.filter((g) => g.worseSmallCell).map((g) => g.group);
  if (worseSmall.length) out.push(`Worse after the remedy, but small cells (interval wholly above 0, no verdict): ${worseSmall.join(', ')}.`);
  // A group of too few speakers has no paired interval (speakers are the resampled unit): it cannot be found worse.
  const untested = x.groups.filter((g) => !g.smallCell && Number.isNaN(g.change.lo)).map((g) => g.group);
  if (untested.length) out.push(`Not tested (fewer than ${intervalMinSpeakers(x.minCell ?? DEFAULT_MIN_CELL)} speakers, no interval): ${untested.join(', ')}.`);
  out.push(
    `Paired speaker-cluster bootstrap (${x.resamples} resamples, seed ${x.seed}): speakers resampled within each group, both recognisers scored on the same draws; ` +
      `worst-group and gap changes from one stratified bootstrap. The same per-group numbers as \`asrfair compare\` of ${r.after.name} (A) and ${r.before.name} (B) with this B and seed.`,
  );
  out.push(...unpublished);
  if (r.failedPairs) out.push(`${r.failedPairs} utterance(s) left out because one side failed.`);
  if (x.groups.some((g) => g.smallCell)) out.push('Small cell: fewer speakers or words than the card\'s minimum cell: it gets no verdict and stays out of the worst-group and gap figures (as in `compare`); an interval it still has (enough speakers, too few words) is fragile.');
  out.push(...remedyNoIntervalLines(x, DEFAULT_MIN_CELL));
  if (r.caveat) out.push(r.caveat);
  out.push(...r.settings.provenance);
  return out;
}

const HEADER = [
  'row_type', 'group_by', 'before', 'before_key', 'after', 'after_key', 'method', 'scope', 'condition', 'group', 'small_cell',
  'speakers', 'utterances', 'words', 'wer_before', 'wer_after', 'change', 'change_lo', 'change_hi', 'significantly_worse', 'significantly_better',
  'gap_before', 'gap_after', 'share_closed', 'resamples', 'seed', 'note',
];

const iv = (i: Interval) => [i.estimate, i.lo, i.hi];

/**
 * card-remedy.csv: a `group` line per group, a `no-scored` line per group with no utterance scored by both (its
 * utterance count; nothing else is measured), then `worst`, `gap` and (with a pair) `pair` lines. `share_closed` is empty
 * unless the gap narrowed; `note` says how it shifted ("widened 7.9 pp", "no gap before", small cells).
 */
export function renderRemedyCsv(r: CardRemedy, groupBy: string): string {
  const where = [groupBy, r.before.name, r.before.key, r.after.name, r.after.key, r.settings.method ?? '', r.settings.scope, r.conditionName];
  const out = [HEADER.join(',')];
  const noScored = (r.noScored ?? []).map((g) =>
    csvLine(['no-scored', ...where, g.group, null, null, g.utterances, null, null, null, null, null, null, null, null, null, null, null, null, null, `no utterance scored by both ${r.before.name} and ${r.after.name}`]),
  );
  const x = r.report;
  if (!x) {
    out.push(csvLine(['error', ...where, '', null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, r.error]), ...noScored);
    return out.join('\r\n') + '\r\n';
  }
  for (const g of x.groups) {
    out.push(csvLine(['group', ...where, g.group, g.smallCell, g.speakers, g.utterances, g.words, g.before, g.after, ...iv(g.change), g.significantlyWorse, g.significantlyBetter, null, null, null, x.resamples, x.seed, null]));
  }
  out.push(...noScored);
  out.push(csvLine(['worst', ...where, `${x.worstBefore.group} → ${x.worstAfter.group}`, null, null, null, null, x.worstBefore.wer, x.worstAfter.wer, ...iv(x.worstChange), null, null, null, null, null, x.resamples, x.seed, null]));
  out.push(csvLine(['gap', ...where, '', null, null, null, null, null, null, ...iv(x.gapChange), null, null, x.gapBefore, x.gapAfter, x.gapClosed, x.resamples, x.seed, `${gapCell(x.gapBefore, x.gapAfter, x.gap, fmt)}; ${x.noGroupSignificantlyWorse ? 'no group significantly worse' : 'a group significantly worse'}`]));
  if (x.pair) {
    out.push(csvLine(['pair', ...where, `${x.pair.target} − ${x.pair.reference}`, null, null, null, null, null, null, ...iv(x.pair.change), null, null, x.pair.gapBefore, x.pair.gapAfter, x.pair.closed, x.resamples, x.seed, gapCell(x.pair.gapBefore, x.pair.gapAfter, x.pair, fmt)]));
  }
  return out.join('\r\n') + '\r\n';
}
