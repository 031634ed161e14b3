/**
 * Report-layer cost against references measured in the same process, on one synthetic run.
 *   node --import tsx bench/report.ts [--speakers 50] [--utts 50] [--groups 8] [--bootstrap 2000]
 * 1. Loading: loadRunForReport (read + JSON.parse + validation + duplicate check) versus reading the
 *    file and JSON.parse of every line alone. Goal: < 1.5× (validation adds at most half).
 * 2. Card + rendering: buildServiceCard minus the statistics, plus md, csv, json and html, versus
 *    analyseGroups (bootstrap + permutation tests) alone. Goal: < 1× (the report layer costs less
 *    than the statistics it presents). The HTML stays bounded by the drill-down limit.
 * Reference and measured step alternate, best of five each (the machine is shared; the minimum is
 * the least disturbed measurement).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyseGroups } from '../src/analysis/groups.ts';
import { buildServiceCard, type ServiceCard } from '../src/report/model.ts';
import { loadRunForReport, writeRunExport, type LoadedRun } from '../src/score/run-export.ts';
import { renderCsv } from '../src/report/render-csv.ts';
import { renderHtml } from '../src/report/render-html.ts';
import { renderJson } from '../src/report/render-json.ts';
import { renderMarkdown } from '../src/report/render-md.ts';
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
const REPS = 5;

const groups: GroupSpec[] = Array.from({ length: groupCount }, (_, g) => ({ accent: `accent-${g}`, speakers, uttsPerSpeaker, errorRate: 0.05 + 0.03 * g }));
const utts = makeUtterances({ groups });
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-report-'));

function ms(f: () => unknown, reps = 1): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Alternates reference and measured step; returns the best time of each. */
function pair(reference: () => unknown, measured: () => unknown): [number, number] {
  let r = Infinity;
  let m = Infinity;
  for (let i = 0; i < REPS; i++) {
    r = Math.min(r, ms(reference));
    m = Math.min(m, ms(measured));
  }
  return [r, m];
}

try {
  writeRunExport(dir, makeMeta(), utts);
  const file = join(dir, 'results.jsonl');
  let run!: LoadedRun;
  const [tParse, tLoad] = pair(
    () => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown),
    () => (run = loadRunForReport(dir)),
  );
  const stats = () => analyseGroups(run.utterances, { groupBy: 'accent', resamples: bootstrap, permutations: bootstrap, seed: 1 });
  let card!: ServiceCard;
  const [tStats, tCard] = pair(stats, () => (card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap, seed: 1 })));
  let html = '';
  const render = {
    md: ms(() => renderMarkdown(card), REPS),
    csv: ms(() => renderCsv(card), REPS),
    json: ms(() => renderJson(card), REPS),
    html: ms(() => (html = renderHtml(card, run, { outDir: dir })), REPS),
  };
  const renderTotal = Object.values(render).reduce((a, b) => a + b, 0);
  const layer = Math.max(0, tCard - tStats) + renderTotal;
  console.log(`run: ${utts.length} utterances, ${groupCount * speakers} speakers, ${groupCount} groups, bootstrap ${bootstrap}; results.jsonl ${(statSync(file).size / 1048576).toFixed(1)} MiB`);
  const r1 = tLoad / tParse;
  console.log(`load: loadRunForReport ${tLoad.toFixed(0)} ms vs read+JSON.parse ${tParse.toFixed(0)} ms = ${r1.toFixed(2)}× (goal < 1.5×) ${r1 < 1.5 ? 'OK' : 'MISSED'}`);
  console.log(`card: buildServiceCard ${tCard.toFixed(0)} ms vs analyseGroups ${tStats.toFixed(0)} ms; render ${Object.entries(render).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}; html ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB`);
  const r2 = layer / tStats;
  console.log(`report layer (card − stats + renders) ${layer.toFixed(0)} ms vs statistics ${tStats.toFixed(0)} ms = ${r2.toFixed(2)}× (goal < 1×) ${r2 < 1 ? 'OK' : 'MISSED'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
