import { describe, expect, it } from 'vitest';
import { clopperPearson } from '../../src/stats/distributions.ts';
import { groupVsRestTest, resolveMonteCarloFamily, splitCount } from '../../src/stats/permutation.ts';
import { permutationGroupVsRest } from '../../src/stats/tests.ts';
import { adjustPValues } from '../../src/stats/multiple.ts';
import { createRng } from '../../src/stats/rng.ts';
import { bruteForcePermutationP } from '../helpers/brute-permutation.ts';

const totals = (errors: number[], words: number[], group: number[]) => ({
  errors: Float64Array.from(errors),
  words: Float64Array.from(words),
  group: Int32Array.from(group),
  groups: Math.max(...group) + 1,
});

const bruteForce = bruteForcePermutationP;

describe('exact group-vs-rest permutation p', () => {
  it('is 2/6 on the hand example (two of the six relabellings of 2 vs 2 reach |d| = 0.5)', () => {
    // errors 0,1 (group) vs 5,6, 10 words each: {0,1} and {5,6} give |d| = 0.5; {0,5},{1,6} 0.1; {0,6},{1,5} 0.
    const t = groupVsRestTest(totals([0, 1, 5, 6], [10, 10, 10, 10], [0, 0, 1, 1]), 0, 2000, 5);
    expect(t.exact).toBe(true);
    expect(t.permutations).toBe(6);
    expect(t.extreme).toBe(2);
    expect(t.p).toBe(1 / 3);
    expect(t.statistic).toBeCloseTo(-0.5, 12);
    // The fixed-count entry point (the glass box's) is the same stream as a forced-sampled test.
    const fixed = permutationGroupVsRest(totals([0, 1, 5, 6], [10, 10, 10, 10], [0, 0, 1, 1]), 0, 999, 1);
    expect(fixed.p).toBe(groupVsRestTest(totals([0, 1, 5, 6], [10, 10, 10, 10], [0, 0, 1, 1]), 0, 999, 1, 0).p);
    expect(fixed.permutations).toBe(999);
  });

  it('equals brute-force enumeration on unequal words, both sides, and a 3-of-5 group', () => {
    const errors = [3, 9, 1, 4, 7, 2, 8, 0, 5];
    const words = [20, 31, 11, 25, 19, 14, 30, 9, 22];
    for (const members of [[0, 1], [1, 4, 6], [0, 2, 3, 5, 7], [8]]) {
      const inGroup = errors.map((_, i) => members.includes(i));
      const t = groupVsRestTest(totals(errors, words, inGroup.map((x) => (x ? 0 : 1))), 0, 100, 1);
      expect(t.exact).toBe(true);
      expect(t.permutations).toBe(splitCount(errors.length, Math.min(members.length, errors.length - members.length)));
      expect(t.p).toBeCloseTo(bruteForce(errors, words, inGroup), 14);
      // Group vs rest and rest vs group are one split: the same p.
      const other = groupVsRestTest(totals(errors, words, inGroup.map((x) => (x ? 0 : 1))), 1, 100, 1);
      expect(other.p).toBe(t.p);
    }
  });

  it('samples above the enumeration limit, with Phipson–Smyth (b+1)/(m+1), reproducibly, and draw() continues', () => {
    const data = totals([0, 1, 5, 6], [10, 10, 10, 10], [0, 0, 1, 1]);
    const t = groupVsRestTest(data, 0, 4000, 7, 0);
    expect(t.exact).toBe(false);
    expect(t.p).toBe((t.extreme + 1) / (4000 + 1));
    expect(Math.abs(t.p - 1 / 3)).toBeLessThan(0.03);
    const again = groupVsRestTest(data, 0, 2000, 7, 0);
    again.draw(2000);
    expect(again.extreme).toBe(t.extreme);
    expect(again.permutations).toBe(4000);
  });

  it('is NaN without a rest or a group', () => {
    expect(groupVsRestTest(totals([1, 2], [5, 5], [0, 0]), 0, 100, 1).p).toBeNaN();
    expect(groupVsRestTest(totals([1, 2], [5, 5], [0, 0]), 1, 100, 1).p).toBeNaN();
  });
});

describe('Clopper–Pearson interval', () => {
  it('matches textbook values', () => {
    // 0 of 10 at 95%: upper = 1 − 0.025^(1/10) = 0.30850; 5 of 10: [0.18709, 0.81291] (Clopper & Pearson 1934 tables; R binom.test).
    const a = clopperPearson(0, 10, 0.05);
    expect(a.lo).toBe(0);
    expect(a.hi).toBeCloseTo(1 - 0.025 ** 0.1, 9);
    const b = clopperPearson(5, 10, 0.05);
    expect(b.lo).toBeCloseTo(0.187086, 5);
    expect(b.hi).toBeCloseTo(0.812914, 5);
    expect(clopperPearson(10, 10, 0.05).hi).toBe(1);
  });
});

describe('adaptive Monte Carlo family (MMCTest)', () => {
  // 24 speakers, a group of 6: 134,596 splits, so the exact p is known; the tests below force sampling.
  const rng = createRng(4);
  const n = 24;
  const words = Array.from({ length: n }, () => 40 + rng.int(40));
  const rate = (i: number) => (i < 6 ? 0.27 : 0.2) + 0.05 * rng.normal();
  const errors = words.map((w, i) => Math.max(0, Math.round(w * rate(i))));
  const data = totals(errors, words, words.map((_, i) => (i < 6 ? 0 : 1)));
  const exact = groupVsRestTest(data, 0, 0, 1);

  it('has a known exact p to compare with', () => {
    expect(exact.exact).toBe(true);
    expect(exact.permutations).toBe(134_596);
    expect(exact.extreme).toBe(1054); // p 0.00783
  });

  it('settles a verdict with α 8% above the exact p the same way for every seed, where 2,000 draws flip', () => {
    const alpha = exact.p * 1.08;
    const fixed = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => groupVsRestTest(data, 0, 2000, s, 0).p < alpha);
    expect(new Set(fixed).size).toBe(2); // the old fixed-count p depends on the seed here
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const t = groupVsRestTest(data, 0, 2000, seed, 0);
      const [d] = resolveMonteCarloFamily([t], { method: 'none', alpha });
      expect(d.decided).toBe(true);
      expect(d.pAdjusted).toBeLessThan(alpha);
      expect(d.lo).toBeLessThanOrEqual(exact.p);
      expect(d.hi).toBeGreaterThanOrEqual(exact.p);
      expect(d.permutations).toBeGreaterThan(2000);
    }
  });

  it('under Holm, resolves against the adjusted threshold and leaves clear tests at their first batch', () => {
    // Four tests: the near one (its exact p × 4 sits 8% under α) and three clear nulls.
    const alpha = exact.p * 4 * 1.08;
    const null1 = totals(words.map((w) => Math.round(w * 0.2)), words, words.map((_, i) => (i % 4 === 0 ? 0 : 1)));
    for (const seed of [11, 12, 13]) {
      const tests = [groupVsRestTest(data, 0, 2000, seed, 0), ...[1, 2, 3].map((s) => groupVsRestTest(null1, 0, 2000, seed + s, 0))];
      const out = resolveMonteCarloFamily(tests, { method: 'holm', alpha });
      expect(out.every((d) => d.decided)).toBe(true);
      expect(out[0].pAdjusted).toBeLessThan(alpha);
      expect(out[0].pAdjusted).toBe(adjustPValues(tests.map((t) => t.p), 'holm')[0]);
      for (const d of out.slice(1)) {
        expect(d.pAdjusted).toBeGreaterThanOrEqual(alpha);
        expect(d.permutations).toBe(2000);
      }
    }
  });

  it('says undecided at the cap instead of a verdict', () => {
    const t = groupVsRestTest(data, 0, 1000, 1, 0);
    const [d] = resolveMonteCarloFamily([t], { method: 'none', alpha: exact.p * 1.001, maxPermutations: 4000 });
    expect(d.decided).toBe(false);
    expect(d.permutations).toBe(4000);
    expect(d.lo).toBeLessThan(exact.p * 1.001);
    expect(d.hi).toBeGreaterThan(exact.p * 1.001);
  });

  it('keeps an exact test exact: interval [p, p], decided, no draws', () => {
    const [d] = resolveMonteCarloFamily([groupVsRestTest(data, 0, 10, 1)], { method: 'holm', alpha: 0.05 });
    expect(d).toMatchObject({ exact: true, decided: true, permutations: 134_596, lo: exact.p, hi: exact.p, p: exact.p });
  });
});
