/**
 * Cost of verdicts that do not depend on Monte Carlo luck: the card's group-vs-rest tests as they are now
 * (exact enumeration up to 2 million splits; otherwise a first batch of B draws, doubled until each Holm
 * decision is settled: src/stats/permutation.ts) against the fixed-count scheme they replaced (every test
 * sampled max(B, 20·m/α) times, m = every group row), in this process, alternating, best of 3 each, so load
 * from other processes mostly cancels in the ratio.
 *
 * Data: the Artie bias corpus's six vendor models (real transcripts, 108 group rows, `npx asrfair run
 * manifests/suites/artie-vendors.yaml` into a temporary folder), and a demo-like 36-speaker table (groups of
 * 3, 6, 3, 6 and 18 speakers, simulated). Run: `npx tsx bench/group-tests.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionByRun, labelGroup, speakerTotals } from '../src/analysis/cells.ts';
import { analyseGroups, DEFAULT_MIN_CELL, type MinCell } from '../src/analysis/groups.ts';
import type { ScoredUtterance } from '../src/analysis/types.ts';
import { loadRunForReport } from '../src/score/run-export.ts';
import { adjustPValues } from '../src/stats/multiple.ts';
import { groupVsRestTest } from '../src/stats/permutation.ts';
import { subSeed } from '../src/stats/rng.ts';
import { simulateUtterances } from '../test/analysis/simulate.ts';

const B = 1000;
const ALPHA = 0.05;

function clusterTables(utts: readonly ScoredUtterance[]) {
  return partitionByRun(utts).map((part) => {
    const clusters = speakerTotals(part.utts, labelGroup('accent'));
    const names = [...new Set(clusters.map((c) => c.group))].sort();
    const index = new Map(names.map((n, i) => [n, i]));
    return {
      names,
      totals: {
        errors: Float64Array.from(clusters, (c) => c.errors),
        words: Float64Array.from(clusters, (c) => c.words),
        group: Int32Array.from(clusters, (c) => index.get(c.group)!),
        groups: names.length,
      },
    };
  });
}

/** The replaced scheme: every row sampled max(B, 20·m/α) times (never exact), Holm over every row. */
function fixedCount(utts: readonly ScoredUtterance[]): { flags: string[]; draws: number } {
  const tables = clusterTables(utts);
  const m = tables.reduce((n, t) => n + t.names.length, 0);
  const count = Math.max(B, Math.min(100_000, Math.ceil((20 * m) / ALPHA)));
  const tests = tables.flatMap((t) => t.names.map((n, g) => groupVsRestTest(t.totals, g, count, subSeed(1, `perm:${n}`), 0)));
  const adj = adjustPValues(tests.map((t) => t.p), 'holm');
  return { flags: tests.map((t, i) => (adj[i] < ALPHA ? (t.statistic > 0 ? 'worse' : 'better') : '')), draws: tests.length * count };
}

/** The group tests as the card runs them now (analyseGroups also bootstraps: timed separately below). */
function current(utts: readonly ScoredUtterance[], minCell: MinCell) {
  return analyseGroups(utts, { groupBy: 'accent', resamples: 1, permutations: B, seed: 1, minCell });
}

function time<T>(f: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, value };
}

/** `current` runs one bootstrap resample only, so nearly all its time is the tests (and the within/between test). */
function bench(label: string, utts: readonly ScoredUtterance[], minCell: MinCell = DEFAULT_MIN_CELL): void {
  let bestNew = Infinity;
  let bestOld = Infinity;
  let rows: ReturnType<typeof current> = [];
  let old = { flags: [] as string[], draws: 0 };
  for (let r = 0; r < 3; r++) {
    const a = time(() => current(utts, minCell));
    const b = time(() => fixedCount(utts));
    bestNew = Math.min(bestNew, a.ms);
    bestOld = Math.min(bestOld, b.ms);
    rows = a.value;
    old = b.value;
  }
  const all = rows.flatMap((t) => t.rows);
  const tested = all.filter((r) => r.permutation.tested);
  const exact = tested.filter((r) => r.permutation.exact).length;
  const draws = tested.reduce((n, r) => n + (r.permutation.exact ? 0 : r.permutation.permutations), 0);
  const undecided = tested.filter((r) => !r.permutation.decided).length;
  console.log(
    `${label}: ${all.length} group rows, ${tested.length} tested (${exact} exact), ${draws.toLocaleString('en-US')} random draws in all, ${undecided} undecided; ` +
      `now ${bestNew.toFixed(0)} ms vs fixed-count ${bestOld.toFixed(0)} ms (${old.draws.toLocaleString('en-US')} draws): ratio ×${(bestNew / bestOld).toFixed(2)}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'bench-group-tests-'));
try {
  const suite = join(import.meta.dirname, '../manifests/suites/artie-vendors.yaml');
  execFileSync(process.execPath, [join(import.meta.dirname, '../bin/asrfair.mjs'), 'run', suite, '--store', join(dir, 's.sqlite'), '--out', join(dir, 'run'), '--no-progress'], { stdio: 'ignore' });
  bench('Artie, 6 vendor models (real)', loadRunForReport(join(dir, 'run')).utterances);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const demoLike = simulateUtterances({
  groups: [
    { name: 'caribbean', speakers: 3, wer: 0.9 },
    { name: 'british-rp', speakers: 6, wer: 0.9 },
    { name: 'lancastrian', speakers: 3, wer: 0.9 },
    { name: 'scottish', speakers: 6, wer: 0.6 },
    { name: 'us', speakers: 18, wer: 0.45 },
  ],
  utterancesPerSpeaker: 8,
  seed: 3,
});
bench('demo-like 36 speakers (simulated; minimum cell 3 speakers / 200 words as demo.yaml)', demoLike, { speakers: 3, words: 200 });
