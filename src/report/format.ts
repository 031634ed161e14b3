import { WER_METRICS, type WerMetric } from '../analysis/groups.ts';
import type { Interval } from '../stats/types.ts';

/** Printed in place of a suppressed or missing value. */
export const DASH = '—';

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** 0.1234 → "12.3%". */
export function fmtPct(x: number | null | undefined, digits = 1): string {
  return finite(x) ? `${(x * 100).toFixed(digits)}%` : DASH;
}

/** WER with its interval: "12.3% [10.1, 14.6]". */
export function fmtPctInterval(i: Interval | null | undefined): string {
  if (!i || !finite(i.estimate)) return DASH;
  return `${fmtPct(i.estimate)} [${(i.lo * 100).toFixed(1)}, ${(i.hi * 100).toFixed(1)}]`;
}

/** A difference of rates in percentage points: "+2.1 pp [0.3, 4.0]". */
export function fmtGap(i: Interval | null | undefined): string {
  if (!i || !finite(i.estimate)) return DASH;
  const sign = i.estimate > 0 ? '+' : '';
  return `${sign}${(i.estimate * 100).toFixed(1)} pp [${(i.lo * 100).toFixed(1)}, ${(i.hi * 100).toFixed(1)}]`;
}

/** A ratio with its interval: "1.25× [1.05, 1.50]". */
export function fmtRatio(i: Interval | null | undefined): string {
  if (!i || !finite(i.estimate)) return DASH;
  return `${i.estimate.toFixed(2)}× [${finite(i.lo) ? i.lo.toFixed(2) : '∞'}, ${finite(i.hi) ? i.hi.toFixed(2) : '∞'}]`;
}

export function fmtP(p: number | null | undefined): string {
  if (!finite(p)) return DASH;
  return p < 0.001 ? '<0.001' : p.toFixed(3);
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
