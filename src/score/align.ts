import type { AlignOp, Alignment, CostModel, ErrorCounts } from './types.ts';

/** Integer edit costs; sclite's are wwd_WORD in SCTK's word.c (correct 0, ins 3, del 3, sub 4). */
interface Costs {
  sub: number;
  ins: number;
  del: number;
}

const COSTS: Record<CostModel, Costs> = {
  sclite: { sub: 4, ins: 3, del: 3 },
  unit: { sub: 1, ins: 1, del: 1 },
};

export const COST_MODELS: readonly CostModel[] = ['sclite', 'unit'];

export function isCostModel(s: string): s is CostModel {
  return s === 'sclite' || s === 'unit';
}

/** Back-pointer codes stored per DP cell. */
const DIAG = 0;
const DEL = 1;
const INS = 2;

/**
 * Splits a transcript into tokens on whitespace (what sclite does with trn lines).
 */
export function tokenize(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/**
 * A reusable aligner: interns tokens to integer ids and keeps its DP buffers between calls, so
 * scoring many utterances allocates (almost) nothing per cell. Not re-entrant; one per worker.
 *
 * Recurrence and tie order are sclite's (SCTK net_dp.c, calculate_internal_cells) with the
 * reference as network A and the hypothesis as network B:
 *   diagonal (hit or substitution) if it costs <= deletion and <= insertion,
 *   else deletion if it costs < insertion, else insertion;
 * the first row is all insertions, the first column all deletions, and the back-trace follows
 * the stored pointers from the last cell.
 */
export class Aligner {
  readonly costModel: CostModel;
  private readonly c: Costs;
  private ids = new Map<string, number>();
  private refIds = new Int32Array(64);
  private hypIds = new Int32Array(64);
  // Counts-only path: rolling rows of cost, substitutions and deletions along the chosen path.
  private costPrev = new Int32Array(64);
  private costCur = new Int32Array(64);
  private subPrev = new Int32Array(64);
  private subCur = new Int32Array(64);
  private delPrev = new Int32Array(64);
  private delCur = new Int32Array(64);
  // Full path: cost rows plus a back-pointer matrix.
  private back = new Uint8Array(64 * 64);

  constructor(costs: CostModel = 'sclite') {
    this.costModel = costs;
    this.c = COSTS[costs];
  }

  /** Full alignment with operations (for confusions, diffs and reports). */
  align(ref: readonly string[], hyp: readonly string[]): Alignment {
    const n = ref.length;
    const m = hyp.length;
    this.internBoth(ref, hyp);
    const back = this.fillBackPointers(n, m);
    const w = m + 1;
    const ops: AlignOp[] = new Array(0);
    let hits = 0,
      sub = 0,
      del = 0,
      ins = 0;
    let i = n,
      j = m;
    const r = this.refIds,
      h = this.hypIds;
    while (i > 0 || j > 0) {
      const b = back[i * w + j];
      if (b === DIAG) {
        i--;
        j--;
        if (r[i] === h[j]) {
          hits++;
          ops.push({ type: 'C', ref: ref[i], hyp: hyp[j] });
        } else {
          sub++;
          ops.push({ type: 'S', ref: ref[i], hyp: hyp[j] });
        }
      } else if (b === DEL) {
        i--;
        del++;
        ops.push({ type: 'D', ref: ref[i] });
      } else {
        j--;
        ins++;
        ops.push({ type: 'I', hyp: hyp[j] });
      }
    }
    ops.reverse();
    return { ops, counts: { ref: n, hits, sub, del, ins } };
  }

  /**
   * Counts only, in O(m) memory: each cell carries the substitution and deletion counts of the
   * path its back-pointer chooses, so the result equals `align(...).counts` exactly.
   */
  counts(ref: readonly string[], hyp: readonly string[]): ErrorCounts {
    // Identical sequences: every diagonal step costs 0, which the tie order always takes.
    if (sameTokens(ref, hyp)) return { ref: ref.length, hits: ref.length, sub: 0, del: 0, ins: 0 };
    this.internBoth(ref, hyp);
    return this.countIds(this.refIds, ref.length, this.hypIds, hyp.length);
  }

  /** Counts of already-interned id sequences (e.g. phones mapped to small integers). */
  countIds(r: ArrayLike<number>, n: number, h: ArrayLike<number>, m: number): ErrorCounts {
    // Substitutions and deletions of the chosen path travel packed in one int (sub << 16 | del);
    // longer inputs take the unpacked loop.
    if (n > 0x7fff) return this.countIdsWide(r, n, h, m);
    this.ensureRows(m + 1);
    const { sub: cs, ins: ci, del: cd } = this.c;
    const SUB1 = 0x10000;
    // The packed counts reuse the substitution row buffers.
    let cP = this.costPrev,
      cC = this.costCur,
      pP = this.subPrev,
      pC = this.subCur;
    for (let j = 0; j <= m; j++) {
      cP[j] = j * ci;
      pP[j] = 0;
    }
    for (let i = 1; i <= n; i++) {
      const ri = r[i - 1];
      // Left neighbour (this row) and diagonal neighbour (previous row) kept in locals.
      let leftCost = i * cd;
      let leftPk = i;
      let diagCost = cP[0];
      let diagPk = pP[0];
      cC[0] = leftCost;
      pC[0] = leftPk;
      for (let j = 1; j <= m; j++) {
        const upCost = cP[j];
        const upPk = pP[j];
        const same = ri === h[j - 1];
        const diag = same ? diagCost : diagCost + cs;
        const delc = upCost + cd;
        const insc = leftCost + ci;
        if (diag <= delc && diag <= insc) {
          leftCost = diag;
          leftPk = same ? diagPk : diagPk + SUB1;
        } else if (delc < insc) {
          leftCost = delc;
          leftPk = upPk + 1;
        }
        // else insertion: the left neighbour's values carry over unchanged.
        else leftCost = insc;
        cC[j] = leftCost;
        pC[j] = leftPk;
        diagCost = upCost;
        diagPk = upPk;
      }
      let t = cP;
      cP = cC;
      cC = t;
      t = pP;
      pP = pC;
      pC = t;
    }
    const pk = pP[m];
    const sub = pk >>> 16;
    const del = pk & 0xffff;
    const hits = n - sub - del;
    return { ref: n, hits, sub, del, ins: m - hits - sub };
  }

  private countIdsWide(r: ArrayLike<number>, n: number, h: ArrayLike<number>, m: number): ErrorCounts {
    this.ensureRows(m + 1);
    const { sub: cs, ins: ci, del: cd } = this.c;
    let cP = this.costPrev,
      cC = this.costCur,
      sP = this.subPrev,
      sC = this.subCur,
      dP = this.delPrev,
      dC = this.delCur;
    for (let j = 0; j <= m; j++) {
      cP[j] = j * ci;
      sP[j] = 0;
      dP[j] = 0;
    }
    for (let i = 1; i <= n; i++) {
      cC[0] = i * cd;
      sC[0] = 0;
      dC[0] = i;
      const ri = r[i - 1];
      for (let j = 1; j <= m; j++) {
        const isSub = ri === h[j - 1] ? 0 : 1;
        const diag = cP[j - 1] + (isSub ? cs : 0);
        const delc = cP[j] + cd;
        const insc = cC[j - 1] + ci;
        if (diag <= delc && diag <= insc) {
          cC[j] = diag;
          sC[j] = sP[j - 1] + isSub;
          dC[j] = dP[j - 1];
        } else if (delc < insc) {
          cC[j] = delc;
          sC[j] = sP[j];
          dC[j] = dP[j] + 1;
        } else {
          cC[j] = insc;
          sC[j] = sC[j - 1];
          dC[j] = dC[j - 1];
        }
      }
      let t = cP;
      cP = cC;
      cC = t;
      t = sP;
      sP = sC;
      sC = t;
      t = dP;
      dP = dC;
      dC = t;
    }
    const sub = sP[m];
    const del = dP[m];
    const hits = n - sub - del;
    return { ref: n, hits, sub, del, ins: m - hits - sub };
  }

  /** Weighted edit cost of the chosen path (sum of op costs). */
  cost(c: ErrorCounts): number {
    return c.sub * this.c.sub + c.del * this.c.del + c.ins * this.c.ins;
  }

  /** Forgets interned tokens (call between unrelated corpora to bound memory). */
  reset(): void {
    this.ids = new Map();
  }

  private intern(tok: string): number {
    let id = this.ids.get(tok);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(tok, id);
    }
    return id;
  }

  private internBoth(ref: readonly string[], hyp: readonly string[]): void {
    if (this.ids.size > 1_000_000) this.reset();
    if (ref.length > this.refIds.length) this.refIds = new Int32Array(grow(ref.length));
    if (hyp.length > this.hypIds.length) this.hypIds = new Int32Array(grow(hyp.length));
    for (let i = 0; i < ref.length; i++) this.refIds[i] = this.intern(ref[i]);
    for (let j = 0; j < hyp.length; j++) this.hypIds[j] = this.intern(hyp[j]);
  }

  private ensureRows(len: number): void {
    if (len <= this.costPrev.length) return;
    const g = grow(len);
    this.costPrev = new Int32Array(g);
    this.costCur = new Int32Array(g);
    this.subPrev = new Int32Array(g);
    this.subCur = new Int32Array(g);
    this.delPrev = new Int32Array(g);
    this.delCur = new Int32Array(g);
  }

  private fillBackPointers(n: number, m: number): Uint8Array {
    const w = m + 1;
    const cells = (n + 1) * w;
    if (cells > this.back.length) this.back = new Uint8Array(grow(cells));
    this.ensureRows(w);
    const back = this.back;
    const { sub: cs, ins: ci, del: cd } = this.c;
    const r = this.refIds,
      h = this.hypIds;
    let cP = this.costPrev,
      cC = this.costCur;
    cP[0] = 0;
    for (let j = 1; j <= m; j++) {
      cP[j] = j * ci;
      back[j] = INS;
    }
    for (let i = 1; i <= n; i++) {
      const row = i * w;
      cC[0] = i * cd;
      back[row] = DEL;
      const ri = r[i - 1];
      for (let j = 1; j <= m; j++) {
        const diag = cP[j - 1] + (ri === h[j - 1] ? 0 : cs);
        const delc = cP[j] + cd;
        const insc = cC[j - 1] + ci;
        if (diag <= delc && diag <= insc) {
          cC[j] = diag;
          back[row + j] = DIAG;
        } else if (delc < insc) {
          cC[j] = delc;
          back[row + j] = DEL;
        } else {
          cC[j] = insc;
          back[row + j] = INS;
        }
      }
      const t = cP;
      cP = cC;
      cC = t;
    }
    return back;
  }
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function grow(n: number): number {
  return Math.max(64, 1 << Math.ceil(Math.log2(n)));
}

const shared: Record<CostModel, Aligner | undefined> = { sclite: undefined, unit: undefined };

function sharedAligner(costs: CostModel): Aligner {
  return (shared[costs] ??= new Aligner(costs));
}

/**
 * Aligns reference and hypothesis tokens (words, characters or phones). `sclite` (default)
 * reproduces NIST sclite's weights and tie-breaking; `unit` is plain Levenshtein.
 */
export function align(ref: readonly string[], hyp: readonly string[], costs: CostModel = 'sclite'): Alignment {
  return sharedAligner(costs).align(ref, hyp);
}

/** Same counts as `align(ref, hyp, costs).counts`, without building the operation list. */
export function alignCounts(ref: readonly string[], hyp: readonly string[], costs: CostModel = 'sclite'): ErrorCounts {
  return sharedAligner(costs).counts(ref, hyp);
}
