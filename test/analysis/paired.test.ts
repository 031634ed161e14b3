import { describe, expect, it } from 'vitest';
import { comparePaired, analyseDegradation } from '../../src/analysis/paired.ts';
import { simulateUtterances } from './simulate.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { createRng, subSeed } from '../../src/stats/rng.ts';
import { percentileInterval } from '../../src/stats/descriptive.ts';
import { pairedClusterBootstrap } from '../../src/stats/bootstrap.ts';

const groups = [
  { name: 'a', speakers: 20, wer: 0.1 },
  { name: 'b', speakers: 20, wer: 0.1 },
];

/** Same utterances re-scored with each word error rate scaled per group (paired by id). */
function rescore(us: ScoredUtterance[], factor: Record<string, number>, seed: number, patch: Partial<ScoredUtterance>): ScoredUtterance[] {
  const rng = createRng(seed);
  return us.map((u) => {
    const f = factor[u.labels.accent] ?? 1;
    let sub = 0;
    for (let w = 0; w < u.words.ref; w++) if (rng.next() < Math.min(0.9, 0.1 * f)) sub++;
    return { ...u, ...patch, words: { ref: u.words.ref, hits: u.words.ref - sub, sub, del: 0, ins: 0 } };
  });
}

describe('comparePaired', () => {
  const a = simulateUtterances({ groups, utterancesPerSpeaker: 10, seed: 1, speakerSd: 0 });
  const worse = rescore(a, { a: 2, b: 2 }, 2, { backend: 'B' });
  const better = rescore(a, { a: 1, b: 1 }, 3, { backend: 'A' });

  it('detects a real difference with every test and keeps direction A − B', () => {
    const r = comparePaired(worse, better, { resamples: 500, groupBy: 'accent' });
    expect(r.utterances).toBe(a.length);
    expect(r.speakers).toBe(40);
    expect(r.werA).toBeGreaterThan(r.werB);
    expect(r.diff.estimate).toBeCloseTo(r.werA - r.werB, 12);
    expect(r.diff.lo).toBeGreaterThan(0);
    expect(r.sign.positive).toBeGreaterThan(r.sign.negative);
    expect(r.sign.p).toBeLessThan(0.001);
    expect(r.wilcoxon.p).toBeLessThan(0.001);
    expect(r.mapsswe.w).toBeGreaterThan(3);
    expect(r.scStats.sign.p).toBeLessThan(0.001);
    expect(r.groups!.map((g) => g.group)).toEqual(['a', 'b']);
  });

  it('counts unmatched and failed pairs instead of dropping them silently', () => {
    const b = better.slice(5).map((u, i) => (i < 3 ? { ...u, status: 'failed' as const } : u));
    const r = comparePaired(worse, b, { resamples: 100 });
    expect(r.onlyInA).toBe(5);
    expect(r.onlyInB).toBe(0);
    expect(r.failedPairs).toBe(3);
    expect(r.utterances).toBe(a.length - 8);
  });

  it('identical runs give zero difference and p = 1', () => {
    const r = comparePaired(better, better, { resamples: 100 });
    expect(r.diff).toEqual({ estimate: 0, lo: 0, hi: 0 });
    expect(r.sign.p).toBe(1);
    expect(r.mapsswe.p).toBe(1);
    expect(r.scStats.sign.p).toBe(1);
  });

  it('hands out its bootstrap draws on request: the same intervals, each the percentile interval of its own draws', () => {
    const plain = comparePaired(worse, better, { resamples: 300, seed: 5, groupBy: 'accent' });
    const withDraws = comparePaired(worse, better, { resamples: 300, seed: 5, groupBy: 'accent', draws: true });
    expect(plain.groups!.every((g) => g.draws === undefined) && plain.draws === undefined).toBe(true);
    const strip = <T extends { draws?: unknown }>({ draws: _d, ...x }: T) => x;
    expect({ ...strip(withDraws), groups: withDraws.groups!.map(strip) }).toEqual(plain);
    for (const g of [withDraws, ...withDraws.groups!]) {
      const d = g.draws!;
      expect([d.a.length, d.b.length]).toEqual([300, 300]);
      expect(g.diff).toEqual(percentileInterval(d.a.map((x, r) => x - d.b[r]), 0.95, g.werA - g.werB));
    }
    // Each group's draws are pairedClusterBootstrap's on that group's speakers (in order of first appearance), seed paired:<group>.
    for (const g of withDraws.groups!) {
      const spk = new Map<string, number>();
      const mine = worse.filter((u) => u.labels.accent === g.group);
      for (const u of mine) if (!spk.has(u.speaker)) spk.set(u.speaker, spk.size);
      const series = (us: ScoredUtterance[]) => {
        const s = { errors: new Float64Array(spk.size), words: new Float64Array(spk.size) };
        for (const u of us) if (u.labels.accent === g.group) {
          s.errors[spk.get(u.speaker)!] += u.words.sub + u.words.del + u.words.ins;
          s.words[spk.get(u.speaker)!] += u.words.ref;
        }
        return s;
      };
      expect(g.diff).toEqual(pairedClusterBootstrap(series(worse), series(better), 300, subSeed(5, `paired:${g.group}`), 0.95));
    }
  });

  it('with one speaker the draws are that speaker each time, and the interval stays undefined', () => {
    const one = (us: ScoredUtterance[]) => us.filter((u) => u.speaker === a[0].speaker);
    const r = comparePaired(one(worse), one(better), { resamples: 50, draws: true });
    expect(r.speakers).toBe(1);
    expect([r.diff.lo, r.diff.hi]).toEqual([NaN, NaN]);
    expect(new Set(r.draws!.a)).toEqual(new Set([r.werA]));
    expect(new Set(r.draws!.b)).toEqual(new Set([r.werB]));
  });
});

describe('analyseDegradation', () => {
  it('flags the group whose WER rises more under a condition', () => {
    const clean = simulateUtterances({ groups, utterancesPerSpeaker: 10, seed: 4, speakerSd: 0 }).map((u) => rescore([u], {}, 0, {})[0]);
    const rescored = rescore(clean, { a: 1, b: 1 }, 5, {});
    const noisy = rescore(clean, { a: 1.3, b: 3 }, 6, { condition: 'noise-10db' });
    const [t] = analyseDegradation([...rescored, ...noisy], { groupBy: 'accent', resamples: 500, permutations: 500 });
    expect(t.condition).toBe('noise-10db');
    const a = t.rows.find((r) => r.group === 'a')!;
    const b = t.rows.find((r) => r.group === 'b')!;
    expect(b.degradation.estimate).toBeCloseTo(b.werCondition - b.werClean, 12);
    expect(b.degradation.lo).toBeGreaterThan(0.1);
    expect(b.excessOverRest.lo).toBeGreaterThan(0);
    expect(b.pAdjusted).toBeLessThan(0.01);
    expect(a.p).toBeGreaterThan(0.5);
    expect(t.overall.estimate).toBeGreaterThan(0);
  });
});
