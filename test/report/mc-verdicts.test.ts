import { describe, expect, it } from 'vitest';
import type { GroupPermutation } from '../../src/analysis/groups.ts';
import { fmtPMc, UNDECIDED_TEXT } from '../../src/report/format.ts';
import { verdictFlag } from '../../src/report/model.ts';
import { verdictOf } from '../../src/report/render-terminal.ts';
import type { CardRow } from '../../src/report/model.ts';

const perm = (o: Partial<GroupPermutation>): GroupPermutation => ({
  diff: 0.1, p: 0.01, pAdjusted: 0.03, exact: false, permutations: 8000, lo: 0.008, hi: 0.012, adjustedLo: 0.024, adjustedHi: 0.036,
  tested: true, decided: true, ...o,
});

describe('one verdict rule for a row (card flag, terminal verdict, gate)', () => {
  it('flags only a tested, settled, adequate row; a straddling sampled p is undecided; a small cell never gets a verdict', () => {
    expect(verdictFlag({ smallCell: false, permutation: perm({}) }, 0.05)).toBe('significant-gap');
    expect(verdictFlag({ smallCell: false, permutation: perm({ diff: -0.1 }) }, 0.05)).toBe('better-than-rest');
    expect(verdictFlag({ smallCell: false, permutation: perm({ pAdjusted: 0.2 }) }, 0.05)).toBeUndefined();
    expect(verdictFlag({ smallCell: false, permutation: perm({ pAdjusted: 0.049, adjustedLo: 0.047, adjustedHi: 0.052, decided: false }) }, 0.05)).toBe('undecided');
    expect(verdictFlag({ smallCell: true, permutation: perm({ pAdjusted: 0.001 }) }, 0.05)).toBeUndefined();
    expect(verdictFlag({ smallCell: false, permutation: perm({ tested: false }) }, 0.05)).toBeUndefined();
    const row = { suppressed: false, flags: ['undecided'], diffToRest: 0.1, pAdjusted: 0.049 } as unknown as CardRow;
    expect(verdictOf(row)).toBe(UNDECIDED_TEXT);
  });

  it('prints a sampled adjusted p with its Monte Carlo interval, an exact one plainly', () => {
    expect(fmtPMc({ pAdjusted: 0.0552, pMethod: { exact: false, adjustedLo: 0.0536, adjustedHi: 0.0569 } })).toBe('0.0552 (MC 0.0536–0.0569)');
    expect(fmtPMc({ pAdjusted: 0.028, pMethod: { exact: true, adjustedLo: 0.028, adjustedHi: 0.028 } })).toBe('0.028');
    expect(fmtPMc({ pAdjusted: 0.0004, pMethod: { exact: false, adjustedLo: 0.0001, adjustedHi: 0.0008 } })).toBe('<0.001');
    expect(fmtPMc({ pAdjusted: NaN, pMethod: { exact: false, adjustedLo: NaN, adjustedHi: NaN } })).toBe('—');
  });
});
