/** Which thresholds `asrfair check` applies (report/gate.ts checkThresholds, moved out of the CLI command). */
import { describe, expect, it } from 'vitest';
import { checkThresholds } from '../../src/report/gate.ts';
import { UsageError } from '../../src/manifest/errors.ts';

describe('check thresholds: flags, else the suite gate in run.json, else --max-failed-share alone', () => {
  it('flags win and take --max-failed-share and the switches; the suite gate is then not used', () => {
    expect(checkThresholds({ maxGap: 0.03 }, { maxFailedShare: 0.1, allowSubset: true }, { maxWer: 0.2 })).toEqual({
      thresholds: { maxGap: 0.03, maxFailedShare: 0.1, significantOnly: false, includeSmallCells: false, allowSubset: true },
      source: 'flags',
    });
  });

  it("the suite's gate, with --max-failed-share in place of its own and a switch turned on only when given", () => {
    expect(checkThresholds({}, { maxFailedShare: 0.5, includeSmallCells: true }, { maxWer: 0.2, maxFailedShare: 0, significantOnly: true })).toEqual({
      thresholds: { maxWer: 0.2, maxFailedShare: 0.5, significantOnly: true, includeSmallCells: true },
      source: 'suite',
    });
  });

  it('--max-failed-share alone; nothing at all is a usage error', () => {
    expect(checkThresholds({}, { maxFailedShare: 0 }, undefined)).toEqual({ thresholds: { maxFailedShare: 0, includeSmallCells: false }, source: 'failed-share' });
    expect(() => checkThresholds({}, {}, { significantOnly: true })).toThrow(UsageError);
    expect(() => checkThresholds({}, {}, undefined)).toThrow(/check needs at least one threshold/);
  });
});
