/**
 * Goodness's per-speaker value: the sound's mean GOP per frame minus the mean of the speaker's other phones of the
 * same class (vowels for a vowel, consonants for a consonant) — so an accent's rewritten consonants do not lower the
 * baseline its vowels are measured against. Recomputed here by hand from the tokens.
 */
import { describe, expect, it } from 'vitest';
import { goodnessByGroup, type GoodnessUtterance, type PhoneGoodness } from '../../src/analysis/glass.ts';
import { createRng } from '../../src/stats/rng.ts';

const tok = (phone: string, word: string, gop: number): PhoneGoodness => ({ phone, word, startFrame: 0, endFrame: 10, alignedScore: 0, loopScore: 0, gop });

// Six speakers per group. Group `acc`: IH fits 2 GOP units worse (a KIT–FLEECE-like vowel) and TH 15 worse (a
// rewritten consonant) than in `none`; every speaker has its own overall level.
function corpus(seed: number): GoodnessUtterance[] {
  const rng = createRng(seed);
  const noise = () => (rng.next() - 0.5) * 2;
  const out: GoodnessUtterance[] = [];
  for (const group of ['acc', 'none']) {
    for (let s = 0; s < 6; s++) {
      const level = -15 - 2 * s;
      const phones: PhoneGoodness[] = [];
      for (let k = 0; k < 8; k++) {
        phones.push(tok('IH', 'bit', level + 5 + noise() - (group === 'acc' ? 2 : 0)));
        phones.push(tok('AE', 'bat', level + 5 + noise()));
        phones.push(tok('UW', 'boot', level + 5 + noise()));
        phones.push(tok('TH', 'thin', level - 3 + noise() - (group === 'acc' ? 15 : 0)));
        phones.push(tok('S', 'sin', level - 3 + noise()));
        phones.push(tok('N', 'sin', level - 3 + noise()));
      }
      out.push({ id: `${group}-${s}`, speaker: `${group}-s${s}`, group, phones });
    }
  }
  return out;
}

describe('goodness baseline: the speaker\'s other phones of the same class', () => {
  const utts = corpus(7);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('each speaker value is the sound\'s mean GOP minus its other same-class phones\' (all: minus all other phones)', () => {
    for (const baseline of ['same-class', 'all'] as const) {
      const tests = goodnessByGroup(utts, { referenceGroup: 'none', test: 'welch', goodnessBaseline: baseline });
      const ih = tests.find((t) => t.phone === 'IH' && !t.position)!;
      expect(ih.baseline).toBe(baseline);
      for (const v of ih.speakerValues) {
        const u = utts.find((x) => x.speaker === v.speaker)!;
        const own = mean(u.phones.filter((p) => p.phone === 'IH').map((p) => p.gop));
        const pool = u.phones.filter((p) => p.phone !== 'IH' && (baseline === 'all' || ['AE', 'UW'].includes(p.phone)));
        expect(v.value).toBeCloseTo(own - mean(pool.map((p) => p.gop)), 10);
      }
    }
  });

  it('the vowel is flagged against its own class; against all phones the consonant\'s drop hides it', () => {
    const flagged = (b: 'same-class' | 'all') => goodnessByGroup(utts, { referenceGroup: 'none', test: 'welch', goodnessBaseline: b }).filter((t) => t.flagged && !t.position).map((t) => t.phone).sort();
    expect(flagged('same-class')).toEqual(['IH', 'TH']);
    expect(flagged('all')).toEqual(['TH']);
  });

  it('without a speaker baseline the value is the mean GOP and says so', () => {
    const t = goodnessByGroup(utts, { referenceGroup: 'none', test: 'welch', speakerBaseline: false }).find((x) => x.phone === 'IH' && !x.position)!;
    expect(t.baseline).toBe('none');
    const v = t.speakerValues[0];
    expect(v.value).toBeCloseTo(mean(utts.find((x) => x.speaker === v.speaker)!.phones.filter((p) => p.phone === 'IH').map((p) => p.gop)), 10);
  });
});
