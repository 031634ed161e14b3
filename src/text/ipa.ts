/**
 * IPA → ARPAbet (the 39-phone CMU set, upper case, no stress) for espeak-ng's IPA output
 * (`espeak-ng -q --ipa --sep=_`). Keys are espeak-ng's English phonemes with stress marks removed.
 *
 * ARPAbet cannot write every accent feature, so some choices are made (all one place, here):
 * - Centring diphthongs keep their schwa glide: iə → IY AH, ɪə → IH AH, eə/ɛə → EH AH,
 *   ʊə → UH AH, ɔə/oə → AO AH, ɑə → AA AH. A non-rhotic "near" (n iə) thus differs from
 *   CMU's N IH R by its missing R, which is what the accent does.
 * - Rhotic vowels espeak writes as one phoneme are split: ɑːɹ → AA R, ɔːɹ/oːɹ → AO R,
 *   ɪɹ → IH R, ɛɹ → EH R, ʊɹ/ʉɹ → UH R; ɚ, ɜː, ɜ, əɹ → ER.
 * - Syllabic consonants get CMU's schwa: n̩ → AH N, əl/l̩ → AH L, m̩ → AH M.
 * - Flap ɾ and glottal stop ʔ → T (espeak uses both for /t/: "better", "button"); x (loch) → K
 *   as CMU writes "loch"; ʍ → W; dental t̪ / d̪ (en-029 "thing", "the") → T / D.
 * - Monophthong FACE/GOAT of Scottish and Caribbean voices: eː → EY, oː → OW; e → EH, o → OW.
 * - British vowels: ɒ → AA (LOT), a (TRAP) → AE, aː / aa → AA, ɐ → AH; ᵻ (reduced i) → IH.
 * Units not in the table are read greedily, longest known prefix first; characters with no
 * mapping (length marks and other diacritics) are dropped.
 */
export const IPA_TO_ARPABET: Readonly<Record<string, readonly string[]>> = {
  // consonants
  p: ['P'], b: ['B'], t: ['T'], 't̪': ['T'], d: ['D'], 'd̪': ['D'], k: ['K'], g: ['G'], 'ɡ': ['G'],
  f: ['F'], v: ['V'], 'θ': ['TH'], 'ð': ['DH'], s: ['S'], z: ['Z'], 'ʃ': ['SH'], 'ʒ': ['ZH'],
  h: ['HH'], x: ['K'], 'ç': ['HH'], 'tʃ': ['CH'], 'dʒ': ['JH'], m: ['M'], n: ['N'], 'ŋ': ['NG'],
  l: ['L'], 'ɫ': ['L'], 'ɬ': ['L'], 'ɹ': ['R'], r: ['R'], 'ʁ': ['R'], 'ɾ': ['T'], 'ʔ': ['T'],
  j: ['Y'], w: ['W'], 'ʍ': ['W'],
  'n̩': ['AH', 'N'], 'l̩': ['AH', 'L'], 'm̩': ['AH', 'M'], 'əl': ['AH', 'L'],
  // monophthongs
  i: ['IY'], 'iː': ['IY'], 'ɪ': ['IH'], 'ᵻ': ['IH'], 'ɪʲ': ['IY'], e: ['EH'], 'eː': ['EY'], 'ɛ': ['EH'],
  'ɛː': ['EH'], 'æ': ['AE'], a: ['AE'], 'aː': ['AA'], aa: ['AA'], 'ɑ': ['AA'], 'ɑː': ['AA'], 'ɒ': ['AA'],
  'ɔ': ['AO'], 'ɔː': ['AO'], o: ['OW'], 'oː': ['OW'], 'ʊ': ['UH'], u: ['UW'], 'uː': ['UW'],
  'ʉ': ['UW'], 'ʉː': ['UW'], 'ʌ': ['AH'], 'ə': ['AH'], 'ɐ': ['AH'], 'ɚ': ['ER'], 'ɜ': ['ER'],
  'ɜː': ['ER'], 'əɹ': ['ER'], 'ɜːɹ': ['ER'], 'ɝ': ['ER'],
  // diphthongs
  'eɪ': ['EY'], ei: ['EY'], 'eʲ': ['EY'], 'aɪ': ['AY'], 'ɑɪ': ['AY'], 'əɪ': ['AY'], 'ʌɪ': ['AY'],
  'aʊ': ['AW'], 'æʊ': ['AW'], 'ʌʊ': ['OW'], 'ɔɪ': ['OY'], 'oɪ': ['OY'], 'oʊ': ['OW'],
  'əʊ': ['OW'], 'əu': ['OW'], 'ʌʉ': ['OW'], 'aɪə': ['AY', 'AH'], 'aʊə': ['AW', 'AH'],
  'aɪɚ': ['AY', 'ER'], 'aʊɚ': ['AW', 'ER'],
  // centring diphthongs
  'iə': ['IY', 'AH'], 'ɪə': ['IH', 'AH'], 'eə': ['EH', 'AH'], 'ɛə': ['EH', 'AH'], 'ʊə': ['UH', 'AH'],
  'ɔə': ['AO', 'AH'], 'oə': ['AO', 'AH'], 'ɑə': ['AA', 'AH'],
  // rhotic vowels
  'ɑːɹ': ['AA', 'R'], 'ɑɹ': ['AA', 'R'], 'ɔːɹ': ['AO', 'R'], 'ɔɹ': ['AO', 'R'], 'oːɹ': ['AO', 'R'],
  'oɹ': ['AO', 'R'], 'ɪɹ': ['IH', 'R'], 'iɹ': ['IH', 'R'], 'ɛɹ': ['EH', 'R'], 'eɹ': ['EH', 'R'],
  'ʊɹ': ['UH', 'R'], 'ʉɹ': ['UH', 'R'], 'ʌɹ': ['AH', 'R'], 'aɪɹ': ['AY', 'R'], 'aʊɹ': ['AW', 'R'],
};

/** The 39 ARPAbet phones of the CMU dictionary (stress removed). */
export const ARPABET_PHONES: ReadonlySet<string> = new Set([
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH',
  'IY', 'JH', 'K', 'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V',
  'W', 'Y', 'Z', 'ZH',
]);

const MAX_KEY = Math.max(...Object.keys(IPA_TO_ARPABET).map((k) => [...k].length));

/** Stress marks, syllable marks, ties and joiners that carry no segment. */
const IGNORED = /[ˈˌ.\u0361\u035C\u200D]/gu;

/** One espeak-ng phoneme (or an unseparated IPA string) → ARPAbet phones. */
export function ipaUnitToArpabet(unit: string): string[] {
  const u = unit.normalize('NFD').replace(/:/g, 'ː').replace(IGNORED, '').normalize('NFC');
  if (u === '') return [];
  const whole = IPA_TO_ARPABET[u];
  if (whole) return [...whole];
  const chars = [...u];
  const out: string[] = [];
  let i = 0;
  while (i < chars.length) {
    let matched = 0;
    for (let len = Math.min(MAX_KEY, chars.length - i); len > 0; len--) {
      const phones = IPA_TO_ARPABET[chars.slice(i, i + len).join('')];
      if (phones) {
        out.push(...phones);
        matched = len;
        break;
      }
    }
    i += matched || 1;
  }
  return out;
}

/**
 * A word of espeak-ng IPA → ARPAbet. With `--sep=_` each `_`-separated unit is one phoneme;
 * without it, the string is read greedily.
 */
export function ipaToArpabet(ipa: string): string[] {
  return ipa
    .split(/[_\s]+/u)
    .filter(Boolean)
    .flatMap(ipaUnitToArpabet);
}
