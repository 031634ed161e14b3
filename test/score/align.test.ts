import { describe, expect, it } from 'vitest';
import { distance } from 'fastest-levenshtein';
import { align, alignCounts, Aligner, tokenize } from '../../src/score/align.ts';
import { errorCount } from '../../src/score/metrics.ts';
import { prng, randomCorpus } from './random-corpus.ts';

const w = (s: string): string[] => tokenize(s);

describe('align (hand examples)', () => {
  it('identical sequences are all hits', () => {
    const a = align(w('the cat sat'), w('the cat sat'));
    expect(a.counts).toEqual({ ref: 3, hits: 3, sub: 0, del: 0, ins: 0 });
    expect(a.ops.map((o) => o.type).join('')).toBe('CCC');
  });

  it('one of each error type, in order', () => {
    const a = align(w('a b c d'), w('a x c d e'));
    expect(a.ops).toEqual([
      { type: 'C', ref: 'a', hyp: 'a' },
      { type: 'S', ref: 'b', hyp: 'x' },
      { type: 'C', ref: 'c', hyp: 'c' },
      { type: 'C', ref: 'd', hyp: 'd' },
      { type: 'I', hyp: 'e' },
    ]);
    expect(a.counts).toEqual({ ref: 4, hits: 3, sub: 1, del: 0, ins: 1 });
  });

  it('empty sides: all deletions or all insertions', () => {
    expect(align(w('a b'), []).counts).toEqual({ ref: 2, hits: 0, sub: 0, del: 2, ins: 0 });
    expect(align([], w('a b c')).counts).toEqual({ ref: 0, hits: 0, sub: 0, del: 0, ins: 3 });
    expect(align([], []).counts).toEqual({ ref: 0, hits: 0, sub: 0, del: 0, ins: 0 });
    expect(align([], []).ops).toEqual([]);
  });

  it('a rotated word is a deletion plus an insertion, not three substitutions', () => {
    const a = align(w('x y z'), w('y z x'));
    expect(a.ops.map((o) => o.type).join('')).toBe('DCCI');
  });

  it('sclite weights can cost one more error than plain edit distance on a tie', () => {
    // Both paths cost 15 under 3/3/4; sclite's order prefers the diagonal only when strictly not worse.
    expect(align(w('c c c b a'), w('b a a b')).counts).toEqual({ ref: 5, hits: 2, sub: 0, del: 3, ins: 2 });
    expect(align(w('c c c b a'), w('b a a b'), 'unit').counts).toEqual({ ref: 5, hits: 1, sub: 3, del: 1, ins: 0 });
  });

  it('ops replay to the reference and the hypothesis', () => {
    for (const p of randomCorpus({ utterances: 500, speakers: 3, vocab: 8, meanWords: 8, seed: 11 })) {
      for (const costs of ['sclite', 'unit'] as const) {
        const a = align(p.ref, p.hyp, costs);
        expect(a.ops.filter((o) => o.type !== 'I').map((o) => o.ref)).toEqual(p.ref);
        expect(a.ops.filter((o) => o.type !== 'D').map((o) => o.hyp)).toEqual(p.hyp);
        for (const o of a.ops) if (o.type === 'C') expect(o.ref).toBe(o.hyp);
        for (const o of a.ops) if (o.type === 'S') expect(o.ref).not.toBe(o.hyp);
      }
    }
  });
});

describe('unit mode is plain Levenshtein', () => {
  it('errors equal fastest-levenshtein distance on thousands of random pairs', () => {
    // Map tokens to single code points so a string distance is a token distance.
    const code = new Map<string, string>();
    const enc = (ts: string[]): string =>
      ts.map((t) => code.get(t) ?? (code.set(t, String.fromCodePoint(0x4e00 + code.size)), code.get(t)!)).join('');
    let sclitePaysMore = 0;
    // Realistic utterances plus short pairs over a 3-token alphabet, where equal-cost paths abound.
    const rand = prng(21);
    const tiny = (): string[] => Array.from({ length: Math.floor(rand() * 8) }, () => 'abc'[Math.floor(rand() * 3)]);
    const shortPairs = Array.from({ length: 20000 }, () => ({ ref: tiny(), hyp: tiny() }));
    for (const p of [...randomCorpus({ utterances: 5000, speakers: 3, vocab: 50, meanWords: 10, seed: 5 }), ...shortPairs]) {
      const d = distance(enc(p.ref), enc(p.hyp));
      expect(errorCount(align(p.ref, p.hyp, 'unit').counts)).toBe(d);
      expect(errorCount(alignCounts(p.ref, p.hyp, 'unit'))).toBe(d);
      const s = errorCount(alignCounts(p.ref, p.hyp, 'sclite'));
      expect(s).toBeGreaterThanOrEqual(d);
      if (s > d) sclitePaysMore++;
    }
    // The random corpus does reach the rare ties where the two models disagree.
    expect(sclitePaysMore).toBeGreaterThan(0);
  });
});

describe('Aligner', () => {
  it('counts-only path equals the full back-trace on random data, both cost models', () => {
    const aligners = { sclite: new Aligner('sclite'), unit: new Aligner('unit') };
    for (const p of randomCorpus({ utterances: 3000, speakers: 3, vocab: 6, meanWords: 9, seed: 9 })) {
      for (const a of Object.values(aligners)) expect(a.counts(p.ref, p.hyp)).toEqual(a.align(p.ref, p.hyp).counts);
    }
  });

  it('buffers grow for long utterances and shrink-free reuse stays correct', () => {
    const a = new Aligner();
    const long = Array.from({ length: 700 }, (_, i) => `w${i % 37}`);
    const hyp = long.filter((_, i) => i % 10 !== 0);
    expect(a.counts(long, hyp)).toEqual({ ref: 700, hits: 630, sub: 0, del: 70, ins: 0 });
    expect(a.counts(w('a b'), w('a c'))).toEqual({ ref: 2, hits: 1, sub: 1, del: 0, ins: 0 });
  });

  it('very long references take the unpacked counting loop and still match the back-trace', () => {
    const a = new Aligner();
    const ref = Array.from({ length: 33_000 }, (_, i) => `w${i % 5}`);
    const hyp = ['w0', 'x', 'w2', 'w3', 'w9', 'w0'];
    const full = a.align(ref, hyp).counts;
    expect(a.counts(ref, hyp)).toEqual(full);
    expect(full.ref).toBe(33_000);
    expect(full.del).toBeGreaterThan(32_990);
  });

  it('countIds aligns integer sequences (e.g. phone ids)', () => {
    const a = new Aligner('unit');
    expect(a.countIds([1, 2, 3], 3, [1, 3], 2)).toEqual({ ref: 3, hits: 2, sub: 0, del: 1, ins: 0 });
  });
});
