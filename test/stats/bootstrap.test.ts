import { describe, expect, it } from 'vitest';
import { stratifiedClusterBootstrap, stratumRateDraws, pairedClusterBootstrap } from '../../src/stats/bootstrap.ts';
import { percentileInterval } from '../../src/stats/descriptive.ts';
import { createRng } from '../../src/stats/rng.ts';

describe('seeded RNG', () => {
  it('is reproducible and roughly uniform', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.01);
    expect(createRng(43).next()).not.toBe(xs[0]);
  });
});

describe('speaker-cluster bootstrap', () => {
  it('95% percentile CI covers the true pooled WER about 95% of the time', () => {
    // 200 simulated corpora: 40 speakers × 8 utterances, speaker rate = 0.12·lognormal(sd .4, mean 1),
    // errors Binomial(words, rate) — so the true pooled WER is 0.12.
    const rng = createRng(2024);
    const truth = 0.12;
    let covered = 0;
    const sims = 200;
    for (let s = 0; s < sims; s++) {
      const spk = 40;
      const errors = new Float64Array(spk);
      const words = new Float64Array(spk);
      for (let i = 0; i < spk; i++) {
        const p = truth * Math.exp(0.4 * rng.normal() - 0.08);
        for (let u = 0; u < 8; u++) {
          const n = 5 + rng.int(16);
          words[i] += n;
          for (let w = 0; w < n; w++) if (rng.next() < p) errors[i]++;
        }
      }
      const d = stratifiedClusterBootstrap(new Int32Array(spk), 1, [{ errors, words }], 1000, s + 1);
      const ci = percentileInterval(stratumRateDraws(d, 0, 0), 0.95, NaN);
      if (ci.lo <= truth && truth <= ci.hi) covered++;
    }
    const coverage = covered / sims;
    expect(coverage).toBeGreaterThanOrEqual(0.91);
    expect(coverage).toBeLessThanOrEqual(0.98);
  });

  it('resamples within strata: each stratum keeps its word total when speakers are identical', () => {
    const errors = Float64Array.from([1, 1, 1, 5, 5]);
    const words = Float64Array.from([10, 10, 10, 10, 10]);
    const strata = Int32Array.from([0, 0, 0, 1, 1]);
    const d = stratifiedClusterBootstrap(strata, 2, [{ errors, words }], 50, 9);
    for (let b = 0; b < 50; b++) {
      expect(d.words[0][b * 2]).toBe(30);
      expect(d.words[0][b * 2 + 1]).toBe(20);
      expect(d.errors[0][b * 2 + 1]).toBe(10);
    }
  });

  it('paired bootstrap CI of a constant per-speaker difference collapses to it', () => {
    const a = { errors: Float64Array.from([3, 4, 5, 6]), words: Float64Array.from([10, 10, 10, 10]) };
    const b = { errors: Float64Array.from([2, 3, 4, 5]), words: Float64Array.from([10, 10, 10, 10]) };
    const ci = pairedClusterBootstrap(a, b, 500, 1);
    expect(ci.estimate).toBeCloseTo(0.1, 12);
    expect(ci.lo).toBeCloseTo(0.1, 12);
    expect(ci.hi).toBeCloseTo(0.1, 12);
  });
});
