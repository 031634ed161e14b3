/**
 * Report-layer cost versus the statistics it presents, on one synthetic run.
 *   node --import tsx bench/report.ts [--speakers 50] [--utts 50] [--groups 8] [--bootstrap 2000]
 * Reference (same process): analyseGroups on the run (bootstrap + permutation tests).
 * Measured: run export write + load (zod), buildServiceCard, and rendering md, csv, json and html.
 * Each step is timed as the best of three runs.
 * Goal: load + render (everything the report layer adds) < 1× the reference statistics time,
 * and the HTML page stays bounded by the drill-down limit (not by the run size).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyseGroups } from '../src/analysis/groups.ts';
import { buildServiceCard } from '../src/report/model.ts';
import { loadRunForReport, writeRunExport } from '../src/report/run-export.ts';
import { writeReport } from '../src/report/write.ts';
import { makeMeta, makeUtterances, type GroupSpec } from '../test/report/fixture.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const speakers = arg('speakers', 50);
const uttsPerSpeaker = arg('utts', 50);
const groupCount = arg('groups', 8);
const bootstrap = arg('bootstrap', 2000);

const groups: GroupSpec[] = Array.from({ length: groupCount }, (_, g) => ({ accent: `accent-${g}`, speakers, uttsPerSpeaker, errorRate: 0.05 + 0.03 * g }));
const utts = makeUtterances({ groups });
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-report-'));

/** Best of `reps` runs (the machine is shared: the minimum is the least disturbed measurement). */
function time<T>(f: () => T, reps = 3): [T, number] {
  let best = Infinity;
  let r!: T;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    r = f();
    best = Math.min(best, performance.now() - t0);
  }
  return [r, best];
}

try {
  const [, tWrite] = time(() => writeRunExport(dir, makeMeta(), utts));
  const [run, tLoad] = time(() => loadRunForReport(dir));
  const [, tStats] = time(() => analyseGroups(run.utterances, { groupBy: 'accent', resamples: bootstrap, permutations: bootstrap, seed: 1 }));
  const [card, tCard] = time(() => buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap, seed: 1 }));
  const out = join(dir, 'report');
  const tRender: Record<string, number> = {};
  for (const f of ['md', 'csv', 'json', 'html'] as const) tRender[f] = time(() => writeReport(card, run, out, [f]))[1];
  const renderTotal = Object.values(tRender).reduce((a, b) => a + b, 0);
  const added = tLoad + Math.max(0, tCard - tStats) + renderTotal;
  const htmlBytes = statSync(join(out, 'card.html')).size;
  console.log(`run: ${utts.length} utterances, ${groupCount * speakers} speakers, ${groupCount} groups, bootstrap ${bootstrap}`);
  console.log(`export write ${tWrite.toFixed(0)} ms, load+validate ${tLoad.toFixed(0)} ms`);
  console.log(`reference statistics (analyseGroups) ${tStats.toFixed(0)} ms; buildServiceCard ${tCard.toFixed(0)} ms`);
  console.log(`render: ${Object.entries(tRender).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}; html ${(htmlBytes / 1024).toFixed(0)} KiB`);
  const ratio = added / tStats;
  console.log(`report-layer overhead / statistics = ${ratio.toFixed(2)}× (goal < 1×) ${ratio < 1 ? 'OK' : 'MISSED'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
