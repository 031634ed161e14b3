/**
 * sclite's sentence segmentation for the Matched Pair Sentence Segment Word Error test (MAPSSWE;
 * Gillick & Cox 1989, "Some statistical issues in the comparison of speech recognition algorithms",
 * ICASSP), ported from SCTK's `test_comp_sents` / `count_seg` (src/sclite/mtchprs.c) as Debian's
 * `sc_stats -t mapsswe` runs it: the two systems' alignments of one utterance are walked in step over
 * the reference words; a segment starts after a stretch of words both systems got right and ends once
 * `minGood` (sc_stats: 2) consecutive reference words are correct in both again; the end of the
 * utterance closes an open segment. A segment's error count is its non-correct alignment slots
 * (S, D, I) of each system, the boundary words included. Segments in which neither system erred are
 * dropped, as sclite drops them.
 *
 * Two sclite behaviours are kept on purpose: the walk stops when system A's alignment ends, so
 * insertions system B makes after A's last slot are not counted; and sclite's re-synchronisation of
 * differing reference strings (alternations) is not needed here, as both systems are aligned to the
 * same reference words.
 */
import type { EditType } from '../score/types.ts';
import { align } from '../score/align.ts';
import type { ScoredUtterance } from './types.ts';

/** Per-segment error counts of systems A and B (same length). */
export interface SegmentErrors {
  a: number[];
  b: number[];
}

/** sc_stats' default minimum number of correct boundary words (`DEFAULT_MIN_NUM_GOOD`). */
export const MAPSSWE_MIN_GOOD = 2;

/**
 * Appends the segments of one utterance (A's and B's alignment slots, each `C`/`S`/`D`/`I` in
 * reference order, insertions where they fall) to `out`. Returns the number of segments added.
 */
export function addUtteranceSegments(p1: readonly EditType[], p2: readonly EditType[], out: SegmentErrors, minGood = MAPSSWE_MIN_GOOD): number {
  const n1 = p1.length;
  const n2 = p2.length;
  const before = out.a.length;
  const errors = (p: readonly EditType[], from: number, to: number): number => {
    let e = 0;
    for (let i = Math.max(0, from); i <= to && i < p.length; i++) if (p[i] !== 'C') e++;
    return e;
  };
  const count = (b1: number, b2: number, e1: number, e2: number): void => {
    const err1 = errors(p1, b1, e1);
    const err2 = errors(p2, b2, e2);
    if (err1 === 0 && err2 === 0) return;
    out.a.push(err1);
    out.b.push(err2);
  };
  const bothCorrect = (i1: number, i2: number): boolean => i1 < n1 && p1[i1] === 'C' && i2 < n2 && p2[i2] === 'C';
  let i1 = 0;
  let i2 = 0;
  let eog1 = 0;
  let eog2 = 0;
  let numGood = 0;
  let state: 'b' | 'e' | 'g' = 'b';
  while (i1 < n1 || i2 < n2) {
    while (i1 < n1 && p1[i1] === 'I') {
      i1++;
      state = 'e';
    }
    while (i2 < n2 && p2[i2] === 'I') {
      i2++;
      state = 'e';
    }
    if (state === 'b') {
      if (bothCorrect(i1, i2)) {
        eog1 = i1;
        eog2 = i2;
      } else state = 'e';
    } else if (bothCorrect(i1, i2)) {
      numGood = state === 'e' ? 1 : numGood + 1;
      if (numGood === minGood) {
        count(eog1 - (minGood - 1), eog2 - (minGood - 1), i1, i2);
        eog1 = i1;
        eog2 = i2;
        state = 'b';
      } else state = 'g';
    } else if (state === 'g') state = 'e';
    if (i1 < n1) i1++;
    if (i2 < n2) i2++;
  }
  if (state !== 'b') count(eog1 - (minGood - 1), eog2 - (minGood - 1), i1 - 1, i2 - 1);
  return out.a.length - before;
}

const wordsOf = (t: string): string[] => (t === '' ? [] : t.split(' ').filter((w) => w !== ''));

/**
 * The alignment slots of a scored utterance, recovered by aligning its stored `ref` and `hyp` words
 * again with sclite's costs (what the scorer did for plain text). Undefined when that alignment's
 * counts differ from the stored ones (a markup network, `-T`/`-w` weights, unit costs, imported
 * error totals): the caller then keeps the utterance as one segment and says how many.
 */
export function alignmentSlots(u: ScoredUtterance): EditType[] | undefined {
  if (u.errorSplit === 'total') return undefined;
  const a = align(wordsOf(u.ref), wordsOf(u.hyp), 'sclite');
  const c = a.counts;
  const w = u.words;
  if (c.ref !== w.ref || c.sub !== w.sub || c.del !== w.del || c.ins !== w.ins) return undefined;
  return a.ops.map((o) => o.type);
}

/**
 * MAPSSWE segments of paired utterances (A − B on the same utterance ids), in the given order.
 * `whole`: utterances whose alignment could not be recovered (see `alignmentSlots`), each kept as
 * one segment of its total errors (when either system erred).
 */
export function mapssweSegments(pairs: ReadonlyArray<{ a: ScoredUtterance; b: ScoredUtterance }>, minGood = MAPSSWE_MIN_GOOD): SegmentErrors & { whole: number } {
  const out: SegmentErrors = { a: [], b: [] };
  let whole = 0;
  for (const p of pairs) {
    const s1 = alignmentSlots(p.a);
    const s2 = s1 && alignmentSlots(p.b);
    if (s1 && s2) {
      addUtteranceSegments(s1, s2, out, minGood);
      continue;
    }
    whole++;
    const ea = p.a.words.sub + p.a.words.del + p.a.words.ins;
    const eb = p.b.words.sub + p.b.words.del + p.b.words.ins;
    if (ea > 0 || eb > 0) {
      out.a.push(ea);
      out.b.push(eb);
    }
  }
  return { ...out, whole };
}
