import { beforeAll, describe, expect, it } from 'vitest';
import { createG2P, type G2P } from '../../src/text/g2p.ts';
import { PhoneConfusionCounter, phoneCounts, phoneCountsOf, phoneErrorRate } from '../../src/score/per.ts';
import { accentPhones } from '../../src/score/accent-phones.ts';

let g2p: G2P;
beforeAll(async () => {
  g2p = await createG2P();
});

describe('phone error rate', () => {
  it('counts one substitution in "the cat sat" → "the bat sat" (worked by hand)', () => {
    // DH AH | K AE T | S AE T  vs  DH AH | B AE T | S AE T: N = 8, one K→B substitution
    const r = phoneCounts('the cat sat', 'the bat sat', g2p);
    expect(r.counts).toEqual({ ref: 8, hits: 7, sub: 1, del: 0, ins: 0 });
    expect(phoneErrorRate(r.counts)).toBeCloseTo(1 / 8, 12);
    const s = r.ops.filter((o) => o.type === 'S');
    expect(s).toEqual([{ type: 'S', ref: 'K', hyp: 'B', refWord: 'cat', hypWord: 'bat' }]);
  });

  it('counts a deletion in "black cat" → "back cat" and keeps its word', () => {
    // B L AE K K AE T vs B AE K K AE T: N = 7, L deleted
    const r = phoneCounts('black cat', 'back cat', g2p);
    expect(r.counts).toEqual({ ref: 7, hits: 6, sub: 0, del: 1, ins: 0 });
    expect(r.ops.find((o) => o.type === 'D')).toEqual({ type: 'D', ref: 'L', refWord: 'black' });
  });

  it('counts a substitution and an insertion in "cats" → "cat is"', () => {
    // K AE T S vs K AE T IH Z: S→(IH|Z) plus one inserted phone; sclite weights 4 + 3 < 3 + 3 + 3
    const r = phoneCounts('cats', 'cat is', g2p);
    expect(r.counts).toEqual({ ref: 4, hits: 3, sub: 1, del: 0, ins: 1 });
    const ins = r.ops.find((o) => o.type === 'I')!;
    expect(['IH', 'Z']).toContain(ins.hyp);
    expect(ins.hypWord).toBe('is');
    expect(ins.refWord).toBe('cats');
  });

  it('counts zero errors for homophones that are word errors', () => {
    const r = phoneCounts('write it right there', 'right it rite their', g2p);
    expect(r.counts.sub + r.counts.del + r.counts.ins).toBe(0);
    expect(r.counts.ref).toBe(11);
  });

  it('handles empty sides', () => {
    expect(phoneCounts('', 'the', g2p).counts).toEqual({ ref: 0, hits: 0, sub: 0, del: 0, ins: 2 });
    expect(phoneCounts('the', '', g2p).counts).toEqual({ ref: 2, hits: 0, sub: 0, del: 2, ins: 0 });
    expect(phoneErrorRate({ ref: 0, hits: 0, sub: 0, del: 0, ins: 2 })).toBeNaN();
  });
});

describe('phone confusion pairs', () => {
  it('aggregates pairs with example words and utterance ids', () => {
    const counter = new PhoneConfusionCounter(2);
    counter.add(phoneCounts('the cat sat', 'the bat sat', g2p), 'u1');
    counter.add(phoneCounts('a cot', 'a bot', g2p), 'u2');
    counter.add(phoneCounts('cab', 'bab', g2p), 'u3');
    counter.add(phoneCounts('black', 'back', g2p), 'u4');
    const c = counter.result();
    expect(c.substitutions[0]).toEqual({
      ref: 'K',
      hyp: 'B',
      count: 3,
      examples: [
        { refWord: 'cat', hypWord: 'bat', id: 'u1' },
        { refWord: 'cot', hypWord: 'bot', id: 'u2' },
      ],
    });
    expect(c.deletions).toEqual([{ phone: 'L', count: 1, examples: [{ refWord: 'black', id: 'u4' }] }]);
    expect(c.insertions).toEqual([]);
  });

  it('shows the confusions an accent brings: en-029 against the CMU dictionary', async () => {
    const text = 'the thing that they think';
    const canonical = g2p.sentence(text);
    const caribbean = await accentPhones(text, 'en-029');
    const r = phoneCountsOf(canonical, caribbean);
    const c = new PhoneConfusionCounter().add(r).result();
    const pairs = c.substitutions.map((s) => `${s.ref}>${s.hyp}`);
    expect(pairs).toContain('DH>D');
    expect(pairs).toContain('TH>T');
    const dh = c.substitutions.find((s) => s.ref === 'DH')!;
    expect(dh.count).toBe(3); // the, that, they
    expect(dh.examples.map((e) => e.refWord)).toEqual(['the', 'that', 'they']);
  });
});
