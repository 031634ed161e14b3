import { intervalMinSpeakers, MIN_BOOTSTRAP_SPEAKERS, WER_METRICS, type MinCell, type WerMetric } from '../analysis/groups.ts';
import type { Interval } from '../stats/types.ts';

/** Printed in place of a suppressed or missing value. */
export const DASH = '—';
/** What a cell below the minimum cell rule shows instead of an estimate (card, model view, compare). */
export const NOT_ENOUGH_DATA = 'not enough data';

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** 0.1234 → "12.3%". */
export function fmtPct(x: number | null | undefined, digits = 1): string {
  return finite(x) ? `${(x * 100).toFixed(digits)}%` : DASH;
}

/** Printed for an interval that cannot be estimated (e.g. a one-speaker cell: nothing to resample). */
export const NO_INTERVAL = `[${DASH}]`;

function hasInterval(i: Interval): boolean {
  return finite(i.lo) && finite(i.hi);
}

/** WER with its interval: "12.3% [10.1, 14.6]"; "12.3% [—]" when the interval is undefined. */
export function fmtPctInterval(i: Interval | null | undefined): string {
  if (!i || !finite(i.estimate)) return DASH;
  if (!hasInterval(i)) return `${fmtPct(i.estimate)} ${NO_INTERVAL}`;
  return `${fmtPct(i.estimate)} [${(i.lo * 100).toFixed(1)}, ${(i.hi * 100).toFixed(1)}]`;
}

/** A difference of rates in percentage points: "+2.1 pp [0.3, 4.0]". */
export function fmtGap(i: Interval | null | undefined): string {
  if (!i || !finite(i.estimate)) return DASH;
  const sign = i.estimate > 0 ? '+' : '';
  if (!hasInterval(i)) return `${sign}${(i.estimate * 100).toFixed(1)} pp ${NO_INTERVAL}`;
  return `${sign}${(i.estimate * 100).toFixed(1)} pp [${(i.lo * 100).toFixed(1)}, ${(i.hi * 100).toFixed(1)}]`;
}

/** A ratio with its interval: "1.25× [1.05, 1.50]". */
export function fmtRatio(i: Interval | null | undefined): string {
  if (!i || !finite(i.estimate)) return DASH;
  if (Number.isNaN(i.lo) || Number.isNaN(i.hi)) return `${i.estimate.toFixed(2)}× ${NO_INTERVAL}`;
  return `${i.estimate.toFixed(2)}× [${finite(i.lo) ? i.lo.toFixed(2) : '∞'}, ${finite(i.hi) ? i.hi.toFixed(2) : '∞'}]`;
}

/**
 * A p-value: three decimals, "<0.001" below 0.001, and more digits near the significance level `alpha`
 * (0.03–0.07 for α 0.05) so that a p flagged below α never prints as α or above (0.0496, not 0.050).
 */
export function fmtP(p: number | null | undefined, alpha = 0.05): string {
  if (!finite(p)) return DASH;
  if (p < 0.001) return '<0.001';
  let digits = Math.abs(p - alpha) < 0.4 * alpha ? 4 : 3;
  let s = p.toFixed(digits);
  // Never let rounding carry p across α (or onto it).
  while (digits < 10 && ((Number(s) === alpha && p !== alpha) || Number(s) < alpha !== p < alpha)) s = p.toFixed(++digits);
  return s;
}

export function fmtInt(n: number | null | undefined): string {
  return finite(n) ? String(Math.round(n)) : DASH;
}

export function fmtHours(h: number | null | undefined): string {
  return finite(h) ? h.toFixed(h < 10 ? 2 : 1) : DASH;
}

/** A magnitude in percentage points: "2.3 pp". */
export function fmtPp(x: number | null | undefined): string {
  return finite(x) ? `${(x * 100).toFixed(1)} pp` : DASH;
}

/** Three significant digits, for statistics without a natural unit (e.g. a dispersion ratio). */
export function fmtNum(x: number | null | undefined, digits = 3): string {
  return finite(x) ? String(Number(x.toPrecision(digits))) : DASH;
}

/** The two WER summaries shown beside the headline one, in a fixed order. */
export function otherWerMetrics(headline: WerMetric): WerMetric[] {
  return WER_METRICS.filter((m) => m !== headline);
}

/** First letter upper-cased (table headers). */
export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Flag text of a sampled p whose adjusted Monte Carlo interval still contains α at the draw cap. */
export const UNDECIDED_TEXT = 'undecided (Monte Carlo: p too close to α)';

/**
 * An adjusted p with its Monte Carlo uncertainty where it was sampled: "0.0552 (MC 0.0536–0.0569)"; a plain
 * `fmtP` when exact (every split enumerated), untested, or when both ends print alike.
 */
export function fmtPMc(r: { pAdjusted: number | null; pMethod: { exact: boolean; adjustedLo: number; adjustedHi: number } | null }, alpha = 0.05): string {
  const m = r.pMethod;
  const p = fmtP(r.pAdjusted, alpha);
  if (!m || m.exact || !finite(r.pAdjusted) || !finite(m.adjustedLo) || !finite(m.adjustedHi)) return p;
  const lo = fmtP(m.adjustedLo, alpha);
  const hi = fmtP(m.adjustedHi, alpha);
  return lo === hi ? p : `${p} (MC ${lo}–${hi})`;
}

/**
 * The p cell of a group-vs-rest row: the adjusted p (fmtPMc) of a tested group; for a small cell (below the
 * minimum cell: not tested, no adjusted p, not in the correction family) its raw permutation p, marked
 * "raw 0.0065" so it is never read as an adjusted p (README: "its raw p is shown"); "—" when neither exists
 * (e.g. a cell suppressed with --publish). SMALL_CELL_P_NOTE (render-md.ts) explains the mark.
 */
export function fmtPCell(
  r: { flags: readonly string[]; p: number | null; pAdjusted: number | null; pMethod: { exact: boolean; adjustedLo: number; adjustedHi: number } | null },
  alpha = 0.05,
): string {
  if (hasRawPOnly(r)) return `raw ${fmtP(r.p, alpha)}`;
  return fmtPMc(r, alpha);
}

/** Whether a row shows a raw p only (a small cell with a p and no adjusted p): see fmtPCell. */
export function hasRawPOnly(r: { flags: readonly string[]; p: number | null; pAdjusted: number | null }): boolean {
  return r.flags.includes('small-cell') && finite(r.p) && !finite(r.pAdjusted);
}

/**
 * The line under a table with a [—]: a cell (a group, or the rest of its table) of fewer than `intervalMinSpeakers`
 * speakers has no speaker-cluster bootstrap interval and no detectable gap. `minCell` is the card's minimum cell.
 */
export function noIntervalNote(minCell: MinCell): string {
  const n = intervalMinSpeakers(minCell);
  return (
    `[—] = no interval: fewer than ${n} speakers (${n === minCell.speakers ? "the minimum cell's speaker rule" : `at least ${MIN_BOOTSTRAP_SPEAKERS} whatever the minimum cell`}). ` +
    'A speaker bootstrap of so few speakers is no 95% interval (2 speakers: 3 distinct resamples), so the uncertainty is unknown, not small; no detectable gap either.'
  );
}

/** An interval-bearing figure of the remedy (adapt/remedy.ts RemedyReport, or the card's copy of it). */
interface RemedyIntervals {
  groups: readonly { change: Interval }[];
  worstChange: Interval;
  gap: { change: Interval };
  pair?: { change: Interval };
  minCell?: MinCell;
}

/** The reason for a [—] (noIntervalNote of the remedy's minimum cell) when any interval of a remedy is undefined, else none. */
export function remedyNoIntervalLines(r: RemedyIntervals, defaultMinCell: MinCell): string[] {
  const all = [...r.groups.map((g) => g.change), r.worstChange, r.gap.change, ...(r.pair ? [r.pair.change] : [])];
  return all.some((i) => Number.isNaN(i.lo) || Number.isNaN(i.hi)) ? [noIntervalNote(r.minCell ?? defaultMinCell)] : [];
}
