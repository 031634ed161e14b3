/**
 * Which thresholds `asrfair check` applies (report/gate.ts checkThresholds): the suite's gate recorded in run.json,
 * with each threshold flag replacing that key only (trial 21: one flag silently dropped the suite's maxGap).
 */
import { describe, expect, it } from 'vitest';
import { checkThresholds } from '../../src/report/gate.ts';
import { UsageError } from '../../src/manifest/errors.ts';

const SUITE_LABELS = { maxGap: 'gate.maxGap', maxWer: 'gate.maxWer', groupRatio: 'gate.groupRatio', maxDegradationGap: 'gate.maxDegradationGap', maxFailedShare: 'gate.maxFailedShare' };

describe('check thresholds: the suite gate, each flag replacing its key', () => {
  it("a flag joins the suite's other keys (merged), named by where each came from", () => {
    const r = checkThresholds({ maxGap: 0.03 }, { maxFailedShare: 0.1, allowSubset: true }, { maxWer: 0.2 });
    expect(r.source).toBe('merged');
    expect(r.thresholds).toEqual({
      maxGap: 0.03, maxWer: 0.2, maxFailedShare: 0.1, significantOnly: false, includeSmallCells: false, allowSubset: true,
      labels: { ...SUITE_LABELS, maxGap: '--max-gap', maxFailedShare: '--max-failed-share' },
    });
    expect(r.line).toBe("gate: --max-gap 0.03 (flag); --max-failed-share 0.1 (flag); gate.maxWer 0.2 (the suite's, from run.json; --no-suite-gate for the flags only)");
  });

  it('a flag for a key the suite sets replaces it, and the line says which value it replaced', () => {
    const r = checkThresholds({ maxWer: 0.5 }, {}, { maxGap: 0.15, maxWer: 0.4 });
    expect(r.thresholds).toMatchObject({ maxGap: 0.15, maxWer: 0.5 });
    expect(r.line).toBe(
      "gate: --max-wer 0.5 (flag, in place of the suite's gate.maxWer 0.4); gate.maxGap 0.15 (the suite's, from run.json; --no-suite-gate for the flags only); lost utterances: none allowed (default 0)",
    );
  });

  it('--no-suite-gate: the flags only, and the line says the suite gate is not applied', () => {
    const r = checkThresholds({ maxWer: 0.5 }, { noSuiteGate: true }, { maxGap: 0.15, significantOnly: true });
    expect(r.source).toBe('flags');
    expect(r.thresholds).toEqual({ maxWer: 0.5, significantOnly: false, includeSmallCells: false, labels: { maxGap: '--max-gap', maxWer: '--max-wer', groupRatio: '--group-ratio', maxDegradationGap: '--max-degradation-gap', maxFailedShare: '--max-failed-share' } });
    expect(r.line).toContain(`the suite's gate {"maxGap":0.15,"significantOnly":true} in run.json is not applied (--no-suite-gate)`);
    expect(() => checkThresholds({}, { noSuiteGate: true }, { maxGap: 0.15 })).toThrow(/--no-suite-gate needs at least one threshold flag/);
  });

  it("the suite's gate alone; its switches stay on, the flags' switches turn them on", () => {
    const r = checkThresholds({}, { maxFailedShare: 0.5, includeSmallCells: true }, { maxWer: 0.2, maxFailedShare: 0, significantOnly: true });
    expect(r.source).toBe('merged');
    expect(r.thresholds).toEqual({ maxWer: 0.2, maxFailedShare: 0.5, significantOnly: true, includeSmallCells: true, labels: { ...SUITE_LABELS, maxFailedShare: '--max-failed-share' } });
    expect(checkThresholds({}, {}, { maxGap: 0.1 }).source).toBe('suite');
  });

  it('an empty suite gate (gate: {}) applies the default checks, said on the line; nothing at all is a usage error', () => {
    const r = checkThresholds({}, {}, {});
    expect(r.thresholds).toEqual({ significantOnly: false, includeSmallCells: false, labels: SUITE_LABELS });
    expect(r.line).toBe('gate: the suite\'s gate {} in run.json sets no threshold: the default checks only; lost utterances: none allowed (default 0)');
    expect(checkThresholds({}, {}, { significantOnly: true }).source).toBe('suite');
    expect(checkThresholds({}, { maxFailedShare: 0 }, undefined).thresholds).toMatchObject({ maxFailedShare: 0 });
    expect(() => checkThresholds({}, {}, undefined)).toThrow(UsageError);
    expect(() => checkThresholds({}, {}, undefined)).toThrow(/check needs at least one threshold/);
  });
});
