import type { Command } from 'commander';
import { sayErr, sayOut, warnLine } from '../terminal.ts';
import { groupKeyWarning, labelKeyCounts } from '../../analysis/label-keys.ts';
import { DEFAULT_MAX_FAILED_SHARE, type CheckThresholds } from '../../report/check.ts';
import { cardOptionsForRun } from '../../report/card-settings.ts';
import { checkRecordedGate, checkThresholds, evaluateGate, gateReport, parseGateFlag } from '../../report/gate.ts';
import { parseStatFlags, statOptionSpecs, type StatFlags } from '../../report/options.ts';
import { UsageError } from '../../manifest/errors.ts';
import { loadRunForReport, RESULTS_FILE } from '../../score/run-export.ts';
import { resultsLines, speakerGroupWarnings, splitGroupWarnings } from '../split-groups.ts';
import { join } from 'node:path';
import { importRecordWarnings } from '../../manifest/import-record.ts';
import { allFailedLines } from '../../run/failure-cause.ts';

interface CheckFlags extends StatFlags {
  maxGap?: string;
  maxWer?: string;
  groupRatio?: string;
  significantOnly?: boolean;
  includeSmallCells?: boolean;
  maxDegradationGap?: string;
  maxFailedShare?: string;
  allowSubset?: boolean;
  /** Commander maps --no-suite-gate to suiteGate: false. */
  suiteGate?: boolean;
}

export function registerCheck(program: Command): void {
  const cmd = program
    .command('check')
    .description(
      "CI gate: exit 1 naming the group and numbers when a group WER, gap or ratio crosses a threshold, or a group lost utterances (failed or missing; by default any), or a declared group has none scored, or a subset run (--limit, --shard) left a declared group out, or a run of some of the suite's backends (run --backend) left a backend out (unless --allow-subset). The suite's gate recorded in run.json applies; each threshold flag replaces that one key of it, and the suite's other keys still apply (--no-suite-gate: the flags only); an empty suite gate (gate: {}) applies the default checks (lost utterances, groups with nothing scored, groups or backends left out). The first line says each threshold applied and where it came from. Statistics settings default to the run's. The gate's first line and its verdict (PASS/FAIL line) go to stdout; the reasons of a FAIL, warnings and notes to stderr. Exit 2 when nothing can be evaluated (every group below the minimum cell rule), and on a usage or input error (an unknown --group-by key, a degradation limit on a run without conditions, a threshold out of range, a results.jsonl whose row count differs from run.json's, or, in an export that records no row count, falls short of its corpus; a flag given twice)",
    )
    .argument('<run>', 'run export folder (run.json + results.jsonl), or either file')
    .option('--max-gap <x>', 'largest allowed WER gap to the best group (with --significant-only: to the rest), as a fraction in (0, 1] (0.03 = 3 points)')
    .option('--max-wer <x>', 'largest allowed WER of any group, as a fraction in [0, 1] (0.4 = 40%; above 1 is refused as a percent typo)')
    .option('--group-ratio <x>', 'largest allowed WER(group) / WER(best group) (with --significant-only: / WER(rest)), above 1')
    .option('--max-degradation-gap <x>', 'largest allowed excess WER rise of a group over the rest under a condition vs clean, as a fraction in (0, 1]')
    .option(
      '--max-failed-share <x>',
      `largest allowed share of a group's utterances lost (failed or missing), as a fraction (default ${DEFAULT_MAX_FAILED_SHARE}: any lost utterance fails the gate); a group with none scored always fails`,
    )
    .option('--significant-only', 'fail on a gap/ratio only when the group-vs-rest permutation test is significant after correction, and measure the gap/ratio against the rest (the same comparison); on WER only when its CI lies above --max-wer')
    .option(
      '--allow-subset',
      "accept a run that covers part of its manifest (run --limit N, run --shard i/n) although it left out declared groups entirely, and a run of some of its suite's backends (run --backend NAME), gating the backends that ran only (default: each group or backend left out fails the gate, exit 1); the subset is said either way",
    )
    .option('--no-suite-gate', "apply the threshold flags only: leave out the suite's gate recorded in run.json (said on the gate line)")
    .option('--include-small-cells', 'let cells below the minimum cell rule fail the WER/gap/ratio thresholds (default: listed as "not enough data"; lost utterances fail them either way)');
  for (const [flag, desc, parse] of statOptionSpecs()) {
    if (parse) cmd.option(flag, desc, parse);
    else cmd.option(flag, desc);
  }
  cmd.action(async (run: string, flags: CheckFlags) => {
    // The suite's gate: takes the same values by the same rule (src/run/suite.ts gateThresholdProblem).
    const given: CheckThresholds = {
      maxGap: parseGateFlag('maxGap', flags.maxGap),
      maxWer: parseGateFlag('maxWer', flags.maxWer),
      groupRatio: parseGateFlag('groupRatio', flags.groupRatio),
      maxDegradationGap: parseGateFlag('maxDegradationGap', flags.maxDegradationGap),
    };
    const maxFailedShare = parseGateFlag('maxFailedShare', flags.maxFailedShare);
    const stat = parseStatFlags(flags);
    const loaded = loadRunForReport(run);
    // An export from before run.json recorded results.jsonl's rows: read as before, said once (a cut file passes unseen).
    if (!loaded.meta.results) {
      sayErr(`asrfair: note: ${join(loaded.dir, 'run.json')} records no row count of results.jsonl (an export from before asrfair recorded it), so a file cut at a line boundary cannot be detected; export the run again to record it`);
    }
    const sw = { maxFailedShare, significantOnly: flags.significantOnly, includeSmallCells: flags.includeSmallCells, allowSubset: flags.allowSubset, noSuiteGate: flags.suiteGate === false };
    const { thresholds: th, source, line } = checkThresholds(given, sw, loaded.meta.analysis?.gate);
    if (source !== 'flags') checkRecordedGate(loaded.meta.analysis?.gate, join(loaded.dir, 'run.json'));
    // Nothing (or nothing of a backend) was scored: its root cause leads, before any group's line.
    for (const l of allFailedLines(loaded.utterances)) sayErr(`asrfair: ${l}`);
    const options = cardOptionsForRun(loaded.meta, stat);
    const hints = new Map(options.groupKeys.map((k) => [k, groupKeyWarning(loaded.utterances, k)] as const));
    // A key no utterance declares puts everyone in one group: a gate on it checks nothing (exit 2).
    const declared = new Set(labelKeyCounts(loaded.utterances).map((c) => c.key));
    for (const key of [...options.groupKeys, ...(options.slices ?? []).flat()]) {
      if (!declared.has(key)) throw new UsageError(`check: ${hints.get(key) ?? `no utterance of ${run} declares the label key "${key}"`}`);
    }
    for (const hint of hints.values()) if (hint) warnLine(hint);
    const keys = [...new Set([...options.groupKeys, ...(options.slices ?? []).flat()])];
    for (const w of await splitGroupWarnings(loaded.utterances, keys, (ids) => resultsLines(join(loaded.dir, RESULTS_FILE), ids))) warnLine(w);
    for (const w of await speakerGroupWarnings(loaded.utterances, options.groupKeys, (ids) => resultsLines(join(loaded.dir, RESULTS_FILE), ids))) warnLine(w);
    // As the run found its manifests (run.json); check writes no report, so stderr is where it is said.
    for (const w of importRecordWarnings(loaded.meta.corpus.imports)) warnLine(w);
    for (const o of options.overrides) sayErr(`asrfair: setting differs from the run's: ${o}`);
    const result = evaluateGate(loaded, th, stat, program.version() ?? 'unknown');
    // What is applied and where each threshold came from: the first line of the verdict (after any usage error).
    sayOut(line);
    const lines = gateReport(result);
    if (result.passed) {
      for (const l of lines) sayOut(l);
      return;
    }
    // The reasons on stderr, the verdict (last line) on stdout as a PASS is: `check > gate.log` keeps either.
    // Group names come from manifests: sayErr/sayOut escape their control characters.
    for (const l of lines.slice(0, -1)) sayErr(l);
    sayOut(lines[lines.length - 1]);
    // Nothing the gate could evaluate (every group below the minimum cell): not a group falling behind, exit 2.
    process.exitCode = result.nothingToCheck ? 2 : 1;
  });
}
