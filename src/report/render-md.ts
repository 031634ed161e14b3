import { capitalise, DASH, fmtGap, fmtHours, fmtInt, fmtNum, fmtP, fmtPct, fmtPctInterval, fmtPp, fmtRatio, otherWerMetrics } from './format.ts';
import { werMetricLabel } from '../analysis/groups.ts';
import type { CardDegradation, CardDegradationRow, CardModel, CardRow, CardTable, ServiceCard } from './model.ts';

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

/** One line under a table: are speakers more alike within groups than between? */
export function withinBetweenText(t: CardTable): string {
  const wb = t.withinBetween;
  return `Within vs between groups (per-speaker WER, mean squared pair difference): within ${fmtNum(wb.within)}, between ${fmtNum(wb.between)}, ratio ${fmtNum(wb.ratio)}, permutation p ${fmtP(wb.p)} (uncorrected).`;
}

export function modelSectionTitle(card: ServiceCard): string {
  const family = card.settings.model === 'negbin' ? 'negative binomial' : 'Poisson';
  return `Model-based view (${family} regression, speaker-clustered CR1 errors)`;
}

/** Summary line of one backend's model: reference, sample, covariates, dispersion. */
export function modelSummaryText(m: CardModel): string {
  const cov = m.covariatesUsed.length ? m.covariatesUsed.join(', ') : 'none';
  const nb = m.nbAlpha !== null ? `; NB2 α ${fmtNum(m.nbAlpha)}, Pearson χ²/df of the NB fit ${fmtNum(m.pearsonDispersion)}` : '';
  return `Reference group: ${m.referenceGroup}. ${m.n} utterances, ${m.clusters} speakers. Covariates: ${cov}. Dispersion (Pearson χ²/df, Poisson fit): ${fmtNum(m.poissonDispersion)}${nb}.`;
}

export function covariateLabel(name: string): string {
  if (name === 'duration') return 'duration (per second)';
  if (name === 'snr') return 'SNR (per dB)';
  return name;
}

export function degradationHeading(d: CardDegradation): string {
  return `${d.backendName} · ${d.conditionName} vs ${d.cleanCondition} · by ${d.groupBy}`;
}

export function degradationFlagText(r: CardDegradationRow): string {
  if (r.suppressed) return 'suppressed (small cell)';
  return [r.smallCell ? 'small cell' : '', r.degradesMore ? 'degrades more' : ''].filter(Boolean).join(', ');
}

function mdModel(m: CardModel): string {
  const out = [`### ${mdEscape(m.backendName)}`, ''];
  if (m.error) return [...out, `Model not fitted: ${mdEscape(m.error)}`, ''].join('\n');
  out.push(mdEscape(modelSummaryText(m)), '');
  out.push('| Group | Utterances | Rate ratio [95% CI] | p |', '| --- | ---: | ---: | ---: |');
  for (const g of m.groups) {
    const name = mdEscape(g.group) + (g.reference ? ' (reference)' : '') + (g.suppressed ? ' †' : '');
    out.push(`| ${name} | ${fmtInt(g.utterances)} | ${g.reference ? '1 (reference)' : fmtRatio(g.rateRatio)} | ${fmtP(g.p)} |`);
  }
  if (m.covariates.length) {
    out.push('', '| Covariate | Rate ratio [95% CI] | p |', '| --- | ---: | ---: |');
    for (const c of m.covariates) out.push(`| ${mdEscape(covariateLabel(c.name))} | ${fmtRatio(c.rateRatio)} | ${fmtP(c.p)} |`);
  }
  for (const w of m.warnings) out.push('', `> Warning: ${mdEscape(w)}`);
  out.push('');
  return out.join('\n');
}

function mdDegradation(d: CardDegradation, card: ServiceCard): string {
  const head = [
    'Group', 'Speakers', 'Utterances', `WER ${mdEscape(d.cleanCondition)}`, `WER ${mdEscape(d.conditionName)}`, 'Degradation [95% CI]', 'Excess over rest [95% CI]',
    `Adj. p (${card.settings.correction})`, 'Flags',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of d.rows) {
    lines.push(
      `| ${[
        mdEscape(r.group) + (r.suppressed ? ' †' : ''), fmtInt(r.speakers), fmtInt(r.utterances), fmtPct(r.werClean), fmtPct(r.werCondition),
        fmtGap(r.degradation), fmtGap(r.excessOverRest), fmtP(r.pAdjusted), degradationFlagText(r) || ' ',
      ].join(' | ')} |`,
    );
  }
  lines.push(`| **All groups** | ${[DASH, DASH, DASH, DASH, fmtGap(d.overall), DASH, DASH, ' '].join(' | ')} |`);
  return lines.join('\n');
}

function mdTable(t: CardTable, card: ServiceCard): string {
  const per = hasPer(t);
  const failed = hasFailed(t);
  const ref = t.referenceGroup !== null;
  const head = [
    'Group', 'Speakers', 'Utterances', ...(failed ? ['Failed'] : []), 'Hours', 'Ref words', `${capitalise(werMetricLabel(card.settings.headline))} [95% CI]`,
    ...otherWerMetrics(card.settings.headline).map((m) => `${capitalise(werMetricLabel(m))} [95% CI]`), 'CER',
    ...(per ? ['PER'] : []), 'Gap to best [95% CI]', 'Ratio to best', ...(ref ? [`Gap to ${mdEscape(t.referenceGroup ?? '')} [95% CI]`] : []),
    `Adj. p (${card.settings.correction})`, 'Detectable gap', 'Flags',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of t.rows) {
    const cells = [
      mdEscape(r.group) + (r.suppressed ? ' †' : ''),
      fmtInt(r.speakers), fmtInt(r.utterances), ...(failed ? [fmtInt(r.failed)] : []), fmtHours(r.hours), fmtInt(r.refWords), fmtPctInterval(r.wer),
      ...otherWerMetrics(card.settings.headline).map((m) => fmtPctInterval(r.werMetrics?.[m])), fmtPct(r.cer), ...(per ? [fmtPct(r.per)] : []), fmtGap(r.gapToBest), fmtRatio(r.ratioToBest),
      ...(ref ? [fmtGap(r.gapToReference)] : []), fmtP(r.pAdjusted), fmtPp(r.minDetectableGap), flagText(r) || ' ',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const o = t.overall;
  lines.push(
    `| **All groups** | ${[
      fmtInt(o.speakers), fmtInt(o.utterances), ...(failed ? [fmtInt(o.failed)] : []), fmtHours(o.hours), fmtInt(o.refWords), fmtPctInterval(o.wer),
      ...otherWerMetrics(card.settings.headline).map((m) => fmtPctInterval(o.werMetrics?.[m])), fmtPct(o.cer), ...(per ? [fmtPct(o.per)] : []), DASH, DASH, ...(ref ? [DASH] : []), DASH, DASH, ' ',
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
    out.push(`## ${mdEscape(tableHeading(t))}`, '', mdTable(t, card), '', mdEscape(withinBetweenText(t)), '');
    if (t.rows.some((r) => r.suppressed)) out.push('† Suppressed: fewer speakers or reference words than the minimum cell rule; values are not published.', '');
  }
  if (card.models.length) {
    out.push(`## ${mdEscape(modelSectionTitle(card))}`, '');
    for (const m of card.models) out.push(mdModel(m));
  }
  if (card.degradation.length) {
    out.push('## Degradation under conditions', '');
    for (const d of card.degradation) {
      out.push(`### ${mdEscape(degradationHeading(d))}`, '', mdDegradation(d, card), '');
      if (d.rows.some((r) => r.suppressed)) out.push('† Suppressed: below the minimum cell rule; values are not published.', '');
    }
  }
  out.push('## Notes', '');
  card.footnotes.forEach((n, i) => out.push(`${i + 1}. ${mdEscape(n)}`));
  out.push('');
  return out.join('\n');
}
