import { checkOutputFiles, checkWritableDir, makeOutputDir, writeOutputFiles } from '../../manifest/output.ts';
import { sayErr, sayOut, warnLine, writeBlock } from '../terminal.ts';
import { roleReferenceWarning } from '../../report/options.ts';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadManifest, parseJsonLine, readLines } from '../../manifest/jsonl.ts';
import { groupKeyWarning } from '../../analysis/label-keys.ts';
import { splitGroupWarnings } from '../split-groups.ts';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { glassInputCheck, runGlassboxOnManifest } from '../../analysis/glass-suite.ts';
import { glassAllFailedLine, writeGlassFailures } from '../../report/glass-failures.ts';
import { confusableHtmlPage, confusableJson, confusableMarkdown, fragmentNote, groupHeading, phoneLabel } from '../../report/confusable.ts';
import { plantedGlassHtml, plantedGlassJson, plantedGlassMarkdown, plantedSummary, truthGroups } from '../../report/planted-glass.ts';
import { validateGlassReport } from '../../analysis/glass-validation.ts';
import { readPlantedTruth, truthMismatches } from '../../corpora/planted/truth.ts';
import type { Utterance } from '../../manifest/schema.ts';
import type { PlantedUtterance } from '../../corpora/planted/index.ts';
import { manifestImportWarnings } from '../../manifest/import-record.ts';

/** Reads hypotheses as JSONL: one `{"id": ..., "hyp": ...}` (or `"text"`) per line. */
export async function readHypotheses(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    for await (const { line, text } of readLines(file)) {
      if (!text.trim() || text.trimStart().startsWith('#')) continue;
      const o = parseJsonLine(text, file, line) as { id?: unknown; hyp?: unknown; text?: unknown };
      const hyp = typeof o.hyp === 'string' ? o.hyp : o.text;
      if (typeof o.id !== 'string' || typeof hyp !== 'string') throw new InputError(file, line, 'expected {"id": string, "hyp": string}');
      if (out.has(o.id)) throw new InputError(file, line, `duplicate id "${o.id}"`);
      out.set(o.id, hyp);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(file, undefined, 'hypotheses file not found');
    throw e;
  }
  return out;
}

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

function prob(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0 && n < 1)) throw new UsageError(`${name} must be between 0 and 1, got "${v}"`);
    return n;
  };
}

interface GlassFlags {
  groupBy: string;
  out: string;
  cacheDir: string;
  hyp?: string;
  annotations?: string;
  words: boolean;
  goodness: boolean;
  processes?: number;
  permutations: number;
  test: string;
  referenceGroup?: string;
  matchSpeakersBy?: string;
  seed: number;
  minCount: number;
  minSpeakers: number;
  alpha: number;
  top: number;
  format: string;
  ciLoop: boolean;
  variants: boolean;
  groundTruth?: string;
}

/**
 * The ground truth of a planted corpus for the utterances of a manifest: `planted.jsonl` read and kept to
 * the manifest's utterances. Errors (InputError/UsageError, one line): an unreadable or malformed file; no
 * utterance of the manifest in it; an utterance whose group, rules, words or audio differ from the manifest's. A partial match is warned about on stderr (recall counts only the decoded utterances).
 */
async function plantedTruthFor(file: string, entries: readonly Utterance[], groupBy: string): Promise<PlantedUtterance[]> {
  const all = await readPlantedTruth(file);
  const ids = entries.map((e) => e.id);
  const want = new Set(ids);
  const kept = all.filter((u) => want.has(u.id));
  if (!kept.length) throw new UsageError(`${file}: none of its ${all.length} utterances is in the manifest: is it this corpus's ground truth?`);
  // Same ids do not make the same corpus: a rebuild with another seed, rates or prompts keeps them.
  const differ = truthMismatches(kept, entries, groupBy);
  if (differ.length) throw new UsageError(`${file}: ${differ.length} of its utterances do not match the manifest (another build of the corpus?), e.g. ${differ[0]}`);
  const missing = ids.length - kept.length;
  if (missing > 0 || kept.length < all.length) {
    warnLine(`${file}: ground truth for ${kept.length} of the manifest's ${ids.length} utterances${kept.length < all.length ? ` (${all.length - kept.length} of its lines are not in the manifest)` : ''}; planted sounds are counted over those ${kept.length}`);
  }
  return kept;
}

export function registerGlass(program: Command): void {
  program
    .command('glass')
    .description('Glass-box suite: confusable sounds per group (PocketSphinx phone loop, forced alignment, G2P phone alignment of hypotheses)')
    .argument('<manifest>', 'JSONL manifest')
    .option('--group-by <key>', 'label key that defines the groups', 'accent')
    .option('--out <dir>', 'output folder', 'reports/glass')
    .option('--cache-dir <dir>', 'prepared-audio cache', '.asrfair/audio')
    .option('--hyp <file>', 'hypotheses of any backend as JSONL {"id","hyp"} for black-box phone evidence')
    .option('--annotations <file>', 'phone-error annotations (utterance id → errors, as `asrfair import l2arctic` writes) to measure agreement with (default: <manifest>.annotations.json when present)')
    .option('--no-words', 'do not decode words with PocketSphinx for utterances without a hypothesis')
    .option('--no-goodness', 'skip forced alignment and per-phone goodness')
    .option('--no-variants', 'canonical phones are each word\'s first dictionary pronunciation (default: the variant forced alignment picks)')
    .option('--no-ci-loop', 'context-dependent phone loop (about 20× slower)')
    .option('--processes <n>', 'parallel pocketsphinx processes (default: cores)', int('--processes', 1))
    .option('--reference-group <name>', 'compare every other group with this one (default: each group with all the others)')
    .option('--match-speakers-by <label>', 'label whose value matches speakers across groups (e.g. speaker_profile of `synth --matched-speakers`): each group is compared with the reference stratum by stratum (paired t-test over strata, never below its sign-flip permutation p: needs about 10 strata)')
    .option('--test <name>', 'speaker-cluster test: permutation or welch (cluster-level Welch t-test; for small reference comparisons)', 'permutation')
    .option('--permutations <n>', 'speaker-level permutations per test (with --test permutation)', int('--permutations', 99), 2000)
    .option('--seed <n>', 'random seed', int('--seed', 0), 1)
    .option('--min-count <n>', 'minimum occurrences of a confusion in a group', int('--min-count', 1), 5)
    .option('--min-speakers <n>', 'minimum speakers showing a confusion', int('--min-speakers', 1), 2)
    .option('--alpha <q>', 'false discovery rate (Benjamini–Hochberg)', prob('--alpha'), 0.05)
    .option('--top <n>', 'confusions listed per group', int('--top', 1), 10)
    .option('--format <list>', 'md,html,json', 'md,html,json')
    .option('--ground-truth <file>', 'planted accents\' ground truth (planted.jsonl of `synth --accent-rules`): also writes glass-planted.{md,html,json} with the planted sounds beside the findings, recall and precision (default: planted.jsonl beside the manifest when present)')
    .action(async (manifest: string, f: GlassFlags) => {
      const formats = f.format.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = formats.filter((x) => !['md', 'html', 'json'].includes(x));
      if (bad.length) throw new UsageError(`unknown format(s) ${bad.join(', ')} (use md, html, json)`);
      if (f.test !== 'welch' && f.test !== 'permutation') throw new UsageError(`--test must be welch or permutation, got "${f.test}"`);
      const test: 'welch' | 'permutation' = f.test;
      // The output files are checked before the analysis: a bad --out is one line, not a lost computation.
      const names = (['md', 'html', 'json'] as const).filter((x) => formats.includes(x)).map((x) => `confusable.${x}` as const);
      const besideManifest = join(dirname(manifest), 'planted.jsonl');
      const truthFile = f.groundTruth ?? (existsSync(besideManifest) ? besideManifest : undefined);
      const plantedNames = truthFile ? (['md', 'html', 'json'] as const).filter((x) => formats.includes(x)).map((x) => `glass-planted.${x}` as const) : [];
      makeOutputDir(f.out);
      checkOutputFiles([...names, ...plantedNames].map((n) => join(f.out, n)), 'glass report');
      // A cache that cannot be written would fail every utterance, one line each, after the decoding started.
      checkWritableDir(f.cacheDir, 'cache folder');
      const entries = await loadManifest(manifest);
      // Said now (the analysis takes minutes) and written into the report's warnings below.
      const records = manifestImportWarnings([manifest]);
      for (const w of records) warnLine(w);
      // The ground truth is read (and checked) before decoding, and kept to the manifest's utterances.
      const truth = truthFile ? await plantedTruthFor(truthFile, entries, f.groupBy) : undefined;
      const warning = groupKeyWarning(entries, f.groupBy);
      if (warning) warnLine(warning);
      const at = new Map(entries.map((e) => [e.id, `${e.source.file}:${e.source.line}`]));
      for (const w of await splitGroupWarnings(entries, [f.groupBy], () => at)) warnLine(w);
      const check = glassInputCheck(entries, f.groupBy, { manifest, referenceGroup: f.referenceGroup, matchBy: f.matchSpeakersBy });
      if (check.error) throw new UsageError(check.error);
      for (const w of check.warnings) warnLine(w);
      // A role (CORAAL's interviewer) given as the reference: compared with, but said (cards never pick it themselves).
      const role = roleReferenceWarning('--reference-group', f.referenceGroup);
      if (role) warnLine(role);
      const hypotheses = f.hyp ? await readHypotheses(f.hyp) : undefined;
      const sideFile = `${manifest.replace(/\.jsonl$/, '')}.annotations.json`;
      const annotations = f.annotations ?? (existsSync(sideFile) ? sideFile : undefined);
      const report = await runGlassboxOnManifest(manifest, f.groupBy, {
        cacheDir: resolve(f.cacheDir),
        hypotheses,
        ...(f.hyp ? { hypothesesSource: f.hyp } : {}),
        annotations,
        decodeWords: f.words,
        goodness: f.goodness,
        variants: f.variants,
        ...(f.processes ? { processes: f.processes } : {}),
        ...(f.matchSpeakersBy !== undefined ? { matchBy: f.matchSpeakersBy } : {}),
        glass: { allphoneCi: f.ciLoop },
        confusable: { test, permutations: f.permutations, seed: f.seed, minCount: f.minCount, minSpeakers: f.minSpeakers, alpha: f.alpha, ...(f.referenceGroup !== undefined ? { referenceGroup: f.referenceGroup } : {}) },
        onProgress: (m) => sayErr(`glass: ${m}`),
        keepEvidence: truth !== undefined,
      });
      if (records.length) report.warnings = [...records, ...(report.warnings ?? [])];
      const render = { 'confusable.md': () => confusableMarkdown(report, { top: f.top }), 'confusable.html': () => confusableHtmlPage(report, { top: f.top }), 'confusable.json': () => confusableJson(report) };
      const files = names.map((n) => ({ path: join(f.out, n), data: render[n]() }));
      writeOutputFiles(files, 'glass report');
      const written = files.map((x) => x.path);
      if (truth) {
        const validation = validateGlassReport(report, truth);
        const corpus = { groups: truthGroups(truth), utterances: truth };
        const render = { 'glass-planted.md': () => plantedGlassMarkdown(corpus, report, validation), 'glass-planted.html': () => plantedGlassHtml(corpus, report, validation), 'glass-planted.json': () => plantedGlassJson(corpus, report, validation) };
        const planted = plantedNames.map((n) => ({ path: join(f.out, n), data: render[n]() }));
        writeOutputFiles(planted, 'glass report');
        written.push(...planted.map((x) => x.path));
        writeBlock(process.stdout, plantedSummary(validation, report, truth));
      }
      for (const w of (report.warnings ?? []).slice(records.length)) warnLine(w);
      const fragments = fragmentNote(report);
      if (fragments) sayErr(`glass: ${fragments}`);
      for (const g of report.groups) {
        if (g === report.phoneLoop?.comparison) continue;
        const counted = report.groupCounts?.find((c) => c.group === g);
        if (counted && counted.analysed === 0) {
          sayOut(`${groupHeading(g)}: not analysed: all ${counted.utterances} utterances failed (listed in the report)`);
          continue;
        }
        const tests = [report.phoneLoop, report.blackBox].flatMap((r) => (r?.phones ?? []).filter((t) => t.group === g && Number.isFinite(t.p)));
        const gopTests = (report.goodness ?? []).filter((t) => t.group === g && Number.isFinite(t.p));
        if (!tests.length && !gopTests.length) {
          const n = counted?.speakers;
          sayOut(`${groupHeading(g)}: not tested${n !== undefined && n < 2 ? ` (${n} speaker: a speaker-level test needs at least 2)` : ' (no sound had enough speakers and misrecognitions on both sides)'}`);
          continue;
        }
        const sounds = (r: typeof report.phoneLoop) => (r?.phones ?? []).filter((t) => t.group === g && t.flagged);
        const eg = (list: readonly { phone: string; position?: string }[]) => (list.length ? ` (${list.slice(0, 4).map(phoneLabel).join(', ')}${list.length > 4 ? ', …' : ''})` : '');
        const loop = sounds(report.phoneLoop);
        const bb = sounds(report.blackBox);
        const gop = (report.goodness ?? []).filter((t) => t.group === g && t.flagged);
        const bbText = report.blackBox ? `${bb.length} by black box${eg(bb)}` : 'no black-box evidence';
        const gopText = report.goodness ? `; ${gop.length} fit worse${eg(gop)}` : '';
        sayOut(`${groupHeading(g)}: sounds flagged: ${loop.length} by phone loop${eg(loop)}; ${bbText}${gopText}`);
      }
      for (const [name, ag] of [
        ['phone loop', report.annotations?.phoneLoop],
        ['black box', report.annotations?.blackBox],
      ] as const) {
        if (ag) sayOut(`agreement with annotations (${name}): ${ag.overall.agreed} of ${ag.overall.flagged} flagged substitutions annotated, ${ag.overall.agreed} of ${ag.overall.annotated} annotated flagged`);
      }
      for (const a of report.alignmentRetries?.attempts ?? []) sayErr(`glass: alignment retry (${a.attempt}): ${a.recovered} of ${a.tried} recovered`);
      const listing = files.find((x) => x.path.endsWith('.json'))?.path ?? files[0].path;
      writeGlassFailures(report.failures, entries, sayErr, listing);
      sayOut(`wrote ${written.join(', ')}`);
      const analysed = report.groupCounts?.reduce((a, c) => a + c.analysed, 0);
      if (analysed === 0) {
        sayErr(`asrfair: ${glassAllFailedLine(report.failures, report.utterances)}`);
        process.exitCode = 1;
      }
    });
}
