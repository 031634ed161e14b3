import { WER_METRICS } from '../analysis/groups.ts';
import { csvCell, csvLine } from '../manifest/escape.ts';
import type { Interval } from '../stats/types.ts';
import type { CardRow, CardTable, ServiceCard } from './model.ts';
import { covariateLabel } from './render-md.ts';
import { NOT_ENOUGH_DATA } from './format.ts';
import { suppressionText } from './publish.ts';
import { dataQualityNote } from './data-quality.ts';

export { csvCell };

const HEADER = [
  'row_type', 'table_kind', 'group_by', 'backend', 'backend_name', 'condition', 'condition_name', 'group', 'suppressed',
  'speakers', 'utterances', 'failed', 'hours', 'ref_words', 'wer', 'wer_lo', 'wer_hi', 'mean_speaker_wer', 'cer', 'per',
  'gap_to_best', 'gap_lo', 'gap_hi', 'ratio_to_best', 'ratio_lo', 'ratio_hi', 'p', 'p_adjusted', 'correction', 'flags',
  'reference_group', 'gap_to_reference', 'gap_ref_lo', 'gap_ref_hi', 'min_detectable_gap',
  // Per table (on its overall line): within- vs between-group spread of per-speaker WER, uncorrected p.
  'wb_within', 'wb_between', 'wb_ratio', 'wb_p',
  // WER(group) − WER(rest) with its CI: the comparison p tests (gap_to_best is descriptive).
  'gap_to_rest', 'gap_rest_lo', 'gap_rest_hi',
  // Every WER summary with its CI; `wer` above is the headline one.
  'headline_metric', 'wer_pooled', 'wer_pooled_lo', 'wer_pooled_hi', 'wer_mean_utterance', 'wer_mean_utterance_lo', 'wer_mean_utterance_hi',
  'wer_mean_speaker', 'wer_mean_speaker_lo', 'wer_mean_speaker_hi',
  // How p was obtained: every split enumerated (exact) or sampled, with the Monte Carlo interval of p_adjusted.
  'p_exact', 'p_permutations', 'p_adjusted_mc_lo', 'p_adjusted_mc_hi',
  // Per table (overall line): how wb_p was obtained (every relabelling enumerated, or sampled with its MC interval).
  'wb_p_exact', 'wb_p_permutations', 'wb_p_mc_lo', 'wb_p_mc_hi',
  // Publish mode: why a suppressed row is suppressed (`small-cell`, or `complementary`: not small, hidden beside one).
  'suppression',
  // Scored utterances whose hypothesis is empty after normalisation (all deletions): CardRow.emptyHyp.
  'empty_hyp',
];

function iv(i: Interval | null): Array<number | null> {
  return i ? [i.estimate, i.lo, i.hi] : [null, null, null];
}

function line(cells: Array<string | number | boolean | null | undefined>): string {
  return csvLine(cells);
}

/** One CSV line per group (and one `overall` line) of every table. Rates are fractions, not percent. */
export function renderCsv(card: ServiceCard): string {
  const out = [HEADER.join(',')];
  const rowCells = (t: CardTable, type: string, r: Omit<CardRow, 'group' | 'suppressed' | 'suppression' | 'flags'> & Partial<CardRow>, group: string) => [
    type, t.kind, t.groupBy, t.backend, t.backendName, t.condition, t.conditionName, group, r.suppressed ?? false,
    r.speakers, r.utterances, r.failed, r.hours, r.refWords, ...iv(r.wer), r.meanSpeakerWer, r.cer, r.per,
    ...iv(r.gapToBest ?? null), ...iv(r.ratioToBest ?? null), r.p ?? null, r.pAdjusted ?? null, card.settings.correction, (r.flags ?? []).join(';'),
    t.referenceGroup, ...iv(r.gapToReference ?? null), r.minDetectableGap ?? null,
  ];
  for (const t of card.tables) {
    const metrics = (r: Pick<CardRow, 'werMetrics'>) => [card.settings.headline, ...WER_METRICS.flatMap((m) => iv(r.werMetrics?.[m] ?? null))];
    const pm = (r: Pick<CardRow, 'pMethod'>) => (r.pMethod ? [r.pMethod.exact, r.pMethod.permutations, r.pMethod.adjustedLo, r.pMethod.adjustedHi] : [null, null, null, null]);
    for (const r of t.rows) out.push(line([...rowCells(t, 'group', r, r.group), null, null, null, null, ...iv(r.gapToRest), ...metrics(r), ...pm(r), null, null, null, null, r.suppression, r.emptyHyp]));
    const overall = { ...t.overall, gapToBest: null, ratioToBest: null, gapToRest: null, p: null, pAdjusted: null, pMethod: null, diffToRest: null, gapToReference: null, minDetectableGap: null };
    const wb = t.withinBetween;
    out.push(line([...rowCells(t, 'overall', overall, ''), wb.within, wb.between, wb.ratio, wb.p, null, null, null, ...metrics(overall), ...pm(overall), wb.exact, wb.permutations, wb.lo, wb.hi, null, overall.emptyHyp]));
  }
  return out.join('\r\n') + '\r\n';
}

/**
 * The card's notes as CSV (card-notes.csv): one line per note, `section` = `warnings` (what changes what a table
 * counts: split group names), `notes` (the card's numbered notes:
 * settings, what the groups are, what each import left out or mapped to undeclared) or `data-quality` (the
 * markup policy, the redaction warning, audio flags), `n` its number within the section.
 */
export function renderNotesCsv(card: ServiceCard): string {
  const out = [['section', 'n', 'note'].join(',')];
  card.warnings.forEach((w, i) => out.push(line(['warnings', i + 1, w])));
  card.footnotes.forEach((note, i) => out.push(line(['notes', i + 1, note])));
  if (card.dataQuality) out.push(line(['data-quality', 1, dataQualityNote(card.dataQuality)]));
  return out.join('\r\n') + '\r\n';
}

const DEGRADATION_HEADER = [
  'row_type', 'group_by', 'backend', 'backend_name', 'condition', 'condition_name', 'clean_condition', 'group', 'suppressed', 'small_cell',
  'speakers', 'utterances', 'wer_clean', 'wer_condition', 'degradation', 'degradation_lo', 'degradation_hi',
  'excess_over_rest', 'excess_lo', 'excess_hi', 'p', 'p_adjusted', 'correction', 'degrades_more',
  // Publish mode: why a suppressed row is suppressed (`small-cell`, or `complementary`), as card.csv's `suppression`.
  'suppression',
];

/**
 * Degradation under conditions (card-degradation.csv): one line per group, a `no-scored` line per group with no scored
 * pair (its utterance count only), and one `overall` line per backend × condition.
 */
export function renderDegradationCsv(card: ServiceCard): string {
  const out = [DEGRADATION_HEADER.join(',')];
  for (const d of card.degradation) {
    const where = [d.groupBy, d.backend, d.backendName, d.condition, d.conditionName, d.cleanCondition];
    for (const r of d.rows) {
      out.push(line([
        'group', ...where, r.group, r.suppressed, r.smallCell, r.speakers, r.utterances, r.werClean, r.werCondition,
        ...iv(r.degradation), ...iv(r.excessOverRest), r.p, r.pAdjusted, card.settings.correction, r.degradesMore, r.suppression,
      ]));
    }
    for (const g of d.noScored ?? []) {
      out.push(line(['no-scored', ...where, g.group, false, false, null, g.utterances, null, null, null, null, null, null, null, null, null, null, null, null, null]));
    }
    out.push(line(['overall', ...where, '', d.overall === null, false, null, null, null, null, ...iv(d.overall), null, null, null, null, null, card.settings.correction, null, d.overall === null ? 'complementary' : null]));
  }
  return out.join('\r\n') + '\r\n';
}

const MODEL_HEADER = [
  'row_type', 'backend', 'backend_name', 'family', 'se_type', 'group_by', 'reference_group', 'term', 'suppressed', 'utterances',
  'rate_ratio', 'rate_ratio_lo', 'rate_ratio_hi', 'p', 'poisson_dispersion', 'pearson_dispersion', 'nb_alpha', 'n', 'clusters', 'note',
  // Group lines: the same model without covariates. Covariate lines: share of its variance the groups explain.
  'rate_ratio_no_covariates', 'rr_no_cov_lo', 'rr_no_cov_hi', 'covariate_r2', 'covariate_vif',
];

/** Model-based view (card-model.csv): a `group` line per group, a `covariate` line per covariate, a `fit` line per backend. */
export function renderModelCsv(card: ServiceCard): string {
  const out = [MODEL_HEADER.join(',')];
  for (const m of card.models) {
    const where = [m.backend, m.backendName, m.family, m.seType, m.groupBy, m.referenceGroup];
    for (const g of m.groups) {
      out.push(line(['group', ...where, g.group, g.suppressed, g.utterances, ...iv(g.rateRatio), g.p, null, null, null, null, null, g.reference && !g.suppressed ? 'reference' : g.suppression ? suppressionText(g.suppression) : g.smallCell ? NOT_ENOUGH_DATA : '', ...iv(g.unadjusted), null, null]));
    }
    for (const c of m.covariates) {
      const coll = m.collinearity.find((x) => x.covariate === c.name);
      out.push(line(['covariate', ...where, covariateLabel(c.name), false, null, ...iv(c.rateRatio), c.p, null, null, null, null, null, '', null, null, null, coll?.r2 ?? null, coll?.vif ?? null]));
    }
    const note = m.error ? `error: ${m.error}` : [...m.collinearityWarnings, ...m.warnings].join(' | ');
    out.push(line(['fit', ...where, '', false, null, null, null, null, null, m.poissonDispersion, m.pearsonDispersion, m.nbAlpha, m.n, m.clusters, note, null, null, null, null, null]));
  }
  return out.join('\r\n') + '\r\n';
}
