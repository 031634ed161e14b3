import { fileURLToPath } from 'node:url';
import { InputError } from '../../manifest/errors.ts';
import { readPromptLines } from '../synth.ts';
import { promptWords, stressedDictionary } from './cmudict.ts';

/** What a planted corpus can do with a prompts file. */
export interface PlantedPromptCheck {
  /** The prompt sentences (as `readPrompts` gives them). */
  prompts: string[];
  /** Prompt word tokens (`promptWords`) in the whole file. */
  words: number;
  /** Tokens not in CMUdict: festival speaks them from its own lexicon and no rule is planted in them. */
  notInDictionary: number;
  /** Those words, distinct, in order of first use. */
  notInDictionaryWords: string[];
}

/**
 * Checks a prompts file for `synth --accent-rules`: festival speaks a word as written only when it is made of
 * the letters a–z and `'` (see `festivalScript`), so a token with digits or other letters (`101`, `naïve`)
 * would be silent or mis-spoken while the manifest's reference keeps it. Throws InputError naming the file
 * and line of the first such token (and, via `readPromptLines`, a missing or sentence-less file, or a prompt with no
 * speakable word). Counts the
 * tokens CMUdict lacks (never planted), for a warning.
 */
export function checkPlantedPrompts(file: string | URL, dict: ReadonlyMap<string, string[]> = stressedDictionary()): PlantedPromptCheck {
  const lines = readPromptLines(file);
  const prompts = lines.map((p) => p.text);
  const name = typeof file === 'string' ? file : fileURLToPath(file);
  for (const { line, text } of lines) {
    for (const token of text.split(/\s+/)) {
      const word = token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (/[^A-Za-z'\s.,;:!?"()-]/u.test(word)) {
        throw new InputError(name, line, `"${word}": a planted corpus speaks only the letters a-z and ' as written (write numbers and other signs as words), so the reference would hold a word never spoken`);
      }
    }
  }
  const words = prompts.flatMap(promptWords);
  const missing = words.filter((w) => !dict.has(w));
  return { prompts, words: words.length, notInDictionary: missing.length, notInDictionaryWords: [...new Set(missing)] };
}
