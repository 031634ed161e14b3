import { describe, expect, it } from 'vitest';
import { align, tokenize } from '../../src/score/align.ts';
import { charCounts, mer, sumCounts, toChars, wer, wil, wip } from '../../src/score/metrics.ts';
import { ConfusionCounter, confusionsOf } from '../../src/score/confusions.ts';

const counts = (r: string, h: string) => align(tokenize(r), tokenize(h)).counts;

describe('metrics (jiwer definitions)', () => {
  it('hello world / hello duck: WER 0.5, MER 0.5, WIL 0.75', () => {
    const c = counts('hello world', 'hello duck');
    expect([wer(c), mer(c), wil(c), wip(c)]).toEqual([0.5, 0.5, 0.75, 0.25]);
  });

  it('insertions make MER and WER differ', () => {
    const c = counts('a b', 'a b c d'); // H=2, I=2, N=2, P=4
    expect(wer(c)).toBe(1);
    expect(mer(c)).toBe(0.5);
    expect(wil(c)).toBe(1 - 4 / 8);
  });

  it('set WER is summed errors over summed reference words, not the mean of utterance WERs', () => {
    const a = counts('a b c d e f g h i j', 'a b c d e f g h i j'); // 0/10
    const b = counts('x', 'y'); // 1/1
    const total = sumCounts([a, b]);
    expect(wer(total)).toBe(1 / 11);
    expect((wer(a) + wer(b)) / 2).toBe(0.5);
  });

  it('empty references: insertions count, N stays 0', () => {
    const e = counts('', 'uh um');
    expect(e).toEqual({ ref: 0, hits: 0, sub: 0, del: 0, ins: 2 });
    expect(wer(e)).toBe(Infinity);
    expect(wer(counts('', ''))).toBe(0);
    expect(wer(sumCounts([e, counts('a b c d', 'a b c d')]))).toBe(2 / 4);
  });

  it('CER uses characters with spaces, whitespace folded', () => {
    expect(toChars('  ab  c ')).toEqual(['a', 'b', ' ', 'c']);
    expect(toChars('naïve 😀')).toEqual(['n', 'a', 'ï', 'v', 'e', ' ', '😀']);
    const c = charCounts('hello world', 'hello duck', 'unit'); // jiwer.cer = 5/11
    expect(wer(c)).toBe(5 / 11);
    expect(charCounts('ab', 'a b')).toEqual({ ref: 2, hits: 2, sub: 0, del: 0, ins: 1 });
  });
});

describe('confusions', () => {
  it('counts substitution pairs, deletions and insertions; top-k ordered by count then text', () => {
    const pairs: Array<[string, string]> = [
      ['the cat sat', 'a cat sat'],
      ['the dog', 'a dog'],
      ['this is it', 'this it'],
      ['go now', 'go now uh'],
      ['the end', 'de end'],
    ];
    const c = new ConfusionCounter();
    for (const [r, h] of pairs) c.add(align(tokenize(r), tokenize(h)));
    expect(c.substitutionCount('the', 'a')).toBe(2);
    const top = c.top(1);
    expect(top.substitutions).toEqual([{ ref: 'the', hyp: 'a', count: 2 }]);
    expect(top.deletions).toEqual([{ token: 'is', count: 1 }]);
    expect(top.insertions).toEqual([{ token: 'uh', count: 1 }]);
    expect(c.top().substitutions).toEqual([
      { ref: 'the', hyp: 'a', count: 2 },
      { ref: 'the', hyp: 'de', count: 1 },
    ]);
    const merged = new ConfusionCounter().merge(c).merge(c);
    expect(merged.substitutionCount('the', 'a')).toBe(4);
    expect(confusionsOf(pairs.map(([r, h]) => align(tokenize(r), tokenize(h))), 5)).toEqual(c.top(5));
  });
});
