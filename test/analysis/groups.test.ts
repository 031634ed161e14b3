import { describe, expect, it } from 'vitest';
import { analyseGroups, adjustGroupTables } from '../../src/analysis/groups.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { simulateUtterances } from './simulate.ts';

const base = simulateUtterances({
  groups: [
    { name: 'a', speakers: 30, wer: 0.1 },
    { name: 'b', speakers: 30, wer: 0.2 },
    { name: 'c', speakers: 4, wer: 0.1 },
  ],
  utterancesPerSpeaker: 8,
  seed: 5,
});

function pooled(us: ScoredUtterance[]): number {
  const ok = us.filter((u) => u.status === 'ok');
  const e = ok.reduce((s, u) => s + u.words.sub + u.words.del + u.words.ins, 0);
  return e / ok.reduce((s, u) => s + u.words.ref, 0);
}

describe('analyseGroups', () => {
  const [table] = analyseGroups(base, { groupBy: 'accent', resamples: 1000, permutations: 1000 });
  const row = (g: string) => table.rows.find((r) => r.group === g)!;

  it('pools WER per group and overall (Σerrors/Σwords) with CIs around it', () => {
    for (const g of ['a', 'b', 'c']) {
      const r = row(g);
      expect(r.wer.estimate).toBeCloseTo(pooled(base.filter((u) => u.labels.accent === g)), 12);
      // c has 4 speakers, below the minimum cell's 10: no speaker-bootstrap interval (intervalMinSpeakers).
      if (g === 'c') {
        expect([r.wer.lo, r.wer.hi, r.gapToRest.lo, r.gapToBest.lo]).toEqual([NaN, NaN, NaN, NaN]);
        continue;
      }
      expect(r.wer.lo).toBeLessThan(r.wer.estimate);
      expect(r.wer.hi).toBeGreaterThan(r.wer.estimate);
    }
    expect(table.overall.wer.estimate).toBeCloseTo(pooled(base), 12);
    expect(table.overall.speakers).toBe(64);
    expect(row('a').utterances).toBe(240);
    expect(row('a').shares.sub + row('a').shares.del + row('a').shares.ins).toBeCloseTo(1, 12);
  });

  it('flags the small cell and picks the best group among eligible ones', () => {
    expect(row('c').smallCell).toBe(true);
    expect(row('a').smallCell).toBe(false);
    expect(table.bestGroup).toBe('a');
    expect(row('a').gapToBest.estimate).toBe(0);
    const b = row('b');
    expect(b.gapToBest.estimate).toBeCloseTo(b.wer.estimate - row('a').wer.estimate, 12);
    expect(b.gapToBest.lo).toBeGreaterThan(0);
    expect(b.ratioToBest.lo).toBeGreaterThan(1);
  });

  it('finds the real gap significant and adjusts p across groups', () => {
    const b = row('b');
    expect(b.permutation.diff).toBeGreaterThan(0.05);
    expect(b.permutation.p).toBeLessThan(0.01);
    expect(b.welch.p).toBeLessThan(0.01);
    expect(b.permutation.pAdjusted).toBeGreaterThanOrEqual(b.permutation.p);
    expect(table.withinBetween.ratio).toBeGreaterThan(1);
    expect(table.withinBetween.p).toBeLessThan(0.05);
    expect(b.minDetectableGap).toBeGreaterThan(0);
    // c (4 speakers, below the minimum cell): its per-speaker variance is no estimate, so no detectable gap.
    expect(row('c').minDetectableGap).toBeNaN();
  });

  it('is reproducible for a seed and changes with it', () => {
    const again = analyseGroups(base, { groupBy: 'accent', resamples: 1000, permutations: 1000 })[0];
    expect(again.rows[1].wer).toEqual(row('b').wer);
    const other = analyseGroups(base, { groupBy: 'accent', resamples: 1000, permutations: 1000, seed: 99 })[0];
    expect(other.rows[1].wer.lo).not.toBe(row('b').wer.lo);
  });

  it('counts failed utterances separately, maps missing labels to undeclared, splits backends', () => {
    const extra: ScoredUtterance[] = base.slice(0, 50).map((u, i) => ({
      ...u,
      backend: 'other',
      labels: i < 20 ? {} : u.labels,
      status: i % 10 === 0 ? 'failed' : 'ok',
    }));
    const tables = analyseGroups([...base, ...extra], { groupBy: 'accent', resamples: 200, permutations: 200, referenceGroup: 'a' });
    expect(tables.map((t) => `${t.backend}/${t.condition}`)).toEqual(['other/clean', 'sim/clean']);
    const other = tables[0];
    const und = other.rows.find((r) => r.group === 'undeclared')!;
    expect(und.utterances + und.failed).toBe(20);
    expect(und.failed).toBe(2);
    expect(other.overall.failed).toBe(5);
    const failedWords = extra.filter((u) => u.status === 'failed').reduce((s, u) => s + u.words.ref, 0);
    expect(other.overall.failedRefWords).toBe(failedWords);
    expect(other.overall.werFailedAsDeleted).toBeGreaterThan(other.overall.wer.estimate);
    // Reference-group gaps exist when the reference group is present.
    expect(tables[1].rows.find((r) => r.group === 'b')!.gapToReference!.estimate).toBeGreaterThan(0);
    // Holm over the rows of both tables that meet the minimum cell (small cells are not tested: adjusted p NaN).
    const all = tables.flatMap((t) => t.rows).filter((r) => r.permutation.tested);
    expect(all.length).toBe(tables.flatMap((t) => t.rows).filter((r) => !r.smallCell).length);
    for (const r of tables.flatMap((t) => t.rows).filter((x) => x.smallCell)) expect(r.permutation.pAdjusted).toBeNaN();
    const minP = Math.min(...all.map((r) => r.permutation.p));
    const minRow = all.find((r) => r.permutation.p === minP)!;
    expect(minRow.permutation.pAdjusted).toBeCloseTo(Math.min(1, minP * all.length), 12);
    const bh = adjustGroupTables(tables, 'bh');
    expect(bh[0].settings.adjust).toBe('bh');
  });

  it('does not call a null difference significant', () => {
    const nul = simulateUtterances({
      groups: [
        { name: 'x', speakers: 25, wer: 0.15 },
        { name: 'y', speakers: 25, wer: 0.15 },
      ],
      utterancesPerSpeaker: 8,
      seed: 77,
    });
    const [t] = analyseGroups(nul, { groupBy: 'accent', resamples: 500, permutations: 500 });
    for (const r of t.rows) expect(r.permutation.pAdjusted).toBeGreaterThan(0.05);
  });
});

describe('WER summaries: pooled, mean per-utterance (Koenecke et al. 2020), mean per-speaker', () => {
  const opts = { groupBy: 'accent', resamples: 500, permutations: 500 } as const;
  const [pooledT] = analyseGroups(base, opts);
  const [uttT] = analyseGroups(base, { ...opts, headline: 'mean-utterance' });
  const ok = (g: string) => base.filter((u) => u.labels.accent === g && u.status === 'ok' && u.words.ref > 0);
  const errs = (u: ScoredUtterance) => u.words.sub + u.words.del + u.words.ins;

  it('computes each by its definition, each with a bootstrap interval around it', () => {
    for (const g of ['a', 'b', 'c']) {
      const r = pooledT.rows.find((x) => x.group === g)!;
      const us = ok(g);
      const meanUtt = us.reduce((a, u) => a + errs(u) / u.words.ref, 0) / us.length;
      const speakers = [...new Set(us.map((u) => u.speaker))];
      const meanSpk = speakers.reduce((a, s) => {
        const su = us.filter((u) => u.speaker === s);
        return a + su.reduce((x, u) => x + errs(u), 0) / su.reduce((x, u) => x + u.words.ref, 0);
      }, 0) / speakers.length;
      expect(r.werMetrics.pooled).toEqual(r.wer);
      expect(r.werMetrics['mean-utterance'].estimate).toBeCloseTo(meanUtt, 12);
      expect(r.werMetrics['mean-speaker'].estimate).toBeCloseTo(meanSpk, 12);
      expect(r.werMetrics['mean-speaker'].estimate).toBeCloseTo(r.meanSpeakerWer, 12);
      for (const m of ['mean-utterance', 'mean-speaker'] as const) {
        if (g === 'c') {
          expect([r.werMetrics[m].lo, r.werMetrics[m].hi]).toEqual([NaN, NaN]);
          continue;
        }
        expect(r.werMetrics[m].lo).toBeLessThan(r.werMetrics[m].estimate);
        expect(r.werMetrics[m].hi).toBeGreaterThan(r.werMetrics[m].estimate);
      }
    }
  });

  it('the headline metric drives WER, gaps and tests; the others are the same numbers whichever leads', () => {
    for (const g of ['a', 'b', 'c']) {
      const p = pooledT.rows.find((x) => x.group === g)!;
      const u = uttT.rows.find((x) => x.group === g)!;
      expect(u.wer).toEqual(u.werMetrics['mean-utterance']);
      // Same resampled speakers whichever metric leads: intervals agree exactly.
      expect(u.werMetrics).toEqual(p.werMetrics);
      expect(u.gapToOverall.estimate).toBeCloseTo(u.werMetrics['mean-utterance'].estimate - uttT.overall.werMetrics['mean-utterance'].estimate, 12);
    }
    expect(uttT.settings.headline).toBe('mean-utterance');
  });
});
