import { cholesky, choleskyInverse, choleskySolve } from './linalg.ts';
import { normalQuantile, normalTwoSidedP } from './distributions.ts';
import type { Interval } from './types.ts';

export interface CountRegressionInput {
  /** Outcome count per row (e.g. word errors of one utterance). */
  y: ArrayLike<number>;
  /** Offset per row (log exposure, e.g. log reference words). */
  offset: ArrayLike<number>;
  /** Design matrix, row-major n × p (the caller includes the intercept column). */
  X: Float64Array;
  /** Column names, length p. */
  names: readonly string[];
  /** Cluster (speaker) index per row, for the clustered sandwich standard errors. */
  cluster: Int32Array;
}

export interface CountRegressionOptions {
  /** 'poisson' (default) or 'negbin' (NB2: Var = μ + αμ², α by the Cameron–Trivedi moment regression). */
  family?: 'poisson' | 'negbin';
  /**
   * Clustered sandwich small-sample form: 'CR1' (default; Stata's G/(G−1)·(N−1)/(N−K)) or 'CR0' (none).
   */
  se?: 'CR0' | 'CR1';
  level?: number;
  maxIter?: number;
  /** Pearson χ²/df above this adds an overdispersion warning (default 1.5). */
  overdispersionWarnAt?: number;
}

export interface Coefficient {
  name: string;
  /** Log rate ratio. */
  estimate: number;
  /** Cluster-robust standard error. */
  se: number;
  /** Model-based (inverse information) standard error, for comparison. */
  modelSe: number;
  z: number;
  p: number;
  /** exp(estimate) with exp of the Wald interval from the robust SE. */
  rateRatio: Interval;
}

export interface CountRegressionResult {
  family: 'poisson' | 'negbin';
  seType: 'CR0' | 'CR1';
  coefficients: Coefficient[];
  converged: boolean;
  iterations: number;
  n: number;
  clusters: number;
  /** Pearson χ² / (n − p) of the fitted model. */
  pearsonDispersion: number;
  /** Poisson Pearson χ² / (n − p) (the overdispersion check, also reported for NB fits). */
  poissonDispersion: number;
  /** NB2 dispersion α (negbin only). */
  alpha?: number;
  warnings: string[];
}

interface Fit {
  beta: Float64Array;
  mu: Float64Array;
  bread: Float64Array;
  converged: boolean;
  iterations: number;
}

/**
 * Non-zero columns of each row of a row-major n × p matrix (CSR without values): row i's columns are
 * col[start[i]] … col[start[i + 1] − 1], ascending. Group dummies make most of a design matrix zero.
 */
interface RowPattern {
  start: Int32Array;
  col: Int32Array;
}

function rowPattern(X: Float64Array, n: number, p: number): RowPattern {
  const start = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < X.length; i++) if (X[i] !== 0) nnz++;
  const col = new Int32Array(nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    start[i] = k;
    for (let j = 0; j < p; j++) if (X[i * p + j] !== 0) col[k++] = j;
  }
  start[n] = k;
  return { start, col };
}

/**
 * Row i's linear predictor offset_i + Σ_j x_ij β_j. Zero cells are skipped: with a finite β their terms are ±0,
 * which leave the sum's bits unchanged, so this equals the dense sum exactly (the dense sum is used otherwise).
 */
function linearPredictor(inp: CountRegressionInput, p: number, pat: RowPattern, beta: Float64Array, finite: boolean, i: number): number {
  const { X, offset } = inp;
  let e = offset[i];
  if (finite) {
    for (let k = pat.start[i]; k < pat.start[i + 1]; k++) e += X[i * p + pat.col[k]] * beta[pat.col[k]];
  } else {
    for (let j = 0; j < p; j++) e += X[i * p + j] * beta[j];
  }
  return e;
}

/**
 * Adds row i's weighted cross products w·x_i x_iᵀ (lower triangle) to XtWX and w·z·x_i to XtWz (when given).
 * Only non-zero cells of the row are visited; a skipped product is ±0 when the weight is finite, so the sums
 * are bit-identical to visiting every cell (every cell is visited when it is not).
 */
function addRow(X: Float64Array, p: number, pat: RowPattern, i: number, w: number, z: number, XtWX: Float64Array, XtWz?: Float64Array): void {
  const row = i * p;
  if (!Number.isFinite(w)) {
    // Every product is then NaN or ±∞, zero cells included: the dense loop.
    for (let a = 0; a < p; a++) {
      const xa = X[row + a] * w;
      if (xa === 0) continue;
      if (XtWz) XtWz[a] += xa * z;
      for (let b = 0; b <= a; b++) XtWX[a * p + b] += xa * X[row + b];
    }
    return;
  }
  const from = pat.start[i];
  const to = pat.start[i + 1];
  for (let k = from; k < to; k++) {
    const a = pat.col[k];
    const xa = X[row + a] * w;
    if (xa === 0) continue;
    if (XtWz) XtWz[a] += xa * z;
    if (Number.isFinite(xa)) {
      for (let m = from; m <= k; m++) XtWX[a * p + pat.col[m]] += xa * X[row + pat.col[m]];
    } else {
      for (let b = 0; b <= a; b++) XtWX[a * p + b] += xa * X[row + b];
    }
  }
}

/** IRLS for a log-link count model with NB2 dispersion alpha (alpha = 0: Poisson). */
function irls(inp: CountRegressionInput, p: number, alpha: number, maxIter: number, start?: Float64Array, pattern?: RowPattern): Fit {
  const { y, offset, X } = inp;
  const n = y.length;
  const pat = pattern ?? rowPattern(X, n, p);
  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  if (start) {
    const finite = start.every(Number.isFinite);
    for (let i = 0; i < n; i++) {
      const e = linearPredictor(inp, p, pat, start, finite, i);
      eta[i] = e;
      mu[i] = Math.exp(e);
    }
  } else {
    for (let i = 0; i < n; i++) {
      mu[i] = y[i] + 0.1;
      eta[i] = Math.log(mu[i]);
    }
  }
  let beta: Float64Array = new Float64Array(p);
  let L: Float64Array = new Float64Array(p * p);
  let converged = false;
  let iterations = 0;
  let prevDev = Infinity;
  const XtWX = new Float64Array(p * p);
  const XtWz = new Float64Array(p);
  for (iterations = 1; iterations <= maxIter; iterations++) {
    XtWX.fill(0);
    XtWz.fill(0);
    for (let i = 0; i < n; i++) {
      const w = mu[i] / (1 + alpha * mu[i]);
      const z = eta[i] - offset[i] + (y[i] - mu[i]) / mu[i];
      addRow(X, p, pat, i, w, z, XtWX, XtWz);
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) XtWX[b * p + a] = XtWX[a * p + b];
    L = cholesky(XtWX, p);
    beta = choleskySolve(L, p, XtWz);
    const finite = beta.every(Number.isFinite);
    let dev = 0;
    for (let i = 0; i < n; i++) {
      const e = linearPredictor(inp, p, pat, beta, finite, i);
      eta[i] = e;
      mu[i] = Math.exp(e);
      dev += (y[i] > 0 ? y[i] * Math.log(y[i] / mu[i]) : 0) - (y[i] - mu[i]);
    }
    dev *= 2;
    if (Math.abs(dev - prevDev) <= 1e-10 * (Math.abs(dev) + 0.1)) {
      converged = true;
      break;
    }
    prevDev = dev;
  }
  // Bread at the final β. (x_a·w)·x_b: the same products, in the same order, as the dense loop.
  XtWX.fill(0);
  for (let i = 0; i < n; i++) addRow(X, p, pat, i, mu[i] / (1 + alpha * mu[i]), 0, XtWX);
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) XtWX[b * p + a] = XtWX[a * p + b];
  const bread = choleskyInverse(cholesky(XtWX, p), p);
  return { beta, mu, bread, converged, iterations: Math.min(iterations, maxIter) };
}

function pearson(y: ArrayLike<number>, mu: Float64Array, alpha: number, dfResid: number): number {
  let s = 0;
  for (let i = 0; i < mu.length; i++) s += (y[i] - mu[i]) ** 2 / (mu[i] * (1 + alpha * mu[i]));
  return s / dfResid;
}

/** Cameron–Trivedi auxiliary regression: ((y−μ)² − y)/μ = α·μ + ε, OLS through the origin. */
function momentAlpha(y: ArrayLike<number>, mu: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < mu.length; i++) {
    num += (y[i] - mu[i]) ** 2 - y[i];
    den += mu[i] * mu[i];
  }
  return Math.max(0, num / den);
}

/**
 * Log-link count regression (Poisson or NB2) by IRLS, with speaker-clustered sandwich standard errors
 * V = B·(Σ_c u_c u_cᵀ)·B, B = (XᵀWX)⁻¹, u_c = Σ_{i∈c} x_i (y_i − μ_i)/(1 + αμ_i).
 */
export function countRegression(inp: CountRegressionInput, options: CountRegressionOptions = {}): CountRegressionResult {
  const family = options.family ?? 'poisson';
  const seType = options.se ?? 'CR1';
  const level = options.level ?? 0.95;
  const maxIter = options.maxIter ?? 100;
  const warnAt = options.overdispersionWarnAt ?? 1.5;
  const n = inp.y.length;
  const p = inp.names.length;
  if (inp.X.length !== n * p) throw new Error(`countRegression: X has ${inp.X.length} cells, expected ${n} × ${p}`);
  if (n <= p) throw new Error(`countRegression: ${n} rows cannot fit ${p} coefficients`);
  const warnings: string[] = [];
  const pat = rowPattern(inp.X, n, p);
  let fit = irls(inp, p, 0, maxIter, undefined, pat);
  const poissonDispersion = pearson(inp.y, fit.mu, 0, n - p);
  let alpha = 0;
  if (family === 'negbin') {
    alpha = momentAlpha(inp.y, fit.mu);
    for (let k = 0; k < 50; k++) {
      fit = irls(inp, p, alpha, maxIter, fit.beta, pat);
      const next = momentAlpha(inp.y, fit.mu);
      const done = Math.abs(next - alpha) <= 1e-8 * (alpha + 1e-8);
      alpha = next;
      if (done) break;
    }
    fit = irls(inp, p, alpha, maxIter, fit.beta, pat);
  } else if (poissonDispersion > warnAt) {
    warnings.push(
      `overdispersion: Pearson chi2/df = ${poissonDispersion.toFixed(2)} (> ${warnAt}); clustered SEs stay valid, but consider family 'negbin'`,
    );
  }
  if (!fit.converged) warnings.push(`IRLS did not converge in ${maxIter} iterations`);
  // Clustered meat.
  let G = 0;
  for (let i = 0; i < n; i++) G = Math.max(G, inp.cluster[i] + 1);
  const u = new Float64Array(G * p);
  for (let i = 0; i < n; i++) {
    const r = (inp.y[i] - fit.mu[i]) / (1 + alpha * fit.mu[i]);
    const c = inp.cluster[i];
    // Zero cells add ±0 (nothing) when r is finite.
    if (Number.isFinite(r)) for (let k = pat.start[i]; k < pat.start[i + 1]; k++) u[c * p + pat.col[k]] += inp.X[i * p + pat.col[k]] * r;
    else for (let a = 0; a < p; a++) u[c * p + a] += inp.X[i * p + a] * r;
  }
  const meat = new Float64Array(p * p);
  for (let c = 0; c < G; c++) {
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) meat[a * p + b] += u[c * p + a] * u[c * p + b];
  }
  const clusters = new Set(inp.cluster).size;
  const B = fit.bread;
  const BM = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += B[a * p + k] * meat[k * p + b];
    BM[a * p + b] = s;
  }
  const factor = seType === 'CR1' ? (clusters / (clusters - 1)) * ((n - 1) / (n - p)) : 1;
  if (clusters < 30) warnings.push(`only ${clusters} speaker clusters: clustered standard errors are unreliable below ~30`);
  const zq = normalQuantile(1 - (1 - level) / 2);
  const coefficients: Coefficient[] = inp.names.map((name, a) => {
    let v = 0;
    for (let k = 0; k < p; k++) v += BM[a * p + k] * B[k * p + a];
    const se = Math.sqrt(v * factor);
    const est = fit.beta[a];
    const z = est / se;
    return {
      name,
      estimate: est,
      se,
      modelSe: Math.sqrt(B[a * p + a]),
      z,
      p: normalTwoSidedP(z),
      rateRatio: { estimate: Math.exp(est), lo: Math.exp(est - zq * se), hi: Math.exp(est + zq * se) },
    };
  });
  return {
    family,
    seType,
    coefficients,
    converged: fit.converged,
    iterations: fit.iterations,
    n,
    clusters,
    pearsonDispersion: pearson(inp.y, fit.mu, alpha, n - p),
    poissonDispersion,
    ...(family === 'negbin' ? { alpha } : {}),
    warnings,
  };
}
