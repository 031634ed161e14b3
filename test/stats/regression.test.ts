import { describe, expect, it } from 'vitest';
import { countRegression } from '../../src/stats/regression.ts';
import { cholesky, choleskyInverse, choleskySolve } from '../../src/stats/linalg.ts';
import { createRng } from '../../src/stats/rng.ts';
import { logOddsDirichlet, informativePrior } from '../../src/stats/logodds.ts';

/** Poisson draw (Knuth for small means, normal approximation above 50). */
function poisson(rng: ReturnType<typeof createRng>, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const L = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > L);
  return k - 1;
}

describe('linear algebra', () => {
  it('Cholesky solves and inverts a 3×3 SPD system', () => {
    const A = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    const L = cholesky(A, 3);
    // Textbook factor of this matrix: L = [[2,0,0],[6,1,0],[-8,5,3]].
    expect(Array.from(L)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    const x = choleskySolve(L, 3, [1, 2, 3]);
    const back = [0, 1, 2].map((i) => A[i * 3] * x[0] + A[i * 3 + 1] * x[1] + A[i * 3 + 2] * x[2]);
    back.forEach((v, i) => expect(v).toBeCloseTo(i + 1, 10));
    const inv = choleskyInverse(L, 3);
    expect(inv[0] * A[0] + inv[1] * A[3] + inv[2] * A[6]).toBeCloseTo(1, 10);
    expect(() => cholesky(Float64Array.from([1, 1, 1, 1]), 2)).toThrow(/positive definite/);
  });
});

describe('Poisson regression', () => {
  it('two groups: the MLE rate ratio is the ratio of pooled rates (closed form)', () => {
    const rng = createRng(3);
    const n = 400;
    const X = new Float64Array(n * 2);
    const y = new Float64Array(n);
    const offset = new Float64Array(n);
    const cluster = new Int32Array(n);
    const sums = [0, 0, 0, 0]; // errors0, words0, errors1, words1
    for (let i = 0; i < n; i++) {
      const g = i % 2;
      const words = 5 + rng.int(20);
      X[i * 2] = 1;
      X[i * 2 + 1] = g;
      y[i] = poisson(rng, words * (g ? 0.2 : 0.1));
      offset[i] = Math.log(words);
      cluster[i] = Math.floor(i / 4);
      sums[2 * g] += y[i];
      sums[2 * g + 1] += words;
    }
    const fit = countRegression({ y, offset, X, names: ['(intercept)', 'g'], cluster });
    expect(fit.converged).toBe(true);
    // With one binary factor the score equations give exp(b0) = E0/W0 and exp(b0+b1) = E1/W1 exactly.
    expect(fit.coefficients[0].rateRatio.estimate).toBeCloseTo(sums[0] / sums[1], 10);
    expect(fit.coefficients[1].rateRatio.estimate).toBeCloseTo(sums[2] / sums[3] / (sums[0] / sums[1]), 10);
    expect(fit.seType).toBe('CR1');
  });

  it('recovers known rate ratios with clustered CIs on a large simulated set', () => {
    const rng = createRng(8);
    const trueRR = [1, 1.5, 0.6];
    const speakers = 600;
    const perSpeaker = 10;
    const n = speakers * perSpeaker;
    const p = 4; // intercept, g1, g2, snr
    const X = new Float64Array(n * p);
    const y = new Float64Array(n);
    const offset = new Float64Array(n);
    const cluster = new Int32Array(n);
    let row = 0;
    for (let s = 0; s < speakers; s++) {
      const g = s % 3;
      const spkEffect = Math.exp(0.4 * rng.normal() - 0.08);
      for (let k = 0; k < perSpeaker; k++, row++) {
        const words = 5 + rng.int(20);
        const snr = 10 * rng.normal();
        X[row * p] = 1;
        if (g > 0) X[row * p + g] = 1;
        X[row * p + 3] = snr;
        // log rate = log 0.1 + log RR_g − 0.02·snr + speaker effect
        y[row] = poisson(rng, words * 0.1 * trueRR[g] * Math.exp(-0.02 * snr) * spkEffect);
        offset[row] = Math.log(words);
        cluster[row] = s;
      }
    }
    const fit = countRegression({ y, offset, X, names: ['(intercept)', 'g1', 'g2', 'snr'], cluster });
    const [, g1, g2, snr] = fit.coefficients;
    expect(g1.rateRatio.estimate).toBeGreaterThan(1.5 * 0.9);
    expect(g1.rateRatio.estimate).toBeLessThan(1.5 * 1.1);
    expect(g1.rateRatio.lo).toBeLessThan(1.5);
    expect(g1.rateRatio.hi).toBeGreaterThan(1.5);
    expect(g2.rateRatio.lo).toBeLessThan(0.6);
    expect(g2.rateRatio.hi).toBeGreaterThan(0.6);
    expect(snr.estimate).toBeCloseTo(-0.02, 2);
    // Speaker heterogeneity: the clustered SE of a speaker-level factor must exceed the model SE.
    expect(g1.se).toBeGreaterThan(g1.modelSe * 1.2);
    expect(fit.clusters).toBe(speakers);

    const nb = countRegression({ y, offset, X, names: ['(intercept)', 'g1', 'g2', 'snr'], cluster }, { family: 'negbin' });
    expect(nb.alpha).toBeGreaterThan(0.05);
    expect(nb.alpha).toBeLessThan(0.4); // speaker effect variance exp(0.16) − 1 ≈ 0.17
    expect(nb.coefficients[1].rateRatio.estimate).toBeCloseTo(g1.rateRatio.estimate, 1);
  });

  it('warns about overdispersion when counts are far more variable than Poisson', () => {
    const rng = createRng(4);
    const n = 2000;
    const X = new Float64Array(n).fill(1);
    const y = new Float64Array(n);
    const offset = new Float64Array(n);
    const cluster = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      offset[i] = Math.log(20);
      y[i] = poisson(rng, 20 * 0.2 * Math.exp(1.2 * rng.normal() - 0.72));
    }
    const fit = countRegression({ y, offset, X, names: ['(intercept)'], cluster });
    expect(fit.poissonDispersion).toBeGreaterThan(1.5);
    expect(fit.warnings.join(' ')).toMatch(/overdispersion/);
  });
});

describe('log-odds with Dirichlet prior', () => {
  it('matches a hand computation', () => {
    // A: x 10, y 0; B: x 5, y 5; α_w = 1 (α0 = 2), nA = nB = 10.
    // δ_x = ln(11/(10+2−10−1)) − ln(6/(10+2−5−1)) = ln 11 = 2.397895; var = 1/11 + 1/6 = 0.257576
    // z_x = 2.397895/√0.257576 = 2.397895/0.507519 = 4.724738 ; δ_y = ln(1/11) − ln(6/6) = −2.397895, var = 1 + 1/6
    const r = logOddsDirichlet({ x: 10, y: 0 }, { x: 5, y: 5 }, 1);
    expect(r[0].feature).toBe('x');
    expect(r[0].delta).toBeCloseTo(Math.log(11), 12);
    expect(r[0].variance).toBeCloseTo(1 / 11 + 1 / 6, 12);
    expect(r[0].z).toBeCloseTo(4.724738, 5);
    expect(r[1].delta).toBeCloseTo(-Math.log(11), 12);
    expect(r[1].variance).toBeCloseTo(7 / 6, 12);
  });

  it('informative prior scales background frequencies', () => {
    const prior = informativePrior(new Map([['a', 30], ['b', 10]]), 8);
    expect(prior).toEqual({ a: 6, b: 2 });
    const r = logOddsDirichlet({ a: 3, b: 1 }, { a: 3, b: 1 }, prior);
    r.forEach((f) => expect(f.delta).toBeCloseTo(0, 12));
  });
});
