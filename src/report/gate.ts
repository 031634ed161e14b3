/**
 * The suite's CI gate (`gate:` in the suite, recorded in run.json's `analysis.gate`), evaluated on
 * the run's own card: by `asrfair run` after scoring, and by `asrfair check` when no threshold flag
 * is given. Same rules as `check` (src/report/check.ts).
 */
import type { Gate } from '../run/suite.ts';
import { cardOptionsForRun, type SettingFlags } from './card-settings.ts';
import { checkCard, checkReport, hasThreshold, type CheckResult, type CheckThresholds } from './check.ts';
import { buildServiceCard } from './model.ts';
import type { LoadedRun } from '../score/run-export.ts';

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
