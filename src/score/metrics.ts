import type { ErrorCounts } from './types.ts';
import { alignCounts } from './align.ts';
import type { CostModel } from './types.ts';

export function emptyCounts(): ErrorCounts {
  return { ref: 0, hits: 0, sub: 0, del: 0, ins: 0 };
}

/** Adds `c` into `into` (mutates and returns `into`). */
export function addCounts(into: ErrorCounts, c: ErrorCounts): ErrorCounts {
  into.ref += c.ref;
  into.hits += c.hits;
  into.sub += c.sub;
  into.del += c.del;
  into.ins += c.ins;
  return into;
}

export function sumCounts(list: Iterable<ErrorCounts>): ErrorCounts {
  const total = emptyCounts();
  for (const c of list) addCounts(total, c);
  return total;
}

/** S + D + I. */
export function errorCount(c: ErrorCounts): number {
  return c.sub + c.del + c.ins;
}

/** Hypothesis tokens P = H + S + I. */
export function hypCount(c: ErrorCounts): number {
  return c.hits + c.sub + c.ins;
}

/**
 * WER = (S + D + I) / N over summed counts. With N = 0 it is 0 when there are no errors
 * and +Infinity otherwise (sclite prints such sets as 100%+; callers decide how to show it).
 */
export function wer(c: ErrorCounts): number {
  const e = errorCount(c);
  if (c.ref === 0) return e === 0 ? 0 : Infinity;
  return e / c.ref;
}

/** MER = (S + D + I) / (H + S + D + I) (jiwer). 0 when both sides are empty. */
export function mer(c: ErrorCounts): number {
  const e = errorCount(c);
  const d = c.hits + e;
  return d === 0 ? 0 : e / d;
}

/** WIP = H² / (N · P) (jiwer); 1 when both sides are empty, 0 when only one is. */
export function wip(c: ErrorCounts): number {
  const p = hypCount(c);
  if (c.ref === 0 && p === 0) return 1;
  if (c.ref === 0 || p === 0) return 0;
  return (c.hits / c.ref) * (c.hits / p);
}

/** WIL = 1 − H² / (N · P) (jiwer). */
export function wil(c: ErrorCounts): number {
  return 1 - wip(c);
}

/**
 * Splits a (normalised) string into characters for CER. Choice (as jiwer's `cer`): Unicode code
 * points of the whole string, spaces between words included, runs of whitespace folded to one space
 * and ends trimmed so that formatting alone never counts as an error.
 */
export function toChars(text: string): string[] {
  const folded = text.trim().replace(/\s+/g, ' ');
  return folded === '' ? [] : Array.from(folded);
}

/**
 * Character-level counts of one utterance (see `toChars`); CER = wer(charCounts(...)).
 * The cost model defaults to `sclite` like word scoring, so word and character numbers share one
 * convention.
 */
export function charCounts(ref: string, hyp: string, costs: CostModel = 'sclite'): ErrorCounts {
  return alignCounts(toChars(ref), toChars(hyp), costs);
}

/** Summary numbers of a set of counts. */
export interface Rates {
  wer: number;
  mer: number;
  wil: number;
  wip: number;
}

export function rates(c: ErrorCounts): Rates {
  return { wer: wer(c), mer: mer(c), wil: wil(c), wip: wip(c) };
}
