import type { AlignOp, Alignment } from './types.ts';

export interface ConfusionPair {
  ref: string;
  hyp: string;
  count: number;
}

export interface TokenCount {
  token: string;
  count: number;
}

export interface Confusions {
  substitutions: ConfusionPair[];
  deletions: TokenCount[];
  insertions: TokenCount[];
}

// Separator that cannot occur inside a whitespace-split token.
const SEP = '\u0000';

/**
 * Accumulates substitution pairs (ref → hyp), deleted reference tokens and inserted hypothesis
 * tokens over many alignments; works for words, characters or phones alike.
 */
export class ConfusionCounter {
  private readonly subs = new Map<string, number>();
  private readonly dels = new Map<string, number>();
  private readonly ins = new Map<string, number>();

  add(a: Alignment | readonly AlignOp[]): this {
    const ops = 'ops' in a ? a.ops : a;
    for (const op of ops) {
      if (op.type === 'S') bump(this.subs, `${op.ref ?? ''}${SEP}${op.hyp ?? ''}`);
      else if (op.type === 'D') bump(this.dels, op.ref ?? '');
      else if (op.type === 'I') bump(this.ins, op.hyp ?? '');
    }
    return this;
  }

  /** Adds another counter's totals into this one. */
  merge(other: ConfusionCounter): this {
    for (const [k, v] of other.subs) bump(this.subs, k, v);
    for (const [k, v] of other.dels) bump(this.dels, k, v);
    for (const [k, v] of other.ins) bump(this.ins, k, v);
    return this;
  }

  substitutionCount(ref: string, hyp: string): number {
    return this.subs.get(`${ref}${SEP}${hyp}`) ?? 0;
  }

  deletionCount(token: string): number {
    return this.dels.get(token) ?? 0;
  }

  insertionCount(token: string): number {
    return this.ins.get(token) ?? 0;
  }

  /** Most frequent first; ties by token text so output is deterministic. `k` omitted = all. */
  top(k?: number): Confusions {
    const substitutions = [...this.subs].map(([key, count]) => {
      const i = key.indexOf(SEP);
      return { ref: key.slice(0, i), hyp: key.slice(i + 1), count };
    });
    substitutions.sort((a, b) => b.count - a.count || cmp(a.ref, b.ref) || cmp(a.hyp, b.hyp));
    return {
      substitutions: k === undefined ? substitutions : substitutions.slice(0, k),
      deletions: topTokens(this.dels, k),
      insertions: topTokens(this.ins, k),
    };
  }
}

/** Confusions of a set of alignments in one call. */
export function confusionsOf(alignments: Iterable<Alignment | readonly AlignOp[]>, k?: number): Confusions {
  const c = new ConfusionCounter();
  for (const a of alignments) c.add(a);
  return c.top(k);
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function topTokens(m: Map<string, number>, k: number | undefined): TokenCount[] {
  const list = [...m].map(([token, count]) => ({ token, count }));
  list.sort((a, b) => b.count - a.count || cmp(a.token, b.token));
  return k === undefined ? list : list.slice(0, k);
}
