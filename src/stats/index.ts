/** Fairness statistics: seeded resampling, tests, multiple-testing adjustment, count regression, log-odds. */
export type { Interval, PAdjustMethod, WelchResult, PermutationResult, ClusterTotals } from './types.ts';
export { createRng, subSeed, type Rng } from './rng.ts';
export {
  logGamma,
  logChoose,
  regIncBeta,
  regIncGammaP,
  regIncGammaQ,
  normalCdf,
  normalTwoSidedP,
  normalQuantile,
  studentTCdf,
  studentTTwoSidedP,
  binomialPmf,
  binomialCdf,
  betaQuantile,
  clopperPearson,
} from './distributions.ts';
export { adjustPValues } from './multiple.ts';
export { mean, sampleVariance, percentile, percentileInterval } from './descriptive.ts';
export {
  stratifiedClusterBootstrap,
  stratumRateDraws,
  overallRateDraws,
  pairedClusterBootstrap,
  type BootstrapDraws,
  type ClusterSeries,
} from './bootstrap.ts';
export {
  welchTTest,
  permutationGroupVsRest,
  withinBetweenTest,
  maxStatisticTest,
  signTest,
  wilcoxonSignedRank,
  mapsswe,
  fisherExact,
  type WithinBetweenResult,
  type SignTestResult,
  type SignTies,
  type WilcoxonConvention,
  type WilcoxonResult,
  type MapssweResult,
  type FisherResult,
} from './tests.ts';
export {
  groupVsRestTest,
  labellingTest,
  labellingCount,
  monteCarloInterval,
  resolveMonteCarloFamily,
  splitCount,
  MAX_EXACT_SPLITS,
  DEFAULT_MC_RISK,
  type MonteCarloTest,
  type GroupVsRestTest,
  type MonteCarloDecision,
  type MonteCarloFamilyOptions,
} from './permutation.ts';
export { minDetectableDifference } from './power.ts';
export {
  countRegression,
  type CountRegressionInput,
  type CountRegressionOptions,
  type CountRegressionResult,
  type Coefficient,
} from './regression.ts';
export { logOddsDirichlet, informativePrior, type CountMap, type LogOddsFeature } from './logodds.ts';
export { cholesky, choleskySolve, choleskyInverse } from './linalg.ts';
