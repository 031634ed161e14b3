/**
 * The suite's CI gate (`gate:` in the suite, recorded in run.json's `analysis.gate`), evaluated on
 * the run's own card: by `asrfair run` after scoring, and by `asrfair check` when no threshold flag
 * is given. Same rules as `check` (src/report/check.ts).
 */
import { GATE_FLAGS, gateThresholdProblem, type Gate, type GateThreshold } from '../run/suite.ts';
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
  for (const key of Object.keys(GATE_FLAGS) as GateThreshold[]) {
    const v = gate[key];
    const problem = v === undefined ? undefined : gateThresholdProblem(key, v);
    if (problem) throw new UsageError(`${file}: analysis.gate.${key} (the suite's gate) ${problem}; give the threshold as a flag (${GATE_FLAGS[key]}) instead`);
  }
}

/** Thresholds of a recorded gate (undefined when the run records none, or one without thresholds). */
export function gateThresholds(gate: Gate | undefined): CheckThresholds | undefined {
  if (!gate) return undefined;
  const th: CheckThresholds = { ...gate };
  return hasThreshold(th) ? th : undefined;
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
