import type { ErrorCounts } from '../analysis/types.ts';
export type { ErrorCounts };

/** C = correct (hit), S = substitution, D = deletion, I = insertion. */
export type EditType = 'C' | 'S' | 'D' | 'I';

export interface AlignOp {
  type: EditType;
  /** Reference token (absent for insertions). */
  ref?: string;
  /** Hypothesis token (absent for deletions). */
  hyp?: string;
}

export interface Alignment {
  ops: AlignOp[];
  counts: ErrorCounts;
}

/**
 * `sclite`: NIST sclite's default weights (correct 0, insertion 3, deletion 3, substitution 4) and
 * its tie-breaking, so counts equal sclite's exactly. `unit`: plain Levenshtein (1/1/1).
 */
export type CostModel = 'sclite' | 'unit';
