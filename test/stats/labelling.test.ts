/**
 * Permutation tests over every group's labels at once (src/stats/permutation.ts `labellingTest`): exact over all
 * n!/Πn_g! relabellings when there are at most the limit, equal to brute force; sampled above it, with a Monte Carlo
 * interval that holds the exact p and narrows as `draw` extends it.
 */
import { describe, expect, it } from 'vitest';
import { labellingCount, labellingTest, monteCarloInterval } from '../../src/stats/permutation.ts';
import { withinBetweenTest } from '../../src/stats/tests.ts';
import { createRng } from '../../src/stats/rng.ts';
import { bruteForceLabellingP } from '../helpers/brute-permutation.ts';

describe('labellingCount', () => {
  it('is the multinomial coefficient n!/(n₁!…n_G!)', () => {
    expect(labellingCount([6, 6])).toBe(924);
    expect(labellingCount([4, 4, 4])).toBe(34_650);
    expect(labellingCount([3, 2, 1])).toBe(60);
    expect(labellingCount([5, 0, 2])).toBe(21);
  });
});

describe('labellingTest', () => {
  const rng = createRng(4);
  // Three unequal groups (5, 4, 2 clusters), the third shifted up.
  const group = Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2);
  const x = Float64Array.from(group, (g) => 0.2 + (g === 2 ? 0.08 : 0) + 0.05 * rng.normal());
  // The largest group mean minus the overall mean: a statistic of the per-group sums.
  const sizes = [5, 4, 2];
  const total = x.reduce((a, b) => a + b, 0);
  const statOfSums = (s: ArrayLike<number>) => Math.max(...sizes.map((k, g) => s[g] / k)) - total / 11;
  const statOfLabels = (labels: Int32Array) => {
    const s = [0, 0, 0];
    labels.forEach((l, i) => (s[l] += x[i]));
    return statOfSums(s);
  };
  const observed = statOfLabels(group);

  it('enumerates every relabelling (6,930) and equals brute force over all 3^11 label vectors', () => {
    const t = labellingTest([x], group, 3, (s) => statOfSums(s[0]) >= observed - 1e-12, 100, 1);
    const brute = bruteForceLabellingP(group, 3, (l) => statOfLabels(l) >= observed - 1e-12);
    expect(brute.labellings).toBe(6930);
    expect(t.exact).toBe(true);
    expect(t.permutations).toBe(6930);
    expect(t.p).toBeCloseTo(brute.p, 14);
    expect(t.p).toBeGreaterThanOrEqual(1 / 6930);
  });

  it('above the limit draws at random; the interval holds the exact p and narrows when extended', () => {
    const exact = labellingTest([x], group, 3, (s) => statOfSums(s[0]) >= observed - 1e-12, 0, 0).p;
    const t = labellingTest([x], group, 3, (s) => statOfSums(s[0]) >= observed - 1e-12, 500, 7, 1000);
    expect(t.exact).toBe(false);
    expect(t.permutations).toBe(500);
    expect(t.p).toBe((t.extreme + 1) / 501);
    const first = monteCarloInterval(t);
    expect(first.lo).toBeLessThanOrEqual(exact);
    expect(first.hi).toBeGreaterThanOrEqual(exact);
    t.draw(49_500);
    const second = monteCarloInterval(t);
    expect(t.permutations).toBe(50_000);
    expect(second.hi - second.lo).toBeLessThan((first.hi - first.lo) / 5);
    expect(second.lo).toBeLessThanOrEqual(exact);
    expect(second.hi).toBeGreaterThanOrEqual(exact);
  });

  it('gives the within/between test its exact p, whatever the seed, and the same p as before when sampled', () => {
    const a = withinBetweenTest(x, group, 3, 100, 1);
    const b = withinBetweenTest(x, group, 3, 100, 2);
    expect(a.exact).toBe(true);
    expect(a.permutations).toBe(6930);
    expect(b.p).toBe(a.p);
    const sampled = withinBetweenTest(x, group, 3, 2000, 3, 1000);
    expect(sampled.exact).toBe(false);
    expect(sampled.lo).toBeLessThanOrEqual(a.p);
    expect(sampled.hi).toBeGreaterThanOrEqual(a.p);
  });
});
