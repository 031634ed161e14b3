/**
 * A compact terminal summary of a service card: per-group verdict table, top findings and where the
 * card files are. The card itself (Markdown, HTML, CSV, JSON) is for files; this is what a person
 * reads in the terminal after `asrfair demo` or `asrfair run`. Plain text, no Markdown escapes; every
 * label is stripped of terminal control characters.
 */
import { relative } from 'node:path';
import { groupCellText } from '../manifest/escape.ts';
import { fmtGap, fmtInt, fmtP, fmtPCell, fmtPMc, fmtPctInterval, UNDECIDED_TEXT } from './format.ts';
import { noScoredText, roleRowsText, suppressedText, type CardRow, type CardTable, type ServiceCard } from './model.ts';
import { hasEmptyHyp, hasFailed, hasUndefinedInterval, noIntervalNote, settingsWarnings, tableHeading } from './render-md.ts';

/** Removes C0/C1 control characters (escape sequences could rewrite the terminal) and folds whitespace. */
export function termSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** One word verdict of a row: what a reader should take from it. */
export function verdictOf(r: CardRow, alpha = 0.05): string {
  if (r.suppressed) return suppressedText(r);
  if (r.flags.includes('no-scored-utterances')) return noScoredText(r);
  if (r.flags.includes('small-cell')) return 'not enough data';
  if (r.flags.includes('significant-gap')) return 'WORSE than rest (significant)';
  if (r.flags.includes('undecided')) return UNDECIDED_TEXT;
  const better = r.diffToRest !== null && r.diffToRest < 0;
  const best = r.flags.includes('best') ? ', best adequate group' : '';
  if (r.flags.includes('better-than-rest')) return `better than rest (significant)${best}`;
  return (better ? 'no significant gap (better than rest)' : 'no significant gap') + best;
}

function pad(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

/**
 * One group table as padded text: group, speakers, then `failed` (utterances whose call failed, left out of the rates)
 * and `empty hyp.` (scored utterances with an empty hypothesis, all deletions) under card.md's rule (render-md.ts
 * hasFailed / hasEmptyHyp: Failed when the table lost any utterance, Empty hyp. when any row has one), WER, gap,
 * adjusted p and verdict. A suppressed row's counts are "—", as in card.md.
 */
function verdictTable(t: CardTable, card: ServiceCard): string[] {
  const failed = hasFailed(t);
  const empty = hasEmptyHyp(t);
  const counts = (x: { failed: number | null; emptyHyp: number | null }): string[] => [...(failed ? [fmtInt(x.failed)] : []), ...(empty ? [fmtInt(x.emptyHyp)] : [])];
  const rows = [['group', 'spk', ...(failed ? ['failed'] : []), ...(empty ? ['empty hyp.'] : []), 'WER [95% CI]', 'gap to rest [95% CI]', `adj. p (${card.settings.correction})`, 'verdict']];
  for (const r of t.rows) {
    rows.push([termSafe(groupCellText(r.group)), r.speakers === null ? '—' : String(r.speakers), ...counts(r), fmtPctInterval(r.wer), fmtGap(r.gapToRest), fmtPCell(r, card.settings.alpha), verdictOf(r, card.settings.alpha)]);
  }
  rows.push(['all groups', String(t.overall.speakers ?? '—'), ...counts(t.overall), fmtPctInterval(t.overall.wer), '', '', '']);
  return pad(rows).map((l) => `  ${l}`);
}

/** Up to `max` findings, most important first: significant gaps, worst slices, model and degradation warnings. */
export function topFindings(card: ServiceCard, max = 5): string[] {
  const out: Array<{ rank: number; text: string }> = [];
  for (const t of card.tables) {
    for (const r of t.rows) {
      if (!r.flags.includes('significant-gap') || !r.gapToRest) continue;
      const where = t.kind === 'slice' ? `slice ${termSafe(r.group)}` : termSafe(r.group);
      out.push({
        rank: t.kind === 'group' ? 0 : 1,
        text: `${where}: WER ${fmtPctInterval(r.wer)}, ${fmtGap(r.gapToRest)} above the rest, adj. p ${fmtP(r.pAdjusted, card.settings.alpha)} (${termSafe(t.backendName)}, ${termSafe(t.conditionName)})`,
      });
    }
  }
  for (const t of card.tables) {
    for (const r of t.rows.filter((x) => x.flags.includes('undecided'))) {
      const where = t.kind === 'slice' ? `slice ${termSafe(r.group)}` : termSafe(r.group);
      out.push({ rank: 0.8, text: `${where}: no verdict, adj. p ${fmtPMc(r, card.settings.alpha)} after ${r.pMethod?.permutations ?? '?'} permutations still straddles α ${card.settings.alpha} (${termSafe(t.backendName)}, ${termSafe(t.conditionName)})` });
    }
  }
  for (const t of card.tables.filter((x) => x.kind === 'slice')) {
    const worst = t.rows.filter((r) => !r.suppressed && !r.flags.includes('small-cell') && r.utterances !== 0 && r.wer).sort((a, b) => b.wer!.estimate - a.wer!.estimate)[0];
    if (worst && !worst.flags.includes('significant-gap')) {
      out.push({ rank: 2, text: `worst slice by ${termSafe(t.groupBy)}: ${termSafe(worst.group)}, WER ${fmtPctInterval(worst.wer)} (gap to rest not significant)` });
    }
  }
  for (const m of card.models) for (const w of m.collinearityWarnings) out.push({ rank: 0.5, text: `model-based view (${termSafe(m.backendName)}): ${termSafe(w.split('; the model')[0])}` });
  for (const m of card.models) for (const w of m.warnings) out.push({ rank: 1.5, text: `model-based view (${termSafe(m.backendName)}): ${termSafe(w)}` });
  for (const d of card.degradation) {
    for (const r of d.rows) if (r.degradesMore) out.push({ rank: 1, text: `${termSafe(r.group)} degrades more than the rest under ${termSafe(d.conditionName)}: excess ${fmtGap(r.excessOverRest)}` });
  }
  const small = card.tables.filter((t) => t.kind === 'group').flatMap((t) => t.rows.filter((r) => r.flags.includes('small-cell')).map((r) => termSafe(r.group)));
  if (small.length) {
    out.push({ rank: 3, text: `not enough data (below ${card.settings.minCell.speakers} speakers / ${card.settings.minCell.words} words): ${[...new Set(small)].join(', ')}` });
  }
  if (!out.some((f) => f.rank < 1)) {
    const keys = card.settings.groupKeys.map((k) => `"${termSafe(k)}"`).join(' or ');
    const tested = card.tables.some((t) => t.kind === 'group' && t.rows.some((r) => !r.flags.includes('small-cell') && r.pAdjusted !== null && Number.isFinite(r.pAdjusted)));
    out.unshift({
      rank: -1,
      text: tested
        ? `no group of ${keys} is significantly worse than the rest (adjusted p < ${card.settings.alpha})`
        : `no group of ${keys} was tested: none meets the minimum cell (${card.settings.minCell.speakers} speakers / ${card.settings.minCell.words} words)`,
    });
  }
  return out.sort((a, b) => a.rank - b.rank).slice(0, max).map((f) => f.text);
}

export interface TerminalSummaryOptions {
  /** Paths are printed relative to this folder (default: the working directory). */
  cwd?: string;
  /** Number of findings listed (default 5). */
  maxFindings?: number;
  /** Extra lines (e.g. the gate's verdict) printed before the file list. */
  extra?: string[];
  /** Only these backends' (names) group tables (default: every backend's). */
  backends?: readonly string[];
}

/**
 * The terminal summary of a card: title, settings warnings, one verdict table per group table
 * (backend × condition), the top findings and the card files written. Returns text ending in "\n".
 */
export function renderTerminalSummary(card: ServiceCard, files: readonly string[], o: TerminalSummaryOptions = {}): string {
  const cwd = o.cwd ?? process.cwd();
  const lines: string[] = [termSafe(card.title)];
  if (card.meta.corpus.synthetic) lines.push('Synthetic accents: TTS voices, not people. The numbers are about the recogniser on synthetic speech.');
  for (const w of [...settingsWarnings(card), ...card.warnings]) lines.push(`! ${termSafe(w)}`);
  lines.push('Each row: the group against all other groups pooled (gap, interval, corrected p, verdict).');
  for (const t of card.tables.filter((x) => x.kind === 'group' && (!o.backends || o.backends.includes(x.backendName)))) {
    lines.push('', termSafe(tableHeading(t)), ...verdictTable(t, card));
    if (hasUndefinedInterval(t)) lines.push(`  ${noIntervalNote(card.settings.minCell)}`);
    const roles = roleRowsText(t);
    if (roles) lines.push(`  ${termSafe(roles)}`);
  }
  const findings = topFindings(card, o.maxFindings ?? 5);
  if (findings.length) lines.push('', 'Top findings:', ...findings.map((f) => `  - ${f}`));
  if (o.extra?.length) lines.push('', ...o.extra.map(termSafe));
  if (files.length) {
    lines.push('', 'Card files (full tables, slices, model-based view, notes, drill-down):');
    for (const f of files) lines.push(`  ${relative(cwd, f) || f}`);
  }
  return lines.join('\n') + '\n';
}
