/**
 * `asrfair report` (the command users run: `node bin/asrfair.mjs report`, compiled `dist/`) on one
 * synthetic run, against references measured in the same process.
 *   node --import tsx bench/report.ts [--speakers 50] [--utts 50] [--groups 8] [--bootstrap 2000] [--no-inner]
 * 1. The command (start-up, load, statistics, card, md + html + csv + json written) versus the
 *    statistics alone in this process (analyseGroups: bootstrap + permutation tests on the same
 *    utterances, read and parsed from results.jsonl). Printed as wall and CPU ratios; goal: the
 *    command's CPU net of start-up (`report --help`, printed beside it) < 2× the reference (what the
 *    command adds to the statistics it presents costs less than they do).
 * Inner loop, second lines (skipped with --no-inner):
 * 2. Loading: loadRunForReport (read + JSON.parse + validation + duplicate check) versus reading the
 *    file and JSON.parse of every line alone. Goal: < 1.5× (validation adds at most half).
 * 3. Card + rendering: buildServiceCard minus the statistics, plus md, csv, json and html, versus
 *    analyseGroups alone. Goal: < 1× (the report layer costs less than the statistics it presents).
 * 4. The reference once more in a fresh process (cold code, as the command runs it), for what start-up and
 *    warm-up leave out of line 1's ratio.
 * Reference and measured step alternate, best of five each (three for the command; the machine is
 * shared; the minimum is the least disturbed measurement).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { analyseGroups } from '../src/analysis/groups.ts';
import { buildServiceCard, type ServiceCard } from '../src/report/model.ts';
import { loadRunForReport, writeRunExport, type LoadedRun } from '../src/score/run-export.ts';
import { renderCsv } from '../src/report/render-csv.ts';
import { renderHtml } from '../src/report/render-html.ts';
import { renderJson } from '../src/report/render-json.ts';
import { renderMarkdown } from '../src/report/render-md.ts';
import type { ScoredUtterance } from '../src/score/types.ts';
import { makeMeta, makeUtterances, type GroupSpec } from '../test/report/fixture.ts';
import { ensureBuilt, timeCli, type CliCost } from './cli.ts';
import { stopwatch } from './cpu.ts';

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

/** The command against the statistics alone (read + parse + analyseGroups), alternating, best of `reps` each. */
async function command(file: string, reps: number): Promise<void> {
  let cmd: CliCost | undefined;
  let ref: { wall: number; cpu: number } | undefined;
  for (let i = 0; i < reps; i++) {
    const w = stopwatch();
    const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ScoredUtterance);
    analyseGroups(rows, { groupBy: 'accent', resamples: bootstrap, permutations: bootstrap, seed: 1 });
    const r = w();
    if (!ref || r.cpu < ref.cpu) ref = r;
    const c = await timeCli(['report', dir, '--group-by', 'accent', '--bootstrap', String(bootstrap), '--seed', '1', '--out', join(dir, `report${i}`)]);
    if (!cmd || c.cpu < cmd.cpu) cmd = c;
  }
  const idle = await timeCli(['report', '--help']);
  const cold = Math.min(...Array.from({ length: reps }, () => coldReference(file)));
  const r = cmd!.cpu / ref!.cpu;
  const net = (cmd!.cpu - idle.cpu) / ref!.cpu;
  console.log(`command: asrfair report (md, html, csv, json) ${cmd!.wall.toFixed(2)} s wall, ${cmd!.cpu.toFixed(2)} s CPU; start-up (report --help) ${idle.wall.toFixed(2)} s wall, ${idle.cpu.toFixed(2)} s CPU`);
  console.log(`  reference (read + parse + analyseGroups, this process): ${ref!.wall.toFixed(2)} s wall, ${ref!.cpu.toFixed(2)} s CPU; command/reference wall ×${(cmd!.wall / ref!.wall).toFixed(2)}, CPU ×${r.toFixed(2)}; net of start-up CPU ×${net.toFixed(2)} (goal < 2×) ${net < 2 ? 'OK' : 'MISSED'}`);
  console.log(`  the same reference run once in a fresh process (cold code, as the command runs it; its imports left out): ${cold.toFixed(2)} s CPU; command net of start-up ×${((cmd!.cpu - idle.cpu) / cold).toFixed(2)} of it`);
}

/**
 * CPU seconds of the reference (read + parse + analyseGroups from the compiled dist/) in a fresh Node process, its
 * module imports left out: what the statistics cost when their code runs once, not warmed up as in this process.
 */
function coldReference(file: string): number {
  const code =
    `const { readFileSync } = await import('node:fs');` +
    `const { analyseGroups } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../dist/analysis/groups.js')).href)});` +
    `const c0 = process.cpuUsage();` +
    `const rows = readFileSync(${JSON.stringify(file)}, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l));` +
    `analyseGroups(rows, { groupBy: 'accent', resamples: ${bootstrap}, permutations: ${bootstrap}, seed: 1 });` +
    `const u = process.cpuUsage(c0); process.stdout.write(String((u.user + u.system) / 1e6));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cold reference failed: ${r.stderr}`);
  return Number(r.stdout);
}

try {
  writeRunExport(dir, makeMeta(), utts);
  const file = join(dir, 'results.jsonl');
  // The command users run is the compiled one: build a stale dist/ first. Do not edit src/ meanwhile.
  ensureBuilt();
  console.log(`run: ${utts.length} utterances, ${groupCount * speakers} speakers, ${groupCount} groups, bootstrap ${bootstrap}; results.jsonl ${(statSync(file).size / 1048576).toFixed(1)} MiB; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  await command(file, 3);
  if (!args.includes('--no-inner')) inner(file);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The in-process steps (second lines). */
function inner(file: string): void {
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
  const r1 = tLoad / tParse;
  console.log(`  inner: load: loadRunForReport ${tLoad.toFixed(0)} ms vs read+JSON.parse ${tParse.toFixed(0)} ms = ${r1.toFixed(2)}× (goal < 1.5×) ${r1 < 1.5 ? 'OK' : 'MISSED'}`);
  console.log(`  inner: card: buildServiceCard ${tCard.toFixed(0)} ms vs analyseGroups ${tStats.toFixed(0)} ms; render ${Object.entries(render).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}; html ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB`);
  const r2 = layer / tStats;
  console.log(`  inner: report layer (card − stats + renders) ${layer.toFixed(0)} ms vs statistics ${tStats.toFixed(0)} ms = ${r2.toFixed(2)}× (goal < 1×) ${r2 < 1 ? 'OK' : 'MISSED'}`);
}
