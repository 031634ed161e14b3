/** Seeded random ref/hyp pairs for checking the scorer against sclite (shared by test and bench). */

/** mulberry32: tiny, fast, deterministic 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ser', 'tan', 'dre', 'vu', 'po', 'len', 'ix', 'gor', 'bea', 'shu', 'ny', 'fa'];

/** A vocabulary of `size` distinct pseudo-words (lower case, a few capitalised to test case handling). */
export function vocabulary(size: number, rand: () => number, withCapitals = true): string[] {
  const out = new Set<string>();
  while (out.size < size) {
    const n = 1 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    if (withCapitals && rand() < 0.05) w = w[0].toUpperCase() + w.slice(1);
    out.add(w);
  }
  return [...out];
}

export interface Pair {
  id: string;
  speaker: string;
  ref: string[];
  hyp: string[];
}

export interface CorpusOptions {
  utterances: number;
  speakers: number;
  vocab: number;
  meanWords: number;
  seed: number;
  /** Include empty sides, swaps, rotations and repeated-token utterances (default true). */
  edgeCases?: boolean;
}

/**
 * Random corpus: hypotheses are references with random substitutions, deletions and insertions;
 * with edge cases on, some utterances are built to produce DP ties (swapped or rotated words,
 * runs of repeated tokens, tiny vocabularies) and some sides are empty.
 */
export function* randomCorpus(o: CorpusOptions): Generator<Pair> {
  const rand = prng(o.seed);
  const vocab = vocabulary(o.vocab, rand);
  const pick = (v: string[]): string => v[Math.floor(rand() * v.length)];
  const edge = o.edgeCases ?? true;
  for (let u = 0; u < o.utterances; u++) {
    const speaker = `spk${String(Math.floor(rand() * o.speakers)).padStart(3, '0')}`;
    const id = `${speaker}-u${String(u).padStart(7, '0')}`;
    const kind = edge ? rand() : 1;
    // A tiny vocabulary makes repeated tokens and therefore many equal-cost paths.
    const v = kind < 0.25 ? vocab.slice(0, 2 + Math.floor(rand() * 3)) : vocab;
    const len = kind < 0.03 ? 0 : Math.max(1, Math.round(o.meanWords * (0.4 + 1.2 * rand())));
    const ref = Array.from({ length: len }, () => pick(v));
    let hyp: string[];
    if (kind >= 0.03 && kind < 0.06) hyp = [];
    else if (kind >= 0.06 && kind < 0.1 && ref.length > 1) {
      hyp = [...ref];
      const i = Math.floor(rand() * (ref.length - 1));
      [hyp[i], hyp[i + 1]] = [hyp[i + 1], hyp[i]];
    } else if (kind >= 0.1 && kind < 0.14 && ref.length > 1) {
      const k = 1 + Math.floor(rand() * Math.min(3, ref.length - 1));
      hyp = rand() < 0.5 ? [...ref.slice(k), ...ref.slice(0, k)] : [...ref.slice(-k), ...ref.slice(0, -k)];
    } else {
      const errRate = rand() * 0.6;
      hyp = [];
      for (const w of ref) {
        const x = rand();
        if (x < errRate * 0.5) hyp.push(pick(v));
        else if (x < errRate * 0.75) {
          /* deletion */
        } else hyp.push(w);
        if (rand() < errRate * 0.25) hyp.push(pick(v));
      }
      if (len === 0 && rand() < 0.7) for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) hyp.push(pick(v));
    }
    yield { id, speaker, ref, hyp };
  }
}
