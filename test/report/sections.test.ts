/** The card's power column, within/between line, model-based view and degradation section against the analysis functions. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseGroups, DEFAULT_MIN_CELL } from '../../src/analysis/groups.ts';
import { groupRateRatios } from '../../src/analysis/model.ts';
import { analyseDegradation } from '../../src/analysis/paired.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { fmtGap, fmtP, fmtPp, fmtRatio } from '../../src/report/format.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { renderDegradationCsv, renderModelCsv } from '../../src/report/render-csv.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { mdEscape, renderMarkdown } from '../../src/report/render-md.ts';
import { RunMetaSchema } from '../../src/score/run-export.ts';
import { DEGRADATION_CSV, MODEL_CSV, writeReport } from '../../src/report/write.ts';
import { CONDITIONS_META, makeConditionRun, makeMeta, makeUtterances, NOISY } from './fixture.ts';
import { parseCsv } from './parse-csv.ts';

const meta = RunMetaSchema.parse(makeMeta(CONDITIONS_META));
const utts = makeConditionRun();
const opts = { groupBy: 'accent', bootstrap: 300, seed: 3, generatedAt: '2026-11-23T10:00:00Z', referenceGroup: 'scottish' };
const card = buildServiceCard(meta, utts, opts);
const md = renderMarkdown(card);
const errorsOf = (u: ScoredUtterance) => u.words.sub + u.words.del + u.words.ins;

describe('power and within/between', () => {
  const direct = analyseGroups(utts, {
    groupBy: 'accent', resamples: 300, permutations: 300, seed: 3, minCell: DEFAULT_MIN_CELL, alpha: 0.05, adjust: 'holm', referenceGroup: 'scottish',
  });

  it('every row carries analyseGroups’ detectable gap and gap to the reference group', () => {
    expect(card.tables).toHaveLength(2);
    for (const t of card.tables) {
      const d = direct.find((x) => x.backend === t.backend && x.condition === t.condition)!;
      expect(t.referenceGroup).toBe('scottish');
      for (const r of t.rows) {
        const dr = d.rows.find((x) => x.group === r.group)!;
        // The card prints a NaN detectable gap (a group below intervalMinSpeakers) as null.
        expect(r.minDetectableGap).toBe(Number.isFinite(dr.minDetectableGap) ? dr.minDetectableGap : null);
        expect(r.gapToReference).toEqual(dr.gapToReference);
      }
      expect(t.withinBetween).toEqual(d.withinBetween);
    }
  });

  it('the detectable gap is (z.975 + z.8)·√(s²g/ng + s²r/nr) over per-speaker WERs', () => {
    const clean = utts.filter((u) => u.condition === 'clean');
    const perSpeaker = new Map<string, { g: string; e: number; w: number }>();
    for (const u of clean) {
      const s = perSpeaker.get(u.speaker) ?? { g: u.labels.accent, e: 0, w: 0 };
      s.e += errorsOf(u);
      s.w += u.words.ref;
      perSpeaker.set(u.speaker, s);
    }
    const variance = (x: number[]) => {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
    };
    const wers = [...perSpeaker.values()];
    const g = wers.filter((s) => s.g === 'caribbean').map((s) => s.e / s.w);
    const rest = wers.filter((s) => s.g !== 'caribbean').map((s) => s.e / s.w);
    const want = (1.959963984540054 + 0.8416212335729143) * Math.sqrt(variance(g) / g.length + variance(rest) / rest.length);
    const row = card.tables.find((t) => t.condition === 'clean')!.rows.find((r) => r.group === 'caribbean')!;
    expect(row.minDetectableGap).toBeCloseTo(want, 10);
  });

  it('Markdown shows the Detectable gap and Gap to reference columns and the within/between line, uncorrected', () => {
    const t = card.tables.find((x) => x.condition === 'clean')!;
    const head = md.split('\n').find((l) => l.startsWith('| Group | Speakers | Utterances | Hours'))!.split('|').map((s) => s.trim());
    const row = md.split('\n').find((l) => l.startsWith('| caribbean |'))!.split('|').map((s) => s.trim());
    const caribbean = t.rows.find((r) => r.group === 'caribbean')!;
    expect(row[head.indexOf('Detectable gap')]).toBe(fmtPp(caribbean.minDetectableGap));
    expect(row[head.indexOf('Gap to scottish [95% CI]')]).toBe(fmtGap(caribbean.gapToReference));
    const wb = t.withinBetween;
    const how = wb.exact ? `exact, all ${wb.permutations.toLocaleString('en-US')} relabellings` : `MC ${fmtP(wb.lo)}–${fmtP(wb.hi)}, ${wb.permutations.toLocaleString('en-US')} random relabellings`;
    expect(md).toContain(mdEscape(`ratio ${Number(wb.ratio.toPrecision(3))}, permutation p ${fmtP(wb.p)} (${how}) (uncorrected)`));
    expect(md).toMatch(/Detectable gap: the smallest difference .* power 0\.8/);
    expect(md).toMatch(/Within vs between: .* uncorrected — it is not in the Holm family/);
  });

  it('CSV and JSON carry the same numbers', () => {
    const csv = parseCsv(mainCsv());
    const t = card.tables[0];
    const r = t.rows[0];
    const line = csv.find((x) => x.row_type === 'group' && x.condition === t.condition && x.group === r.group)!;
    expect(Number(line.min_detectable_gap)).toBe(r.minDetectableGap);
    expect(Number(line.gap_to_reference)).toBe(r.gapToReference!.estimate);
    expect(line.reference_group).toBe('scottish');
    const overall = csv.find((x) => x.row_type === 'overall' && x.condition === t.condition)!;
    expect(Number(overall.wb_ratio)).toBe(t.withinBetween.ratio);
    expect(Number(overall.wb_p)).toBe(t.withinBetween.p);
    expect(overall.wb_p_exact).toBe(String(t.withinBetween.exact));
    expect(Number(overall.wb_p_permutations)).toBe(t.withinBetween.permutations);
    expect(Number(overall.wb_p_mc_lo)).toBe(t.withinBetween.lo);
    expect(Number(overall.wb_p_mc_hi)).toBe(t.withinBetween.hi);
    const json = JSON.parse(renderJson(card));
    expect(json.tables[0].rows[0].minDetectableGap).toBe(r.minDetectableGap);
    expect(json.tables[0].withinBetween.p).toBe(t.withinBetween.p);
  });
});

/** card.csv as written by writeReport. */
function mainCsv(): string {
  const root = mkdtempSync(join(tmpdir(), 'asrfair-sec-csv-'));
  try {
    const [path] = writeReport(card, { dir: root, utterances: utts }, root, ['csv']);
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('model-based view', () => {
  const [direct] = groupRateRatios(utts, {
    groupBy: 'accent', covariates: ['duration', 'snr', 'condition'], family: 'poisson', se: 'CR1', referenceGroup: 'scottish',
  });
  const m = card.models[0];

  it('equals groupRateRatios with duration, SNR and condition, clustered CR1', () => {
    expect(card.models).toHaveLength(1);
    expect(m.error).toBeNull();
    expect(m.family).toBe('poisson');
    expect(m.seType).toBe('CR1');
    expect(m.referenceGroup).toBe('scottish');
    expect(m.covariatesUsed).toEqual(['duration', 'snr', 'condition']);
    for (const g of direct.groups) {
      const c = m.groups.find((x) => x.group === g.group)!;
      expect(c.utterances).toBe(g.utterances);
      if (g.group === 'scottish') {
        expect(c.reference).toBe(true);
        expect(c.p).toBeNull();
      } else if (g.group === 'welsh') {
        // 3 speakers: below the minimum cell, so "not enough data" (the fit keeps it; the card withholds its estimate).
        expect(c).toMatchObject({ smallCell: true, rateRatio: null, p: null, unadjusted: null });
      } else {
        expect(c.smallCell).toBe(false);
        expect(c.rateRatio).toEqual(g.rateRatio);
        expect(c.p).toBe(g.p);
      }
    }
    const covs = direct.coefficients.filter((c) => ['duration', 'snr', `condition=${NOISY}`].includes(c.name));
    expect(m.covariates).toEqual(covs.map((c) => ({ name: c.name, rateRatio: c.rateRatio, p: c.p })));
    expect(m.poissonDispersion).toBe(direct.poissonDispersion);
    expect(m.clusters).toBe(27);
    expect(m.n).toBe(utts.length);
  });

  it('prints in Markdown, CSV and JSON', () => {
    expect(md).toContain('## Model-based view by accent (Poisson regression, speaker-clustered CR1 errors)');
    const caribbean = m.groups.find((g) => g.group === 'caribbean')!;
    expect(md).toContain(`| caribbean | 120 | ${fmtRatio(caribbean.rateRatio)} | ${fmtP(caribbean.p)} |`);
    expect(md).toContain('| scottish (reference) | 120 | 1 (reference) |');
    expect(md).toContain(`| condition=${NOISY} | ${fmtRatio(m.covariates[2].rateRatio)} |`);
    expect(md).toContain(`Dispersion (Pearson χ²/df, Poisson fit): ${Number(m.poissonDispersion.toPrecision(3))}`);
    expect(md).toContain('> Warning: only 27 speaker clusters');
    const csv = parseCsv(renderModelCsv(card));
    const line = csv.find((x) => x.row_type === 'group' && x.term === 'caribbean')!;
    expect(Number(line.rate_ratio)).toBe(caribbean.rateRatio!.estimate);
    expect(Number(line.rate_ratio_lo)).toBe(caribbean.rateRatio!.lo);
    expect(Number(line.p)).toBe(caribbean.p);
    expect(Number(csv.find((x) => x.row_type === 'fit')!.poisson_dispersion)).toBe(m.poissonDispersion);
    expect(csv.filter((x) => x.row_type === 'covariate').map((x) => x.term)).toEqual(['duration (per second)', 'SNR (per dB)', `condition=${NOISY}`]);
    expect(JSON.parse(renderJson(card)).models[0].groups.find((g: { group: string }) => g.group === 'caribbean').p).toBe(caribbean.p);
  });

  it('--model negbin fits NB2 and none leaves the section out', () => {
    const nb = buildServiceCard(meta, utts, { ...opts, model: 'negbin' });
    const [d] = groupRateRatios(utts, { groupBy: 'accent', covariates: ['duration', 'snr', 'condition'], family: 'negbin', se: 'CR1', referenceGroup: 'scottish' });
    expect(nb.models[0].family).toBe('negbin');
    expect(nb.models[0].nbAlpha).toBe(d.alpha);
    expect(nb.models[0].groups.find((g) => g.group === 'caribbean')!.rateRatio).toEqual(d.groups.find((g) => g.group === 'caribbean')!.rateRatio);
    expect(renderMarkdown(nb)).toContain('## Model-based view by accent (negative binomial regression, speaker-clustered CR1 errors)');
    const none = buildServiceCard(meta, utts, { ...opts, model: 'none' });
    expect(none.models).toEqual([]);
    expect(renderMarkdown(none)).not.toContain('Model-based view');
  });

  it('warns of overdispersion and suggests --model negbin', () => {
    // Errors either 0 or 12 insertions per utterance: far more variance than Poisson allows.
    const bursty = makeUtterances().map((u, i) => ({ ...u, words: { ...u.words, hits: u.words.ref, sub: 0, del: 0, ins: i % 4 === 0 ? 12 : 0 } }));
    const c = buildServiceCard(RunMetaSchema.parse(makeMeta()), bursty, { ...opts, model: 'poisson' });
    const w = c.models[0].warnings.find((x) => x.startsWith('overdispersion'));
    expect(c.models[0].poissonDispersion).toBeGreaterThan(1.5);
    expect(w).toMatch(/re-run with --model negbin/);
    expect(renderMarkdown(c)).toContain(`> Warning: ${mdEscape(w!)}`);
  });

  it('reports a model that cannot be fitted instead of failing the card', () => {
    const c = buildServiceCard(RunMetaSchema.parse(makeMeta()), makeUtterances(), { ...opts, referenceGroup: 'nowhere' });
    expect(c.models[0].error).toMatch(/reference group 'nowhere' not found/);
    expect(renderMarkdown(c)).toContain("Model not fitted: reference group 'nowhere' not found");
  });
});

describe('degradation under conditions', () => {
  const direct = analyseDegradation(utts, { groupBy: 'accent', resamples: 300, permutations: 300, seed: 3, minCell: DEFAULT_MIN_CELL, adjust: 'holm' });
  const d = card.degradation[0];

  it('equals analyseDegradation and flags the group that degrades significantly more', () => {
    expect(card.degradation).toHaveLength(1);
    expect(d.condition).toBe(NOISY);
    expect(d.conditionName).toBe('white noise 10 dB');
    expect(d.overall).toEqual(direct[0].overall);
    for (const r of direct[0].rows) {
      const c = d.rows.find((x) => x.group === r.group)!;
      expect(c).toMatchObject({
        speakers: r.speakers, utterances: r.utterances, werClean: r.werClean, werCondition: r.werCondition,
        degradation: r.degradation, excessOverRest: r.excessOverRest, p: r.p, pAdjusted: r.pAdjusted, smallCell: r.smallCell,
      });
    }
    // Direct WERs from the rows themselves.
    const wer = (cond: string, g: string) => {
      const x = utts.filter((u) => u.condition === cond && u.labels.accent === g);
      return x.reduce((s, u) => s + errorsOf(u), 0) / x.reduce((s, u) => s + u.words.ref, 0);
    };
    const caribbean = d.rows.find((r) => r.group === 'caribbean')!;
    expect(caribbean.werClean).toBeCloseTo(wer('clean', 'caribbean'), 12);
    expect(caribbean.degradation!.estimate).toBeCloseTo(wer(NOISY, 'caribbean') - wer('clean', 'caribbean'), 12);
    expect(d.rows.map((r) => [r.group, r.degradesMore])).toEqual([['caribbean', true], ['welsh', false], ['scottish', false]]);
  });

  it('prints in Markdown, CSV, JSON and HTML', () => {
    expect(md).toContain('## Degradation under conditions');
    expect(md).toContain('### Mock ASR · white noise 10 dB vs clean · by accent');
    const caribbean = d.rows.find((r) => r.group === 'caribbean')!;
    expect(md).toContain(`| ${fmtGap(caribbean.degradation)} | ${fmtGap(caribbean.excessOverRest)} | ${fmtP(caribbean.pAdjusted)} | degrades more |`);
    expect(md).toMatch(/Degradation: per group, WER\(condition\) − WER\(clean\) on the same utterances/);
    const csv = parseCsv(renderDegradationCsv(card));
    const line = csv.find((x) => x.group === 'caribbean')!;
    expect(Number(line.excess_over_rest)).toBe(caribbean.excessOverRest!.estimate);
    expect(Number(line.p_adjusted)).toBe(caribbean.pAdjusted);
    expect(line.degrades_more).toBe('true');
    expect(Number(csv.find((x) => x.row_type === 'overall')!.degradation)).toBe(d.overall!.estimate);
    expect(JSON.parse(renderJson(card)).degradation[0].rows[0].excessOverRest.estimate).toBe(caribbean.excessOverRest!.estimate);
    const html = renderHtml(card, { dir: '/tmp', utterances: utts });
    expect(html).toContain('<h2>Degradation under conditions</h2>');
    expect(html).toContain('<span class="flag sig">degrades more</span>');
  });

  it('appears only with the clean condition and another one', () => {
    const cleanOnly = utts.filter((u) => u.condition === 'clean');
    const a = buildServiceCard(meta, cleanOnly, opts);
    expect(a.degradation).toEqual([]);
    expect(renderMarkdown(a)).not.toContain('Degradation');
    expect(renderHtml(a, { dir: '/tmp', utterances: cleanOnly })).not.toContain('Degradation under conditions');
    // Two conditions, neither clean: nothing to compare with.
    const noClean = utts.map((u) => ({ ...u, condition: u.condition === 'clean' ? 'reverb' : u.condition }));
    expect(buildServiceCard(meta, noClean, opts).degradation).toEqual([]);
    // A different clean reference by option.
    const renamed = utts.map((u) => ({ ...u, condition: u.condition === 'clean' ? 'studio' : u.condition }));
    const c = buildServiceCard(meta, renamed, { ...opts, cleanCondition: 'studio' });
    expect(c.degradation[0].cleanCondition).toBe('studio');
    expect(c.degradation[0].rows.find((r) => r.group === 'caribbean')!.excessOverRest).toEqual(d.rows.find((r) => r.group === 'caribbean')!.excessOverRest);
  });

  it('writes card-degradation.csv and card-model.csv beside card.csv, and removes a stale one', () => {
    const root = mkdtempSync(join(tmpdir(), 'asrfair-sec-'));
    try {
      const files = writeReport(card, { dir: root, utterances: utts }, root, ['csv']);
      expect(files.map((f) => f.slice(root.length + 1))).toEqual(['card.csv', DEGRADATION_CSV, MODEL_CSV, 'card-notes.csv']);
      const cleanOnly = utts.filter((u) => u.condition === 'clean');
      const again = writeReport(buildServiceCard(meta, cleanOnly, { ...opts, model: 'none' }), { dir: root, utterances: cleanOnly }, root, ['csv']);
      expect(again.map((f) => f.slice(root.length + 1))).toEqual(['card.csv', 'card-notes.csv']);
      expect(() => readFileSync(join(root, DEGRADATION_CSV))).toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('publish mode and escaping', () => {
  it('suppresses small cells in the model and degradation sections', () => {
    const c = buildServiceCard(meta, utts, { ...opts, publish: true });
    const welshDeg = c.degradation[0].rows.find((r) => r.group === 'welsh')!;
    expect(welshDeg).toMatchObject({ suppressed: true, degradation: null, excessOverRest: null, werClean: null, pAdjusted: null });
    const welshModel = c.models[0].groups.find((g) => g.group === 'welsh')!;
    expect(welshModel).toMatchObject({ suppressed: true, rateRatio: null, p: null, utterances: null });
    const text = renderMarkdown(c);
    const [fit] = groupRateRatios(utts, { groupBy: 'accent', covariates: ['duration', 'snr', 'condition'], family: 'poisson', se: 'CR1', referenceGroup: 'scottish' });
    const welshRR = fit.groups.find((g) => g.group === 'welsh')!.rateRatio;
    expect(text).not.toContain(fmtRatio(welshRR));
    expect(text).toContain(`| welsh † | — | — | — |`);
    expect(renderModelCsv(c)).not.toContain(String(welshRR!.estimate));
  });

  it('escapes group and condition names in the new sections', () => {
    const evil = '<img src=x onerror=alert(1)>|x';
    const hostile = utts.map((u) => (u.labels.accent === 'welsh' ? { ...u, labels: { ...u.labels, accent: evil } } : u));
    const m = RunMetaSchema.parse(makeMeta({ conditions: [{ key: 'clean', name: 'clean' }, { key: NOISY, name: '<b>noise</b>' }] }));
    const c = buildServiceCard(m, hostile, { ...opts, minCell: { speakers: 1, words: 1 } });
    const html = renderHtml(c, { dir: '/tmp', utterances: hostile });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>noise</b>');
    expect(html).toContain('&lt;b&gt;noise&lt;/b&gt;');
    const text = renderMarkdown(c);
    expect(text).not.toMatch(/(?<!\\)<img/);
    const section = text.split('## Degradation under conditions')[1].split('\n');
    const head = section.find((l) => l.startsWith('| Group | Speakers | Utterances | WER clean'))!;
    const row = section.find((l) => l.startsWith('| \\<img'))!;
    expect(head).toContain('| WER \\<b>noise\\</b> |');
    const pipes = (s: string) => s.replace(/\\\|/g, '').split('|').length;
    expect(pipes(row)).toBe(pipes(head));
  });
});
