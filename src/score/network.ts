/**
 * Alignment of two word networks (alternations, `@`, optionally deletable words, fragments) as
 * NIST sclite does it: SCTK `net_dp.c` (Network_dpalign: cells are pairs of arcs, each cell takes
 * the cheapest predecessor pair, ties to substitution, then deletion, then insertion, and among
 * predecessors to the first) with the word distances of `word.c` (wwd_WORD):
 *
 *   correct 0 · insertion/deletion of `@` 0.001 · of an optionally deletable word 2 ·
 *   insertion/deletion 3 · `@` for `@` 1 · substitution 4
 *
 * (kept here in thousandths, so sums are exact). The back-trace drops `@` from the path; a
 * deleted (or inserted) optionally deletable word is scored as correct, as sclite's `-D` does.
 */
import type { NetWord, WordNetwork } from '../text/markup.ts';
import type { AlignOp, Alignment } from './types.ts';

const NULL_INDEL = 1;
const OPT_INDEL = 2000;
const INDEL = 3000;
const NULL_SUB = 1000;
const SUB = 4000;

/** sclite's equal_WORD2: exact match of the compared text, or fragment match under `-F`. */
export function wordsEqual(w1: NetWord, w2: NetWord): boolean {
  const a = w1.key;
  const b = w2.key;
  if (w1.frag || w2.frag) {
    const l1 = a.length;
    const l2 = b.length;
    if (l1 > 1 && a[0] === '-') return l2 >= l1 - 1 && b.endsWith(a.slice(1));
    if (l1 > 1 && a[l1 - 1] === '-') return b.startsWith(a.slice(0, -1));
    if (l2 > 1 && b[0] === '-') return l1 >= l2 - 1 && a.endsWith(b.slice(1));
    if (l2 > 1 && b[l2 - 1] === '-') return a.startsWith(b.slice(0, -1));
  }
  return a === b;
}

/** sclite's wwd_WORD in thousandths; `null` is the absent word of an insertion or deletion. */
function distance(w1: NetWord | null, w2: NetWord | null): number {
  if (w2 === null) return w1!.isNull ? NULL_INDEL : w1!.optDel ? OPT_INDEL : INDEL;
  if (w1 === null) return w2.isNull ? NULL_INDEL : w2.optDel ? OPT_INDEL : INDEL;
  if (w1.isNull && w2.isNull) return NULL_SUB;
  return wordsEqual(w1, w2) ? 0 : SUB;
}

/**
 * Begin and end times (seconds) of every arc of a network, by arc index (arc 0, the head, unused):
 * what sclite's time-mediated alignment (`-T`) compares.
 */
export interface NetworkTimes {
  t1: Float64Array;
  t2: Float64Array;
}

/** sclite reads 0.001 as a C float. */
const F_NULL_INDEL = Math.fround(0.001);

/**
 * sclite's wwd_time_WORD (`word.c`, option `-T`), as the C `float` it returns: inserting or deleting
 * `@` 0.001; inserting or deleting a word its duration T2 − T1; a pair |ΔT1| + |ΔT2|, plus 0.001
 * when the words differ (so a correct pair and a substitution with the same times differ only by
 * that). Optionally deletable words get no discount here (sclite's `-T` has none).
 */
function timeDistance(w1: NetWord | null, i: number, ta: NetworkTimes, w2: NetWord | null, j: number, tb: NetworkTimes): number {
  if (w2 === null) return w1!.isNull ? F_NULL_INDEL : Math.fround(ta.t2[i]! - ta.t1[i]!);
  if (w1 === null) return w2.isNull ? F_NULL_INDEL : Math.fround(tb.t2[j]! - tb.t1[j]!);
  const d = Math.abs(ta.t1[i]! - tb.t1[j]!) + Math.abs(ta.t2[i]! - tb.t2[j]!);
  return Math.fround(wordsEqual(w1, w2) ? d : d + 0.001);
}

/**
 * sclite's wwd_weight_WORD (`word.c`, options `-w`/`-L`), as a C float: inserting or deleting `@`
 * 0.001; inserting or deleting a word its weight; a pair 0 when the words match, else the sum of
 * their weights.
 */
function weightDistance(w1: NetWord | null, i: number, wa: Float64Array, w2: NetWord | null, j: number, wb: Float64Array): number {
  if (w2 === null) return w1!.isNull ? F_NULL_INDEL : Math.fround(wa[i]!);
  if (w1 === null) return w2.isNull ? F_NULL_INDEL : Math.fround(wb[j]!);
  return wordsEqual(w1, w2) ? 0 : Math.fround(wa[i]! + wb[j]!);
}

/**
 * What the cost of a pair of arcs is computed from, instead of their spelling alone: their times
 * (sclite `-T`) or their word weights (sclite `-w`), each side's by arc index.
 */
export type ArcCost =
  | { kind: 'time'; a: NetworkTimes; b: NetworkTimes }
  | { kind: 'weight'; a: Float64Array; b: Float64Array };

type Distance = (w1: NetWord | null, i: number, w2: NetWord | null, j: number) => number;

function arcDistance(c: ArcCost): Distance {
  return c.kind === 'time'
    ? (w1, i, w2, j) => timeDistance(w1, i, c.a, w2, j, c.b)
    : (w1, i, w2, j) => weightDistance(w1, i, c.a, w2, j, c.b);
}

/**
 * Aligns reference network `a` with hypothesis network `b`. Returns the operations (without `@`)
 * and the counts, sclite's way: reference words N = C + S + D, where a deleted optionally deletable
 * word counts as correct.
 *
 * With `arcCost`, the distance is sclite's time-mediated one (`-T`, timeDistance) or its
 * word-weight one (`-w`, weightDistance), and cell costs are kept as C floats like net_dp.c's, so
 * ties resolve as in sclite.
 */
export function alignNetworks(a: WordNetwork, b: WordNetwork, arcCost?: ArcCost): Alignment {
  return backTrace(a, b, ...cells(a, b, arcCost && arcDistance(arcCost)));
}

/** Row buffers reused across alignments (grown on demand): one allocation, not two per utterance. */
let scratch = new Float64Array(256);

/**
 * The cells of net_dp.c's Network_dpalign: each cell (arc of a × arc of b) takes the cheapest
 * predecessor pair; ties to substitution, then deletion, then insertion, and among predecessors to
 * the first. Without `dist`, sclite's word distance in thousandths (exact integer sums); with it
 * (`-T`, `-w`), every sum is rounded to a C float as net_dp.c keeps costs. Returns costs and
 * back-pointers (arc indices of the predecessor pair; -1 at the origin).
 */
function cells(a: WordNetwork, b: WordNetwork, dist?: Distance): [Float64Array, Int32Array, Int32Array] {
  const A = a.words.length;
  const B = b.words.length;
  const cost = new Float64Array(A * B);
  const backA = new Int32Array(A * B);
  const backB = new Int32Array(A * B);
  // Arc costs of the current row (substitution of arc i of a by arc j of b) and of inserting arc j.
  // Both in one reused buffer: substitutions at [j], insertions at [B + j].
  if (scratch.length < 2 * B) scratch = new Float64Array(4 * B);
  const w = scratch;
  const float = dist !== undefined;
  const f = Math.fround;
  for (let j = 1; j < B; j++) w[B + j] = dist ? dist(null, 0, b.words[j]!, j) : distance(null, b.words[j]!);
  backA[0] = -1;
  backB[0] = -1;
  for (let j = 1; j < B; j++) {
    let best = Infinity;
    let bi = -1;
    for (const p of b.preds[j]!) if (cost[p]! < best) (best = cost[p]!), (bi = p);
    cost[j] = float ? f(best + w[B + j]!) : best + w[B + j]!;
    backA[j] = 0;
    backB[j] = bi;
  }
  for (let i = 1; i < A; i++) {
    const wa = a.words[i]!;
    const pa = a.preds[i]!;
    let delW: number;
    if (dist) {
      for (let j = 1; j < B; j++) w[j] = dist(wa, i, b.words[j]!, j);
      delW = dist(wa, i, null, 0);
    } else {
      for (let j = 1; j < B; j++) w[j] = distance(wa, b.words[j]!);
      delW = distance(wa, null);
    }
    let best = Infinity;
    let bi = -1;
    for (const p of pa) if (cost[p * B]! < best) (best = cost[p * B]!), (bi = p);
    cost[i * B] = float ? f(best + delW) : best + delW;
    backA[i * B] = bi;
    backB[i * B] = 0;
    for (let j = 1; j < B; j++) {
      const pb = b.preds[j]!;
      let ins = Infinity,
        insB = -1;
      for (const q of pb) if (cost[i * B + q]! < ins) (ins = cost[i * B + q]!), (insB = q);
      let del = Infinity,
        delA = -1;
      for (const p of pa) if (cost[p * B + j]! < del) (del = cost[p * B + j]!), (delA = p);
      let sub = Infinity,
        subA = -1,
        subB = -1;
      for (const p of pa) {
        for (const q of pb) {
          if (cost[p * B + q]! < sub) (sub = cost[p * B + q]!), (subA = p), (subB = q);
        }
      }
      sub += w[j]!;
      del += delW;
      ins += w[B + j]!;
      if (float) {
        sub = f(sub);
        del = f(del);
        ins = f(ins);
      }
      const k = i * B + j;
      if (sub <= del && sub <= ins) {
        cost[k] = sub;
        backA[k] = subA;
        backB[k] = subB;
      } else if (del < ins) {
        cost[k] = del;
        backA[k] = delA;
        backB[k] = j;
      } else {
        cost[k] = ins;
        backA[k] = i;
        backB[k] = insB;
      }
    }
  }
  return [cost, backA, backB];
}

/** sclite's extract_NET_ALIGN_result: the cheapest pair of final arcs, then the back-trace. */
function backTrace(a: WordNetwork, b: WordNetwork, cost: Float64Array, backA: Int32Array, backB: Int32Array): Alignment {
  const B = b.words.length;
  let min = Infinity;
  let i = -1,
    j = -1;
  for (const fa of a.finals) {
    for (const fb of b.finals) {
      if (min > cost[fa * B + fb]!) (min = cost[fa * B + fb]!), (i = fa), (j = fb);
    }
  }
  const ops: AlignOp[] = [];
  let hits = 0,
    sub = 0,
    del = 0,
    ins = 0;
  while (i > 0 || j > 0) {
    const k = i * B + j;
    const ba = backA[k]!;
    const bb = backB[k]!;
    if (ba === i) {
      const w = b.words[j]!;
      if (!w.isNull) {
        if (w.optDel) {
          hits++;
          ops.push({ type: 'C', ref: '', hyp: w.text });
        } else {
          ins++;
          ops.push({ type: 'I', hyp: w.text });
        }
      }
    } else if (bb === j) {
      const w = a.words[i]!;
      if (!w.isNull) {
        if (w.optDel) {
          hits++;
          ops.push({ type: 'C', ref: w.text, hyp: '' });
        } else {
          del++;
          ops.push({ type: 'D', ref: w.text });
        }
      }
    } else {
      const wa = a.words[i]!;
      const wb = b.words[j]!;
      if (!(wa.isNull && wb.isNull)) {
        if (wordsEqual(wa, wb)) {
          hits++;
          ops.push({ type: 'C', ref: wa.text, hyp: wb.text });
        } else {
          sub++;
          ops.push({ type: 'S', ref: wa.text, hyp: wb.text });
        }
      }
    }
    i = ba;
    j = bb;
  }
  ops.reverse();
  return { ops, counts: { ref: hits + sub + del, hits, sub, del, ins } };
}
