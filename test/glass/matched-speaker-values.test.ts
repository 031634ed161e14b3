/**
 * Trial 18: paired-design p's (`--match-speakers-by speaker_profile`) could not be recomputed from confusable.json:
 * a sound test's `speakerValues` lacked the stratum. Each row now carries `match`; the p is rebuilt from them as
 * README says: per stratum, mean of the group's values minus the comparison's; the one-sided paired t-test over
 * those differences, never below their exact sign-flip p (all 2^n sign patterns).
 */
import { describe, expect, it } from 'vitest';
import { findConfusableSounds, type EvidenceUtterance } from '../../src/analysis/confusable.ts';
import { studentTCdf } from '../../src/stats/distributions.ts';

/** Speaker `s` of stratum `k`: `n` tokens of DH, `wrong` of them heard as D. */
const utt = (group: string, k: number, n: number, wrong: number): EvidenceUtterance => ({
  id: `${group}-${k}`,
  speaker: `${group}-s${k}`,
  group,
  match: `p${k}`,
  events: Array.from({ length: n }, (_, i) => ({ ref: 'DH', hyp: i < wrong ? 'D' : 'DH', word: 'the' })),
  words: [],
});

describe('matched sound tests give each speaker value its stratum', () => {
  it('the paired p is rebuilt from speakerValues alone', () => {
    const wrongTh = [6, 5, 7, 4, 6, 5, 8];
    const wrongNone = [1, 2, 0, 1, 3, 1, 2];
    const ev = [...wrongTh.map((w, k) => utt('th', k, 10, w)), ...wrongNone.map((w, k) => utt('none', k, 10, w))];
    const r = findConfusableSounds(ev, { referenceGroup: 'none', matched: true, minSpeakers: 1, minCount: 1 });
    const t = r.phones.find((x) => x.group === 'th' && x.phone === 'DH')!;
    expect(t.design).toBe('matched');
    expect(t.speakerValues.every((v) => v.match !== undefined)).toBe(true);
    const by = new Map<string, { g: number[]; c: number[] }>();
    for (const v of t.speakerValues) {
      const s = by.get(v.match!) ?? { g: [], c: [] };
      (v.side === 'group' ? s.g : s.c).push(v.value);
      by.set(v.match!, s);
    }
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    const d = [...by.values()].filter((s) => s.g.length && s.c.length).map((s) => mean(s.g) - mean(s.c));
    const md = mean(d);
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - md) ** 2, 0) / (d.length - 1));
    const pT = 1 - studentTCdf(md / (sd / Math.sqrt(d.length)), d.length - 1);
    let hits = 0;
    for (let mask = 0; mask < 1 << d.length; mask++) if (d.reduce((s, x, i) => s + (mask & (1 << i) ? -x : x), 0) >= d.reduce((a, b) => a + b, 0) - 1e-12) hits++;
    expect(t.p).toBeCloseTo(Math.max(pT, hits / 2 ** d.length), 12);
  });
});
