import { describe, expect, it } from 'vitest';
import { analyseSlices, sliceOf } from '../../src/analysis/slices.ts';
import { simulateUtterances } from './simulate.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';

/** accent × gender where only scottish women are served badly (gender alternates by speaker). */
function corpus(badRate: number, seed: number): ScoredUtterance[] {
  const gender = (i: number) => ({ gender: i % 2 ? 'female' : 'male' });
  const good = simulateUtterances({
    groups: [
      { name: 'irish', speakers: 24, wer: 0.1 },
      { name: 'welsh', speakers: 24, wer: 0.1 },
    ],
    utterancesPerSpeaker: 8,
    seed,
    extraLabels: gender,
  });
  const scotsMen = simulateUtterances({ groups: [{ name: 'scottish', speakers: 12, wer: 0.1 }], utterancesPerSpeaker: 8, seed: seed + 1, extraLabels: () => ({ gender: 'male' }) });
  const scotsWomen = simulateUtterances({ groups: [{ name: 'scottish', speakers: 12, wer: badRate }], utterancesPerSpeaker: 8, seed: seed + 2, extraLabels: () => ({ gender: 'female' }) })
    .map((u) => ({ ...u, speaker: `f-${u.speaker}`, id: `f-${u.id}` }));
  return [...good, ...scotsMen, ...scotsWomen];
}

describe('analyseSlices', () => {
  it('names slices by key=value and undeclared', () => {
    expect(sliceOf({ labels: { accent: 'x' } }, ['accent', 'gender'])).toBe('accent=x × gender=undeclared');
  });

  it('finds the worst intersection and it survives correction', () => {
    const [t] = analyseSlices(corpus(0.25, 3), { keys: ['accent', 'gender'], resamples: 300, permutations: 1000 });
    expect(t.rows).toHaveLength(6);
    expect(t.tested).toBe(6);
    expect(t.worst!.slice).toBe('accent=scottish × gender=female');
    expect(t.worst!.survivesCorrection).toBe(true);
    expect(t.worst!.survivesMaxT).toBe(true);
    expect(t.worst!.pMaxT).toBeLessThan(0.01);
    expect(t.worst!.pAdjusted).toBeGreaterThanOrEqual(t.worst!.p);
  });

  it('on null corpora the worst slice rarely survives correction (family-wise error ≈ 5%)', () => {
    let holm = 0;
    let maxT = 0;
    const runs = 40;
    for (let seed = 100; seed < 100 + runs; seed++) {
      const [t] = analyseSlices(corpus(0.1, seed * 7), {
        keys: ['accent', 'gender'],
        resamples: 50,
        permutations: 400,
        minCell: { speakers: 12, words: 500 },
      });
      expect(t.tested).toBe(t.rows.filter((r) => !r.smallCell).length);
      if (t.worst!.survivesCorrection) holm++;
      if (t.worst!.survivesMaxT) maxT++;
      // maxT adjusts for picking the worst: never below the worst slice's one-sided raw p (≈ p/2).
      expect(t.worst!.pMaxT).toBeGreaterThanOrEqual(t.worst!.p / 2 - 0.01);
    }
    // Expected ≈ 2 of 40 at α = 0.05; P(Bin(40, .05) > 6) < 0.003.
    expect(holm).toBeLessThanOrEqual(6);
    expect(maxT).toBeLessThanOrEqual(6);
  });

  it('small slices are reported but neither tested nor picked as worst', () => {
    // Keep 6 of the 12 badly served speakers: their slice is the worst but below the 10-speaker minimum.
    const us = corpus(0.25, 3).filter((u) => !/^f-scottish-spk([6-9]|1[01])-/.test(u.id));
    const [t] = analyseSlices(us, { keys: ['accent', 'gender'], resamples: 50, permutations: 200 });
    const small = t.rows.filter((r) => r.smallCell);
    expect(small.map((r) => [r.group, r.speakers])).toEqual([['accent=scottish × gender=female', 6]]);
    expect(t.tested).toBe(5);
    for (const r of small) expect(r.permutation.pAdjusted).toBeNaN();
    expect(t.worst!.slice).not.toMatch(/scottish/);
  });

  it("settles the worst slice's pMaxT against α by drawing more (MMCTest), reporting its Monte Carlo interval", () => {
    const utts = simulateUtterances({
      groups: [{ name: 'a', speakers: 12, wer: 0.1 }, { name: 'b', speakers: 12, wer: 0.1 }, { name: 'c', speakers: 12, wer: 0.14 }],
      utterancesPerSpeaker: 6,
      seed: 5,
    });
    const [t] = analyseSlices(utts, { keys: ['accent'], resamples: 20, permutations: 200, maxPermutations: 50_000 });
    const w = t.worst!;
    // 36!/(12!)^3 relabellings: sampled; 200 draws left "pMaxT < 0.05" open, so they were doubled until it was not.
    expect(w.pMaxTExact).toBe(false);
    expect(w.pMaxTPermutations).toBeGreaterThan(200);
    expect(w.pMaxTDecided).toBe(true);
    expect(w.pMaxTHi).toBeLessThan(0.05);
    expect(w.pMaxTLo).toBeLessThanOrEqual(w.pMaxT);
    expect(w.survivesMaxT).toBe(true);
    // Without the extension (the cap at the first batch) the same test stays undecided and does not survive.
    const [capped] = analyseSlices(utts, { keys: ['accent'], resamples: 20, permutations: 200, maxPermutations: 200 });
    expect(capped.worst!.pMaxTDecided).toBe(false);
    expect(capped.worst!.survivesMaxT).toBe(false);
    // The card does not compute it.
    expect(analyseSlices(utts, { keys: ['accent'], resamples: 20, permutations: 200, maxT: false })[0].worst!.pMaxT).toBeNaN();
  });
});
