import { capitalise, DASH, noIntervalNote, fmtGap, fmtHours, fmtInt, fmtNum, fmtP, fmtPCell, fmtPct, fmtPctInterval, fmtPp, fmtRatio, hasRawPOnly, NOT_ENOUGH_DATA, otherWerMetrics, UNDECIDED_TEXT } from './format.ts';
import type { Interval } from '../stats/types.ts';
import { werMetricLabel } from '../analysis/groups.ts';
import { isUndeclaredGroup } from '../analysis/cells.ts';
import { notListedText, suppressedNote, suppressionText } from './publish.ts';
import { BEST_WITHHELD_TEXT } from './published-comparisons.ts';
import { noScoredText, roleRowsText, suppressedText, suppressionOf, type CardDegradation, type CardDegradationRow, type CardFlag, type CardModel, type CardRow, type CardTable, type ServiceCard } from './model.ts';
import { degradationComplementary, degradationNoScoredText } from './sections.ts';
import { groupCellText, mdCode, mdEscape } from '../manifest/escape.ts';
import { incompleteBanner, incompleteGroupNote, missingGroups } from './incomplete.ts';
import { countsText, dataQualityNote, DATA_QUALITY_TITLE } from './data-quality.ts';
import { REMEDY_TITLE } from './remedy-section.ts';
import { REMEDY_HEAD, remedyHeading, remedyRows, remedySentences } from './render-remedy.ts';

/** The one Markdown escaper (src/manifest/escape.ts), re-exported for the report stage's writers. */
export { mdEscape };

/**
 * A Markdown table as lines: header, separator, rows; every cell escaped (`mdEscape`). `align` has one letter per
 * column, `l` or `r` (e.g. `lrrl`).
 */
export function mdTextTable(head: readonly string[], rows: readonly (readonly string[])[], align: string): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(mdEscape).join(' | ')} |`;
  return [line(head), `|${[...align].map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map(line)];
}

export function flagText(r: Pick<CardRow, 'flags' | 'suppressed' | 'failed'>): string {
  if (r.suppressed) return suppressedText(r);
  const text: Record<CardFlag, string> = { 'small-cell': 'small cell', 'no-scored-utterances': noScoredText(r), 'significant-gap': 'significant gap', 'better-than-rest': 'better than rest', undecided: UNDECIDED_TEXT, best: bestFlagText(r) };
  return r.flags.map((f) => text[f]).join(', ');
}

export function tableHeading(t: CardTable): string {
  const by = t.kind === 'slice' ? `slice ${t.groupBy}` : t.groupBy;
  return `${t.backendName} · condition ${t.conditionName} · by ${by}`;
}

function hasPer(t: CardTable): boolean {
  return t.overall.per !== null || t.rows.some((r) => r.per !== null);
}

/** Whether any row has scored utterances with an empty hypothesis (then an Empty hyp. column is shown). */
export function hasEmptyHyp(t: CardTable): boolean {
  return (t.overall.emptyHyp ?? 0) > 0 || t.rows.some((r) => (r.emptyHyp ?? 0) > 0);
}

/** Whether any row has failed utterances (then a Failed column is shown). */
export function hasFailed(t: CardTable): boolean {
  return (t.overall.failed ?? 0) > 0;
}

/** One line under a table: are speakers more alike within groups than between? */
export function withinBetweenText(t: CardTable): string {
  const wb = t.withinBetween;
  return `Within vs between groups (per-speaker WER, mean squared pair difference): within ${fmtNum(wb.within)}, between ${fmtNum(wb.between)}, ratio ${fmtNum(wb.ratio)}, permutation p ${fmtP(wb.p)}${wbHow(wb)} (uncorrected).`;
}

/** How the within/between p was obtained: " (exact, all N relabellings)" or " (MC lo–hi, N random relabellings)"; '' for a card without it. */
function wbHow(wb: CardTable['withinBetween']): string {
  if (!Number.isFinite(wb.p)) return '';
  const n = wb.permutations.toLocaleString('en-US');
  return wb.exact ? ` (exact, all ${n} relabellings)` : ` (MC ${fmtP(wb.lo)}–${fmtP(wb.hi)}, ${n} random relabellings)`;
}

export function modelSectionTitle(card: ServiceCard): string {
  const family = card.settings.model === 'negbin' ? 'negative binomial' : 'Poisson';
  return `Model-based view by ${card.settings.groupBy} (${family} regression, speaker-clustered CR1 errors)`;
}

/** Summary line of one backend's model: reference, sample, covariates, dispersion. */
export function modelSummaryText(m: CardModel): string {
  const cov = m.covariatesUsed.length ? m.covariatesUsed.join(', ') : 'none';
  const coll = m.collinearity.length ? ` Share of covariate variance explained by the groups: ${m.collinearity.map((c) => `${c.covariate} R² ${fmtNum(c.r2)} (VIF ${Number.isFinite(c.vif) ? fmtNum(c.vif) : '∞'})`).join(', ')}.` : '';
  const nb = m.nbAlpha !== null ? `; NB2 α ${fmtNum(m.nbAlpha)}, Pearson χ²/df of the NB fit ${fmtNum(m.pearsonDispersion)}` : '';
  const why = m.referenceSource === 'given'
    ? "the run's declared reference group"
    : m.referenceSource === 'largest-shown'
    ? 'the largest declared group by utterances that this published card shows, since the run declares none; never a suppressed group, "undeclared" nor the "interviewer" role'
    : 'the largest declared group by utterances, since the run declares none (suite referenceGroup or --reference-group); never "undeclared" nor the "interviewer" role';
  return `Reference group: ${m.referenceGroup} (${why}). ${m.n} utterances, ${m.clusters} speakers. Covariates: ${cov}. Dispersion (Pearson χ²/df, Poisson fit): ${fmtNum(m.poissonDispersion)}${nb}.${coll}`;
}

export function covariateLabel(name: string): string {
  if (name === 'duration') return 'duration (per second)';
  if (name === 'snr') return 'SNR (per dB)';
  return name;
}

export function degradationHeading(d: CardDegradation): string {
  return `${d.backendName} · ${d.conditionName} vs ${d.cleanCondition} · by ${d.groupBy}`;
}

/** A degradation row's flags: its suppression label (as the group tables'), else small cell and/or degrades more. */
export function degradationFlagText(r: CardDegradationRow): string {
  if (r.suppressed) return suppressionText(r.suppression ?? 'small-cell');
  return [r.smallCell ? 'small cell' : '', r.degradesMore ? 'degrades more' : ''].filter(Boolean).join(', ');
}

function mdModel(m: CardModel): string {
  const out = [`### ${mdEscape(m.backendName)}`, ''];
  if (m.error) return [...out, `Model not fitted: ${mdEscape(m.error)}`, ''].join('\n');
  out.push(mdEscape(modelSummaryText(m)), '');
  for (const w of m.collinearityWarnings) out.push(`> **Collinearity warning:** ${mdEscape(w)}`, '');
  out.push(`| Group (${mdEscape(m.groupBy)}) | Utterances | Rate ratio [95% CI] | p | Rate ratio without covariates [95% CI] |`, '| --- | ---: | ---: | ---: | ---: |');
  for (const g of m.groups) {
    const name = mdEscape(groupCellText(g.group)) + (g.reference ? ' (reference)' : '') + (g.suppressed ? ' †' : '');
    const rr = g.reference && !g.suppressed ? '1 (reference)' : g.suppression ? suppressionText(g.suppression) : g.smallCell ? NOT_ENOUGH_DATA : fmtRatio(g.rateRatio);
    out.push(`| ${name} | ${fmtInt(g.utterances)} | ${rr} | ${fmtP(g.p)} | ${g.reference && !g.suppressed ? '1 (reference)' : fmtRatio(g.unadjusted)} |`);
  }
  if (m.covariates.length) {
    out.push('', '| Covariate | Rate ratio [95% CI] | p |', '| --- | ---: | ---: |');
    for (const c of m.covariates) out.push(`| ${mdEscape(covariateLabel(c.name))} | ${fmtRatio(c.rateRatio)} | ${fmtP(c.p)} |`);
  }
  for (const w of m.warnings) out.push('', `> Warning: ${mdEscape(w)}`);
  out.push('');
  return out.join('\n');
}

/**
 * The † note under a degradation table with suppressed rows (the group tables' note, small cells only or with their
 * complements), and, when its total is withheld, why.
 */
export function degradationSuppressedNote(d: CardDegradation): string {
  const note = `${suppressedNote(degradationComplementary(d))} ${DEGRADATION_SAME_HIDDEN}`;
  return d.overall === null ? `${note} The All groups degradation is withheld too: the table's one group is suppressed, and the total would give it back.` : note;
}

/** Said under every degradation table with suppressed rows (publish mode): it hides what the group tables hide. */
export const DEGRADATION_SAME_HIDDEN =
  'Every group suppressed in a group table of this card is suppressed here too (one set for the whole card), so its clean WER and counts here cannot give back a cell the group tables hide.';

function mdDegradation(d: CardDegradation, card: ServiceCard): string {
  const head = [
    'Group', 'Speakers', 'Utterances', `WER ${mdEscape(d.cleanCondition)}`, `WER ${mdEscape(d.conditionName)}`, 'Degradation [95% CI]', 'Excess over rest [95% CI]',
    `Adj. p (${card.settings.correction})`, 'Flags',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of d.rows) {
    lines.push(
      `| ${[
        mdEscape(groupCellText(r.group)) + (r.suppressed ? ' †' : ''), fmtInt(r.speakers), fmtInt(r.utterances), fmtPct(r.werClean), fmtPct(r.werCondition),
        fmtGap(r.degradation), fmtGap(r.excessOverRest), fmtP(r.pAdjusted, card.settings.alpha), degradationFlagText(r) || ' ',
      ].join(' | ')} |`,
    );
  }
  lines.push(`| **All groups** | ${[DASH, DASH, DASH, DASH, fmtGap(d.overall), DASH, DASH, ' '].join(' | ')} |`);
  return lines.join('\n');
}

/** Header of the gap column every verdict reads: the same comparison as the p-value's. */
export const GAP_TO_REST_HEADER = 'Gap to rest [95% CI]';
export function pHeader(card: ServiceCard): string {
  return `Adj. p vs rest (${card.settings.correction})`;
}
/** The best group is the lowest WER among groups meeting the minimum cell (model.ts, groups.ts): the headers say so. */
export const GAP_TO_BEST_HEADER = 'Gap to best adequate group, descriptive [95% CI]';
export const RATIO_TO_BEST_HEADER = 'Ratio to best adequate group';

/**
 * Whether a degradation table shows a [—] (a group, the rest or All groups of fewer speakers than the card's interval
 * rule, intervalMinSpeakers); a suppressed row (null) shows no interval and needs no reason.
 */
export function degradationHasUndefinedInterval(d: Pick<CardDegradation, 'rows' | 'overall'>): boolean {
  const undef = (i: Interval | null) => i !== null && (Number.isNaN(i.lo) || Number.isNaN(i.hi));
  return undef(d.overall) || d.rows.some((r) => !r.suppressed && (undef(r.degradation) || undef(r.excessOverRest)));
}

/** The flag of the best group: among adequately sized declared groups, or among all declared when none meets the minimum cell. */
export function bestFlagText(r: Pick<CardRow, 'flags'>): string {
  return r.flags.includes('small-cell') ? 'best (no declared group meets the minimum cell)' : 'best adequate group';
}

/**
 * "Best group" line of a table: which group, and among which ones it was chosen. The best group is always a declared
 * one (analysis/cells.ts, `isCandidateGroup`): a table with an `undeclared` row (or slice) says it was not a candidate,
 * and one with an `interviewer` row says it is a role (`roleRowsText`).
 */
export function bestGroupText(t: Pick<CardTable, 'bestGroup' | 'rows' | 'withheld'>, minCell: { speakers: number; words: number }): string {
  if (t.withheld?.best) return BEST_WITHHELD_TEXT;
  const row = t.rows.find((r) => r.group === t.bestGroup);
  const among = row?.flags.includes('small-cell')
    ? 'among all declared groups: none meets the minimum cell'
    : `among groups with at least ${minCell.speakers} speakers and ${minCell.words} reference words`;
  const undeclared = t.rows.filter((r) => isUndeclaredGroup(r.group)).map((r) => r.group);
  const note = undeclared.length
    ? ` Never a candidate: ${undeclared.join(', ')} (no declared value; ${undeclared.length === 1 ? 'its' : 'their'} gap to the best group is shown).`
    : '';
  const roles = roleRowsText(t);
  const all = `${note}${roles ? ` ${roles}` : ''}`;
  return t.bestGroup ? `Best group (lowest WER ${among}): ${t.bestGroup}.${all}` : `Best group: none (no declared group has a WER).${all}`;
}

/**
 * The sentence above the group tables saying what one row compares and over which tests its p is adjusted: within each
 * grouping key's tables (every backend and condition; a slice within its own table), never across keys (model.ts
 * familyText gives the family sizes). `groupKeys`: the card's `settings.groupKeys`.
 */
export function comparisonNote(groupKeys: readonly string[]): string {
  const family =
    groupKeys.length > 1
      ? `within each grouping key's tables (${groupKeys.map((k) => `by ${k}`).join('; ')}: every backend and condition of that key; a slice within its own table), not across keys`
      : `for every test of the ${groupKeys.length ? `by-${groupKeys[0]} ` : ''}group tables (every backend and condition; a slice within its own table)`;
  return `Each row compares the group with all other groups pooled: gap to rest, its interval, the adjusted p and the flag are about that one comparison. The interval is a plain 95% interval; the p-value is adjusted ${family}. Gap and ratio to the best group are descriptive (not tested); the best group is the lowest WER among declared groups meeting the minimum cell rule (never "undeclared" nor the "interviewer" role).`;
}

/** Whether a table has a row whose interval is undefined (a one-speaker cell). */
export function hasUndefinedInterval(t: CardTable): boolean {
  return [...t.rows, t.overall].some((r) => r.wer !== null && !(Number.isFinite(r.wer.lo) && Number.isFinite(r.wer.hi)));
}
/** Whether a table shows a small cell's raw p (fmtPCell). */
export function hasRawP(t: CardTable): boolean {
  return t.rows.some(hasRawPOnly);
}
export const SMALL_CELL_P_NOTE =
  'raw p = a group below the minimum cell: its unadjusted permutation p vs rest, shown for information only; it is not tested, not in the correction family and gives no verdict.';
/** The line under a table with a [—] (src/report/format.ts; re-exported for the renderers that import it from here). */
export { noIntervalNote };

function mdTable(t: CardTable, card: ServiceCard): string {
  const per = hasPer(t);
  const failed = hasFailed(t);
  const empty = hasEmptyHyp(t);
  const ref = t.referenceGroup !== null;
  const alpha = card.settings.alpha;
  const head = [
    'Group', 'Speakers', 'Utterances', ...(failed ? ['Failed'] : []), ...(empty ? ['Empty hyp.'] : []), 'Hours', 'Ref words', `${capitalise(werMetricLabel(card.settings.headline))} [95% CI]`, GAP_TO_REST_HEADER, pHeader(card), 'Flags',
    ...otherWerMetrics(card.settings.headline).map((m) => `${capitalise(werMetricLabel(m))} [95% CI]`), 'CER', ...(per ? ['PER'] : []), GAP_TO_BEST_HEADER, RATIO_TO_BEST_HEADER, ...(ref ? [`Gap to ${mdEscape(t.referenceGroup ?? '')} [95% CI]`] : []),
    'Detectable gap',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h) => (h === 'Group' || h === 'Flags' ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of t.rows) {
    const cells = [
      mdEscape(groupCellText(r.group)) + (r.suppressed ? ' †' : ''),
      fmtInt(r.speakers), fmtInt(r.utterances), ...(failed ? [fmtInt(r.failed)] : []), ...(empty ? [fmtInt(r.emptyHyp)] : []), fmtHours(r.hours), fmtInt(r.refWords), fmtPctInterval(r.wer),
      fmtGap(r.gapToRest), fmtPCell(r, alpha), [flagText(r), t.kind === 'group' ? incompleteGroupNote(card.meta, t.groupBy, r.group) : undefined].filter(Boolean).map((x) => mdEscape(x!)).join(', ') || ' ',
      ...otherWerMetrics(card.settings.headline).map((m) => fmtPctInterval(r.werMetrics?.[m])), fmtPct(r.cer), ...(per ? [fmtPct(r.per)] : []), fmtGap(r.gapToBest), fmtRatio(r.ratioToBest),
      ...(ref ? [fmtGap(r.gapToReference)] : []), fmtPp(r.minDetectableGap),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const o = t.overall;
  lines.push(
    `| **All groups** | ${[
      fmtInt(o.speakers), fmtInt(o.utterances), ...(failed ? [fmtInt(o.failed)] : []), ...(empty ? [fmtInt(o.emptyHyp)] : []), fmtHours(o.hours), fmtInt(o.refWords), fmtPctInterval(o.wer), DASH, DASH, ' ',
      ...otherWerMetrics(card.settings.headline).map((m) => fmtPctInterval(o.werMetrics?.[m])), fmtPct(o.cer), ...(per ? [fmtPct(o.per)] : []), DASH, DASH, ...(ref ? [DASH] : []), DASH,
    ].join(' | ')} |`,
  );
  const missing = t.kind === 'group' ? missingGroups(card.meta, t.groupBy, new Set(t.rows.map((r) => r.group))) : [];
  if (missing.length) lines.push('', `No result yet (run incomplete): ${missing.map(mdEscape).join(', ')}.`);
  return lines.join('\n');
}

/** Lines at the top of a card made with settings other than the run's (empty for the run's own card). */
export function settingsWarnings(card: ServiceCard): string[] {
  const out: string[] = [];
  if (card.settings.overrides.length) {
    out.push(`Not the run's card: settings overridden on the command line: ${card.settings.overrides.join('; ')}.`);
  }
  if (card.settings.source === 'defaults') {
    out.push('This run export records no analysis settings (run.json has no "analysis"): the card uses the defaults and any flags given.');
  }
  return out;
}

/** The service card as Markdown: one table per backend × condition × grouping, then numbered notes. */
export function renderMarkdown(card: ServiceCard): string {
  const out: string[] = [`# ${mdEscape(card.title)}`, ''];
  const incomplete = incompleteBanner(card.meta);
  if (incomplete) out.push(`> **${mdEscape(incomplete)}**`, '');
  if (card.meta.corpus.synthetic) {
    out.push('> **Synthetic accents.** Every voice in this corpus is a text-to-speech voice. These numbers are about the recogniser on synthetic speech, not about people.', '');
  }
  out.push(
    `Corpus **${mdEscape(card.meta.corpus.name)}** (hash ${mdCode(card.meta.corpus.hash)}), normaliser ${mdEscape(card.meta.normaliser.name)} v${mdEscape(card.meta.normaliser.version)}, run ${mdEscape(card.meta.runId)} (${mdEscape(card.meta.createdAt)}).`,
    '',
  );
  for (const w of settingsWarnings(card)) out.push(`> **${mdEscape(w)}**`, '');
  for (const w of card.warnings) out.push(`> **Warning:** ${mdEscape(w)}`, '');
  if (card.tables.length) out.push(mdEscape(comparisonNote(card.settings.groupKeys)), '');
  for (const t of card.tables) {
    out.push(`## ${mdEscape(tableHeading(t))}`, '', mdTable(t, card), '', mdEscape(bestGroupText(t, card.settings.minCell)), '', mdEscape(withinBetweenText(t)), '');
    if (hasUndefinedInterval(t)) out.push(mdEscape(noIntervalNote(card.settings.minCell)), '');
    if (hasRawP(t)) out.push(mdEscape(SMALL_CELL_P_NOTE), '');
    if (t.rows.some((r) => r.suppressed)) out.push(suppressedNote(t.rows.some((r) => r.suppressed && suppressionOf(r) === 'complementary')), '');
    if (t.notListed) out.push(mdEscape(notListedText(t.notListed)), '');
  }
  if (card.models.length) {
    out.push(`## ${mdEscape(modelSectionTitle(card))}`, '');
    for (const m of card.models) out.push(mdModel(m));
  }
  if (card.degradation.length) {
    out.push('## Degradation under conditions', '');
    for (const d of card.degradation) {
      out.push(`### ${mdEscape(degradationHeading(d))}`, '', mdDegradation(d, card), '');
      if (d.rows.some((r) => r.suppressed) || d.overall === null) out.push(degradationSuppressedNote(d), '');
      if (degradationHasUndefinedInterval(d)) out.push(mdEscape(noIntervalNote(card.settings.minCell)), '');
      const none = degradationNoScoredText(d);
      if (none) out.push(mdEscape(none), '');
    }
  }
  if (card.dataQuality) {
    const d = card.dataQuality;
    out.push(`## ${DATA_QUALITY_TITLE}`, '', `| ${mdEscape(d.groupBy)} | Utterances | References changed by markup | Markup tokens removed | Removed, by kind | Kept as words, by kind | Kept, optionally deletable (sclite -D -F), by kind | Utterances with audio faults | Audio flags |`, '| --- | ---: | ---: | ---: | --- | --- | --- | ---: | --- |');
    for (const r of d.rows) {
      out.push(`| ${[mdEscape(r.group), fmtInt(r.utterances), fmtInt(r.markupTouched), fmtInt(r.markupRemoved), mdEscape(countsText(r.markupRemovedKinds)), mdEscape(countsText(r.markupKeptKinds)), mdEscape(countsText(r.markupDeletableKinds ?? {})), fmtInt(r.audioFlagged), mdEscape(countsText(r.audioFlags))].join(' | ')} |`);
    }
    out.push('', mdEscape(dataQualityNote(d)), '');
  }
  if (card.remedy) {
    const r = card.remedy;
    out.push(`## ${REMEDY_TITLE}`, '', mdEscape(remedyHeading(r)), '');
    const rows = remedyRows(r);
    if (rows.length) {
      out.push(`| ${REMEDY_HEAD.join(' | ')} |`, `|${REMEDY_HEAD.map((_, i) => (i === 0 || i === REMEDY_HEAD.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`);
      for (const row of rows) out.push(`| ${row.map(mdEscape).join(' | ')} |`);
      out.push('');
    }
    for (const line of remedySentences(r)) out.push(`- ${mdEscape(line)}`);
    out.push('');
  }
  out.push('## Notes', '');
  card.footnotes.forEach((n, i) => out.push(`${i + 1}. ${mdEscape(n)}`));
  out.push('');
  return out.join('\n');
}
