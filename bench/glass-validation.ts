/**
 * Glass-box validation on planted accents: per rule, recall of the planted confusions and precision of
 * all flags, for the phone loop, forced-alignment goodness and black-box evidence separately, at group
 * sizes of 3, 6 and 12 speakers and several seeds; and null-vs-null (the null group's speakers split
 * at random into two halves, 20 seeds) with how often nothing is flagged.
 *
 * One corpus is synthesised and decoded (corpora/accent-rules/validation.yaml, 12 speakers per group
 * × `sentences`); the smaller group sizes are seeded random subsets of its speakers, re-analysed from the
 * kept per-utterance evidence. That equals decoding the subset alone: every stage is per utterance.
 *
 * Prints wall and CPU seconds per phase (this process + its festival, sox and pocketsphinx children):
 * the machine is shared, so CPU seconds / cores is the wall time the bench would take on idle cores.
 * `--corpus DIR` keeps the synthesised corpus there and reuses its audio on the next run (a corpus of
 * 12 speakers per group contains every smaller one: speaker k and its prompts do not depend on the size).
 *
 *   node --import tsx bench/glass-validation.ts [sentences=40] [seeds=3] [speakers=12] [rules.yaml] [--corpus DIR]
 */
import { cpus } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlantedCorpus, readAccentRules } from '../src/corpora/planted/index.ts';
import { runGlassboxOnManifest, type GlassReport } from '../src/analysis/glass-suite.ts';
import { findConfusableSounds } from '../src/analysis/confusable.ts';
import { goodnessByGroup } from '../src/analysis/glass.ts';
import { EVIDENCE_KINDS, nullPartitions, validateGlassReport, type EvidenceValidation } from '../src/analysis/glass-validation.ts';
import { createRng } from '../src/stats/rng.ts';
import { load1, stopwatch } from './cpu.ts';

const corpusFlag = process.argv.indexOf('--corpus');
const corpusDir = corpusFlag > 0 ? process.argv[corpusFlag + 1] : undefined;
const args = process.argv.slice(2).filter((_, i) => corpusFlag < 0 || (i !== corpusFlag - 2 && i !== corpusFlag - 1));
const sentences = Number(args[0] ?? 40);
const nSeeds = Number(args[1] ?? 3);
const maxSpk = Number(args[2] ?? 12);
const rulesFile = args[3] ?? new URL('../corpora/accent-rules/validation.yaml', import.meta.url).pathname;
const dir = corpusDir ?? mkdtempSync(join(tmpdir(), 'asrfair-bench-glassval-'));
if (corpusDir) mkdirSync(corpusDir, { recursive: true });
const whole = stopwatch();
const secs = () => whole().wall.toFixed(0);
const fmtPhase = (p: { wall: number; cpu: number }) => `${p.wall.toFixed(0)} s wall, ${p.cpu.toFixed(0)} CPU s`;
const phases: [string, { wall: number; cpu: number }][] = [];
console.log(`${cpus().length} cores, load average ${load1()} at the start (machine shared with other jobs)`);
try {
  const rules = readAccentRules(rulesFile);
  let phase = stopwatch();
  const corpus = await buildPlantedCorpus({ rules, outDir: dir, speakers: maxSpk, sentences, seed: 1 });
  phases.push(['synthesis', phase()]);
  console.log(`synthesised ${corpus.utterances.length} utterances (${rules.groups.length} groups × ${maxSpk} speakers × ${sentences} sentences; ${corpus.synthesised} spoken now, the rest reused): ${fmtPhase(phases[0][1])}`);
  phase = stopwatch();
  // The glass stages run at once (one limiter of process slots), so only their total is timed.
  const report = await runGlassboxOnManifest(corpus.manifest, 'accent', {
    cacheDir: join(dir, 'cache'),
    keepEvidence: true,
    onProgress: (m) => console.log(`  [${secs()} s, load ${load1()}] ${m}`),
  });
  phases.push(['glass analysis', phase()]);
  const failures = new Map<string, number>();
  for (const f of report.failures) failures.set(f.stage, (failures.get(f.stage) ?? 0) + 1);
  console.log(`glass analysis: ${fmtPhase(phases[1][1])}; failures by stage: ${[...failures].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  phase = stopwatch();

  const ev = report.evidence!;
  const opts = report.phoneLoop ? {} : {};
  /** Report restricted to `keep` speakers, statistics recomputed from the kept evidence. */
  const subset = (keep: Set<string>, seed: number): GlassReport => {
    const f = <T extends { speaker: string }>(xs: readonly T[]) => xs.filter((x) => keep.has(x.speaker));
    return {
      ...report,
      phoneLoop: findConfusableSounds(f(ev.phoneLoop), { ...opts, seed }),
      blackBox: ev.blackBox.length ? { ...findConfusableSounds(f(ev.blackBox), { seed }), hypothesisSource: report.blackBox!.hypothesisSource } : undefined,
      goodness: ev.goodness.length ? goodnessByGroup(f(ev.goodness), { seed }) : undefined,
    };
  };
  const fmt = (x: number) => (Number.isNaN(x) ? '  – ' : x.toFixed(2));
  const sizes = [3, 6, 12].filter((s) => s <= maxSpk);
  const summary: { size: number; kind: string; recall: number[]; precision: number[] }[] = [];
  for (const size of sizes) {
    const seeds = size === maxSpk ? 1 : nSeeds;
    for (let s = 1; s <= seeds; s++) {
      const rng = createRng(1000 * size + s);
      const keep = new Set<string>();
      for (const g of corpus.groups) {
        const ids = g.speakers.map((x) => x.id);
        for (let k = ids.length - 1; k > 0; k--) {
          const j = Math.floor(rng.next() * (k + 1));
          [ids[k], ids[j]] = [ids[j], ids[k]];
        }
        ids.slice(0, size).forEach((id) => keep.add(id));
      }
      const val: EvidenceValidation[] = validateGlassReport(size === maxSpk ? report : subset(keep, s), corpus.utterances.filter((u) => keep.has(u.speaker)));
      console.log(`\n${size} speakers/group, seed ${s}:`);
      for (const v of val) {
        const per = v.rules.map((r) => `${r.rule} ${fmt(r.recall)}${r.visible.length ? ` (${r.found.length}/${r.visible.length})` : ''}`).join('; ');
        const visible = v.rules.filter((r) => r.visible.length);
        const macro = visible.reduce((a, r) => a + r.recall, 0) / Math.max(1, visible.length);
        console.log(`  ${v.kind.padEnd(9)} precision ${fmt(v.precision)} (${v.correctFlags}/${v.flags}, lenient ${fmt(v.precisionByPhone)})  mean recall ${fmt(macro)} | ${per}`);
        if (v.wrong.length) console.log(`            not planted: ${v.wrong.slice(0, 12).join(', ')}${v.wrong.length > 12 ? ' …' : ''}`);
        let row = summary.find((r) => r.size === size && r.kind === v.kind);
        if (!row) summary.push((row = { size, kind: v.kind, recall: [], precision: [] }));
        row.recall.push(macro);
        row.precision.push(v.precision);
      }
    }
  }
  const nullGroups = corpus.groups.filter((g) => g.rules.length === 0).map((g) => g.name);
  if (nullGroups.length) {
    const np = nullPartitions(ev, nullGroups, 20, 7);
    console.log(`\nnull vs null (${nullGroups.join(', ')}: speakers split at random into two halves, 20 seeds): runs with no flag`);
    for (const k of EVIDENCE_KINDS) if (np[k].runs) console.log(`  ${k.padEnd(9)} ${np[k].clean}/${np[k].runs}${np[k].flagged.length ? `  flags seen: ${[...new Set(np[k].flagged)].slice(0, 8).join(', ')}` : ''}`);
  }
  console.log('\nsummary (mean over seeds): size kind precision recall');
  for (const r of summary) {
    const m = (xs: number[]) => xs.filter((x) => !Number.isNaN(x)).reduce((a, b, _, all) => a + b / all.length, 0);
    console.log(`  ${String(r.size).padStart(2)} ${r.kind.padEnd(9)} ${fmt(m(r.precision))} ${fmt(m(r.recall))}`);
  }
  phases.push(['validation statistics', phase()]);
  const total = whole();
  console.log(`\ntime by phase: ${phases.map(([k, p]) => `${k} ${fmtPhase(p)}`).join('; ')}`);
  console.log(`whole bench: ${fmtPhase(total)} on ${cpus().length} cores, load average ${load1()} at the end (machine shared with other jobs; CPU s / ${cpus().length} = ${(total.cpu / cpus().length).toFixed(0)} s is the wall time on idle cores)`);
} finally {
  if (!corpusDir) rmSync(dir, { recursive: true, force: true });
}
