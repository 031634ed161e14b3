/** A point estimate with a two-sided percentile interval (level is e.g. 0.95). */
export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

export type PAdjustMethod = 'holm' | 'bh' | 'none';

/** Two-sample Welch t-test result (two-sided). */
export interface WelchResult {
  meanA: number;
  meanB: number;
  /** meanA − meanB */
  diff: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  p: number;
  nA: number;
  nB: number;
}

/** Permutation test result: observed statistic, count-based two-sided p with +1 correction. */
export interface PermutationResult {
  statistic: number;
  p: number;
  permutations: number;
}

/** Per-cluster (speaker) totals as typed arrays: the fast input of bootstrap and permutation code. */
export interface ClusterTotals {
  /** Errors (S+D+I) per cluster. */
  errors: Float64Array;
  /** Reference words per cluster. */
  words: Float64Array;
  /** Group index (0..groups-1) per cluster. */
  group: Int32Array;
  groups: number;
}
