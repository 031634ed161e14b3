import { describe, expect, it } from 'vitest';
import { groupRateRatios } from '../../src/analysis/model.ts';
import { simulateUtterances } from './simulate.ts';

describe('groupRateRatios', () => {
  const clean = simulateUtterances({
    groups: [
      { name: 'big', speakers: 80, wer: 0.1 },
      { name: 'mid', speakers: 60, wer: 0.15 },
      { name: 'low', speakers: 60, wer: 0.05 },
    ],
    utterancesPerSpeaker: 12,
    seed: 21,
  });
  const noisy = simulateUtterances({
    groups: [
      { name: 'big', speakers: 80, wer: 0.2 },
      { name: 'mid', speakers: 60, wer: 0.3 },
      { name: 'low', speakers: 60, wer: 0.1 },
    ],
    utterancesPerSpeaker: 12,
    seed: 22,
    condition: 'noise',
  });

  it('recovers simulated rate ratios against the largest group, adjusting for condition', () => {
    const [m] = groupRateRatios([...clean, ...noisy], { groupBy: 'accent', covariates: ['condition'] });
    expect(m.referenceGroup).toBe('big');
    expect(m.seType).toBe('CR1');
    expect(m.covariatesUsed).toEqual(['condition']);
    const rr = Object.fromEntries(m.groups.map((g) => [g.group, g.rateRatio]));
    expect(rr.big).toEqual({ estimate: 1, lo: 1, hi: 1 });
    for (const [g, truth] of [['mid', 1.5], ['low', 0.5]] as const) {
      expect(rr[g].lo).toBeLessThan(truth);
      expect(rr[g].hi).toBeGreaterThan(truth);
      expect(Math.abs(rr[g].estimate / truth - 1)).toBeLessThan(0.1);
    }
    const cond = m.coefficients.find((c) => c.name === 'condition=noise')!;
    expect(cond.rateRatio.estimate).toBeGreaterThan(1.8);
    expect(cond.rateRatio.estimate).toBeLessThan(2.2);
  });

  it('honours a chosen reference group, covariates and the negative binomial option', () => {
    const withSnr = clean.map((u, i) => ({ ...u, snrDb: 10 + (i % 7) }));
    const [m] = groupRateRatios(withSnr, { groupBy: 'accent', referenceGroup: 'low', family: 'negbin' });
    expect(m.referenceGroup).toBe('low');
    expect(m.family).toBe('negbin');
    expect(m.alpha).toBeGreaterThanOrEqual(0);
    expect(m.covariatesUsed).toEqual(['duration', 'snr']);
    expect(m.groups.find((g) => g.group === 'mid')!.rateRatio.estimate).toBeGreaterThan(2);
    expect(() => groupRateRatios(withSnr, { groupBy: 'accent', referenceGroup: 'nope' })).toThrow(/reference group 'nope'/);
  });

  it('leaves out failed and empty-reference utterances and says so', () => {
    const us = clean.slice(0, 400).map((u, i) =>
      i < 3 ? { ...u, status: 'failed' as const } : i < 5 ? { ...u, words: { ref: 0, hits: 0, sub: 0, del: 0, ins: 1 } } : u,
    );
    const [m] = groupRateRatios(us, { groupBy: 'accent' });
    expect(m.failedExcluded).toBe(3);
    expect(m.droppedNoWords).toBe(2);
    expect(m.n).toBe(395);
  });
});
