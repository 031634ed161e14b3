import { makeOutputDir, writeOutputFile } from '../../manifest/output.ts';
import { sayOut, sayOutBlock, warnLine } from '../terminal.ts';
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { compareOptionsForRuns, compareRuns, renderCompareJson, renderCompareMarkdown, renderCompareText } from '../../report/compare.ts';
import { parseList, parseStatFlags } from '../../report/options.ts';
import { UsageError } from '../../manifest/errors.ts';
import { loadRunForReport, RESULTS_FILE } from '../../score/run-export.ts';
import { resultsLines, splitGroupWarnings } from '../split-groups.ts';
import { groupKeyWarning, undeclaredGroupKey } from '../../analysis/label-keys.ts';
import { importRecordWarnings } from '../../manifest/import-record.ts';

interface CompareFlags {
  groupBy?: string;
  backendA?: string;
  backendB?: string;
  condition?: string;
  format?: string;
  out?: string;
  bootstrap?: string;
  seed?: string;
  minSpeakers?: string;
  minWords?: string;
  correction?: string;
}

const RUN = "(default: run A's, from run.json)";

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'Paired comparison of two runs (or backends) on the utterances both scored with the same reference (after each run\'s normaliser): per-group WER A, B, difference with paired bootstrap CI, sign and MAPSSWE tests; per group, what was left out and why. Exit 2 when nothing can be paired',
    )
    .argument('<runA>', 'run export of system A')
    .argument('<runB>', 'run export of system B (may be the same folder with another --backend-b)')
    .option('--group-by <key>', `label key to group by ${RUN}`)
    .option('--backend-a <key>', 'backend of run A (key or name; needed when the run has several)')
    .option('--backend-b <key>', 'backend of run B')
    .option('--condition <list>', 'conditions to compare, comma separated (default: all shared)')
    .option('--format <list>', 'also write md and/or json files into --out')
    .option('--out <dir>', 'output folder for --format', '.')
    .option('--bootstrap <n>', `paired bootstrap resamples ${RUN}`)
    .option('--seed <n>', `seed ${RUN}`)
    .option('--min-speakers <n>', `minimum speakers of a tested group; smaller ones are "not enough data" ${RUN}`)
    .option('--min-words <n>', `minimum reference words of a tested group ${RUN}`)
    .option('--correction <method>', `correction across groups: holm or bh ${RUN}`)
    .action(async (runA: string, runB: string, flags: CompareFlags) => {
      const formats = parseList(flags.format);
      for (const f of formats) if (f !== 'md' && f !== 'json') throw new UsageError(`--format: compare writes md or json, not "${f}"`);
      // The output folder is checked before any work: a bad --out is one line, not a lost computation.
      const dir = resolve(flags.out ?? '.');
      if (formats.length) makeOutputDir(dir);
      const a = loadRunForReport(runA);
      const b = loadRunForReport(runB);
      const given = parseStatFlags({
        groupBy: flags.groupBy, bootstrap: flags.bootstrap, seed: flags.seed, minSpeakers: flags.minSpeakers, minWords: flags.minWords, correction: flags.correction,
      });
      const { notes, ...settings } = compareOptionsForRuns(a, b, given);
      // Groups are run A's labels: a key none of its utterances declares (a typo) would compare one "undeclared" group.
      const missing = undeclaredGroupKey(a.utterances, settings.groupBy ?? 'accent');
      if (missing) throw new UsageError(`compare: run A (${a.dir}): ${missing}`);
      const warning = groupKeyWarning(a.utterances, settings.groupBy ?? 'accent');
      if (warning) {
        warnLine(warning);
        notes.unshift(`Warning: ${warning}`);
      }
      // A group split by its spelling in either run (results.jsonl lines of that run).
      for (const run of [a, b]) {
        for (const w of await splitGroupWarnings(run.utterances, [settings.groupBy ?? 'accent'], (ids) => resultsLines(join(run.dir, RESULTS_FILE), ids))) {
          warnLine(w);
          notes.push(`Warning: ${w}`);
        }
      }
      const c = compareRuns(a, b, {
        ...settings,
        backendA: flags.backendA,
        backendB: flags.backendB,
        conditions: flags.condition ? parseList(flags.condition) : undefined,
      });
      c.notes.unshift(...notes);
      // Runs covering different utterances (--limit, --shard) or backends (--backend): what the comparison rests on.
      if (c.coverage.warning) warnLine(c.coverage.warning);
      // Conditions only one run holds, left out (compareRuns' warning): said on the terminal too.
      if (c.conditionWarning) warnLine(c.conditionWarning);
      // Shared utterances in other groups in run B: A's labels are used (in the notes too).
      if (c.labelsDiffer) warnLine(c.labelsDiffer.sentence);
      // As each run found its manifests (run.json), at the top of every output; one manifest behind both runs is said once.
      const records = importRecordWarnings([...(a.meta.corpus.imports ?? []), ...(b.meta.corpus.imports ?? [])]);
      for (const w of records) warnLine(w);
      c.warnings.unshift(...records);
      sayOutBlock(renderCompareText(c));
      if (formats.length) {
        for (const f of formats) {
          const path = join(dir, f === 'md' ? 'compare.md' : 'compare.json');
          writeOutputFile(path, f === 'md' ? renderCompareMarkdown(c) : renderCompareJson(c));
          sayOut(`wrote ${path}`);
        }
      }
    });
}
