import { describe, expect, it } from 'vitest';
import {
  fisherExact,
  mapsswe,
  permutationGroupVsRest,
  signTest,
  welchTTest,
  wilcoxonSignedRank,
  withinBetweenTest,
  maxStatisticTest,
} from '../../src/stats/tests.ts';
import { adjustPValues } from '../../src/stats/multiple.ts';
import { createRng } from '../../src/stats/rng.ts';

describe('Welch t-test', () => {
  it('reproduces the Wikipedia "Welch\'s t-test" example 1', () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    // By hand: mean1 = 312.3/15 = 20.82, s1² = 7.867429; mean2 = 344.8/15 = 22.986667, s2² = 3.812667.
    // se² = 7.867429/15 + 3.812667/15 = 0.524495 + 0.254178 = 0.778673 → se = 0.882425
    // t = (20.82 − 22.986667)/0.882425 = −2.45536
    // df = 0.778673² / (0.524495²/14 + 0.254178²/14) = 0.606332 / 0.0242647 = 24.9885
    // Wikipedia: t = −2.46, df ≈ 24.99, p = 0.021.
    const r = welchTTest(a1, a2);
    expect(r.meanA).toBeCloseTo(20.82, 10);
    expect(r.t).toBeCloseTo(-2.45536, 4);
    expect(r.df).toBeCloseTo(24.9885, 3);
    expect(r.p).toBeCloseTo(0.02138, 4);
  });
});

describe('multiple-testing adjustment', () => {
  // Benjamini & Hochberg (1995), §4: 15 p-values from a trial.
  const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];

  it('BH rejects the first four at q = 0.05, as in the paper', () => {
    const adj = adjustPValues(p, 'bh');
    expect(adj.filter((x) => x <= 0.05)).toHaveLength(4);
    // adj_1 = min_j 15 p_j / j = 15·0.0001/1 = 0.0015; adj_4 = 15·0.0095/4 = 0.035625
    expect(adj[0]).toBeCloseTo(0.0015, 12);
    expect(adj[3]).toBeCloseTo(0.035625, 12);
    // adj_5 = min(15·0.0201/5, 15·0.0278/6, 15·0.0298/7, 15·0.0344/8, 15·0.0459/9, …)
    //       = min(0.0603, 0.0695, 0.06386, 0.0645, 0.0765, …) = 0.0603
    expect(adj[4]).toBeCloseTo(0.0603, 12);
    expect(adj[14]).toBe(1);
  });

  it('Holm rejects the first three (step-down, monotone)', () => {
    const adj = adjustPValues(p, 'holm');
    // 15·0.0001 = 0.0015, 14·0.0004 = 0.0056, 13·0.0019 = 0.0247, 12·0.0095 = 0.114
    expect(adj.slice(0, 4).map((x) => +x.toFixed(6))).toEqual([0.0015, 0.0056, 0.0247, 0.114]);
    expect(adj.filter((x) => x <= 0.05)).toHaveLength(3);
  });

  it('keeps input order and ignores NaN', () => {
    const adj = adjustPValues([0.04, Number.NaN, 0.01], 'holm');
    expect(adj[0]).toBeCloseTo(0.04, 12);
    expect(adj[1]).toBeNaN();
    expect(adj[2]).toBeCloseTo(0.02, 12);
  });
});

describe('Fisher exact', () => {
  it('lady tasting tea: [[3,1],[1,3]]', () => {
    // Hypergeometric probabilities of x = 0..4: (1, 16, 36, 16, 1)/70.
    const r = fisherExact(3, 1, 1, 3);
    expect(r.p).toBeCloseTo(34 / 70, 12);
    expect(r.pGreater).toBeCloseTo(17 / 70, 12);
  });

  it('Wikipedia dieting example [[1,9],[11,3]]', () => {
    // P(x=1) = C(10,1)·C(14,11)/C(24,12) = 3640/2704156 = 0.0013461; two-sided 0.002759.
    const r = fisherExact(1, 9, 11, 3);
    expect(r.p).toBeCloseTo(0.0027594561852, 10);
    expect(r.pLess).toBeCloseTo((3640 + 91) / 2704156, 12);
  });
});

describe('paired tests', () => {
  it('sign test: 2 of 12 positive is exact binomial', () => {
    const d = [1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0];
    const r = signTest(d);
    expect(r).toMatchObject({ positive: 2, negative: 10, ties: 2 });
    // 2·(C(12,0) + C(12,1) + C(12,2))/2¹² = 158/4096
    expect(r.p).toBeCloseTo(158 / 4096, 14);
  });

  it('Wilcoxon signed-rank, exact: Hollander & Wolfe depression data (R wilcox.test example)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxonSignedRank(x.map((v, i) => v - y[i]));
    // R: V = 40, p-value = 0.03906 (= 2·10/512: 10 of the 512 sign patterns give W+ ≥ 40).
    expect(r.wPlus).toBe(40);
    expect(r.exact).toBe(true);
    expect(r.p).toBeCloseTo(20 / 512, 12);
  });

  it('Wilcoxon normal approximation with ties', () => {
    // d = 1,1,1,2,-2,3,3,3,3,3 → ranks of |d|: 1s → 2, 2s → 4.5, 3s → 8; W+ = 6 + 4.5 + 40 = 50.5
    // mean 27.5, var = 10·11·21/24 − (3³−3 + 2³−2 + 5³−5)/48 = 96.25 − 3.125 = 93.125
    // z = (50.5 − 27.5 − 0.5)/√93.125 = 2.33158
    const r = wilcoxonSignedRank([1, 1, 1, 2, -2, 3, 3, 3, 3, 3]);
    expect(r.exact).toBe(false);
    expect(r.wPlus).toBe(50.5);
    expect(r.z).toBeCloseTo(22.5 / Math.sqrt(93.125), 10);
  });

  it('MAPSSWE on a hand example', () => {
    // Z = [1,2,0,2]: mean 1.25, var = 2.75/3, W = 1.25 / (√(2.75/3)/2) = 2.611165, p = 0.009024
    const r = mapsswe([2, 3, 1, 4], [1, 1, 1, 2]);
    expect(r.w).toBeCloseTo(2.611165, 5);
    expect(r.p).toBeCloseTo(0.009024, 5);
    expect(() => mapsswe([1], [1, 2])).toThrow(/segments/);
  });
});

describe('permutation tests', () => {
  it('group vs rest p approaches the exact enumeration', () => {
    // 4 speakers, 10 words each, errors 0,1 (group 0) vs 5,6: of the 6 relabellings two reach |d| = 0.5.
    const totals = {
      errors: Float64Array.from([0, 1, 5, 6]),
      words: Float64Array.from([10, 10, 10, 10]),
      group: Int32Array.from([0, 0, 1, 1]),
      groups: 2,
    };
    const r = permutationGroupVsRest(totals, 0, 20000, 5);
    expect(r.statistic).toBeCloseTo(-0.5, 12);
    expect(r.p).toBeGreaterThan(1 / 3 - 0.015);
    expect(r.p).toBeLessThan(1 / 3 + 0.015);
    // same seed → same p
    expect(permutationGroupVsRest(totals, 0, 20000, 5).p).toBe(r.p);
  });

  it('within/between separates shifted groups and not identical ones', () => {
    const rng = createRng(11);
    const n = 60;
    const group = Int32Array.from({ length: n }, (_, i) => i % 3);
    const shifted = Float64Array.from(group, (g) => 0.1 + 0.05 * g + 0.02 * rng.normal());
    const same = Float64Array.from(group, () => 0.1 + 0.02 * rng.normal());
    const a = withinBetweenTest(shifted, group, 3, 999, 1);
    expect(a.ratio).toBeGreaterThan(1.5);
    expect(a.p).toBeLessThan(0.01);
    const b = withinBetweenTest(same, group, 3, 999, 1);
    expect(b.p).toBeGreaterThan(0.01);
  });
});

describe('max-statistic permutation', () => {
  it('controls for picking the worst of many null groups but finds a real one', () => {
    const rng = createRng(31);
    const G = 8;
    const n = 160;
    const group = Int32Array.from({ length: n }, (_, i) => i % G);
    const words = Float64Array.from({ length: n }, () => 100);
    const errors = Float64Array.from(group, (g) => Math.round(100 * (g === 7 ? 0.3 : 0.1) + 3 * rng.normal()));
    const totals = { errors, words, group, groups: G };
    const tested = Array.from({ length: G }, (_, g) => g !== 6);
    const p = Array.from({ length: G }, (_, g) => maxStatisticTest(totals, tested, g, 999, 2).p);
    expect(p[7]).toBeLessThan(0.01);
    expect(p[6]).toBeNaN();
    // The null groups are below the rest (group 7 is in the rest): never significant.
    for (let g = 0; g < 6; g++) expect(p[g]).toBeGreaterThan(0.5);
    // Adjusted p ≥ the single-group one-sided permutation p for the same data.
    const single = permutationGroupVsRest(totals, 7, 999, 2);
    expect(p[7]).toBeGreaterThanOrEqual(single.p / 2);
  });
});
