/**
 * The statistics that used a fixed number of random draws, on the real Amazon and Google transcripts of the Artie
 * bias corpus: the within- vs between-group p and the slices' max-statistic p are exact where every relabelling can
 * be enumerated (equal to brute force on 12 real speakers), otherwise sampled with a Monte Carlo interval that holds
 * the value a 100-times longer run gives; the gap-to-best interval counts which group is best.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseGroups, gapToBestDraws, resolveGroupOptions } from '../../src/analysis/groups.ts';
import { analyseSlices } from '../../src/analysis/slices.ts';
import { labelGroup, partitionByRun, speakerTotals } from '../../src/analysis/cells.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { maxStatisticTest, withinBetweenTest } from '../../src/stats/tests.ts';
import { stratifiedClusterBootstrap, stratumRateDraws } from '../../src/stats/bootstrap.ts';
import { percentileInterval } from '../../src/stats/descriptive.ts';
import { subSeed } from '../../src/stats/rng.ts';
import { loadRunForReport, type LoadedRun } from '../../src/score/run-export.ts';
import { cli } from '../helpers/cli.ts';
import { bruteForceLabellingP, bruteForcePermutationP } from '../helpers/brute-permutation.ts';
import { compareClusters, compareMatched, compareSpeakers, pairedOneSided, signFlipTest, welchOneSided } from '../../src/analysis/cluster-test.ts';
import { groupVsRestTest, monteCarloInterval, resolveMonteCarloFamily } from '../../src/stats/permutation.ts';

const SUITE = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-fixed-draws-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let run: LoadedRun;
let amazon: ScoredUtterance[];

beforeAll(async () => {
  const r = await cli('run', SUITE, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'run'), '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  run = loadRunForReport(join(dir, 'run'));
  const key = run.meta.backends.find((b) => b.name === 'amazon-en-US')!.key;
  amazon = run.utterances.filter((u) => u.backend === key && u.status === 'ok');
}, 120_000);

/** The first four speakers (by id) of each of three accents: 12 real speakers, 12!/(4!)^3 = 34,650 relabellings. */
function twelveSpeakers(): ScoredUtterance[] {
  const chosen = new Set<string>();
  for (const accent of ['us', 'england', 'indian']) {
    [...new Set(amazon.filter((u) => u.labels.accent === accent).map((u) => u.speaker))].sort().slice(0, 4).forEach((s) => chosen.add(s));
  }
  return amazon.filter((u) => chosen.has(u.speaker));
}

/** Per-speaker error and word totals with the speaker's accent index (groups sorted by name, as analyseGroups sorts). */
function clusters(utts: readonly ScoredUtterance[]) {
  const cs = speakerTotals(utts, labelGroup('accent'));
  const names = [...new Set(cs.map((c) => c.group))].sort();
  return {
    errors: Float64Array.from(cs, (c) => c.errors),
    words: Float64Array.from(cs, (c) => c.words),
    group: Int32Array.from(cs, (c) => names.indexOf(c.group)),
    names,
  };
}

describe('exact on 12 real speakers (Amazon en-US, Artie: four us, england and indian speakers each)', () => {
  it('within vs between: every relabelling enumerated, p equal to brute force over all 3^12 label vectors', () => {
    const utts = twelveSpeakers();
    const c = clusters(utts);
    expect(c.group).toHaveLength(12);
    const x = Float64Array.from(c.errors, (e, i) => e / c.words[i]);
    // The definition: mean squared difference over pairs in the same group and over pairs in different groups.
    const ratio = (labels: Int32Array) => {
      let w = 0, nw = 0, b = 0, nb = 0;
      for (let i = 0; i < 12; i++) for (let j = i + 1; j < 12; j++) {
        const d = (x[i] - x[j]) ** 2;
        if (labels[i] === labels[j]) { w += d; nw++; } else { b += d; nb++; }
      }
      return b / nb / (w / nw);
    };
    const observed = ratio(c.group);
    const brute = bruteForceLabellingP(c.group, 3, (l) => ratio(l) >= observed * (1 - 1e-9));
    expect(brute.labellings).toBe(34_650);
    const [t] = analyseGroups(utts, { groupBy: 'accent', resamples: 200, permutations: 200, minCell: { speakers: 4, words: 1 } });
    expect(t.withinBetween.exact).toBe(true);
    expect(t.withinBetween.permutations).toBe(34_650);
    expect(t.withinBetween.ratio).toBeCloseTo(observed, 10);
    expect(t.withinBetween.p).toBeCloseTo(brute.p, 12);
    expect([t.withinBetween.lo, t.withinBetween.hi]).toEqual([t.withinBetween.p, t.withinBetween.p]);
    // Whatever the seed: nothing is drawn.
    expect(withinBetweenTest(x, c.group, 3, 10, 99).p).toBe(t.withinBetween.p);
  });

  it("the slices' max-statistic p: exact, equal to brute force, for every group", () => {
    const utts = twelveSpeakers();
    const c = clusters(utts);
    const totE = c.errors.reduce((a, b) => a + b, 0);
    const totW = c.words.reduce((a, b) => a + b, 0);
    const diffs = (labels: Int32Array) => [0, 1, 2].map((g) => {
      let e = 0, w = 0;
      labels.forEach((l, i) => { if (l === g) { e += c.errors[i]; w += c.words[i]; } });
      return e / w - (totE - e) / (totW - w);
    });
    const observed = diffs(c.group);
    for (let g = 0; g < 3; g++) {
      const brute = bruteForceLabellingP(c.group, 3, (l) => Math.max(...diffs(l)) >= observed[g] - 1e-9 * Math.abs(observed[g]));
      const t = maxStatisticTest({ errors: c.errors, words: c.words, group: c.group, groups: 3 }, [true, true, true], g, 100, 1);
      expect(t.exact).toBe(true);
      expect(t.permutations).toBe(34_650);
      expect(t.p).toBeCloseTo(brute.p, 12);
    }
    // Through analyseSlices: the worst slice's pMaxT is the exact one, settled.
    const [s] = analyseSlices(utts, { keys: ['accent'], resamples: 200, permutations: 200, minCell: { speakers: 4, words: 1 } });
    const worst = c.names.indexOf(s.worst!.slice.replace('accent=', ''));
    expect(s.worst!.pMaxTExact).toBe(true);
    expect(s.worst!.pMaxTDecided).toBe(true);
    expect(s.worst!.pMaxT).toBeCloseTo(maxStatisticTest({ errors: c.errors, words: c.words, group: c.group, groups: 3 }, [true, true, true], worst, 1, 1).p, 12);
  });
});

describe('sampled on the whole of Artie (969 speakers): the Monte Carlo interval holds', () => {
  it('within vs between: the card’s p (1,000 draws) has an interval containing the p of 40,000 draws', () => {
    for (const backend of run.meta.backends.map((b) => b.key)) {
      const utts = run.utterances.filter((u) => u.backend === backend && u.status === 'ok');
      const [t] = analyseGroups(utts, { groupBy: 'accent', resamples: 100, permutations: 1000 });
      const wb = t.withinBetween;
      expect(wb.exact).toBe(false);
      expect(wb.permutations).toBe(1000);
      expect(wb.lo).toBeLessThanOrEqual(wb.p);
      expect(wb.hi).toBeGreaterThanOrEqual(wb.p);
      const c = clusters(utts);
      const scored = Array.from(c.words, (w, i) => i).filter((i) => c.words[i] > 0);
      const long = withinBetweenTest(Float64Array.from(scored, (i) => c.errors[i] / c.words[i]), Int32Array.from(scored, (i) => c.group[i]), c.names.length, 40_000, 7);
      console.log(`within/between ${backend}: p ${wb.p} (MC ${wb.lo}–${wb.hi}); 40k draws ${long.p} (MC ${long.lo}–${long.hi})`);
      expect(long.p).toBeGreaterThanOrEqual(wb.lo);
      expect(long.p).toBeLessThanOrEqual(wb.hi);
    }
  }, 120_000);

  it('the worst accent × gender slice: pMaxT settled against α (MMCTest) with its interval', () => {
    const [s] = analyseSlices(amazon, { keys: ['accent', 'gender'], resamples: 100, permutations: 1000 });
    const w = s.worst!;
    expect(w.pMaxTExact).toBe(false);
    expect(w.pMaxTLo).toBeLessThanOrEqual(w.pMaxT);
    expect(w.pMaxTHi).toBeGreaterThanOrEqual(w.pMaxT);
    if (w.pMaxTDecided) expect(w.pMaxTHi < 0.05 || w.pMaxTLo >= 0.05).toBe(true);
    expect(w.survivesMaxT).toBe(w.pMaxTDecided && w.pMaxT < 0.05);
    console.log(`pMaxT ${w.slice}: ${w.pMaxT} (MC ${w.pMaxTLo}–${w.pMaxTHi}, ${w.pMaxTPermutations} draws, decided ${w.pMaxTDecided})`);
  }, 120_000);
});

describe('gap to best on Artie: the best group is estimated per bootstrap draw', () => {
  it('shifts every draw up (both ends never below the fixed-best ones) and gives the best group an interval when another group can be best', () => {
    const o = resolveGroupOptions({ groupBy: 'accent', resamples: 1000, permutations: 200 });
    for (const part of partitionByRun(amazon.concat(run.utterances.filter((u) => u.backend !== amazon[0].backend && u.status === 'ok')))) {
      const [t] = analyseGroups(part.utts, { groupBy: 'accent', resamples: 1000, permutations: 200 });
      // The same bootstrap draws analyseOneRun makes (same seed), with the best group's identity held fixed.
      const cs = speakerTotals(part.utts, labelGroup('accent'));
      const names = [...new Set(cs.map((x) => x.group))].sort();
      const group = Int32Array.from(cs, (x) => names.indexOf(x.group));
      const runSeed = subSeed(o.seed, `accent|${part.backend}|${part.condition}`);
      const draws = stratifiedClusterBootstrap(group, names.length, [{ errors: Float64Array.from(cs, (x) => x.errors), words: Float64Array.from(cs, (x) => x.words) }], o.resamples, subSeed(runSeed, 'bootstrap'));
      const gd = names.map((_, g) => stratumRateDraws(draws, 0, g));
      const best = names.indexOf(t.bestGroup);
      // Candidates: the adequate declared groups (undeclared is never the best).
      const candidates = t.rows.map((r, g) => (r.smallCell || r.group === 'undeclared' ? -1 : g)).filter((g) => g >= 0);
      const perDraw = gapToBestDraws(gd, candidates);
      const widths: string[] = [];
      t.rows.forEach((r, g) => {
        if (Number.isNaN(r.gapToBest.lo)) return;
        const fixed = percentileInterval(gd[g].map((v, b) => v - gd[best][b]), 0.95, r.gapToBest.estimate);
        const fresh = percentileInterval(gd[g].map((v, b) => v - perDraw[b]), 0.95, r.gapToBest.estimate);
        expect(r.gapToBest.hi).toBeCloseTo(Math.max(fresh.hi, r.gapToBest.estimate), 12);
        // Each draw's gap to that draw's best is ≥ its gap to the fixed best group, so every quantile is too.
        expect(r.gapToBest.hi).toBeGreaterThanOrEqual(fixed.hi - 1e-12);
        expect(r.gapToBest.lo).toBeGreaterThanOrEqual(Math.min(fixed.lo, r.gapToBest.estimate) - 1e-12);
        if (!r.smallCell) widths.push(`${r.group} ${(100 * (fixed.hi - fixed.lo)).toFixed(2)}→${(100 * (r.gapToBest.hi - r.gapToBest.lo)).toFixed(2)} pp`);
      });
      const bestRow = t.rows[best];
      expect(bestRow.gapToBest.lo).toBe(0);
      // Amazon: "us" (18.2%) is not the lowest of every resample (with the best fixed its interval was [0, 0]);
      // Google: "us" (18.7%) is far ahead of the next adequate group and stays [0, 0].
      if (part.backend === amazon[0].backend) expect(bestRow.gapToBest.hi).toBeGreaterThan(0.01);
      console.log(`gap to best ${part.backend}: best ${t.bestGroup}; 95% width fixed→per draw: ${widths.join(', ')}`);
    }
  }, 120_000);
});

describe("the glass box's speaker tests (cluster-test.ts) on real per-speaker WERs (Amazon en-US, Artie)", () => {
  /** The first `k` speakers (by id) of an accent, each as num = errors, den = reference words. */
  const speakersOf = (accent: string, k: number) => {
    const c = clusters(amazon.filter((u) => u.labels.accent === accent));
    return Array.from(c.errors, (e, i) => ({ num: e, den: c.words[i] })).slice(0, k);
  };

  it('the pooled-ratio permutation test is exact up to 200,000 splits and equals brute force (6 indian vs 6 us)', () => {
    const a = speakersOf('indian', 6);
    const b = speakersOf('us', 6);
    const values = [...a.map((v) => ({ group: 0, ...v })), ...b.map((v) => ({ group: 1, ...v }))];
    const r = compareClusters(values, 0, undefined, 'greater', 'permutation', 50, 1);
    expect(r.exact).toBe(true);
    expect(r.permutations).toBe(924);
    expect(r.p).toBeCloseTo(bruteForcePermutationP(values.map((v) => v.num), values.map((v) => v.den), values.map((v) => v.group === 0)), 14);
    expect([r.pLo, r.pHi]).toEqual([r.p, r.p]);
  });

  it('above 200,000 splits (12 vs 12: 2.7 million) it is sampled, and its Monte Carlo interval holds the exact p', () => {
    const a = speakersOf('indian', 12);
    const b = speakersOf('us', 12);
    const values = [...a.map((v) => ({ group: 0, ...v })), ...b.map((v) => ({ group: 1, ...v }))];
    const r = compareClusters(values, 0, undefined, 'greater', 'permutation', 2000, 3);
    expect(r.exact).toBe(false);
    expect(r.permutations).toBe(2000);
    const exact = groupVsRestTest(
      { errors: Float64Array.from(values, (v) => v.num), words: Float64Array.from(values, (v) => v.den), group: Int32Array.from(values, (v) => v.group), groups: 2 },
      0, 0, 0, 3_000_000,
    );
    expect(exact.exact).toBe(true);
    expect(r.pLo).toBeLessThanOrEqual(exact.p);
    expect(r.pHi).toBeGreaterThanOrEqual(exact.p);
    // Drawing more narrows the interval around the same exact p.
    const before = r.pHi - r.pLo;
    r.test.draw(18_000);
    const after = monteCarloInterval(r.test);
    expect(r.test.permutations).toBe(20_000);
    expect(after.hi - after.lo).toBeLessThan(before / 2);
    expect(after.lo).toBeLessThanOrEqual(exact.p);
    expect(after.hi).toBeGreaterThanOrEqual(exact.p);
  });

  it('the per-speaker permutation floor and Welch: sampled above the limit with an interval holding the exact p', () => {
    const wer = (xs: Array<{ num: number; den: number }>) => xs.map((v) => v.num / v.den);
    const a = wer(speakersOf('indian', 12));
    const b = wer(speakersOf('us', 12));
    const cmp = compareSpeakers(a.map((value) => ({ value })), b.map((value) => ({ value })), 'greater', { matched: false, test: 'welch', permutations: 2000, seed: 5 });
    expect(cmp.exact).toBe(false);
    // The exact one-sided permutation p of the difference of means, over all C(24, 12) splits (the definition).
    const all = [...a, ...b];
    const total = all.reduce((s, x) => s + x, 0);
    const observed = a.reduce((s, x) => s + x, 0) / 12 - (total - a.reduce((s, x) => s + x, 0)) / 12 - 1e-12;
    let hits = 0, splits = 0;
    const walk = (start: number, left: number, sum: number): void => {
      if (left === 0) { splits++; if (sum / 12 - (total - sum) / 12 >= observed) hits++; return; }
      for (let i = start; i <= 24 - left; i++) walk(i + 1, left - 1, sum + all[i]);
    };
    walk(0, 12, 0);
    expect(splits).toBe(2_704_156);
    const exact = Math.max(welchOneSided(a, b, 'greater'), hits / splits);
    expect(cmp.pLo).toBeLessThanOrEqual(exact);
    expect(cmp.pHi).toBeGreaterThanOrEqual(exact);
    expect(cmp.p).toBeGreaterThanOrEqual(welchOneSided(a, b, 'greater'));
  });

  it('matched strata above 16: the sign-flip p is sampled, with an interval holding the exact one (all 2^20 patterns)', () => {
    const a = speakersOf('indian', 20).map((v) => v.num / v.den);
    const b = speakersOf('us', 20).map((v) => v.num / v.den);
    const d = a.map((x, i) => x - b[i]);
    const t = signFlipTest(d, 'greater', 2000, 9);
    expect(t.exact).toBe(false);
    const observed = d.reduce((s, v) => s + v, 0) - 1e-12;
    let hits = 0;
    for (let mask = 0; mask < 1 << 20; mask++) {
      let sum = 0;
      for (let i = 0; i < 20; i++) sum += mask & (1 << i) ? -d[i] : d[i];
      if (sum >= observed) hits++;
    }
    const i = monteCarloInterval(t);
    expect(i.lo).toBeLessThanOrEqual(hits / 2 ** 20);
    expect(i.hi).toBeGreaterThanOrEqual(hits / 2 ** 20);
    // And the matched comparison reports it with the paired t-test's floor.
    const m = compareMatched(d.flatMap((_, k) => [{ inGroup: true, stratum: `s${k}`, value: a[k] }, { inGroup: false, stratum: `s${k}`, value: b[k] }]), 'greater', 2000, 9);
    expect(m.exact).toBe(false);
    expect(m.pLo).toBeGreaterThanOrEqual(pairedOneSided(d, 'greater'));
    expect(m.pHi).toBeGreaterThanOrEqual(m.p);
  });

  it("a family of sampled speaker tests is settled by MMCTest like the card's group tests", () => {
    const accents = ['indian', 'england', 'canada', 'australia'];
    const tests = accents.map((acc, k) => {
      const a = speakersOf(acc, 12).map((v) => v.num / v.den);
      const b = speakersOf('us', 12).map((v) => v.num / v.den);
      return compareSpeakers(a.map((value) => ({ value })), b.map((value) => ({ value })), 'greater', { matched: false, test: 'welch', permutations: 200, seed: k + 1 }).test;
    });
    const decisions = resolveMonteCarloFamily(tests, { method: 'bh', alpha: 0.05, maxPermutations: 200_000 });
    for (const d of decisions) {
      expect(d.decided).toBe(true);
      expect(d.adjustedHi < 0.05 || d.adjustedLo >= 0.05).toBe(true);
    }
  });
});
