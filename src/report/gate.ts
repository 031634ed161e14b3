/**
 * The suite's CI gate (`gate:` in the suite, recorded in run.json's `analysis.gate`), evaluated on
 * the run's own card: by `asrfair run` after scoring, and by `asrfair check` (with its threshold flags replacing
 * the suite's keys one by one: checkThresholds). Same rules as `check` (src/report/check.ts).
 */
import { GATE_FLAGS, GateSchema, gateThresholdProblem, type Gate, type GateThreshold } from '../run/suite.ts';
import { UsageError } from '../manifest/errors.ts';
import { cardOptionsForRun, type SettingFlags } from './card-settings.ts';
import { checkCard, checkReport, DEFAULT_MAX_FAILED_SHARE, type CheckResult, type CheckThresholds } from './check.ts';
import { buildServiceCard } from './model.ts';
import type { LoadedRun } from '../score/run-export.ts';

/**
 * A `check` threshold flag's value (`--max-gap 0.03`) as a number, by the suite gate's own rule (src/run/suite.ts
 * gateThresholdProblem): undefined when the flag is not given. Throws UsageError (exit 2) naming the flag, e.g.
 * `--max-wer must be a fraction in [0, 1] (0.4 = 40%), not 40; did you mean 0.4 (40%)? …`.
 */
export function parseGateFlag(key: GateThreshold, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? NaN : Number(raw);
  const problem = Number.isFinite(n) ? gateThresholdProblem(key, n) : `must be a number, not "${raw}"`;
  if (problem) throw new UsageError(`${GATE_FLAGS[key]} ${problem}`);
  return n;
}

/**
 * Checks a gate recorded in run.json (`analysis.gate`, as the suite had it) by the same rule as the suite's and the
 * flags': throws UsageError (exit 2) naming `file` and the key, for an export written before the suite refused it.
 */
export function checkRecordedGate(gate: Gate | undefined, file: string): void {
  if (!gate) return;
  const issue = GateSchema.safeParse(gate).error?.issues[0];
  if (!issue) return;
  const key = String(issue.path[0]) as GateThreshold;
  throw new UsageError(`${file}: analysis.gate.${key} (the suite's gate) ${issue.message}; give the threshold as a flag (${GATE_FLAGS[key]}) instead`);
}

/**
 * Thresholds of a recorded gate, each named by its suite key (`gate.maxGap`) in what the gate prints; undefined when
 * the run records no gate. An empty gate (`gate: {}`, or switches only) is a gate: it applies the default checks
 * (any lost utterance fails, a declared group with nothing scored fails, a left-out group or backend fails).
 */
export function gateThresholds(gate: Gate | undefined): CheckThresholds | undefined {
  if (!gate) return undefined;
  return { ...gate, labels: suiteLabels() };
}

const THRESHOLD_KEYS = Object.keys(GATE_FLAGS) as GateThreshold[];

function suiteLabels(): Record<GateThreshold, string> {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, `gate.${k}`])) as Record<GateThreshold, string>;
}

/** What `asrfair check` was given besides the threshold flags. */
export interface CheckSwitches {
  /** `--max-failed-share`: a threshold flag like the others (it replaces the suite's `gate.maxFailedShare`). */
  maxFailedShare?: number;
  significantOnly?: boolean;
  includeSmallCells?: boolean;
  allowSubset?: boolean;
  /** `--no-suite-gate`: apply the flags only, leaving the suite's gate recorded in run.json out (said on the gate line). */
  noSuiteGate?: boolean;
}

/** How `asrfair check` came by its thresholds: flags only, the suite's gate only, or both merged key by key. */
export type GateSource = 'flags' | 'suite' | 'merged';

/**
 * The thresholds `asrfair check` applies, where they came from, and the one line that says so. Rule: the suite's gate
 * recorded in run.json (`recorded`) applies, and each threshold flag (`given`, and `--max-failed-share`) replaces the
 * suite's value of that key only; the other keys of the suite's gate still apply. `--significant-only` and
 * `--include-small-cells` turn the switch on, as does the suite's gate. `noSuiteGate` leaves the suite's gate out
 * (flags only). An empty suite gate (`gate: {}`) applies the default checks: any lost utterance fails
 * (DEFAULT_MAX_FAILED_SHARE), as does a declared group with nothing scored. Every threshold carries the name the
 * gate's lines use for it (`--max-gap` or `gate.maxGap`). Throws UsageError when neither a flag nor a recorded gate
 * (or `noSuiteGate` and no flag) gives anything to check.
 */
export function checkThresholds(given: CheckThresholds, sw: CheckSwitches, recorded: Gate | undefined): { thresholds: CheckThresholds; source: GateSource; line: string } {
  const flags: CheckThresholds = { ...given, ...(sw.maxFailedShare === undefined ? {} : { maxFailedShare: sw.maxFailedShare }) };
  const suite = sw.noSuiteGate ? undefined : recorded;
  const flagKeys = THRESHOLD_KEYS.filter((k) => flags[k] !== undefined);
  if (!flagKeys.length && !suite) {
    throw new UsageError(
      sw.noSuiteGate && recorded
        ? 'check --no-suite-gate needs at least one threshold flag: --max-gap, --max-wer, --group-ratio, --max-degradation-gap or --max-failed-share'
        : 'check needs at least one threshold: --max-gap, --max-wer, --group-ratio, --max-degradation-gap or --max-failed-share (this run records no suite gate)',
    );
  }
  const labels = suite ? suiteLabels() : ({} as Record<GateThreshold, string>);
  for (const k of THRESHOLD_KEYS) if (flags[k] !== undefined || !suite) labels[k] = GATE_FLAGS[k];
  const thresholds: CheckThresholds = {
    ...(suite ?? {}),
    ...Object.fromEntries(flagKeys.map((k) => [k, flags[k]])),
    significantOnly: Boolean(sw.significantOnly || suite?.significantOnly),
    includeSmallCells: Boolean(sw.includeSmallCells || suite?.includeSmallCells),
    ...(sw.allowSubset ? { allowSubset: true } : {}),
    labels,
  };
  const source: GateSource = !suite ? 'flags' : flagKeys.length ? 'merged' : 'suite';
  return { thresholds, source, line: gateLine(thresholds, flagKeys, suite, sw.noSuiteGate ? recorded : undefined) };
}

/**
 * `gate: --max-wer 0.5 (flag, in place of the suite's gate.maxWer 0.4); gate.maxGap 0.15 (the suite's, run.json)`:
 * each threshold applied and where it came from, the suite's gate left out (`--no-suite-gate`), or the default checks.
 */
function gateLine(th: CheckThresholds, flagKeys: GateThreshold[], suite: Gate | undefined, leftOut: Gate | undefined): string {
  const parts: string[] = [];
  for (const k of flagKeys) {
    const replaced = suite?.[k] !== undefined && suite[k] !== th[k] ? `, in place of the suite's gate.${k} ${suite[k]}` : suite?.[k] !== undefined ? `, as the suite's gate.${k}` : '';
    parts.push(`${GATE_FLAGS[k]} ${th[k]} (flag${replaced})`);
  }
  const fromSuite = THRESHOLD_KEYS.filter((k) => suite?.[k] !== undefined && !flagKeys.includes(k)).map((k) => `gate.${k} ${suite![k]}`);
  if (fromSuite.length) parts.push(`${fromSuite.join(', ')} (the suite's, from run.json${flagKeys.length ? '; --no-suite-gate for the flags only' : ''})`);
  if (suite && !THRESHOLD_KEYS.some((k) => suite[k] !== undefined) && !flagKeys.length) {
    parts.push(`the suite's gate ${JSON.stringify(suite)} in run.json sets no threshold: the default checks only`);
  }
  const switches = [th.significantOnly ? 'significant only' : '', th.includeSmallCells ? 'small cells included' : ''].filter(Boolean);
  if (switches.length) parts.push(switches.join(', '));
  if (th.maxFailedShare === undefined) parts.push(`lost utterances: none allowed (default ${DEFAULT_MAX_FAILED_SHARE})`);
  if (leftOut) parts.push(`the suite's gate ${JSON.stringify(leftOut)} in run.json is not applied (--no-suite-gate)`);
  return `gate: ${parts.join('; ')}`;
}

/**
 * Checks a loaded run against thresholds on the card made with the run's settings (with `flags`
 * overriding them). The model-based view is not fitted: the gate reads the tables and degradation.
 */
export function evaluateGate(run: Pick<LoadedRun, 'meta' | 'utterances'>, th: CheckThresholds, flags: SettingFlags = {}, toolVersion?: string): CheckResult {
  const options = cardOptionsForRun(run.meta, flags);
  const card = buildServiceCard(run.meta, run.utterances, { ...options, slices: options.slices ?? [], model: 'none', ...(toolVersion ? { toolVersion } : {}) });
  return checkCard(card, th);
}

/** The lines to print for a gate result: violations, lost data within the limit, cells not checked, then the summary. */
export function gateReport(result: CheckResult): string[] {
  return checkReport(result);
}
