import type { ScoredUtterance } from './types.ts';
import type { Interval } from '../stats/types.ts';
import { groupOf } from '../manifest/schema.ts';
import { isCandidateGroup } from './cells.ts';
import { countRegression, type Coefficient, type CountRegressionOptions } from '../stats/regression.ts';
import { normalQuantile } from '../stats/distributions.ts';
import { groupCovariateR2, type GroupCovariateCollinearity } from './collinearity.ts';

export interface GroupModelOptions extends CountRegressionOptions {
  groupBy: string;
  /**
   * Reference level of the group factor. Default: the declared group with most utterances — never
   * `undeclared` (a heterogeneous pool is no baseline), unless it is the only group.
   */
  referenceGroup?: string;
  /** Covariates to include when present on every scored utterance (default all three). */
  covariates?: ReadonlyArray<'duration' | 'snr' | 'condition'>;
  /** Reference condition level (default 'clean' when present, else the most frequent). */
  referenceCondition?: string;
}

export interface GroupRateRatio {
  group: string;
  utterances: number;
  /** Error-rate ratio vs the reference group, adjusted for the covariates, clustered CI. */
  rateRatio: Interval;
  p: number;
}

export interface GroupModel {
  groupBy: string;
  backend: string;
  family: 'poisson' | 'negbin';
  /** CR1 = Stata-style G/(G−1)·(N−1)/(N−K) speaker-clustered sandwich; CR0 = none. */
  seType: 'CR0' | 'CR1';
  referenceGroup: string;
  /** How the reference was chosen: given by the caller (suite/run/flag) or the largest declared group. */
  referenceSource: 'given' | 'largest-declared';
  groups: GroupRateRatio[];
  /** Covariates actually used (a covariate missing on some utterance is left out, with a warning). */
  covariatesUsed: string[];
  /** Every coefficient (intercept, group dummies, covariates; numeric covariates centred, per unit). */
  coefficients: Coefficient[];
  pearsonDispersion: number;
  poissonDispersion: number;
  alpha?: number;
  n: number;
  clusters: number;
  /** Scored utterances with no reference words (no exposure) left out of the fit. */
  droppedNoWords: number;
  failedExcluded: number;
  warnings: string[];
  /** Share of each numeric covariate's variance explained by the grouping (R², VIF), over the fitted rows. */
  collinearity: GroupCovariateCollinearity[];
}

function mostFrequent(values: readonly string[]): string {
  const c = new Map<string, number>();
  for (const v of values) c.set(v, (c.get(v) ?? 0) + 1);
  return [...c.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

/**
 * Count regression of per-utterance word errors with log(reference words) offset, one model per
 * backend: errors ~ group + [duration] + [SNR] + [condition], speaker-clustered standard errors.
 */
export function groupRateRatios(utts: readonly ScoredUtterance[], options: GroupModelOptions): GroupModel[] {
  const backends = [...new Set(utts.map((u) => u.backend))].sort();
  return backends.map((backend) => fitOne(utts.filter((u) => u.backend === backend), backend, options));
}

function fitOne(all: readonly ScoredUtterance[], backend: string, o: GroupModelOptions): GroupModel {
  const warnings: string[] = [];
  const failedExcluded = all.filter((u) => u.status !== 'ok').length;
  const ok = all.filter((u) => u.status === 'ok');
  const rows = ok.filter((u) => u.words.ref > 0);
  const droppedNoWords = ok.length - rows.length;
  if (rows.length === 0) throw new Error(`groupRateRatios: backend ${backend} has no scored utterances with reference words`);
  const groupsOfRows = rows.map((u) => groupOf(u, o.groupBy));
  const groupNames = [...new Set(groupsOfRows)].sort();
  // The automatic reference is a declared group: never `undeclared` nor the `interviewer` role (isCandidateGroup).
  const declared = groupsOfRows.filter(isCandidateGroup);
  const referenceGroup = o.referenceGroup ?? mostFrequent(declared.length ? declared : groupsOfRows);
  if (!groupNames.includes(referenceGroup)) throw new Error(`groupRateRatios: reference group '${referenceGroup}' not found on '${o.groupBy}'`);
  const wanted = o.covariates ?? ['duration', 'snr', 'condition'];
  const names = ['(intercept)', ...groupNames.filter((g) => g !== referenceGroup).map((g) => `${o.groupBy}=${g}`)];
  const numeric: Array<{ name: string; values: number[] }> = [];
  const collinearity: GroupCovariateCollinearity[] = [];
  const covariatesUsed: string[] = [];
  for (const [cov, get] of [
    ['duration', (u: ScoredUtterance) => u.durationSec],
    ['snr', (u: ScoredUtterance) => u.snrDb],
  ] as const) {
    if (!wanted.includes(cov)) continue;
    const v = rows.map(get);
    if (v.some((x) => x === undefined || !Number.isFinite(x))) {
      if (v.some((x) => x !== undefined)) warnings.push(`covariate ${cov} left out: missing on some utterances`);
      continue;
    }
    const vals = v as number[];
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    if (vals.every((x) => x === vals[0])) continue;
    numeric.push({ name: cov, values: vals.map((x) => x - mean) });
    collinearity.push(groupCovariateR2(cov, groupsOfRows, vals));
    names.push(cov);
    covariatesUsed.push(cov);
  }
  const conds = rows.map((u) => u.condition);
  const condNames = [...new Set(conds)].sort();
  let refCond = '';
  const condLevels: string[] = [];
  if (wanted.includes('condition') && condNames.length > 1) {
    refCond = o.referenceCondition ?? (condNames.includes('clean') ? 'clean' : mostFrequent(conds));
    for (const c of condNames) if (c !== refCond) {
      condLevels.push(c);
      names.push(`condition=${c}`);
    }
    covariatesUsed.push('condition');
  }
  const p = names.length;
  const n = rows.length;
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  const offset = new Float64Array(n);
  const spk = new Map<string, number>();
  const cluster = new Int32Array(n);
  const gCol = new Map(groupNames.filter((g) => g !== referenceGroup).map((g, i) => [g, 1 + i]));
  const firstCov = 1 + gCol.size;
  const cCol = new Map(condLevels.map((c, i) => [c, firstCov + numeric.length + i]));
  rows.forEach((u, i) => {
    X[i * p] = 1;
    const gc = gCol.get(groupsOfRows[i]);
    if (gc !== undefined) X[i * p + gc] = 1;
    numeric.forEach((c, k) => (X[i * p + firstCov + k] = c.values[i]));
    const cc = cCol.get(u.condition);
    if (cc !== undefined) X[i * p + cc] = 1;
    y[i] = u.words.sub + u.words.del + u.words.ins;
    offset[i] = Math.log(u.words.ref);
    const key = `${groupsOfRows[i]}\u0000${u.speaker}`;
    if (!spk.has(key)) spk.set(key, spk.size);
    cluster[i] = spk.get(key)!;
  });
  const fit = countRegression({ y, offset, X, names, cluster }, o);
  const countOf = (g: string) => groupsOfRows.filter((x) => x === g).length;
  const groups: GroupRateRatio[] = groupNames.map((g) => {
    const col = gCol.get(g);
    if (col === undefined) return { group: g, utterances: countOf(g), rateRatio: { estimate: 1, lo: 1, hi: 1 }, p: NaN };
    const c = fit.coefficients[col];
    return { group: g, utterances: countOf(g), rateRatio: c.rateRatio, p: c.p };
  });
  return {
    groupBy: o.groupBy,
    backend,
    family: fit.family,
    seType: fit.seType,
    referenceGroup,
    referenceSource: o.referenceGroup !== undefined ? 'given' : 'largest-declared',
    groups,
    covariatesUsed,
    coefficients: fit.coefficients,
    pearsonDispersion: fit.pearsonDispersion,
    poissonDispersion: fit.poissonDispersion,
    ...(fit.alpha !== undefined ? { alpha: fit.alpha } : {}),
    n,
    clusters: fit.clusters,
    droppedNoWords,
    failedExcluded,
    warnings: [...warnings, ...fit.warnings],
    collinearity,
  };
}

/**
 * The group-only Poisson model (errors ~ group, log(reference words) offset, speaker-clustered CR1
 * errors) in closed form: the MLE rate ratio of group g is the ratio of pooled WERs,
 * rate_g / rate_ref, and since speakers nest in groups, Var(β_g) = V_g + V_ref with
 * V_g = Σ_speakers (y_s − rate_g·w_s)² / E_g² (y_s, w_s: the speaker's errors and words; E_g: the
 * group's errors), times the CR1 factor G/(G−1)·(N−1)/(N−K) — the sandwich of `countRegression`
 * for this design, without iterating. Returns each group's rate ratio and Wald interval (the
 * reference group: 1, and groups with no errors: NaN bounds).
 */
export function groupOnlyPoissonRateRatios(
  utts: readonly ScoredUtterance[],
  groupBy: string,
  referenceGroup: string,
  level = 0.95,
): Map<string, Interval> {
  const rows = utts.filter((u) => u.status === 'ok' && u.words.ref > 0);
  const spk = new Map<string, { group: string; y: number; w: number }>();
  const byGroup = new Map<string, { y: number; w: number }>();
  for (const u of rows) {
    const g = groupOf(u, groupBy);
    const y = u.words.sub + u.words.del + u.words.ins;
    const key = `${g}\u0000${u.speaker}`;
    const s = spk.get(key) ?? { group: g, y: 0, w: 0 };
    s.y += y;
    s.w += u.words.ref;
    spk.set(key, s);
    const t = byGroup.get(g) ?? { y: 0, w: 0 };
    t.y += y;
    t.w += u.words.ref;
    byGroup.set(g, t);
  }
  const rate = (g: string) => byGroup.get(g)!.y / byGroup.get(g)!.w;
  const v = new Map<string, number>();
  for (const s of spk.values()) {
    const r = s.y - rate(s.group) * s.w;
    v.set(s.group, (v.get(s.group) ?? 0) + r * r);
  }
  const G = spk.size;
  const N = rows.length;
  const K = byGroup.size;
  const factor = (G / (G - 1)) * ((N - 1) / (N - K));
  const zq = normalQuantile(1 - (1 - level) / 2);
  const out = new Map<string, Interval>();
  if (!byGroup.has(referenceGroup)) return out;
  const Eref = byGroup.get(referenceGroup)!.y;
  for (const g of byGroup.keys()) {
    if (g === referenceGroup) {
      out.set(g, { estimate: 1, lo: 1, hi: 1 });
      continue;
    }
    const Eg = byGroup.get(g)!.y;
    const est = rate(g) / rate(referenceGroup);
    if (Eg === 0 || Eref === 0) {
      out.set(g, { estimate: est, lo: NaN, hi: NaN });
      continue;
    }
    const se = Math.sqrt(((v.get(g) ?? 0) / (Eg * Eg) + (v.get(referenceGroup) ?? 0) / (Eref * Eref)) * factor);
    out.set(g, { estimate: est, lo: est * Math.exp(-zq * se), hi: est * Math.exp(zq * se) });
  }
  return out;
}
