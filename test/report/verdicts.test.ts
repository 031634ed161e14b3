/**
 * Issue 14, points 5–8: p-values printed with enough digits near α, one-speaker cells without an
 * interval, the group–covariate collinearity diagnostic and its inline warning, the hint when no
 * utterance declares the grouping key (on a real Kaldi import), and the terminal summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupCovariateR2 } from '../../src/analysis/collinearity.ts';
import { groupOnlyPoissonRateRatios, groupRateRatios } from '../../src/analysis/model.ts';
import { labelKeyCounts, suggestGroupKey, groupKeyWarning } from '../../src/analysis/label-keys.ts';
import { fmtP, fmtPctInterval } from '../../src/report/format.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';
import { renderModelCsv } from '../../src/report/render-csv.ts';
import { parseCsv } from './parse-csv.ts';
import { renderTerminalSummary, termSafe } from '../../src/report/render-terminal.ts';
import { RunMetaSchema } from '../../src/score/run-export.ts';
import { BIN } from '../helpers/cli.ts';
import { makeMeta, makeUtterances } from './fixture.ts';

const tmp = mkdtempSync(join(tmpdir(), 'asrfair-verdicts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const meta = RunMetaSchema.parse(makeMeta());

describe('p-values near α', () => {
  it('print more digits near 0.05 and never round across it', () => {
    expect(fmtP(0.0496)).toBe('0.0496');
    expect(fmtP(0.04996)).toBe('0.04996'); // 0.0500 would read as "not below α"
    expect(fmtP(0.0504)).toBe('0.0504');
    expect(fmtP(0.05)).toBe('0.0500');
    expect(fmtP(0.2)).toBe('0.200');
    expect(fmtP(0.0123)).toBe('0.012');
    expect(fmtP(0.0004)).toBe('<0.001');
    // α = 0.01: digits follow the level in use.
    expect(fmtP(0.00996, 0.01)).toBe('0.00996');
    for (let p = 0.03; p < 0.07; p += 0.000013) expect(Number(fmtP(p)) < 0.05, String(p)).toBe(p < 0.05);
  });
});

describe('a one-speaker cell', () => {
  const utts = makeUtterances({ groups: [
    { accent: 'scottish', speakers: 12, uttsPerSpeaker: 4, errorRate: 0.1 },
    { accent: 'solo', speakers: 1, uttsPerSpeaker: 6, errorRate: 0.4 },
  ] });
  const card = buildServiceCard(meta, utts, { groupBy: 'accent', bootstrap: 200 });
  const solo = card.tables[0].rows.find((r) => r.group === 'solo')!;

  it('has no interval (not a zero-width one) for its WER and gaps, and the card says why', () => {
    expect(solo.speakers).toBe(1);
    expect(Number.isNaN(solo.wer!.lo) && Number.isNaN(solo.wer!.hi)).toBe(true);
    expect(Number.isNaN(solo.gapToRest!.lo)).toBe(true);
    expect(Number.isNaN(solo.gapToBest!.lo)).toBe(true);
    expect(fmtPctInterval(solo.wer)).toMatch(/^\d+\.\d% \[—\]$/);
    const md = renderMarkdown(card);
    expect(md).toMatch(/\| solo \| 1 \| 6 \| [\d.]+ \| \d+ \| \d+\.\d% \[—\] \| \+\d+\.\d pp \[—\] \|/);
    expect(md).toContain("\\[—\\] = no interval: fewer than 10 speakers (the minimum cell's speaker rule)");
    // The 12-speaker group keeps its interval.
    const sc = card.tables[0].rows.find((r) => r.group === 'scottish')!;
    expect(sc.wer!.hi).toBeGreaterThan(sc.wer!.lo);
  });
});

describe('collinearity of the grouping with a covariate', () => {
  it('R² is the between-group share of the sum of squares (η²), VIF = 1/(1 − R²)', () => {
    // Groups a = {1,2,3}, b = {4,5,6}: grand mean 3.5, SS_total 17.5, SS_between 3·1.5² + 3·1.5² = 13.5.
    const c = groupCovariateR2('snr', ['a', 'a', 'a', 'b', 'b', 'b'], [1, 2, 3, 4, 5, 6]);
    expect(c.r2).toBeCloseTo(13.5 / 17.5, 12);
    expect(c.vif).toBeCloseTo(1 / (1 - 13.5 / 17.5), 12);
    expect(groupCovariateR2('snr', ['a', 'b', 'a', 'b'], [1, 1, 2, 2]).r2).toBe(0);
    expect(groupCovariateR2('snr', ['a', 'a', 'b', 'b'], [1, 1, 2, 2]).vif).toBe(Infinity);
  });

  it('the closed-form group-only Poisson fit equals the iterative count regression (estimate and CR1 interval)', () => {
    const utts = makeUtterances();
    const [fit] = groupRateRatios(utts, { groupBy: 'accent', covariates: [], family: 'poisson', se: 'CR1', referenceGroup: 'scottish' });
    const closed = groupOnlyPoissonRateRatios(utts, 'accent', 'scottish');
    for (const g of fit.groups) {
      const c = closed.get(g.group)!;
      expect(c.estimate).toBeCloseTo(g.rateRatio.estimate, 8);
      expect(c.lo).toBeCloseTo(g.rateRatio.lo, 8);
      expect(c.hi).toBeCloseTo(g.rateRatio.hi, 8);
    }
  });

  it('warns on the model table when SNR is (nearly) a copy of the group, and not when it is independent', () => {
    const base = makeUtterances();
    let k = 0;
    const jitter = () => ((k = (k * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const copied = base.map((u) => ({ ...u, durationSec: 3 + jitter(), snrDb: (u.labels.accent === 'caribbean' ? 8 : 30) + jitter() }));
    const card = buildServiceCard(meta, copied, { groupBy: 'accent', bootstrap: 200, model: 'poisson' });
    const m = card.models[0];
    const snr = m.collinearity.find((c) => c.covariate === 'snr')!;
    expect(snr.r2).toBeGreaterThan(0.95);
    expect(m.collinearityWarnings, JSON.stringify(m.collinearity)).toHaveLength(1);
    expect(m.collinearityWarnings[0]).toMatch(/^Estimated SNR is collinear with accent: accent explains \d+% of its variance \((R² 0\.9\d|R² 1\.00), VIF [\d.]+\), so the model cannot tell the group's effect from the SNR's\./);
    const md = renderMarkdown(card);
    const warn = md.indexOf('> **Collinearity warning:**');
    expect(warn).toBeGreaterThan(md.indexOf('## Model-based view'));
    expect(warn).toBeLessThan(md.indexOf('| Group (accent) | Utterances | Rate ratio [95% CI] |'));

    const csv = parseCsv(renderModelCsv(card));
    const snrLine = csv.find((r) => r.row_type === 'covariate' && r.term === 'SNR (per dB)')!;
    expect(Number(snrLine.covariate_r2)).toBeCloseTo(snr.r2, 12);
    expect(csv.find((r) => r.row_type === 'fit')!.note).toContain('Estimated SNR is collinear with accent');
    // Poisson with only the group and the log-words offset: the MLE rate ratio is exactly the ratio of pooled WERs.
    const pooled = (g: string) => {
      const us = copied.filter((u) => u.labels.accent === g);
      return us.reduce((a, u) => a + u.words.sub + u.words.del + u.words.ins, 0) / us.reduce((a, u) => a + u.words.ref, 0);
    };
    const ref = m.referenceGroup;
    const scottish = csv.find((r) => r.row_type === 'group' && r.term === (ref === 'scottish' ? 'caribbean' : 'scottish'))!;
    expect(Number(scottish.rate_ratio_no_covariates)).toBeCloseTo(pooled(scottish.term) / pooled(ref), 6);

    const independent = base.map((u) => ({ ...u, durationSec: 3 + jitter(), snrDb: 20 + 10 * jitter() }));
    const quiet = buildServiceCard(meta, independent, { groupBy: 'accent', bootstrap: 200, model: 'poisson' }).models[0];
    expect(quiet.collinearity.find((c) => c.covariate === 'snr')!.r2).toBeLessThan(0.2);
    expect(quiet.collinearityWarnings).toEqual([]);
  });
});

describe('grouping by a key nobody declares', () => {
  it('names the declared keys of a real Kaldi import (speechocean762) and suggests one', () => {
    const out = join(tmp, 'so.jsonl');
    const r = spawnSync(process.execPath, [BIN, 'import', 'kaldi', join(import.meta.dirname, '../../../shared/data/speechocean762-sample/test'), '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const utts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { labels: Record<string, string> });
    const counts = labelKeyCounts(utts);
    expect(counts.find((c) => c.key === 'gender')).toEqual({ key: 'gender', declared: 240, groups: 2 });
    // age has 12 values (one per speaker); gender is as declared, and *_raw keys are not suggested first.
    expect(suggestGroupKey(counts)).toMatch(/^(age|gender)$/);
    const hint = groupKeyWarning(utts, 'accent')!;
    expect(hint).toMatch(/^no utterance declares "accent" \(0 of 240\), so every speaker is in group "undeclared"\. Label keys declared: .*gender \(240 utterances, 2 groups\)/);
    expect(hint).toMatch(/Try --group-by (age|gender)\.$/);
    expect(groupKeyWarning(utts, 'gender')).toBeUndefined();
    // A typo of a declared key suggests that key, not the most declared one.
    expect(groupKeyWarning(utts, 'gendr')).toMatch(/Try --group-by gender\.$/);
    expect(groupKeyWarning(utts, 'Gender')).toMatch(/Try --group-by gender\.$/);
    // A key most utterances lack: the count is said (it was silent unless no utterance at all had it).
    const few = utts.map((u, i) => (i < 10 ? u : { ...u, labels: { ...u.labels, gender: '' } }));
    expect(groupKeyWarning(few, 'gender')).toMatch(/^only 10 of 240 utterances \(4%\) declare "gender"; the other 230 are in group "undeclared"\. .*Try --group-by age\.$/);
    const half = utts.map((u, i) => (i < 120 ? u : { ...u, labels: { ...u.labels, gender: 'undeclared' } }));
    expect(groupKeyWarning(half, 'gender')).toBeUndefined();
  });
});

describe('verdict flags', () => {
  it('flag a group significantly better than the rest as such, from the same test as "significant gap"', () => {
    const card = buildServiceCard(meta, makeUtterances(), { groupBy: 'accent', bootstrap: 300, model: 'none' });
    const rows = card.tables[0].rows;
    const scottish = rows.find((r) => r.group === 'scottish')!;
    expect(scottish.pAdjusted!).toBeLessThan(0.05);
    expect(scottish.diffToRest!).toBeLessThan(0);
    expect(scottish.flags).toEqual(['best', 'better-than-rest']);
    expect(scottish.gapToRest!.hi).toBeLessThan(0);
    expect(rows.find((r) => r.group === 'caribbean')!.flags).toEqual(['significant-gap']);
    expect(renderMarkdown(card)).toMatch(/^\| scottish \|.*\| best adequate group, better than rest \|/m);
  });
});

describe('terminal summary', () => {
  it('is plain text: control characters from labels cannot reach the terminal', () => {
    const utts = makeUtterances().map((u) => (u.labels.accent === 'welsh' ? { ...u, labels: { ...u.labels, accent: 'wel\u001b[2Jsh\u0007' } } : u));
    const card = buildServiceCard(meta, utts, { groupBy: 'accent', bootstrap: 200, model: 'none' });
    const text = renderTerminalSummary(card, [join(tmp, 'report/card.md')], { cwd: tmp });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('wel [2Jsh');
    expect(text).toMatch(/^ {2}caribbean +12 +[\d.]+% \[[\d.]+, [\d.]+\] +\+[\d.]+ pp \[[\d.]+, [\d.]+\] +[\d.<]+(?: \(MC [\d.<]+–[\d.<]+\))? +WORSE than rest \(significant\)$/m);
    expect(text).toMatch(/Top findings:\n {2}- caribbean: WER/);
    expect(text).toContain('  report/card.md');
    expect(termSafe('a\r\nb\u009bc')).toBe('a b c');
  });
});
