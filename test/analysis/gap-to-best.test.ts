/**
 * The gap-to-best interval counts the uncertainty of which group is best (Hsu 1996, comparisons with the best):
 * in a simulation with known group WERs, each group's 95% interval covers its true gap to the truly best group at
 * about the nominal rate, including a group nearly as good as the best (with the best group's identity fixed, its
 * interval missed its 0.5-point gap in about a third of the samples).
 */
import { describe, expect, it } from 'vitest';
import { analyseOneRun, resolveGroupOptions, gapToBestDraws } from '../../src/analysis/groups.ts';
import { labelGroup } from '../../src/analysis/cells.ts';
import { simulateUtterances } from './simulate.ts';

const RATES = [0.1, 0.105, 0.15, 0.2];
const TRUE_GAP = RATES.map((r) => r - Math.min(...RATES));

/** Share of `reps` simulated samples whose gap-to-best interval covers the true gap, per group. */
function coverage(reps: number, speakers: number): number[] {
  const o = resolveGroupOptions({ groupBy: 'accent', resamples: 500, permutations: 50, minCell: { speakers: 2, words: 1 } });
  const hits = RATES.map(() => 0);
  for (let rep = 0; rep < reps; rep++) {
    const utts = simulateUtterances({
      groups: RATES.map((wer, i) => ({ name: `g${i}`, speakers, wer })),
      utterancesPerSpeaker: 12,
      seed: 1000 + rep,
      speakerSd: 0.3,
    });
    const t = analyseOneRun(utts, labelGroup('accent'), { ...o, seed: rep + 1 }, 'sim', 'clean');
    t.rows.forEach((r, i) => {
      if (r.gapToBest.lo <= TRUE_GAP[i] && TRUE_GAP[i] <= r.gapToBest.hi) hits[i]++;
    });
  }
  return hits.map((h) => h / reps);
}

describe('gap to the best group: interval with the best group estimated per bootstrap draw', () => {
  it('covers the true gap at about the nominal 95% for every group, the near-best one included (30 speakers per group, 160 samples)', () => {
    const cov = coverage(160, 30);
    // 160 samples: a true 95% coverage gives ≥ 0.89 with probability > 0.99 (binomial).
    for (const c of cov) expect(c).toBeGreaterThanOrEqual(0.89);
  }, 120_000);

  it('takes each draw against the lowest candidate rate of that draw, skipping NaN draws', () => {
    const d = gapToBestDraws([Float64Array.of(0.1, 0.3, NaN), Float64Array.of(0.2, 0.2, NaN), Float64Array.of(0.05, 0.05, 0.05)], [0, 1]);
    expect([...d]).toEqual([0.1, 0.2, NaN]);
  });
});
