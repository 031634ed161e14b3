import { escapeControl } from '../../manifest/escape.ts';
import { makeOutputDir } from '../../manifest/output.ts';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadSuite } from '../../run/suite.ts';
import { assertSuiteEncoders } from '../../run/suite-encoders.ts';
import { RunStore } from '../../run/store.ts';
import { backendSubsetLines, backendSubsetOf, subsetLines } from '../../run/subset.ts';
import { newRunId, runSuite, type CellCounts, type RunSummary } from '../../run/engine.ts';
import { exportRun, loadSuiteGlm } from '../../report/export-run.ts';
import { GroupWerTally } from '../../report/group-table.ts';
import { BarProgress, LineProgress, type ProgressSink } from '../../run/progress.ts';
import { VERSION } from '../version.ts';
import type { ScaleOut } from '../../scaleout/queue-run.ts';
import { getNormaliser, type Normaliser } from '../../text/normalise.ts';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { BadInputLog } from '../../manifest/bad-input.ts';
import { manifestImportWarnings } from '../../manifest/import-record.ts';
import { loadRunForReport } from '../../score/run-export.ts';
import type { CheckResult } from '../../report/check.ts';
import { LabelKeyTally } from '../../analysis/label-keys.ts';
import type { ExportedUtterance } from '../../score/types.ts';
// Registers backend type `ctm` (hypotheses cut by an stm reference; it reads with the score stage).
import '../../scoreimport/ctm-backend.ts';
import { ownInterrupts } from '../interrupt.ts';
import { manifestLines, speakerWarningsOf, splitWarningsOf, undeclaredSpellingWarnings } from '../split-groups.ts';
import { SpeakerGroups } from '../../manifest/speaker-groups.ts';
import { UndeclaredSpellings } from '../../manifest/undeclared-spelling.ts';
import { GroupSpellings } from '../../manifest/group-spellings.ts';
import { warnLine, writeLine } from '../terminal.ts';

/** Flags of `asrfair run` (also what `runCommand` takes when another command drives a run). */
export interface RunFlags {
  store: string;
  out?: string;
  dryRun?: boolean;
  maxCost?: number;
  concurrency?: number;
  limit?: number;
  backend?: string[];
  retryFailed?: boolean;
  progress: boolean;
  drainSec: number;
  /** Commander maps --no-glass to glass: false. */
  glass?: boolean;
  /** Skip the glass-box analysis of glassbox suites. */
  noGlass?: boolean;
  /** Commander maps --no-gate to gate: false: do not evaluate the suite's gate after scoring. */
  gate?: boolean;
  /** The suite gate accepts a subset (--limit, --shard) that left out declared groups, or gates the --backend ones only (src/report/check.ts allowSubset). */
  allowSubset?: boolean;
  /** Scale-out: run shard i/n (1-based) into its own store; or send calls to workers through a Redis queue. */
  shard?: string;
  queue?: string;
  queueName?: string;
  /** Seconds to wait for an unreachable --queue Redis before giving up. */
  queueTimeout?: number;
  /** Where the run's report lines go (default stdout); a driving command (demo) may send them elsewhere. */
  say?: (line: string) => void;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...v.split(',').filter(Boolean)];
}

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

function dryRunTable(cells: CellCounts[]): string {
  const rows = [['backend', 'condition', 'utterances', 'cached', 'to do', 'audio failed', 'over upload limit', 'hours to send', 'est. USD']];
  let hours = 0;
  let usd = 0;
  let todo = 0;
  for (const c of cells) {
    const n = c.total - c.cached - c.audioFailed - c.uploadRefused;
    hours += c.audioSecToDo / 3600;
    usd += c.estCostUsd;
    todo += n;
    rows.push([c.backend, c.condition, String(c.total), String(c.cached), String(n), String(c.audioFailed), String(c.uploadRefused), (c.audioSecToDo / 3600).toFixed(3), c.estCostUsd.toFixed(4)]);
  }
  rows.push(['total', '', '', '', String(todo), '', '', hours.toFixed(3), usd.toFixed(4)]);
  return pad(rows);
}

/**
 * What a stopped run's summary counts. A result is one utterance × condition × backend (a table row's "items");
 * stored = items − not stored (cached, ok, failed and audio-failed rows are all stored); not stored = in flight
 * when the run was interrupted (or stopped at the budget) and never started.
 */
export function resultCounts(summary: Pick<RunSummary, 'cells' | 'conditions' | 'backends'>): { total: number; stored: number; notStored: number; line: string } {
  const total = summary.cells.reduce((a, c) => a + c.total, 0);
  const notStored = summary.cells.reduce((a, c) => a + c.skipped, 0);
  const stored = total - notStored;
  const per = Math.max(1, summary.conditions.length * summary.backends.length);
  const line =
    `results (utterance × condition × backend: ${total / per} × ${summary.conditions.length} × ${summary.backends.length} = ${total}): ` +
    `${stored} stored, ${notStored} not stored (in flight when stopped, or not started; a rerun does them)`;
  return { total, stored, notStored, line };
}

function runTable(cells: CellCounts[]): string {
  const rows = [['backend', 'condition', 'items', 'cached', 'called', 'ok', 'failed', 'audio failed', 'not stored']];
  for (const c of cells) {
    rows.push([c.backend, c.condition, String(c.total), String(c.cached), String(c.called), String(c.ok), String(c.failed), String(c.audioFailed), String(c.skipped)]);
  }
  return pad(rows);
}

/** SIGINT/SIGTERM: first one stops starting calls and drains (bounded), the second abandons in-flight calls. */
function installSignals(drainSec: number, say: (s: string) => void): { stop: AbortController; hard: AbortController; dispose(): void } {
  const stop = new AbortController();
  const hard = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onSignal = () => {
    if (!stop.signal.aborted) {
      say(`\nasrfair: stopping — no new calls; waiting up to ${drainSec} s for calls in flight (Ctrl-C again to abandon them)`);
      stop.abort();
      timer = setTimeout(() => {
        say('asrfair: in-flight calls did not finish in time; abandoning them');
        hard.abort();
      }, drainSec * 1000);
      timer.unref();
    } else if (!hard.signal.aborted) {
      say('\nasrfair: abandoning calls in flight');
      hard.abort();
    }
  };
  const release = ownInterrupts();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop,
    hard,
    dispose() {
      clearTimeout(timer);
      release();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** What `runCommand` returns: the engine's summary, the export folder and the suite gate's result (when evaluated). */
export interface RunCommandResult extends RunSummary {
  exportDir?: string;
  gate?: CheckResult;
  /**
   * Why the suite gate could not be evaluated (a grouping key of the gate that no utterance declares): one line
   * naming the suite file and the key. The run's results are exported and kept; `asrfair run` exits 2 with it,
   * as `asrfair check` does on the same run.
   */
  gateError?: UsageError;
}

/**
 * A run on this machine, whole: no scale-out code is loaded (the queue's BullMQ client alone took a large share of
 * every run's start-up).
 */
const LOCAL_RUN: ScaleOut = { storePath: (p) => p, runOptions: () => ({}), summaryLines: () => [], close: async () => undefined };

export async function runCommand(suitePath: string, flags: RunFlags): Promise<RunCommandResult> {
  const suite = loadSuite(suitePath);
  // A condition whose ffmpeg encoder this machine lacks is one line naming the suite file:line (exit 2), before
  // anything is decoded: it is no fault of any utterance's audio.
  await assertSuiteEncoders(suite);
  // A GLM that cannot be read or parsed stops the run before anything is sent (file:line).
  if (suite.glm) loadSuiteGlm(suite.glm);
  // So does a malformed import record (file:line): the export reads them after every decode. Their warnings are said there.
  manifestImportWarnings(suite.manifests);
  let normaliser: Normaliser;
  try {
    normaliser = getNormaliser(suite.normaliser);
  } catch (e) {
    throw new InputError(suite.file, undefined, `normaliser: ${(e as Error).message}`);
  }
  // Every line run prints itself goes through the escaping writer (cli/terminal.ts): paths, ids and backend errors
  // are the user's. A block (a table, a label-map report) is split at LF and each line escaped; its line structure is
  // kept as `s + '\n'` had it.
  const lines = (stream: NodeJS.WriteStream) => (s: string) => { for (const l of s.split('\n')) writeLine(stream, l); };
  const out = flags.say ?? lines(process.stdout);
  const err = lines(process.stderr);
  const scale = flags.shard !== undefined || flags.queue !== undefined ? await (await import('../../scaleout/queue-run.ts')).setupScaleOut(suite, flags, err) : LOCAL_RUN;
  // A given --out is checked before any call is made (the default one depends on the run id).
  if (flags.out && !flags.dryRun) makeOutputDir(flags.out, 'run export folder');
  const store = new RunStore(scale.storePath(resolve(flags.store)));
  // The store as messages name it: the file this run writes (a shard's own), spelt as the user gave --store.
  const storeName = scale.storePath(flags.store);
  // A shard writes its own store and reuses (read-only) what the workspace store already holds.
  const workspace = resolve(flags.store);
  const cacheStores = store.path !== workspace && existsSync(workspace) ? [new RunStore(workspace, { readOnly: true })] : [];
  if (cacheStores.length) err(`asrfair: shard store ${store.path}; results already in ${workspace} are reused (read-only) and copied into it, not decoded again`);
  const useBar = flags.progress && process.stderr.isTTY === true && !flags.dryRun;
  const quiet: ProgressSink = { start() {}, tick() {}, log: err, warn: warnLine, stop() {} };
  const progress: ProgressSink = !flags.progress || flags.dryRun ? quiet : useBar ? new BarProgress() : new LineProgress();
  const signals = installSignals(flags.drainSec, err);
  const runId = newRunId();
  // Each utterance whose audio fails is named as it fails (manifest file:line, audio file), the first ten of them.
  const badInput = new BadInputLog((l) => progress.log(l), 10, ['utterance with bad audio', 'utterances with bad audio']);
  let summary: RunCommandResult;
  try {
    summary = await runSuite({
      suite,
      normaliser,
      store,
      runId,
      dryRun: flags.dryRun,
      maxCostUsd: flags.maxCost,
      concurrency: flags.concurrency,
      limit: flags.limit,
      backendNames: flags.backend,
      retryFailed: flags.retryFailed,
      stop: signals.stop.signal,
      // A queue run whose workers all refuse its jobs stops as on a second Ctrl-C (scale.stopped): what is stored stays.
      hardStop: scale.stopped ? AbortSignal.any([signals.hard.signal, scale.stopped]) : signals.hard.signal,
      progress,
      toolVersion: VERSION,
      ...scale.runOptions(progress),
      cacheStores,
      badInput,
    });
    if (flags.dryRun) {
      badInput.finish(`asrfair validate ${suite.manifests.join(' ')}`);
      out(`dry run of suite ${suite.name}: ${summary.utterances} utterances × ${summary.conditions.length} condition(s) × ${summary.backends.length} backend(s); nothing was sent`);
      out(dryRunTable(summary.cells));
      // The run this would be: a backend subset is said before anything is sent, as the run and its card will say it.
      const sub = backendSubsetOf(suite.backends.map((s) => s.name), summary.backends.map((b) => b.spec.name));
      for (const l of backendSubsetLines(sub)) out(escapeControl(l));
      return summary;
    }
    out(`run ${summary.runId} (${suite.name}): ${summary.status}, ${summary.utterances} utterances${summary.status === 'done' ? '' : ' started'} in ${(summary.elapsedMs / 1000).toFixed(1)} s, spent ${summary.spentUsd.toFixed(4)} USD`);
    out(runTable(summary.cells));
    if (summary.audioNotRead) {
      out(`audio not read: no backend of this suite reads audio (answers by utterance id), so the audio of ${summary.audioNotRead} utterance${summary.audioNotRead === 1 ? '' : 's'} was not opened (no durations, no hours)`);
    }
    const results = resultCounts(summary);
    if (results.notStored > 0) out(results.line);
    const withdrawn = scale.withdrawnLine?.();
    if (withdrawn) err(withdrawn);
    // A limited run: the table above covers the subset only.
    const recordedMeta = store.getRun(summary.runId)?.meta;
    for (const l of [...subsetLines(recordedMeta?.subset), ...backendSubsetLines(recordedMeta?.backendSubset)]) err(`asrfair: ${escapeControl(l)}`);
    const staleLine = scale.stopLine?.();
    if (staleLine) {
      err(`asrfair: ${escapeControl(staleLine)}`);
      process.exitCode = 2;
      return summary;
    }
    if (summary.status === 'interrupted') {
      badInput.finish(`asrfair export ${storeName} --run ${summary.runId}`);
      err(`asrfair: run interrupted; every finished result is stored in ${storeName}. Run the same command again to resume (finished calls are not repeated).`);
      process.exitCode = 130;
      return summary;
    }
    if (summary.status === 'budget') err(`asrfair: stopped at the cost budget; the export covers what was done. Raise --max-cost and rerun to continue.`);
    const dir = resolve(flags.out ?? suite.out ?? join('reports', suite.name, summary.runId));
    // One terminal table per grouping key of the suite (the card has group tables for each).
    const tallies = suite.groupBy.map((k) => new GroupWerTally(k));
    // Label keys of each utterance once (its rows, one per backend × condition, come one after another).
    const keys = new LabelKeyTally();
    // Group names split by case or spacing, as the card counts them (after the label map and bins).
    const spellings = new GroupSpellings([...new Set([...suite.groupBy, ...suite.slices.flat()])]);
    // Speakers declaring several groups of a grouping key: counted once per group, said once after the export.
    const speakerGroups = new SpeakerGroups(suite.groupBy);
    const spelled = new UndeclaredSpellings(suite.groupBy);
    let lastId: string | undefined;
    const onRow = (r: ExportedUtterance): void => {
      for (const t of tallies) t.add(r);
      if (r.id !== lastId) {
        keys.add(r.labels);
        spellings.add(r.id, r.labels);
        speakerGroups.add(r.id, r.speaker, r.labels);
        spelled.add(r.id, r.labels);
      }
      lastId = r.id;
    };
    // The run's own export is written even when the budget stopped it; run.json then says "incomplete".
    const exp = await exportRun(store, summary.runId, dir, { warn: warnLine, onRow, allowIncomplete: true });
    if (exp.incomplete) err(`asrfair: the export is incomplete: ${exp.incomplete.items} of ${exp.incomplete.expected} items (${exp.incomplete.status}); its cards say so`);
    store.endRun(summary.runId, summary.status, dir);
    badInput.finish(join(dir, 'results.jsonl'));
    out(`\nper-group WER (${suite.normaliser} normaliser, ${suite.costModel} alignment; intervals and gaps: asrfair report ${relative(process.cwd(), dir) || '.'}):`);
    for (const [i, t] of tallies.entries()) {
      if (i > 0) out('');
      out(t.markdown());
      const empty = t.emptyLine();
      if (empty) out(empty);
    }
    out(`\nrun export: ${dir} (${exp.rows} rows, ${exp.failed} failed)`);
    summary.exportDir = dir;
    // A shard holds part of the corpus: its gate is evaluated on the merged run (asrfair check <merged>).
    // The gate's and the glass box's code (statistics, decoders) is loaded only for suites that have them.
    const gate = suite.gate ? await import('../../report/gate.ts') : undefined;
    const recorded = flags.gate === false || flags.shard ? undefined : gate?.gateThresholds(suite.gate);
    const th = recorded && flags.allowSubset ? { ...recorded, allowSubset: true } : recorded;
    if (flags.shard && gate?.gateThresholds(suite.gate)) out(`suite gate: not evaluated on shard ${flags.shard} (part of the corpus); run asrfair check on the merged run`);
    const hints = new Map(suite.groupBy.map((k) => [k, keys.warning(k, 'groupBy:')] as const));
    // A key no utterance declares puts everyone in one group: a gate on it checks nothing. As in `check`, that is
    // exit 2, not a warning; the results stay exported (the run itself succeeded, only its gate cannot be evaluated).
    const declared = new Set(keys.counts().map((c) => c.key));
    const missing = th ? [...suite.groupBy, ...suite.slices.flat()].find((k) => !declared.has(k)) : undefined;
    if (missing !== undefined) {
      const why = hints.get(missing) ?? `no utterance declares the label key "${missing}" (slices:).`;
      summary.gateError = new UsageError(
        `run: the suite gate of ${suitePath} was not evaluated: ${escapeControl(why)} The run's results are kept in ${relative(process.cwd(), dir).startsWith('..') ? dir : relative(process.cwd(), dir) || '.'}.`,
      );
    } else for (const hint of hints.values()) if (hint) warnLine(hint);
    // Located in the manifests only when a group is split.
    for (const w of await splitWarningsOf(spellings, (ids) => manifestLines(suite.manifests, ids))) warnLine(w);
    for (const w of await speakerWarningsOf(speakerGroups, (ids) => manifestLines(suite.manifests, ids))) warnLine(w);
    for (const w of await undeclaredSpellingWarnings(spelled, (ids) => manifestLines(suite.manifests, ids))) warnLine(w);
    if (th && gate && !summary.gateError) {
      // The gate's statistics (speaker bootstrap, permutation tests) read the whole export, as `asrfair check` does.
      summary.gate = gate.evaluateGate(loadRunForReport(dir), th, {}, VERSION);
      const empty = Object.keys(th).every((k) => k === 'labels' || k === 'allowSubset' || k === 'significantOnly' || k === 'includeSmallCells');
      out(`\nsuite gate ${JSON.stringify(suite.gate)}${empty ? ' (no threshold: the default checks only, lost utterances and groups or backends with nothing scored fail)' : ''} (--no-gate to skip):`);
      // Group names come from manifests: their control characters must not reach the terminal (as in check).
      // On a failure the reasons go to stderr and the verdict (last line) to stdout, as a pass does (as in check).
      const lines = gate.gateReport(summary.gate);
      lines.forEach((line, i) => (summary.gate!.passed || i === lines.length - 1 ? out : err)(escapeControl(line)));
    }
    for (const line of await scale.summaryLines()) out(line);
    if (suite.kind === 'glassbox' && !flags.noGlass) {
      out('glass-box analysis: phone-loop decoding, forced alignment and confusable sounds per group…');
      const { runGlassSection } = await import('../../report/glass-section.ts');
      const files = await runGlassSection(store, summary.runId, suite, dir, {
        cacheDir: suite.audioCacheDir ?? join(dirname(resolve(flags.store)), 'audio'),
        // Its warnings name groups from the manifest: escaped, as glass's own writer does (cli/terminal.ts).
        log: (line) => err(escapeControl(line)),
        signal: signals.stop.signal,
      });
      for (const f of files) out(`glass-box report: ${f}`);
    }
    const allFailed = summary.notices.find((n) => n.kind === 'all-failed');
    const dead = summary.notices.filter((n) => n.kind === 'backend-failed');
    if (dead.length) {
      // The notices were logged as they came; this is the one line a script or CI reads last.
      err(`asrfair: ${dead.map((n) => n.message).join('; ')}`);
      process.exitCode = 1;
    }
    // Nothing measured: unless every backend's line above already says why, the most frequent cause, with its
    // first example, is the last line, and exit 1.
    if (allFailed && new Set(dead.map((n) => n.backend)).size < summary.backends.length) {
      err(`asrfair: ${escapeControl(allFailed.message)}`);
      process.exitCode = 1;
    }
    return summary;
  } finally {
    signals.dispose();
    store.close();
    for (const c of cacheStores) c.close();
    await scale.close();
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run a suite: every utterance through every backend and condition, cached in the run store, then scored and exported')
    .argument('<suite>', 'suite YAML file')
    .option('--store <path>', 'SQLite run store (the result cache)', '.asrfair/store.sqlite')
    .option('--out <dir>', 'folder for the run export (default reports/<suite>/<run-id>)')
    .option('--dry-run', 'list what would be sent (cached vs to do, audio hours, estimated cost, audio over a vendor upload limit; declared-language mismatches) and send nothing')
    .option('--max-cost <usd>', 'stop before a call would take spending over this many USD', positiveNumber)
    .option('--concurrency <n>', 'calls in flight per backend (overrides the suite)', positiveInt)
    .option('--limit <n>', 'only the first N utterances of the manifest (a subset: run.json, run, check and every card say "N of M utterances" and name the groups left out; check fails on those unless --allow-subset)', positiveInt)
    .option(
      '--backend <name>',
      "only this suite backend (repeatable or comma-separated); fewer than the suite's backends is a backend subset: run.json, run, check and every card name the backends left out, and the suite gate (like check) fails on each of them unless --allow-subset",
      collect,
    )
    .option('--retry-failed', 'retry every stored failure, not only transient ones')
    .option('--no-progress', 'no progress bar or progress lines')
    .option('--no-glass', 'glassbox suites: skip the phone-level analysis after the run')
    .option('--no-gate', "do not evaluate the suite's gate after scoring (by default a crossed threshold exits 1 with the reasons; a gate on a key no utterance declares exits 2, results kept)")
    .option(
      '--allow-subset',
      "with --limit or --shard: the suite's gate accepts the subset although it left out declared groups; with --backend: the gate concerns the backends that ran only (default: each group or backend left out fails the gate)",
    )
    .option('--shard <i/n>', 'run only shard i of n (1-based, by a hash of the utterance id) into <store>.shard-i-of-n.sqlite, recorded as a subset like --limit; results <store> itself already holds are reused read-only (copied, not decoded again); combine with asrfair merge (the merged run is whole)')
    .option('--queue <redis-url>', 'distributed mode: send calls as jobs to redis://host:port[/db] for `asrfair worker` processes (shared filesystem)')
    .option('--queue-name <name>', 'BullMQ queue name (default asrfair-transcribe)')
    .option('--queue-timeout <s>', 'with --queue: an unreachable Redis is said at once and retried every second for this long, then the run exits 2; after a worker refused a job (its configuration differs), jobs that no worker takes for this long stop the run (exit 2)', positiveNumber, 30)
    .option('--drain-sec <s>', 'after the first Ctrl-C, how long to wait for calls in flight', positiveNumber, 30)
    .action(async (suite: string, flags: RunFlags) => {
      const summary = await runCommand(suite, { ...flags, noGlass: flags.glass === false });
      if (summary.status === 'interrupted') {
        // In-flight work was drained or abandoned and the store is closed; do not wait for stray sockets or timers.
        // A queue run stopped because every worker refuses its jobs set exit 2 (runCommand's last line says why).
        process.exit(process.exitCode === 2 ? 2 : 130);
      }
      // After everything is written: the gate cannot be evaluated (exit 2, one line), or it failed (exit 1).
      if (summary.gateError) throw summary.gateError;
      // A gate with nothing to evaluate (every group below the minimum cell) exits 2, as check does.
      if (summary.gate && !summary.gate.passed) process.exitCode = summary.gate.nothingToCheck ? 2 : 1;
    });
}
