import { resolveMonteCarloFamily, type MonteCarloTest } from '../stats/permutation.ts';

/** How a glass-box test's p was obtained and whether its Benjamini–Hochberg verdict is settled. */
export interface SettledP {
  p: number;
  pAdjusted: number;
  /** Every split enumerated (or no permutation part): no Monte Carlo error. */
  pExact: boolean;
  /** Splits enumerated or random ones drawn (0: untestable or no permutation part). */
  permutations: number;
  /** Monte Carlo interval of the exact p ([p, p] when exact; NaN when untestable). */
  pLo: number;
  pHi: number;
  /** False only for a sampled test whose "adjusted p ≤ α" verdict the draws could not settle (not flagged). */
  decided: boolean;
}

/** A test entering a family with a fixed p (e.g. 1 for a rate not above the comparison's): no Monte Carlo part. */
export function fixedTest(p: number): MonteCarloTest {
  return { exact: true, extreme: 0, permutations: 0, p, draw: () => undefined };
}

/**
 * Benjamini–Hochberg at `alpha` over a family of speaker-level tests whose permutation p may be sampled, settled
 * by MMCTest (`resolveMonteCarloFamily`: more draws for the tests whose verdict the draws leave open, up to
 * 10^6), so that no flag rests on the luck of the draws; a test still open at the cap is `decided: false`.
 * NaN p's stay out of the family (pAdjusted NaN). One result per test, in order; the tests' draws are mutated.
 */
export function settleFamily(tests: readonly MonteCarloTest[], alpha: number): SettledP[] {
  const d = resolveMonteCarloFamily(tests, { method: 'bh', alpha });
  return d.map((x) => ({ p: x.p, pAdjusted: x.pAdjusted, pExact: x.exact, permutations: x.permutations, pLo: x.lo, pHi: x.hi, decided: x.decided }));
}
