/**
 * Speaker-cluster bootstrap speed: 2000 resamples over 100k utterances / 2k speakers, goal < 2 s
 * (per-speaker typed-array totals, stratified by group). Prints the time, the ratio to the 2 s goal,
 * and a naive reference (resampling speakers and re-summing their utterance objects) in this process.
 */
import { simulateUtterances } from '../test/analysis/simulate.ts';
import { speakerTotals, labelGroup } from '../src/analysis/cells.ts';
import { stratifiedClusterBootstrap, stratumRateDraws, overallRateDraws } from '../src/stats/bootstrap.ts';
import { percentileInterval } from '../src/stats/descriptive.ts';
import { createRng } from '../src/stats/rng.ts';
import type { ScoredUtterance } from '../src/analysis/types.ts';

const RESAMPLES = 2000;
const GOAL_MS = 2000;
const groups = Array.from({ length: 10 }, (_, i) => ({ name: `g${i}`, speakers: 200, wer: 0.1 + 0.01 * i }));
const utts = simulateUtterances({ groups, utterancesPerSpeaker: 50, seed: 7 });

function fast(u: readonly ScoredUtterance[]) {
  const clusters = speakerTotals(u, labelGroup('accent'));
  const names = [...new Set(clusters.map((c) => c.group))].sort();
  const idx = new Map(names.map((n, i) => [n, i]));
  const strata = Int32Array.from(clusters, (c) => idx.get(c.group)!);
  const series = { errors: Float64Array.from(clusters, (c) => c.errors), words: Float64Array.from(clusters, (c) => c.words) };
  const d = stratifiedClusterBootstrap(strata, names.length, [series], RESAMPLES, 1);
  const cis = names.map((_, g) => percentileInterval(stratumRateDraws(d, 0, g), 0.95, NaN));
  cis.push(percentileInterval(overallRateDraws(d, 0), 0.95, NaN));
  return cis;
}

/** Naive: speakers as arrays of utterance objects; every resample re-sums every drawn utterance. */
function naive(u: readonly ScoredUtterance[], resamples: number) {
  const bySpeaker = new Map<string, ScoredUtterance[]>();
  for (const x of u) {
    const k = `${x.labels.accent}\u0000${x.speaker}`;
    (bySpeaker.get(k) ?? bySpeaker.set(k, []).get(k)!).push(x);
  }
  const byGroup = new Map<string, ScoredUtterance[][]>();
  for (const list of bySpeaker.values()) {
    const g = list[0].labels.accent;
    (byGroup.get(g) ?? byGroup.set(g, []).get(g)!).push(list);
  }
  const rng = createRng(1);
  const wers: number[][] = [...byGroup.keys()].map(() => []);
  for (let b = 0; b < resamples; b++) {
    [...byGroup.values()].forEach((spks, gi) => {
      let e = 0;
      let w = 0;
      for (let k = 0; k < spks.length; k++) {
        for (const x of spks[rng.int(spks.length)]) {
          e += x.words.sub + x.words.del + x.words.ins;
          w += x.words.ref;
        }
      }
      wers[gi].push(e / w);
    });
  }
  return wers.map((v) => percentileInterval(v, 0.95, NaN));
}

fast(utts.slice(0, 5000)); // warm-up
let t0 = performance.now();
fast(utts);
const fastMs = performance.now() - t0;
const NAIVE_RESAMPLES = 200;
t0 = performance.now();
naive(utts, NAIVE_RESAMPLES);
const naiveMs = ((performance.now() - t0) * RESAMPLES) / NAIVE_RESAMPLES;

console.log(`utterances ${utts.length}, speakers ${groups.reduce((a, g) => a + g.speakers, 0)}, groups ${groups.length}, resamples ${RESAMPLES}`);
console.log(`fast bootstrap (aggregate + resample + CIs): ${fastMs.toFixed(0)} ms; ratio to ${GOAL_MS} ms goal: ${(fastMs / GOAL_MS).toFixed(3)} (${fastMs < GOAL_MS ? 'PASS' : 'FAIL'})`);
console.log(`naive reference (${NAIVE_RESAMPLES} resamples, scaled ×${RESAMPLES / NAIVE_RESAMPLES}): ${naiveMs.toFixed(0)} ms; speed-up ${(naiveMs / fastMs).toFixed(1)}×`);

// Whole group table (bootstrap, 10 permutation tests, Welch, within/between) on the same data.
const { analyseGroups } = await import('../src/analysis/groups.ts');
t0 = performance.now();
analyseGroups(utts, { groupBy: 'accent' });
console.log(`full analyseGroups (2000 resamples, 2000 permutations): ${(performance.now() - t0).toFixed(0)} ms`);
