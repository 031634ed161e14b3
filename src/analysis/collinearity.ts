/**
 * Collinearity of a grouping with a numeric covariate: the share of the covariate's variance that
 * group membership explains, R² = SS_between / SS_total (η², the R² of regressing the covariate on
 * the group dummies), and the covariate's variance inflation factor against the group terms,
 * VIF = 1 / (1 − R²) (e.g. Fox & Monette 1992; rule of thumb: VIF ≥ 5, i.e. R² ≥ 0.8, is high).
 * When it is high, a regression with both cannot tell the group's effect from the covariate's.
 */

export interface GroupCovariateCollinearity {
  covariate: string;
  /** η² = SS_between / SS_total over the rows given (NaN when the covariate is constant). */
  r2: number;
  /** 1 / (1 − R²); Infinity when the covariate is a function of the group. */
  vif: number;
}

/** Above this R² (VIF 5) the card warns that group and covariate cannot be separated. */
export const HIGH_COLLINEARITY_R2 = 0.8;
/** From this R² (VIF 2) the card warns when adjusting also removes most of the group effect. */
export const MODERATE_COLLINEARITY_R2 = 0.5;

/** R² and VIF of one covariate against a grouping; `groups[i]` and `values[i]` describe row i. */
export function groupCovariateR2(covariate: string, groups: readonly string[], values: readonly number[]): GroupCovariateCollinearity {
  if (groups.length !== values.length) throw new Error('groupCovariateR2: groups and values differ in length');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sums = new Map<string, { s: number; n: number }>();
  let ssTotal = 0;
  for (let i = 0; i < n; i++) {
    ssTotal += (values[i] - mean) ** 2;
    const g = sums.get(groups[i]) ?? { s: 0, n: 0 };
    g.s += values[i];
    g.n++;
    sums.set(groups[i], g);
  }
  let ssBetween = 0;
  for (const g of sums.values()) ssBetween += g.n * (g.s / g.n - mean) ** 2;
  const r2 = ssTotal > 0 ? Math.min(1, ssBetween / ssTotal) : NaN;
  return { covariate, r2, vif: r2 >= 1 ? Infinity : 1 / (1 - r2) };
}
