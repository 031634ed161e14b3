import type { Command } from 'commander';
import { undeclaredKeys } from '../../report/check.ts';
import { buildServiceCard } from '../../report/model.ts';
import { groupOf } from '../../manifest/schema.ts';
import {
  checkReferenceGroup, parseFormats, parseList, parseModelFlag, parseNumberFlag, parseStatFlags, statOptionSpecs, type StatFlags,
} from '../../report/options.ts';
import { loadRunForReport } from '../../score/run-export.ts';
import { writeReport } from '../../report/write.ts';

interface ReportFlags extends StatFlags {
  slices?: string;
  format: string;
  out?: string;
  publish?: boolean;
  embedAudio?: boolean;
  drillLimit: string;
  model: string;
  referenceGroup?: string;
  cleanCondition: string;
}

export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('Service card of a run: per-group WER with intervals, gaps, corrected p, in Markdown, HTML, CSV and JSON')
    .argument('<run>', 'run export folder (run.json + results.jsonl), or either file');
  for (const [flag, desc, def] of statOptionSpecs()) cmd.option(flag, desc, def);
  cmd
    .option('--slices <keys>', 'intersectional slice keys, comma separated (e.g. accent,gender)')
    .option('--format <list>', 'output formats: md,html,csv,json', 'md,html,csv,json')
    .option('--out <dir>', 'output folder (default: <run>/report)')
    .option('--publish', 'suppress small cells (values replaced by —) for publication')
    .option('--embed-audio', 'inline audio in the HTML page as data: URIs (small runs)')
    .option('--drill-limit <n>', 'utterances listed per group in the HTML drill-down', '100')
    .option('--model <family>', 'model-based view: poisson, negbin or none', 'poisson')
    .option('--reference-group <name>', 'group the gap-to-reference column and the model rate ratios are measured against')
    .option('--clean-condition <key>', 'condition the degradation section compares the others with', 'clean')
    .action((run: string, flags: ReportFlags) => {
      const stat = parseStatFlags(flags);
      const formats = parseFormats(flags.format);
      const drillLimit = parseNumberFlag('--drill-limit', flags.drillLimit, { integer: true, min: 0 })!;
      const model = parseModelFlag(flags.model);
      const loaded = loadRunForReport(run);
      const groups = new Set(loaded.utterances.map((u) => groupOf(u, stat.groupBy)));
      const referenceGroup = checkReferenceGroup(flags.referenceGroup, groups, stat.groupBy);
      const card = buildServiceCard(loaded.meta, loaded.utterances, {
        ...stat,
        model,
        ...(referenceGroup !== undefined ? { referenceGroup } : {}),
        cleanCondition: flags.cleanCondition,
        slices: parseList(flags.slices),
        publish: Boolean(flags.publish),
        toolVersion: program.version() ?? 'unknown',
      });
      for (const k of undeclaredKeys(card)) process.stderr.write(`asrfair: warning: no utterance declares "${k}"; every speaker is in group "undeclared"\n`);
      const outDir = flags.out ?? `${loaded.dir}/report`;
      const files = writeReport(card, loaded, outDir, formats, { embedAudio: Boolean(flags.embedAudio), drillLimit });
      const tables = card.tables.length;
      process.stdout.write(`${card.title}: ${tables} table${tables === 1 ? '' : 's'}${card.settings.publish ? ' (publish mode)' : ''}\n`);
      for (const f of files) process.stdout.write(`wrote ${f}\n`);
    });
}
