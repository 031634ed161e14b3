import type { Command } from 'commander';
import { checkCard, undeclaredKeys } from '../../report/check.ts';
import { buildServiceCard } from '../../report/model.ts';
import { parseNumberFlag, parseStatFlags, statOptionSpecs, type StatFlags } from '../../report/options.ts';
import { UsageError } from '../../manifest/errors.ts';
import { loadRunForReport } from '../../score/run-export.ts';

interface CheckFlags extends StatFlags {
  maxGap?: string;
  maxWer?: string;
  groupRatio?: string;
  significantOnly?: boolean;
  maxDegradationGap?: string;
  cleanCondition: string;
}

export function registerCheck(program: Command): void {
  const cmd = program
    .command('check')
    .description('CI gate: exit 1 naming the group and numbers when a group WER, gap or ratio crosses a threshold')
    .argument('<run>', 'run export folder (run.json + results.jsonl), or either file')
    .option('--max-gap <x>', 'largest allowed WER gap to the best group, as a fraction (0.03 = 3 points)')
    .option('--max-wer <x>', 'largest allowed WER of any group, as a fraction')
    .option('--group-ratio <x>', 'largest allowed WER(group) / WER(best group)')
    .option('--max-degradation-gap <x>', 'largest allowed excess WER rise of a group over the rest under a condition vs clean, as a fraction')
    .option('--clean-condition <key>', 'condition the degradation check compares the others with', 'clean')
    .option('--significant-only', 'fail on a gap/ratio only when significant after correction; on WER only when its CI lies above --max-wer');
  for (const [flag, desc, def] of statOptionSpecs()) cmd.option(flag, desc, def);
  cmd.action((run: string, flags: CheckFlags) => {
    const maxGap = parseNumberFlag('--max-gap', flags.maxGap, { min: 0, max: 1 });
    const maxWer = parseNumberFlag('--max-wer', flags.maxWer, { min: 0 });
    const groupRatio = parseNumberFlag('--group-ratio', flags.groupRatio, { min: 1 });
    const maxDegradationGap = parseNumberFlag('--max-degradation-gap', flags.maxDegradationGap, { min: 0, max: 1 });
    if (maxGap === undefined && maxWer === undefined && groupRatio === undefined && maxDegradationGap === undefined) {
      throw new UsageError('check needs at least one threshold: --max-gap, --max-wer, --group-ratio or --max-degradation-gap');
    }
    const stat = parseStatFlags(flags);
    const loaded = loadRunForReport(run);
    const card = buildServiceCard(loaded.meta, loaded.utterances, {
      ...stat,
      // The gate reads the tables and the degradation section only: skip the regression.
      model: 'none',
      cleanCondition: flags.cleanCondition,
      toolVersion: program.version() ?? 'unknown',
    });
    for (const k of undeclaredKeys(card)) process.stderr.write(`asrfair: warning: no utterance declares "${k}"; every speaker is in group "undeclared"\n`);
    const result = checkCard(card, { maxGap, maxWer, groupRatio, maxDegradationGap, significantOnly: Boolean(flags.significantOnly) });
    if (result.passed) {
      process.stdout.write(`${result.summary}\n`);
      return;
    }
    for (const v of result.violations) process.stderr.write(`${v.message}\n`);
    process.stderr.write(`${result.summary}\n`);
    process.exitCode = 1;
  });
}
