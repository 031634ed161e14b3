/**
 * Phone error rate: reference and hypothesis words go through G2P, the two phone strings are
 * aligned with the word aligner (src/score/align.ts; sclite weights by default), and
 * PER = (S + D + I) / N over reference phones, summed over a set like WER. Each aligned phone
 * keeps the word it came from, so confusion pairs can show example words.
 */
import { align } from './align.ts';
import type { AlignOp, Alignment, CostModel, ErrorCounts } from './types.ts';
import type { WordPhones } from '../text/g2p.ts';

/** What PER needs from G2P (src/text/g2p.ts's G2P has it). */
export interface SentencePronouncer {
  sentence(text: string): WordPhones[];
}

/** An aligned phone with its words: refWord for C/S/D; hypWord for C/S/I; insertions also carry the preceding reference word. */
export interface PhoneOp extends AlignOp {
  refWord?: string;
  hypWord?: string;
}

export interface PhoneResult {
  counts: ErrorCounts;
  alignment: Alignment;
  /** `alignment.ops` (the same objects) with the word each phone belongs to. */
  ops: PhoneOp[];
}

interface TaggedPhones {
  phones: string[];
  words: string[];
}

function flatten(ws: readonly WordPhones[]): TaggedPhones {
  const phones: string[] = [];
  const words: string[] = [];
  for (const w of ws) {
    for (const p of w.phones) {
      phones.push(p);
      words.push(w.word);
    }
  }
  return { phones, words };
}

/** PER counts and alignment of already-pronounced words (e.g. canonical vs accent phones). */
export function phoneCountsOf(ref: readonly WordPhones[], hyp: readonly WordPhones[], costs: CostModel = 'sclite'): PhoneResult {
  const r = flatten(ref);
  const h = flatten(hyp);
  const alignment = align(r.phones, h.phones, costs);
  // the aligner's op objects are fresh per call: tag them in place rather than copy them
  const ops = alignment.ops as PhoneOp[];
  let i = 0;
  let j = 0;
  for (const op of ops) {
    const type = op.type;
    if (type === 'C' || type === 'S') {
      op.refWord = r.words[i++];
      op.hypWord = h.words[j++];
    } else if (type === 'D') {
      op.refWord = r.words[i++];
    } else {
      op.hypWord = h.words[j++];
      if (i > 0) op.refWord = r.words[i - 1];
    }
  }
  return { counts: alignment.counts, alignment, ops };
}

/** Phone error counts of a reference and a hypothesis text (normalise both first). */
export function phoneCounts(refText: string, hypText: string, g2p: SentencePronouncer, costs: CostModel = 'sclite'): PhoneResult {
  return phoneCountsOf(g2p.sentence(refText), g2p.sentence(hypText), costs);
}

/** PER of summed counts; NaN when there are no reference phones. */
export function phoneErrorRate(c: ErrorCounts): number {
  return c.ref === 0 ? Number.NaN : (c.sub + c.del + c.ins) / c.ref;
}

// ---------------------------------------------------------------------------------------------
// Confusion pairs

export interface PhoneExample {
  refWord?: string;
  hypWord?: string;
  /** Utterance id, when given to `add`. */
  id?: string;
}

export interface PhoneSubstitution {
  ref: string;
  hyp: string;
  count: number;
  examples: PhoneExample[];
}

export interface PhoneEdit {
  phone: string;
  count: number;
  examples: PhoneExample[];
}

export interface PhoneConfusions {
  /** Reference phone → hypothesis phone, most frequent first. */
  substitutions: PhoneSubstitution[];
  /** Reference phones the hypothesis lacks. */
  deletions: PhoneEdit[];
  /** Hypothesis phones with no reference phone. */
  insertions: PhoneEdit[];
}

interface Tally {
  count: number;
  examples: PhoneExample[];
  seen: Set<string>;
}

/** Accumulates phone confusions over many utterances, keeping a few distinct example words per pair. */
export class PhoneConfusionCounter {
  private readonly subs = new Map<string, Tally>();
  private readonly dels = new Map<string, Tally>();
  private readonly ins = new Map<string, Tally>();

  constructor(private readonly maxExamples = 3) {}

  add(result: PhoneResult | readonly PhoneOp[], id?: string): this {
    const ops = 'ops' in result ? result.ops : result;
    for (const op of ops) {
      if (op.type === 'S') this.bump(this.subs, `${op.ref}\u0000${op.hyp}`, op, id);
      else if (op.type === 'D') this.bump(this.dels, op.ref ?? '', op, id);
      else if (op.type === 'I') this.bump(this.ins, op.hyp ?? '', op, id);
    }
    return this;
  }

  private bump(map: Map<string, Tally>, key: string, op: PhoneOp, id: string | undefined): void {
    let t = map.get(key);
    if (!t) map.set(key, (t = { count: 0, examples: [], seen: new Set() }));
    t.count++;
    const exampleKey = `${op.refWord ?? ''}\u0000${op.hypWord ?? ''}`;
    if (t.examples.length < this.maxExamples && !t.seen.has(exampleKey)) {
      t.seen.add(exampleKey);
      const ex: PhoneExample = {};
      if (op.refWord !== undefined) ex.refWord = op.refWord;
      if (op.hypWord !== undefined) ex.hypWord = op.hypWord;
      if (id !== undefined) ex.id = id;
      t.examples.push(ex);
    }
  }

  /** The confusions, most frequent first (ties by phone name); `k` keeps the top k of each list. */
  result(k = Number.POSITIVE_INFINITY): PhoneConfusions {
    const order = <T extends { count: number }>(xs: T[], name: (x: T) => string): T[] =>
      xs.sort((a, b) => b.count - a.count || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)).slice(0, k);
    return {
      substitutions: order(
        [...this.subs].map(([key, t]) => {
          const [ref, hyp] = key.split('\u0000') as [string, string];
          return { ref, hyp, count: t.count, examples: t.examples };
        }),
        (x) => `${x.ref} ${x.hyp}`,
      ),
      deletions: order([...this.dels].map(([phone, t]) => ({ phone, count: t.count, examples: t.examples })), (x) => x.phone),
      insertions: order([...this.ins].map(([phone, t]) => ({ phone, count: t.count, examples: t.examples })), (x) => x.phone),
    };
  }
}
