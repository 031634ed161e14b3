import { checkOutputFiles, checkWritableDir, makeOutputDir, writeOutputFiles } from '../../manifest/output.ts';
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadSuite, type Suite } from '../../run/suite.ts';
import { groupingText, suiteGrouping, suiteLabeller } from '../../run/labels.ts';

import { adapt, ADAPT_OUTPUT_FILES, DEFAULT_PROCESSES, type Method, type Selection, type Weighting } from '../../adapt/pipeline.ts';
import { SplitError } from '../../adapt/splits.ts';
import { adaptBase, adaptCorpus } from '../../adapt/base.ts';
import { checkRules, dictionaryPhones } from '../../adapt/rules-check.ts';
import { defaultPocketSphinxOptions } from '../../backends/pocketsphinx.ts';
import { AdaptError } from '../../adapt/sphinxtrain.ts';
import { ModelFileError } from '../../adapt/sendump.ts';
import type { PhoneRule } from '../../adapt/variants.ts';
import { adaptHtml, adaptJson, adaptMarkdown } from '../../report/remedy.ts';
import { UsageError } from '../../manifest/errors.ts';
import { loadManifest } from '../../manifest/jsonl.ts';
import { escapeControl } from '../../manifest/escape.ts';
import { sayErr, sayOut, warnLine, writeBlock } from '../terminal.ts';
import { roleReferenceWarning } from '../../report/options.ts';
import { BadInputLog } from '../../manifest/bad-input.ts';
import { groupKeyWarning } from '../../analysis/label-keys.ts';
import { splitGroupWarnings } from '../split-groups.ts';
import { manifestImportWarnings } from '../../manifest/import-record.ts';
import { suggestKey } from '../../manifest/yaml-errors.ts';
import { groupOf, type ManifestEntry } from '../../manifest/schema.ts';

/** How the suite's run forms the groups of `key` (its label map, then its bins), or undefined when as declared. */
async function groupingWords(suite: Suite, key: string): Promise<string | undefined> {
  const g = (await suiteGrouping(suite, [key]))[key];
  return g ? groupingText(g) : undefined;
}

interface AdaptFlags {
  methods: string;
  variantScope: string;
  weighting: string;
  acousticScope: string;
  select: string;
  out?: string;
  cacheDir?: string;
  seed?: number;
  groupBy?: string;
  matchSpeakersBy?: string;
  rules?: string;
  pair?: string;
  processes: number;
  bootstrap?: number;
  tau?: number;
  testAll: boolean;
  mapWeights: boolean;
  backend?: string;
  excludeGroup: string[];
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const xs = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = xs.filter((x) => !allowed.includes(x as T));
  if (bad.length || !xs.length) throw new UsageError(`${flag}: unknown value(s) ${bad.join(', ') || '(none)'} (use ${allowed.join(', ')})`);
  return xs as T[];
}

/** `--rules "th-stopping:TH>T,DH>D;other:V>B"` → group → rules. */
export function parseRules(s: string): Record<string, PhoneRule[]> {
  const out: Record<string, PhoneRule[]> = {};
  for (const part of s.split(';').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([^:]+):(.+)$/.exec(part);
    if (!m) throw new UsageError(`--rules: "${part}" is not group:REF>HYP[,REF>HYP…]`);
    out[m[1]] = m[2].split(',').map((r) => {
      const [ref, hyp] = r.split('>').map((x) => x.trim().toUpperCase());
      if (!ref || !hyp) throw new UsageError(`--rules: "${r}" is not REF>HYP (ARPAbet; ∅ or - deletes)`);
      return { ref, hyp: hyp === '-' ? '∅' : hyp };
    });
  }
  return out;
}

/**
 * `--pair target:reference` → the two group names. Exactly one unescaped `:`; a `:` inside a group name is written
 * `\\:` (e.g. `a\\:b:none` pairs "a:b" with "none"). Errors (`UsageError`, one line): not two non-empty parts; the
 * same group twice.
 */
export function parsePair(s: string): { target: string; reference: string } {
  const parts = s.split(/(?<!\\):/).map((x) => x.replace(/\\:/g, ':'));
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new UsageError(`--pair ${escapeControl(s)}: expected exactly target:reference (${parts.length} part${parts.length === 1 ? '' : 's'}); write a ":" inside a group name as "\\:"`);
  }
  const [target, reference] = parts;
  if (target === reference) throw new UsageError(`--pair ${escapeControl(s)}: the target and the reference are the same group`);
  return { target, reference };
}


/**
 * Refuses a `--pair` naming a group the manifest does not have (as the suite's run groups it), before any work: one
 * line naming the group, the closest existing group within 2 edits ("did you mean"), and the groups there are.
 */
export function checkPairGroups(pair: { target: string; reference: string }, entries: readonly ManifestEntry[], key: string, manifest: string): void {
  const groups = [...new Set(entries.map((e) => groupOf(e, key)))].sort();
  for (const g of [pair.target, pair.reference]) {
    if (groups.includes(g)) continue;
    const hint = suggestKey(g, groups);
    throw new UsageError(`--pair: "${escapeControl(g)}" is not a group of ${manifest} by "${key}"${hint.startsWith(' (did you mean') ? hint : ''} (groups: ${groups.map((x) => escapeControl(x)).join(', ')})`);
  }
}

export function registerAdapt(program: Command): void {
  program
    .command('adapt')
    .description('Group-aware adaptation of PocketSphinx: speaker-disjoint splits, pronunciation variants, MLLR/MAP (SphinxTrain), dev selection, remedy report on test speakers')
    .argument('<suite>', 'suite YAML: its manifest, first groupBy key, normaliser, minCell, seed and bootstrap are used, and its groups are formed as its run forms them (label map, bins)')
    .option('--backend <name>', 'the suite\'s pocketsphinx backend to adapt (its hmm, lm, dict, flags are the baseline); needed when the suite has several')
    .option('--exclude-group <name>', 'leave a group out of adapt (repeatable), e.g. one with too few speakers for a split', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--methods <list>', 'variants,mllr,map', 'variants,mllr,map')
    .option('--variant-scope <list>', 'pronunciation variants per group backend (group) and/or one global dictionary (global)', 'group,global')
    .option('--weighting <list>', 'acoustic adaptation data: unweighted and/or balanced (each group weighted equally)', 'unweighted,balanced')
    .option('--acoustic-scope <list>', 'MLLR/MAP for everyone (global, on --weighting data) and/or one model per group from its own train speakers (group; a by-group backend: needs the group at decode time)', 'global,group')
    .option('--select <how>', 'selection shown first: minimax (worst-group dev WER) or average (mean group dev WER)', 'minimax')
    .option('--group-by <key>', 'label key (default: the suite\'s first groupBy)')
    .option('--match-speakers-by <label>', 'speakers with the same value of this label go to the same split in every group (matched designs, e.g. speaker_profile of synth --accent-rules --matched-speakers)')
    .option('--rules <spec>', 'phone rules instead of the glass box\'s flags, e.g. "th-stopping:TH>T,DH>D"')
    .option('--pair <target:reference>', 'also report the gap of one group to a reference group, e.g. th-stopping:none (both must be groups of the manifest; a ":" inside a name is written \\:)')
    .option('--out <dir>', 'output folder (default reports/<suite>/adapt)')
    .option('--cache-dir <dir>', 'prepared-audio cache (default .asrfair/audio)')
    .option('--seed <n>', 'split and bootstrap seed (default: the suite\'s)', (v) => Number(v))
    .option('--bootstrap <B>', 'bootstrap resamples (default: the suite\'s)', (v) => Number(v))
    .option('--tau <x>', 'MAP prior weight (default: map_adapt\'s Bayesian mean update)', (v) => Number(v))
    .option('--map-weights', 'MAP also updates the mixture weights (reconstructed from the model\'s sendump; see README)', false)
    .option('--test-all', 'decode every candidate on the test speakers too and report each against the baseline', false)
    .option('--processes <n>', 'parallel decoder processes', (v) => Number(v), DEFAULT_PROCESSES)
    .action(async (suiteFile: string, f: AdaptFlags) => {
      const suite = loadSuite(suiteFile);
      const methods = list<Method>('--methods', f.methods, ['variants', 'mllr', 'map']);
      const variantScope = list('--variant-scope', f.variantScope, ['group', 'global'] as const);
      const weightings = list<Weighting>('--weighting', f.weighting, ['unweighted', 'balanced']);
      const acousticScope = list('--acoustic-scope', f.acousticScope, ['global', 'group'] as const);
      const [select] = list<Selection>('--select', f.select, ['minimax', 'average']);
      let pair: { target: string; reference: string } | undefined;
      if (f.pair) pair = parsePair(f.pair);
      // The user's recogniser is the "before": refused here (one line, suite file:line) if there is none to adapt.
      const base = adaptBase(suite, f.backend);
      const corpus = adaptCorpus(suite, f.groupBy);
      const groupBy = corpus.groupBy;
      const out = resolve(f.out ?? join('reports', suite.name, 'adapt'));
      // Every fixed output file is checked before the (long) adaptation: a bad --out is one line, not a lost computation.
      makeOutputDir(out);
      checkOutputFiles(['remedy.md', 'remedy.html', 'remedy.json', ...ADAPT_OUTPUT_FILES].map((n) => join(out, n)), 'adapt output');
      // As glass: a cache that cannot be written would fail every utterance after the work started.
      const cacheDir = resolve(f.cacheDir ?? suite.audioCacheDir ?? '.asrfair/audio');
      checkWritableDir(cacheDir, 'cache folder');
      // Grouped as the suite's run groups (its label map and bins), by the run's own function: remedy.md's groups are the card's.
      const labeller = await suiteLabeller(suite);
      const entries = (await loadManifest(corpus.manifest)).map((e) => ({ ...e, labels: labeller.labels(e) }));
      // As `run` prints them: the unmapped-values report (several lines) and unbinned values; declared values escaped.
      for (const line of labeller.report().flatMap((r) => r.split('\n'))) sayErr(line);
      // Said now (adaptation takes minutes) and carried into remedy.md/html/json.
      const warnings = manifestImportWarnings([corpus.manifest]);
      if (corpus.warning) warnings.push(corpus.warning);
      for (const w of warnings) warnLine(w);
      const warning = groupKeyWarning(entries, groupBy);
      if (warning) warnLine(warning);
      if (pair) checkPairGroups(pair, entries, groupBy, corpus.manifest);
      // A role (CORAAL's interviewer) as the pair's reference: reported as asked, and said (never a ranked group).
      const role = roleReferenceWarning('--pair', pair?.reference);
      if (role) {
        warnLine(role);
        warnings.push(role);
      }
      const rules = f.rules ? parseRules(f.rules) : undefined;
      if (rules) {
        const dict = base.options.dict ?? defaultPocketSphinxOptions().dict;
        checkRules(rules, [...new Set(entries.map((e) => groupOf(e, groupBy)))].sort(), dictionaryPhones(dict), dict, corpus.manifest, groupBy);
      }
      const at = new Map(entries.map((e) => [e.id, `${e.source.file}:${e.source.line}`]));
      for (const w of await splitGroupWarnings(entries, [groupBy], () => at)) warnLine(w);
      sayErr(`adapt: starting from backend "${escapeControl(base.backend)}" of ${suite.file}${Object.keys(base.options).length ? ` (${Object.entries(base.options).map(([k, v]) => `${k} ${escapeControl(typeof v === 'string' ? v : JSON.stringify(v))}`).join(', ')})` : ' (Debian\'s en-us model)'}`);
      const badInput = new BadInputLog(sayErr, 10, ['utterance with bad audio or a failed decode', 'utterances with bad audio or a failed decode']);
      try {
        const result = await adapt({
          manifest: corpus.manifest,
          base: base.options,
          excludeGroups: f.excludeGroup,
          // Read and labelled once, above: the pipeline splits, trains and tests on these entries.
          entries,
          groupBy: groupBy,
          labels: labeller.labels,
          grouping: await groupingWords(suite, groupBy),
          out,
          cacheDir,
          seed: f.seed ?? suite.seed,
          methods,
          variantScope: [...variantScope],
          weightings,
          ...(f.matchSpeakersBy ? { matchSpeakersBy: f.matchSpeakersBy } : {}),
          acousticScope: [...acousticScope],
          select,
          ...(rules ? { rules } : {}),
          ...(pair ? { pair } : {}),
          normaliser: suite.normaliser,
          minCell: suite.minCell,
          resamples: f.bootstrap ?? suite.bootstrap.B,
          processes: f.processes,
          ...(f.tau !== undefined ? { tau: f.tau } : {}),
          testAll: f.testAll,
          mapWeights: f.mapWeights,
          log: sayErr,
          onBadInput: (b) => badInput.add(b),
          warnings,
          onWarning: warnLine,
        });
        badInput.finish(join(out, 'adapt.json'));
        writeOutputFiles([
          { path: join(out, 'remedy.md'), data: adaptMarkdown(result) + '\n' },
          { path: join(out, 'remedy.html'), data: adaptHtml(result) },
          { path: join(out, 'remedy.json'), data: adaptJson(result) },
        ], 'adapt output');
        writeBlock(process.stdout, adaptMarkdown(result));
        sayOut(`wrote ${join(out, 'remedy.md')}, remedy.html, remedy.json, adapted.yaml. The remedy as a card section: asrfair run ${join(out, 'adapted.yaml')} --out <run> && asrfair report <run>`);
        if (select === 'average') sayOut(`selection: ${result.selected.average} (average dev WER)`);
      } catch (e) {
        if (e instanceof SplitError || e instanceof AdaptError || e instanceof ModelFileError) throw new UsageError(e.message);
        throw e;
      }
    });
}
