import type { Interval } from './types.ts';

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return x.length ? s / x.length : Number.NaN;
}

/** Unbiased sample variance (n − 1); NaN for fewer than 2 values. */
export function sampleVariance(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) ** 2;
  return s / (n - 1);
}

/** Percentile of sorted values by linear interpolation (R type 7). NaNs must be removed first. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Percentile bootstrap interval of `draws` (NaN draws ignored) around the given point estimate. */
export function percentileInterval(draws: ArrayLike<number>, level: number, estimate: number): Interval {
  const finite: number[] = [];
  for (let i = 0; i < draws.length; i++) if (!Number.isNaN(draws[i])) finite.push(draws[i]);
  const sorted = Float64Array.from(finite).sort();
  const a = (1 - level) / 2;
  return { estimate, lo: percentile(sorted, a), hi: percentile(sorted, 1 - a) };
}
