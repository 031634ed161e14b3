import { createRng } from './rng.ts';
import { percentileInterval } from './descriptive.ts';
import type { Interval } from './types.ts';

/** Per-cluster (speaker) error and word totals of one system/condition, aligned by cluster index. */
export interface ClusterSeries {
  errors: Float64Array;
  words: Float64Array;
}

/** Resampled error and word sums: `errors[s][b * strata + g]` is series s, resample b, stratum g. */
export interface BootstrapDraws {
  resamples: number;
  strata: number;
  errors: Float64Array[];
  words: Float64Array[];
}

/** Cluster indices of each stratum in CSR form (offsets has strata + 1 entries). */
function membersByStratum(strata: Int32Array, strataCount: number): { offsets: Int32Array; members: Int32Array } {
  const offsets = new Int32Array(strataCount + 1);
  for (let i = 0; i < strata.length; i++) offsets[strata[i] + 1]++;
  for (let g = 0; g < strataCount; g++) offsets[g + 1] += offsets[g];
  const fill = offsets.slice(0, strataCount);
  const members = new Int32Array(strata.length);
  for (let i = 0; i < strata.length; i++) members[fill[strata[i]]++] = i;
  return { offsets, members };
}

/**
 * Cluster bootstrap stratified by group: each resample draws, within every stratum, as many clusters
 * (speakers) as it has, with replacement. All series share the same draws, so paired differences are
 * resampled jointly. The overall sum of a resample is the sum over strata.
 */
export function stratifiedClusterBootstrap(
  strata: Int32Array,
  strataCount: number,
  series: readonly ClusterSeries[],
  resamples: number,
  seed: number,
): BootstrapDraws {
  const { offsets, members } = membersByStratum(strata, strataCount);
  const rng = createRng(seed);
  const S = series.length;
  const errs = series.map(() => new Float64Array(resamples * strataCount));
  const wrds = series.map(() => new Float64Array(resamples * strataCount));
  const se = new Float64Array(S);
  const sw = new Float64Array(S);
  for (let b = 0; b < resamples; b++) {
    for (let g = 0; g < strataCount; g++) {
      const start = offsets[g];
      const n = offsets[g + 1] - start;
      se.fill(0);
      sw.fill(0);
      if (S === 1) {
        const e0 = series[0].errors;
        const w0 = series[0].words;
        let e = 0;
        let w = 0;
        for (let k = 0; k < n; k++) {
          const i = members[start + ((rng.next() * n) | 0)];
          e += e0[i];
          w += w0[i];
        }
        se[0] = e;
        sw[0] = w;
      } else {
        for (let k = 0; k < n; k++) {
          const i = members[start + ((rng.next() * n) | 0)];
          for (let s = 0; s < S; s++) {
            se[s] += series[s].errors[i];
            sw[s] += series[s].words[i];
          }
        }
      }
      for (let s = 0; s < S; s++) {
        errs[s][b * strataCount + g] = se[s];
        wrds[s][b * strataCount + g] = sw[s];
      }
    }
  }
  return { resamples, strata: strataCount, errors: errs, words: wrds };
}

/** Rate (errors/words) of stratum g in each resample of series s (NaN when a resample has no words). */
export function stratumRateDraws(d: BootstrapDraws, s: number, g: number): Float64Array {
  const out = new Float64Array(d.resamples);
  for (let b = 0; b < d.resamples; b++) {
    const k = b * d.strata + g;
    out[b] = d.errors[s][k] / d.words[s][k];
  }
  return out;
}

/** Rate of all strata together in each resample of series s. */
export function overallRateDraws(d: BootstrapDraws, s: number): Float64Array {
  const out = new Float64Array(d.resamples);
  for (let b = 0; b < d.resamples; b++) {
    let e = 0;
    let w = 0;
    for (let g = 0; g < d.strata; g++) {
      e += d.errors[s][b * d.strata + g];
      w += d.words[s][b * d.strata + g];
    }
    out[b] = e / w;
  }
  return out;
}

function rate(x: ClusterSeries): number {
  let e = 0;
  let w = 0;
  for (let i = 0; i < x.errors.length; i++) {
    e += x.errors[i];
    w += x.words[i];
  }
  return e / w;
}

/**
 * The draws of the paired speaker bootstrap: in resample r, `a[r]` and `b[r]` are rate(a) and rate(b) over the same
 * clusters drawn with replacement (one stratum, both series resampled together).
 */
export function pairedClusterDraws(a: ClusterSeries, b: ClusterSeries, resamples: number, seed: number): { a: Float64Array; b: Float64Array } {
  const d = stratifiedClusterBootstrap(new Int32Array(a.errors.length), 1, [a, b], resamples, seed);
  return { a: stratumRateDraws(d, 0, 0), b: stratumRateDraws(d, 1, 0) };
}

/** Paired speaker bootstrap of rate(a) − rate(b) on the same clusters (percentile interval of `pairedClusterDraws`). */
export function pairedClusterBootstrap(
  a: ClusterSeries,
  b: ClusterSeries,
  resamples: number,
  seed: number,
  level = 0.95,
): Interval {
  const d = pairedClusterDraws(a, b, resamples, seed);
  return percentileInterval(d.a.map((x, r) => x - d.b[r]), level, rate(a) - rate(b));
}
