import { sayOut, warnLine } from '../terminal.ts';
import { SMALL_REFERENCE_WARNING } from '../../report/sections.ts';
import type { Command } from 'commander';
import { makeOutputDir } from '../../manifest/output.ts';
import { buildServiceCard } from '../../report/model.ts';
import { groupOf } from '../../manifest/schema.ts';
import { groupKeyWarning } from '../../analysis/label-keys.ts';
import { checkReferenceGroup, roleReferenceWarning, parseFormats, parseNumberFlag, parseStatFlags, statOptionSpecs, type StatFlags } from '../../report/options.ts';
import { cardOptionsForRun } from '../../report/card-settings.ts';
import { loadRunForReport, RESULTS_FILE } from '../../score/run-export.ts';
import { resultsLines, speakerGroupWarnings, splitGroupWarnings, undeclaredSpellingWarnings } from '../split-groups.ts';
import { UndeclaredSpellings } from '../../manifest/undeclared-spelling.ts';
import { join } from 'node:path';
import { DEFAULT_DRILL_LIMIT, writeReport } from '../../report/write.ts';
import { refuseIncomplete } from '../../report/incomplete.ts';
import { importRecordWarnings } from '../../manifest/import-record.ts';

interface ReportFlags extends StatFlags {
  format: string;
  out?: string;
  publish?: boolean;
  embedAudio?: boolean;
  drillLimit: string;
  allowIncomplete?: boolean;
  allowOutsideAudio?: boolean;
}

export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description(
      "Service card of a run: per-group WER with intervals, gaps, corrected p, in Markdown, HTML, CSV and JSON. Every analysis setting defaults to the run's (run.json), so the card is the run's card; a flag that changes one is named at the top of the card",
    )
    .argument('<run>', 'run export folder (run.json + results.jsonl), or either file');
  for (const [flag, desc, parse] of statOptionSpecs()) {
    if (parse) cmd.option(flag, desc, parse);
    else cmd.option(flag, desc);
  }
  cmd
    .option('--format <list>', 'output formats: md,html,csv,json', 'md,html,csv,json')
    .option('--out <dir>', 'output folder (default: <run>/report)')
    .option('--publish', 'suppress small cells (values replaced by —) for publication')
    .option('--embed-audio', 'inline audio in the HTML page as data: URIs (small runs; only audio that decoded and lies in the manifest folders)')
    .option('--allow-outside-audio', 'also link or embed audio whose real path is outside the manifest folders (absolute, .., symlinks); the card lists those files')
    .option('--drill-limit <n>', 'utterances listed per group in the HTML drill-down', String(DEFAULT_DRILL_LIMIT))
    .option('--model <family>', "model-based view: poisson, negbin or none (default: the run's)")
    .option('--reference-group <name>', "group the gap-to-reference column and the model rate ratios are measured against, a group of the first grouping key (the other keys' tables have no such column; default: the run's)")
    .option('--allow-incomplete', 'report a run that did not finish; every card then says "incomplete: n of N" at the top and per group')
    .action(async (run: string, flags: ReportFlags) => {
      const given = parseStatFlags(flags);
      const formats = parseFormats(flags.format);
      const drillLimit = parseNumberFlag('--drill-limit', flags.drillLimit, { integer: true, min: 0 })!;
      const loaded = loadRunForReport(run);
      refuseIncomplete(loaded.meta, run, flags.allowIncomplete);
      const outDir = flags.out ?? `${loaded.dir}/report`;
      makeOutputDir(outDir); // before the statistics: a bad --out is one line, not a lost computation
      const options = cardOptionsForRun(loaded.meta, given);
      for (const key of options.groupKeys) {
        const hint = groupKeyWarning(loaded.utterances, key);
        if (hint) warnLine(hint);
      }
      const keys = [...new Set([...options.groupKeys, ...(options.slices ?? []).flat()])];
      for (const w of await splitGroupWarnings(loaded.utterances, keys, (ids) => resultsLines(join(loaded.dir, RESULTS_FILE), ids))) warnLine(w);
      for (const w of await speakerGroupWarnings(loaded.utterances, options.groupKeys, (ids) => resultsLines(join(loaded.dir, RESULTS_FILE), ids))) warnLine(w);
      const spelled = new UndeclaredSpellings(options.groupKeys);
      for (const u of loaded.utterances) spelled.add(u.id, u.labels);
      for (const w of await undeclaredSpellingWarnings(spelled, (ids) => resultsLines(join(loaded.dir, RESULTS_FILE), ids))) warnLine(w);
      // As the run found it (run.json records whether each manifest still matched its import record, or could not be checked).
      for (const w of importRecordWarnings(loaded.meta.corpus.imports)) warnLine(w);
      if (given.referenceGroup !== undefined) {
        checkReferenceGroup(given.referenceGroup, new Set(loaded.utterances.map((u) => groupOf(u, options.groupBy))), options.groupBy, options.groupKeys);
        const role = roleReferenceWarning('--reference-group', given.referenceGroup);
        if (role) warnLine(role);
      }
      const card = buildServiceCard(loaded.meta, loaded.utterances, { ...options, publish: Boolean(flags.publish), toolVersion: program.version() ?? 'unknown' });
      const files = writeReport(card, loaded, outDir, formats, {
        embedAudio: Boolean(flags.embedAudio),
        drillLimit,
        allowOutsideAudio: Boolean(flags.allowOutsideAudio),
      });
      const tables = card.tables.length;
      sayOut(`${card.title}: ${tables} table${tables === 1 ? '' : 's'}${card.settings.publish ? ' (publish mode)' : ''}`);
      if (card.settings.source === 'defaults') sayOut('settings: run.json records no analysis settings (an older export); defaults and flags used');
      for (const o of card.settings.overrides) sayOut(`setting differs from the run's: ${o}`);
      for (const m of card.models) {
        for (const w of m.warnings) if (w.startsWith(SMALL_REFERENCE_WARNING)) warnLine(`model-based view (${m.backendName}): ${w}`);
      }
      for (const f of files) sayOut(`wrote ${f}`);
    });
}
