import { describe, expect, it } from 'vitest';
import { analyseDegradation } from '../../src/analysis/paired.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { adjustPValues } from '../../src/stats/multiple.ts';

/** One utterance of `words` words with `errors` substitutions. */
function utt(speaker: string, accent: string, condition: string, k: number, words: number, errors: number): ScoredUtterance {
  return {
    id: `${speaker}-u${k}`, speaker, labels: { accent }, backend: 'sim', condition, status: 'ok', ref: '', hyp: '', durationSec: words * 0.4,
    words: { ref: words, hits: words - errors, sub: errors, del: 0, ins: 0 },
    chars: { ref: words * 5, hits: words * 5 - errors, sub: errors, del: 0, ins: 0 },
  };
}

// Eight speakers: group x (3) degrades by 4–6 errors in 20 words, y (3) and z (2) by 0–2.
const spec: Array<[string, string, number, number]> = [
  ['x1', 'x', 2, 6], ['x2', 'x', 3, 5], ['x3', 'x', 1, 4],
  ['y1', 'y', 2, 1], ['y2', 'y', 3, 0], ['y3', 'y', 2, 2],
  ['z1', 'z', 1, 1], ['z2', 'z', 4, 0],
];
const utts = spec.flatMap(([s, a, clean, extra]) => [utt(s, a, 'clean', 0, 20, clean), utt(s, a, 'noise', 0, 20, clean + extra)]);

/** One-sided exact p by brute force: every choice of the group's clusters, excess ≥ observed. */
function bruteForce(group: string): number {
  const n = spec.length;
  const k = spec.filter((x) => x[1] === group).length;
  const excess = (mask: number) => {
    let a = 0, b = 0, ra = 0, rb = 0, w = 0, rw = 0;
    spec.forEach(([, , clean, extra], i) => {
      if (mask & (1 << i)) { a += clean + extra; b += clean; w += 20; } else { ra += clean + extra; rb += clean; rw += 20; }
    });
    return (a - b) / w - (ra - rb) / rw;
  };
  const observed = excess(spec.reduce((m, x, i) => (x[1] === group ? m | (1 << i) : m), 0));
  let hits = 0, splits = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    if ([...Array(n).keys()].filter((i) => mask & (1 << i)).length !== k) continue;
    splits++;
    if (excess(mask) >= observed - 1e-12 * Math.abs(observed)) hits++;
  }
  return hits / splits;
}

describe('degradation tests: exact when enumerable, small cells out of the family', () => {
  it('gives the brute-force exact one-sided p (56 splits for 3 of 8), the same for every seed', () => {
    for (const seed of [1, 2]) {
      const [t] = analyseDegradation(utts, { groupBy: 'accent', resamples: 100, permutations: 100, seed, minCell: { speakers: 2, words: 1 } });
      for (const g of ['x', 'y', 'z']) {
        const r = t.rows.find((x) => x.group === g)!;
        expect(r.exact).toBe(true);
        expect(r.p, g).toBeCloseTo(bruteForce(g), 14);
      }
      expect(t.rows.find((x) => x.group === 'x')!.permutations).toBe(56);
      expect(t.rows.find((x) => x.group === 'x')!.p).toBe(1 / 56);
      const adj = adjustPValues(t.rows.map((r) => r.p), 'holm');
      t.rows.forEach((r, i) => expect(r.pAdjusted).toBe(adj[i]));
      expect(t.rows.every((r) => r.decided)).toBe(true);
    }
  });

  it('leaves groups below the minimum cell out of the correction family (adjusted p NaN, not decided)', () => {
    const [t] = analyseDegradation(utts, { groupBy: 'accent', resamples: 100, permutations: 100, minCell: { speakers: 3, words: 1 } });
    const z = t.rows.find((r) => r.group === 'z')!;
    expect(z.smallCell).toBe(true);
    expect(z.pAdjusted).toBeNaN();
    expect(z.decided).toBe(false);
    const tested = t.rows.filter((r) => !r.smallCell);
    const adj = adjustPValues(tested.map((r) => r.p), 'holm');
    tested.forEach((r, i) => expect(r.pAdjusted).toBe(adj[i]));
    // Holm over 2 tests, not 3: x's 1/56 is doubled, not tripled.
    expect(t.rows.find((r) => r.group === 'x')!.pAdjusted).toBeCloseTo(2 / 56, 14);
  });
});
