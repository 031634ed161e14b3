import { makeOutputDir, writeOutputFile, writeOutputFiles } from '../../manifest/output.ts';
import type { Command } from 'commander';
import { basename, resolve, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { addSynthOptions, demoSynthOptions, synthFromFlags, type SynthFlags } from './synth.ts';
import { runCommand } from './run.ts';
import { subsetLines } from '../../run/subset.ts';
import type { CardTable, ServiceCard } from '../../report/model.ts';
import { loadRunForReport, type LoadedRun } from '../../score/run-export.ts';
import { writeRunCard } from '../../report/run-card.ts';
import { renderTerminalSummary } from '../../report/render-terminal.ts';
import { plantedGlassDemo, plantedSummary } from '../../report/planted-glass.ts';
import { writeGlassFailures } from '../../report/glass-failures.ts';
import { mdEscape, renderMarkdown } from '../../report/render-md.ts';
import { mdCode } from '../../manifest/escape.ts';
import { isCandidateGroup } from '../../analysis/cells.ts';
import { compareOptionsForRuns, compareRuns, renderCompareJson, renderCompareMarkdown, type RunComparison } from '../../report/compare.ts';
import { fmtGap, fmtP, fmtPMc, fmtPctInterval } from '../../report/format.ts';
import { InputError, InputErrors, UsageError } from '../../manifest/errors.ts';
import { loadSuite } from '../../run/suite.ts';
import { loadSuiteGlm } from '../../report/export-run.ts';
import { manifestImportWarnings } from '../../manifest/import-record.ts';
import { loadManifest } from '../../manifest/jsonl.ts';
import { escapeControl } from '../../manifest/escape.ts';
import { sayErr, sayErrBlock, sayOut, sayOutBlock } from '../terminal.ts';

const suiteUrl = (name: string) => new URL(`../../../manifests/suites/${name}`, import.meta.url);

/** The synthetic part's suite (its manifest is pointed at the corpus `demo` synthesises). */
export const DEMO_SUITE = suiteUrl('demo.yaml');

/**
 * The demo's parts, real people first: (a) real vendors' transcripts of real speakers (text-only), (b) the live
 * open recogniser on real speech, (c) synthetic voices. Each part is a suite under manifests/suites/.
 */
const PARTS = [
  { part: 'a', id: 'real-vendors', suite: suiteUrl('artie-vendors.yaml'), title: '(a) Real vendors on real speakers: Amazon and Google on the Artie bias corpus by self-declared accent', live: false },
  { part: 'b', id: 'cv', suite: suiteUrl('cv-pocketsphinx.yaml'), title: '(b) Live recogniser on real speech: PocketSphinx on Common Voice 6.1 by self-declared accent', live: true },
  { part: 'b', id: 'speechocean', suite: suiteUrl('speechocean-pocketsphinx.yaml'), title: '(b) Live recogniser on real speech: PocketSphinx on speechocean762, children vs adults (declared age)', live: true },
  { part: 'c', id: 'synthetic', suite: DEMO_SUITE, title: '(c) Synthetic accents (TTS voices): not a claim about people', live: true },
] as const;

/** The vendor pair compared utterance by utterance in part (a). */
const VENDOR_PAIR = ['amazon-en-US', 'google-en-US'] as const;

interface DemoFlags extends SynthFlags {
  planted: boolean;
  store: string;
  progress: boolean;
  corpus: string;
  parts: string;
  liveLimit?: string;
  gateExit?: boolean;
}

interface PartResult {
  files: string[];
  id: string;
  title: string;
  dir: string;
  card: ServiceCard;
  compare?: RunComparison;
  seconds: number;
  /** The suite gate's verdict when it failed ("suite gate FAIL: …", exit 1), or why it could not be evaluated (exit 2); undefined when it passed or there is none. */
  gateFailure?: { line: string; code: 1 | 2 };
}

function parseParts(v: string): Set<string> {
  const parts = new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  for (const p of parts) if (!['a', 'b', 'c'].includes(p)) throw new UsageError(`--parts: "${p}" is not a part (use a, b, c)`);
  if (!parts.size) throw new UsageError('--parts: name at least one of a, b, c');
  return parts;
}

/** The main group table of a backend (clean condition when present). */
function groupTables(card: ServiceCard): CardTable[] {
  return card.tables.filter((t) => t.kind === 'group' && (t.conditionName === 'clean' || !card.tables.some((u) => u.backend === t.backend && u.conditionName === 'clean')));
}

/**
 * One line per backend: the worst group among cells that meet the minimum against the rest (WER with its
 * speaker-bootstrap CI, gap to the rest with its CI and the corrected permutation p of that same comparison), and the
 * best group's WER; small cells are counted, never ranked silently.
 */
export function headlineLines(card: ServiceCard, only?: readonly string[]): string[] {
  const out: string[] = [];
  const { speakers, words } = card.settings.minCell;
  for (const t of groupTables(card)) {
    if (only && !only.includes(t.backendName)) continue;
    const rows = t.rows.filter((r) => r.wer);
    const big = rows.filter((r) => !r.flags.includes('small-cell')).sort((x, y) => x.wer!.estimate - y.wer!.estimate);
    const small = rows.length - big.length;
    const smallNote = small ? `; ${small} group(s) under ${speakers} speakers or ${words} words, marked small` : '';
    if (big.length >= 2) {
      // The best is a declared group (as the card's): `undeclared` or the `interviewer` role may be the lowest, never the best.
      const best = big.find((r) => isCandidateGroup(r.group)) ?? big[0];
      const worst = big[big.length - 1];
      out.push(
        `${t.backendName}: ${worst.group} ${fmtPctInterval(worst.wer)} vs ${best.group} ${fmtPctInterval(best.wer)} WER; ` +
          `${worst.group} vs rest: gap ${fmtGap(worst.gapToRest)}, permutation p ${fmtPMc(worst, card.settings.alpha)} (${card.settings.correction})${smallNote}`,
      );
    } else {
      // Every (or all but one) cell is small: report the values, say plainly they are below the minimum.
      const listed = [...rows].sort((x, y) => x.wer!.estimate - y.wer!.estimate).map((r) => `${r.group} ${fmtPctInterval(r.wer)} (${r.speakers} speakers, ${r.refWords} words${r.flags.includes('small-cell') ? ', small' : ''})`);
      out.push(`${t.backendName}: ${listed.join(' vs ')}; cells below ${speakers} speakers / ${words} words are indicative only`);
    }
  }
  return out;
}

function compareLine(c: RunComparison, minSpeakers: number): string {
  const t = c.tables.find((x) => x.conditionName === 'clean') ?? c.tables[0];
  if (!t) return `${c.a.backendName} vs ${c.b.backendName}: no shared utterances`;
  const o = t.overall;
  // Groups below the minimum cell are left out of the headline (the comparison table lists them).
  const sig = t.groups.filter((g) => g.mapsswePAdjusted < 0.05 && g.speakers >= minSpeakers).map((g) => `${g.group} ${fmtGap(g.diff)}`);
  return (
    `${c.a.backendName} − ${c.b.backendName} on ${o.utterances} shared utterances: ${fmtGap(o.diff)} (paired speaker bootstrap), ` +
    `MAPSSWE p ${fmtP(o.mapsswe.p)}, sign p ${fmtP(o.sign.p)}; groups of ≥ ${minSpeakers} speakers differing (MAPSSWE, ${c.settings.correction}): ${sig.length ? sig.join(', ') : 'none'}`
  );
}

/** One part: run its suite (cached), then the service card (and for part a the paired vendor comparison). */
async function runPart(
  p: (typeof PARTS)[number],
  suitePath: string,
  out: string,
  flags: DemoFlags,
  version: string,
  log: (s: string) => void,
): Promise<PartResult | 'interrupted'> {
  const t0 = performance.now();
  const dir = join(out, p.id);
  log(`demo ${p.title}`);
  const limit = p.live && p.id !== 'synthetic' && flags.liveLimit ? Number(flags.liveLimit) : undefined;
  const summary = await runCommand(suitePath, { store: flags.store, out: dir, progress: flags.progress, drainSec: 30, limit, say: log });
  if (summary.status === 'interrupted') return 'interrupted';
  const loaded: LoadedRun = loadRunForReport(dir);
  // The card follows the run's recorded settings (the suite's), exactly as `asrfair report <run>` does.
  const { card, files } = writeRunCard(dir, { toolVersion: version });
  let compare: RunComparison | undefined;
  if (p.id === 'real-vendors') {
    const { notes: _notes, ...recorded } = compareOptionsForRuns(loaded, loaded);
    compare = compareRuns(loaded, loaded, { ...recorded, backendA: VENDOR_PAIR[0], backendB: VENDOR_PAIR[1] });
    writeOutputFiles(
      [
        { path: join(dir, 'report', 'compare.md'), data: renderCompareMarkdown(compare) },
        { path: join(dir, 'report', 'compare.json'), data: renderCompareJson(compare) },
      ],
      'comparison',
    );
  }
  const gateFailure = summary.gateError
    ? { line: summary.gateError.message.replace(/^run: /, ''), code: 2 as const }
    : summary.gate && !summary.gate.passed
      ? { line: `suite gate ${summary.gate.summary}`, code: 1 as const }
      : undefined;
  return { id: p.id, title: p.title, dir, card, files, compare, seconds: (performance.now() - t0) / 1000, gateFailure };
}

/**
 * Reads every selected part's inputs before any part decodes: its suite (and GLM), and for the real-speech parts their
 * manifests and import records (`<manifest>.import.json`), as each part's run would read them minutes later. Part (c)'s
 * corpus is synthesised when it starts, so only its suite is read here (its synth flags are checked by the caller).
 * Errors: a UsageError (exit 2), one line naming the part and the file (file:line where known); nothing is decoded.
 */
export async function checkPartInputs(parts: ReadonlySet<string>): Promise<void> {
  for (const p of PARTS) {
    if (!parts.has(p.part)) continue;
    try {
      const suite = loadSuite(fileURLToPath(p.suite));
      if (suite.glm) loadSuiteGlm(suite.glm);
      if (p.id === 'synthetic') continue;
      manifestImportWarnings(suite.manifests);
      for (const m of suite.manifests) await loadManifest(m);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const more = e instanceof InputErrors && e.errors.length > 1 ? ` (and ${e.errors.length - 1} more)` : '';
      throw new UsageError(`demo ${p.title.split(':')[0]} (${p.id}): ${(e instanceof InputErrors ? e.errors[0]! : e).message}${more}; nothing was decoded`);
    }
  }
}

/** The findings, real parts first: what the terminal prints first and the combined card opens with. */
function findings(results: PartResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(r.title);
    // A --live-limit run covers part of its corpus: the title's groups may not all be in it (src/run/subset.ts).
    for (const l of subsetLines(r.card.meta.subset, '--live-limit')) lines.push(`  ${l}`);
    const only = r.id === 'real-vendors' ? VENDOR_PAIR : undefined;
    for (const l of headlineLines(r.card, only)) lines.push(`  ${l}`);
    if (r.id === 'real-vendors') lines.push(`  (en-GB and en-IN models of both vendors: see the card)`);
    if (r.compare) lines.push(`  ${compareLine(r.compare, r.card.settings.minCell.speakers)}`);
    // A failed (or unevaluable) suite gate is one of the part's findings, in the card as on the terminal.
    if (r.gateFailure) lines.push(`  ${r.gateFailure.code === 2 ? 'suite gate not evaluated: ' : ''}${escapeControl(r.gateFailure.line)} (asrfair check ${relative(process.cwd(), r.dir)} repeats it)`);
  }
  return lines;
}

/** The combined card: findings, then every part's card (headings two levels down) in order, real parts first. */
function combinedCard(results: PartResult[], out: string, planted?: { summary: string; files: string[] }): string {
  const md: string[] = ['# asrfair demo: real people first', '', '## Findings', ''];
  for (const l of findings(results)) md.push(...(l.startsWith('  ') ? [`- ${mdEscape(l.trim())}`] : ['', `**${mdEscape(l)}**`, '']));
  md.push('');
  for (const r of results) {
    md.push(`## ${mdEscape(r.title)}`, '', `Run export: ${mdCode(`${relative(out, r.dir)}/`)}; full card: ${mdCode(relative(out, join(r.dir, 'report', 'card.html')))}.`, '');
    md.push(renderMarkdown(r.card).replace(/^#/gm, '###'));
    if (r.compare) md.push(renderCompareMarkdown(r.compare).replace(/^#/gm, '###'));
  }
  if (planted) {
    const [head, ...lines] = planted.summary.split('\n');
    md.push('## Glass box on planted accents (synthetic)', '', mdEscape(head), '', ...lines.map((l) => `- ${mdEscape(l.trim())}`), '', `Ground truth beside the findings: ${planted.files.map((f) => mdCode(relative(out, f))).join(', ')}.`, '');
  }
  return md.join('\n');
}

export function registerDemo(program: Command): void {
  addSynthOptions(
    program
      .command('demo')
      .description(
        'Offline end-to-end demo, real people first: (a) Amazon and Google transcripts of the Artie bias corpus by self-declared accent (text-only), ' +
          '(b) PocketSphinx live on real Common Voice clips by accent and on speechocean762 children vs adults, (c) synthetic accents (TTS voices). ' +
          'Writes reports/demo/latest/card.md and each part\'s run export and service card under reports/demo/latest/<part>/; ' +
          'then prints each part\'s failed suite gate as a finding (exit 0; --gate-exit: exit 1), and exits 2 when a gate could not be evaluated',
      )
      .option('--parts <list>', 'parts to run, comma separated: a (real vendors), b (live recogniser on real speech), c (synthetic)', 'a,b,c')
      .option('--live-limit <n>', 'part (b): only the first N utterances of each corpus (a quick look)')
      .option('--corpus <dir>', 'part (c): where the synthetic corpus is synthesised (kept and reused)', 'corpora/demo')
      .option('--no-planted', 'part (c): skip the glass-box section on planted accents (corpora/planted-demo, synthetic)')
      .option('--store <path>', 'SQLite run store (results are reused on rerun)', '.asrfair/store.sqlite')
      .option('--no-progress', 'no progress output')
      .option('--gate-exit', 'exit 1 when a part\'s suite gate fails (default: the verdict is printed as one of the demo\'s findings and the demo exits 0)'),
  ).action(async (flags: DemoFlags, cmd: Command) => {
    // Every line the demo prints, and every line it has `run`, `synth` and the glass box print (run tables, paths
    // under the working folder, the store), goes through the escaping writer: a block is split at LF, each line escaped.
    const log = sayErrBlock;
    const parts = parseParts(flags.parts);
    // Part (c)'s synth flags are checked now, not after parts (a) and (b) have run (warnings come with part c).
    const given = (name: string) => cmd.getOptionValueSource(name) !== 'default';
    if (parts.has('c')) demoSynthOptions({ ...flags, out: flags.corpus }, given, () => {});
    if (flags.liveLimit !== undefined && !(Number.isInteger(Number(flags.liveLimit)) && Number(flags.liveLimit) > 0)) {
      throw new UsageError(`--live-limit must be a positive whole number, got "${flags.liveLimit}"`);
    }
    // Every selected part's suite, manifests and import records, now: a broken part (c) is not found after (a) and (b).
    await checkPartInputs(parts);
    const out = resolve('reports', 'demo', 'latest');
    makeOutputDir(out);
    const version = program.version() ?? 'unknown';
    const results: PartResult[] = [];
    for (const p of PARTS) {
      if (!parts.has(p.part)) continue;
      let suitePath = fileURLToPath(p.suite);
      if (p.id === 'synthetic') {
        const corpus = await synthFromFlags({ ...flags, out: flags.corpus }, log, given);
        // The shipped suite names the default corpus folder; point a copy at the corpus just built.
        const suite = parseYaml(readFileSync(p.suite, 'utf8')) as Record<string, unknown>;
        suite.manifest = corpus.manifest;
        suitePath = join(resolve(flags.corpus), 'demo-suite.yaml');
        writeOutputFile(suitePath, `# Written by asrfair demo from manifests/suites/demo.yaml\n${stringifyYaml(suite)}`, 'demo suite');
      }
      const r = await runPart(p, suitePath, out, flags, version, log);
      if (r === 'interrupted') process.exit(130);
      log(`demo ${p.title}: ${r.seconds.toFixed(1)} s`);
      results.push(r);
      // Each part's findings as soon as it is done; real parts run (and print) first.
      sayOutBlock(findings([r]).join('\n'));
      // Then its compact verdict table (part a: the en-US pair; the card has every model), top findings and card files.
      sayOutBlock(`\n${renderTerminalSummary(r.card, r.files, r.id === 'real-vendors' ? { backends: VENDOR_PAIR } : {})}`);
    }
    let plantedCard: { summary: string; files: string[] } | undefined;
    if (parts.has('c') && flags.planted) {
      const planted = await plantedGlassDemo({ corpusDir: resolve('corpora', 'planted-demo'), outDir: join(out, 'synthetic', 'report'), sentences: Number(flags.sentences), log });
      plantedCard = { summary: plantedSummary(planted.validation, planted.report, planted.corpus.utterances), files: planted.files };
      // Each utterance a stage failed on is named (file:line, audio, stage, the tool's reason), as `glass` names them.
      writeGlassFailures(planted.report.failures, [], sayErr, planted.files[2]);
      sayOutBlock(`\n${plantedCard.summary}`);
      for (const f of planted.files) sayOut(`wrote ${relative(process.cwd(), f)} (glass box on planted accents, synthetic: ground truth beside the findings)`);
    }
    const cardFile = join(out, 'card.md');
    writeOutputFile(cardFile, combinedCard(results, out, plantedCard), 'demo card');
    sayOut('');
    for (const r of results) {
      const names = [...r.files.map((f) => basename(f)), ...(r.compare ? ['compare.md', 'compare.json'] : [])];
      sayOut(`wrote ${relative(process.cwd(), join(r.dir, 'report'))}/ (${names.join(', ')}) in ${r.seconds.toFixed(1)} s`);
    }
    sayOut(`wrote ${relative(process.cwd(), cardFile)}`);
    // Everything is written. A failed suite gate is one of the demo's findings (its synthetic voices are meant to
    // cross it), said on the last lines; with --gate-exit it fails the demo as `asrfair run` would (exit 1). A gate
    // that could not be evaluated is an error (exit 2) either way.
    const failed = results.filter((r) => r.gateFailure);
    for (const r of failed) {
      const finding = r.gateFailure!.code === 1 && !flags.gateExit ? ' — a finding of the demo, not an error (--gate-exit makes it exit 1)' : '';
      sayErr(`asrfair: demo ${r.title.split(':')[0]}: ${r.gateFailure!.line} (every report is written; asrfair check ${relative(process.cwd(), r.dir)} repeats it)${finding}`);
    }
    const codes = failed.map((r) => r.gateFailure!.code).filter((c) => c === 2 || flags.gateExit);
    if (codes.length) process.exitCode = Math.max(...codes);
  });
}
