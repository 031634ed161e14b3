import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  normalCdf,
  normalQuantile,
  regIncBeta,
  studentTCdf,
  studentTTwoSidedP,
} from '../../src/stats/distributions.ts';
import { minDetectableDifference } from '../../src/stats/power.ts';

describe('Student t CDF', () => {
  it('matches printed t-table critical values', () => {
    // Two-sided 5% / one-sided 5% critical values from any t table.
    expect(studentTCdf(2.228, 10)).toBeCloseTo(0.975, 4);
    expect(studentTCdf(1.812, 10)).toBeCloseTo(0.95, 4);
    expect(studentTCdf(2.086, 20)).toBeCloseTo(0.975, 4);
    expect(studentTCdf(12.706, 1)).toBeCloseTo(0.975, 4);
    expect(studentTCdf(2.576, 1e7)).toBeCloseTo(0.995, 4);
    expect(studentTCdf(-2.228, 10)).toBeCloseTo(0.025, 4);
  });

  it('equals the closed forms for 1 and 2 degrees of freedom', () => {
    for (const t of [-7.3, -1.1, -0.2, 0, 0.5, 3.3, 40]) {
      // df = 1 is Cauchy: 1/2 + atan(t)/π; df = 2: 1/2 + t / (2·√(2 + t²)).
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it('two-sided p is symmetric and complements the CDF', () => {
    expect(studentTTwoSidedP(-2.1, 7.5)).toBeCloseTo(2 * studentTCdf(-2.1, 7.5), 12);
    expect(studentTTwoSidedP(2.1, 7.5)).toBeCloseTo(studentTTwoSidedP(-2.1, 7.5), 14);
  });
});

describe('incomplete beta, normal, binomial', () => {
  it('I_x(a,b) equals a binomial tail for integer a, b', () => {
    // I_0.5(2,3) = P(Bin(4, .5) ≥ 2) = (6 + 4 + 1)/16.
    expect(regIncBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 13);
    // I_0.3(1,1) = 0.3 (uniform).
    expect(regIncBeta(0.3, 1, 1)).toBeCloseTo(0.3, 13);
  });

  it('normal CDF and quantile agree with table values', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 10);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 7);
  });

  it('binomial CDF sums the pmf', () => {
    // P(Bin(12, .5) ≤ 2) = (1 + 12 + 66)/4096
    expect(binomialCdf(2, 12, 0.5)).toBeCloseTo(79 / 4096, 14);
  });
});

describe('power', () => {
  it('minimum detectable difference uses (z.975 + z.8)·√(v1/n1 + v2/n2)', () => {
    // (1.959964 + 0.841621) · √(0.01/25 + 0.01/100) = 2.801585 · 0.0223607 = 0.0626453
    expect(minDetectableDifference(0.01, 25, 0.01, 100)).toBeCloseTo(0.0626453, 6);
    expect(minDetectableDifference(0.01, 1, 0.01, 100)).toBeNaN();
  });
});
