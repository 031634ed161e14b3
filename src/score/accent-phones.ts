import { espeakPhoneLines, g2pTokens, type WordPhones } from '../text/g2p.ts';
import { align } from './align.ts';

/**
 * Pronunciations of `text` in an espeak-ng voice (e.g. en-029, en-gb-scotland), in ARPAbet.
 * The phones are those of connected speech (weak forms, linking), read in one call; espeak-ng
 * joins some words ("of the" → one group), so each phone is given back to its word by aligning
 * the sentence against the words said one at a time (a second call).
 */
export async function accentPhones(text: string, espeakVoice: string): Promise<WordPhones[]> {
  const words = g2pTokens(text);
  if (words.length === 0) return [];
  const sentence = (await espeakPhoneLines(words.join(' '), espeakVoice)).flat();
  let isolated = await espeakPhoneLines(words.join(', '), espeakVoice);
  if (isolated.length !== words.length) {
    isolated = [];
    for (const w of words) isolated.push((await espeakPhoneLines(w, espeakVoice)).flat());
  }

  const owner: number[] = [];
  isolated.forEach((phones, wi) => phones.forEach(() => owner.push(wi)));
  const result: WordPhones[] = words.map((word) => ({ word, phones: [] }));
  let iso = 0;
  let current = 0;
  for (const op of align(isolated.flat(), sentence, 'unit').ops) {
    if (op.type === 'D') {
      current = owner[iso++] ?? current;
      continue;
    }
    if (op.type === 'C' || op.type === 'S') current = owner[iso++] ?? current;
    result[current]!.phones.push(op.hyp!);
  }
  return result;
}
