import { DASH, fmtGap, fmtHours, fmtInt, fmtP, fmtPct, fmtPctInterval, fmtRatio } from './format.ts';
import type { CardRow, CardTable, ServiceCard } from './model.ts';

/** Escapes text for a Markdown table cell: HTML passes through most renderers, so it is escaped too. */
export function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]#|~]/g, (c) => `\\${c}`)
    .replace(/\s*[\r\n]+\s*/g, ' ');
}

export function flagText(r: Pick<CardRow, 'flags' | 'suppressed'>): string {
  if (r.suppressed) return 'suppressed (small cell)';
  return r.flags.map((f) => (f === 'small-cell' ? 'small cell' : f === 'significant-gap' ? 'significant gap' : 'best')).join(', ');
}

export function tableHeading(t: CardTable): string {
  const by = t.kind === 'slice' ? `slice ${t.groupBy}` : t.groupBy;
  return `${t.backendName} · condition ${t.conditionName} · by ${by}`;
}

function hasPer(t: CardTable): boolean {
  return t.overall.per !== null || t.rows.some((r) => r.per !== null);
}

/** Whether any row has failed utterances (then a Failed column is shown). */
export function hasFailed(t: CardTable): boolean {
  return (t.overall.failed ?? 0) > 0;
}

function mdTable(t: CardTable, card: ServiceCard): string {
  const per = hasPer(t);
  const failed = hasFailed(t);
  const head = [
    'Group', 'Speakers', 'Utterances', ...(failed ? ['Failed'] : []), 'Hours', 'Ref words', 'WER [95% CI]', 'Mean speaker WER', 'CER',
    ...(per ? ['PER'] : []), 'Gap to best [95% CI]', 'Ratio to best', `Adj. p (${card.settings.correction})`, 'Flags',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of t.rows) {
    const cells = [
      mdEscape(r.group) + (r.suppressed ? ' †' : ''),
      fmtInt(r.speakers), fmtInt(r.utterances), ...(failed ? [fmtInt(r.failed)] : []), fmtHours(r.hours), fmtInt(r.refWords), fmtPctInterval(r.wer),
      fmtPct(r.meanSpeakerWer), fmtPct(r.cer), ...(per ? [fmtPct(r.per)] : []), fmtGap(r.gapToBest), fmtRatio(r.ratioToBest),
      fmtP(r.pAdjusted), flagText(r) || ' ',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const o = t.overall;
  lines.push(
    `| **All groups** | ${[
      fmtInt(o.speakers), fmtInt(o.utterances), ...(failed ? [fmtInt(o.failed)] : []), fmtHours(o.hours), fmtInt(o.refWords), fmtPctInterval(o.wer), fmtPct(o.meanSpeakerWer),
      fmtPct(o.cer), ...(per ? [fmtPct(o.per)] : []), DASH, DASH, DASH, ' ',
    ].join(' | ')} |`,
  );
  return lines.join('\n');
}

/** The service card as Markdown: one table per backend × condition × grouping, then numbered notes. */
export function renderMarkdown(card: ServiceCard): string {
  const out: string[] = [`# ${mdEscape(card.title)}`, ''];
  if (card.meta.corpus.synthetic) {
    out.push('> **Synthetic accents.** Every voice in this corpus is a text-to-speech voice. These numbers are about the recogniser on synthetic speech, not about people.', '');
  }
  out.push(
    `Corpus **${mdEscape(card.meta.corpus.name)}** (hash \`${card.meta.corpus.hash.replace(/`/g, '')}\`), normaliser ${mdEscape(card.meta.normaliser.name)} v${mdEscape(card.meta.normaliser.version)}, run ${mdEscape(card.meta.runId)} (${mdEscape(card.meta.createdAt)}).`,
    '',
  );
  for (const t of card.tables) {
    out.push(`## ${mdEscape(tableHeading(t))}`, '', mdTable(t, card), '');
    if (t.rows.some((r) => r.suppressed)) out.push('† Suppressed: fewer speakers or reference words than the minimum cell rule; values are not published.', '');
  }
  out.push('## Notes', '');
  card.footnotes.forEach((n, i) => out.push(`${i + 1}. ${mdEscape(n)}`));
  out.push('');
  return out.join('\n');
}
