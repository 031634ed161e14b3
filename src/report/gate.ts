/**
 * The suite's CI gate (`gate:` in the suite, recorded in run.json's `analysis.gate`), evaluated on
 * the run's own card: by `asrfair run` after scoring, and by `asrfair check` when no threshold flag
 * is given. Same rules as `check` (src/report/check.ts).
 */
import { GATE_FLAGS, GateSchema, gateThresholdProblem, type Gate, type GateThreshold } from '../run/suite.ts';
import { UsageError } from '../manifest/errors.ts';
import { cardOptionsForRun, type SettingFlags } from './card-settings.ts';
import { checkCard, checkReport, hasThreshold, type CheckResult, type CheckThresholds } from './check.ts';
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

/** Thresholds of a recorded gate (undefined when the run records none, or one without thresholds). */
export function gateThresholds(gate: Gate | undefined): CheckThresholds | undefined {
  if (!gate) return undefined;
  const th: CheckThresholds = { ...gate };
  return hasThreshold(th) ? th : undefined;
}

/** What `asrfair check` was given besides the threshold flags. */
export interface CheckSwitches {
  /** `--max-failed-share`: joins the threshold flags, or tightens or loosens the suite's gate, or is the gate alone. */
  maxFailedShare?: number;
  significantOnly?: boolean;
  includeSmallCells?: boolean;
  allowSubset?: boolean;
}

/**
 * The thresholds `asrfair check` applies, and where they came from: `flags` when any threshold flag is given (with
 * `--max-failed-share` joined, `significantOnly`/`includeSmallCells` as given, false otherwise); else `suite`, the
 * suite's gate recorded in run.json (`recorded`), with `--max-failed-share` in place of its own and the two switches
 * turned on when given; else `failed-share`, `--max-failed-share` alone. `allowSubset` joins any of them.
 * Throws UsageError when there is none of the three.
 */
export function checkThresholds(given: CheckThresholds, sw: CheckSwitches, recorded: Gate | undefined): { thresholds: CheckThresholds; source: 'flags' | 'suite' | 'failed-share' } {
  const fromSuite = gateThresholds(recorded);
  const loss = sw.maxFailedShare === undefined ? {} : { maxFailedShare: sw.maxFailedShare };
  const subset = sw.allowSubset ? { allowSubset: true } : {};
  if (hasThreshold(given)) {
    return { thresholds: { ...given, ...loss, significantOnly: Boolean(sw.significantOnly), includeSmallCells: Boolean(sw.includeSmallCells), ...subset }, source: 'flags' };
  }
  if (fromSuite) {
    const on = { ...(sw.significantOnly ? { significantOnly: true } : {}), ...(sw.includeSmallCells ? { includeSmallCells: true } : {}) };
    return { thresholds: { ...fromSuite, ...loss, ...on, ...subset }, source: 'suite' };
  }
  if (sw.maxFailedShare !== undefined) return { thresholds: { ...loss, includeSmallCells: Boolean(sw.includeSmallCells), ...subset }, source: 'failed-share' };
  throw new UsageError('check needs at least one threshold: --max-gap, --max-wer, --group-ratio, --max-degradation-gap or --max-failed-share (this run records no suite gate)');
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
