import { normalQuantile } from './distributions.ts';

/**
 * Smallest true difference in means detectable by a two-sided two-sample test at level `alpha` with
 * probability `power` (normal approximation): (z₁₋α/₂ + z_power) · √(varA/nA + varB/nB),
 * with varA, varB the per-speaker sample variances and nA, nB the speaker counts.
 */
export function minDetectableDifference(varA: number, nA: number, varB: number, nB: number, alpha = 0.05, power = 0.8): number {
  if (nA < 2 || nB < 2) return Number.NaN;
  return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * Math.sqrt(varA / nA + varB / nB);
}
