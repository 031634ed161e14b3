import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CMUDICT_PATH, createG2P, g2pTokens, type G2P } from '../../src/text/g2p.ts';
import { accentPhones } from '../../src/score/accent-phones.ts';
import { ARPABET_PHONES, ipaToArpabet } from '../../src/text/ipa.ts';

let g2p: G2P;
beforeAll(async () => {
  g2p = await createG2P();
});

/** The dictionary file read independently: first pronunciation of every 97th base entry. */
function sampleOfDictionary(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const lines = readFileSync(CMUDICT_PATH, 'utf8').split('\n').filter(Boolean);
  lines.forEach((line, i) => {
    const [word, ...phones] = line.split(/\s+/);
    if (i % 97 === 0 && word && !word.includes('(')) out.set(word, phones);
  });
  return out;
}

// Pseudo-words that are not in the CMU dictionary; they exercise the letter-to-sound engines.
const OOV = ['zorbliff', 'blorptastic', 'snorfle', 'quimbly', 'frattenwise', 'glomptor', 'vrinkle', 'dazzlepoof', 'xkcd', 'mbopsie'];

const allArpabet = (phones: string[]) => phones.every((p) => ARPABET_PHONES.has(p));

describe('G2P from the CMU dictionary', () => {
  it('gives the first pronunciation, upper case, no stress, for sampled dictionary words', () => {
    const sample = sampleOfDictionary();
    expect(sample.size).toBeGreaterThan(1000);
    for (const [word, phones] of sample) {
      const got = g2p.lookup(word);
      expect(got.source).toBe('cmudict');
      expect(got.phones).toEqual(phones.map((p) => p.replace(/\d/g, '').toUpperCase()));
    }
  });

  it('knows common words and alternates', () => {
    expect(g2p.word('hello')).toEqual(['HH', 'AH', 'L', 'OW']);
    expect(g2p.word('Thought')).toEqual(['TH', 'AO', 'T']);
    expect(g2p.word("'bout")).toEqual(['B', 'AW', 'T']);
    expect(g2p.pronunciations('a')).toEqual([['AH'], ['EY']]);
    expect(g2p.pronunciations('zorbliff')).toEqual([]);
    expect(g2p.sentence('The birch canoe, slid!')).toEqual([
      { word: 'the', phones: ['DH', 'AH'] },
      { word: 'birch', phones: ['B', 'ER', 'CH'] },
      { word: 'canoe', phones: ['K', 'AH', 'N', 'UW'] },
      { word: 'slid', phones: ['S', 'L', 'IH', 'D'] },
    ]);
  });

  it('keeps apostrophes and currency signs when splitting text', () => {
    expect(g2pTokens("  Don't -- stop, $25 90%! ")).toEqual(["don't", 'stop', '$25', '90%']);
  });
});

describe('G2P letter-to-sound for unknown words', () => {
  it('uses flite t2p, one word at a time and batched alike', async () => {
    expect(g2p.fallback).toBe('flite');
    const single = await createG2P({ fallback: 'flite' });
    const singles = OOV.map((w) => single.lookup(w));
    for (const s of singles) {
      expect(s.source).toBe('flite');
      expect(s.phones.length).toBeGreaterThan(2);
      expect(allArpabet(s.phones)).toBe(true);
    }
    expect(singles[0]!.phones[0]).toBe('Z');
    expect(singles[0]!.phones.at(-1)).toBe('F');
    const batched = await createG2P({ fallback: 'flite' });
    await batched.prepare([OOV.join(' ') + ' -500 25']);
    expect(OOV.map((w) => batched.word(w))).toEqual(singles.map((s) => s.phones));
    // numbers are read out: "25" → twenty five
    expect(batched.word('25')).toEqual(['T', 'W', 'EH', 'N', 'T', 'IY', 'F', 'AY', 'V']);
  });

  it('uses espeak-ng when asked, mapped to ARPAbet', async () => {
    const single = await createG2P({ fallback: 'espeak-ng' });
    const singles = OOV.map((w) => single.lookup(w));
    for (const s of singles) {
      expect(s.source).toBe('espeak-ng');
      expect(s.phones.length).toBeGreaterThan(2);
      expect(allArpabet(s.phones)).toBe(true);
    }
    expect(single.word('zorbliff').slice(0, 2)).toEqual(['Z', 'AO']);
    const batched = await createG2P({ fallback: 'espeak-ng' });
    await batched.prepare(OOV);
    expect(OOV.map((w) => batched.word(w))).toEqual(singles.map((s) => s.phones));
  });

  it('refuses unknown words without a fallback, naming the word', async () => {
    const strict = await createG2P({ fallback: 'none' });
    expect(strict.word('hello')).toEqual(['HH', 'AH', 'L', 'OW']);
    expect(() => strict.word('zorbliff')).toThrow(/"zorbliff" is not in the pronunciation dictionary/);
  });

  it('names a missing dictionary', async () => {
    await expect(createG2P({ dictPath: '/nonexistent/dict' })).rejects.toThrow(/\/nonexistent\/dict/);
  });
});

describe('accent pronunciations from espeak-ng voices', () => {
  it('gives Caribbean English TH-stopping (en-029) and General American (en-us)', async () => {
    const caribbean = await accentPhones('The thing on top of the hill', 'en-029');
    const american = await accentPhones('The thing on top of the hill', 'en-us');
    expect(caribbean.map((w) => w.word)).toEqual(['the', 'thing', 'on', 'top', 'of', 'the', 'hill']);
    expect(caribbean[0]!.phones).toEqual(['D', 'AH']);
    expect(caribbean[1]!.phones).toEqual(['T', 'IH', 'NG']);
    expect(american[0]!.phones).toEqual(['DH', 'AH']);
    expect(american[1]!.phones).toEqual(['TH', 'IH', 'NG']);
    // espeak-ng says "of the" as one group; the phones still go back to their own words
    expect(american[4]!.phones).toEqual(['AH', 'V']);
    expect(american[5]!.phones).toEqual(['DH', 'AH']);
    expect(caribbean[5]!.phones).toEqual(['D', 'AH']);
  });

  it('drops the R of non-rhotic accents', async () => {
    const [rp] = await accentPhones('car', 'en-gb-x-rp');
    const [us] = await accentPhones('car', 'en-us');
    expect(rp!.phones).toEqual(['K', 'AA']);
    expect(us!.phones).toEqual(['K', 'AA', 'R']);
  });

  it('rejects a voice name that could be an option', async () => {
    await expect(accentPhones('hello', '--help')).rejects.toThrow(/invalid espeak-ng voice/);
  });
});

describe('IPA → ARPAbet', () => {
  it.each([
    ['ð_ə', 'DH AH'],
    ['d_ˈə', 'D AH'],
    ['t̪_ˈɪ_ŋ', 'T IH NG'],
    ['k_ˈɑːɹ_z', 'K AA R Z'],
    ['n_ˌiə', 'N IY AH'],
    ['b_ˈʌ_ʔ_n̩', 'B AH T AH N'],
    ['l_ˈɒ_x', 'L AA K'],
    ['ɡ_ˌoʊ', 'G OW'],
    ['tʃ_ˈɜː_tʃ', 'CH ER CH'],
    ['ðəkˈæt', 'DH AH K AE T'],
  ])('%s → %s', (ipa, arpabet) => {
    expect(ipaToArpabet(ipa).join(' ')).toBe(arpabet);
  });
});
