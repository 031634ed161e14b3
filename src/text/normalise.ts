import { english } from './english.ts';
import { DOTLESS_I_LANGUAGES, foldLocale } from './markup.ts';
import type { Normaliser } from './normaliser.ts';
export type { Normaliser };

export const none: Normaliser = {
  name: 'none',
  version: '1',
  lowerCases: false,
  foldsByLanguage: [],
  normalise: (t) => t.trim().split(/\s+/).filter(Boolean).join(' '),
};

/**
 * Unicode NFKC, lower case, punctuation removed except word-internal apostrophes, whitespace folded. Lower case is
 * Unicode's default, or (version 2) by the Turkish rules (`İ` → `i`, `I` → `ı`; `toLocaleLowerCase('tr')`) for text
 * declared Turkish or Azerbaijani: by the default, `IŞIK` became `işik` and never matched `ışık`.
 */
export const basic: Normaliser = {
  name: 'basic',
  version: '2',
  lowerCases: true,
  foldsByLanguage: DOTLESS_I_LANGUAGES,
  normalise(text: string, language?: string): string {
    const nfkc = text.normalize('NFKC');
    return (foldLocale(language) ? nfkc.toLocaleLowerCase('tr') : nfkc.toLowerCase())
      .replace(/[\u2018\u2019\u02bc]/g, "'")
      .replace(/(?<![\p{L}\p{N}])'|'(?![\p{L}\p{N}])/gu, ' ')
      .replace(/[^\p{L}\p{N}\p{M}'\s]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  },
};

const registry: ReadonlyMap<string, Normaliser> = new Map<string, Normaliser>([
  [none.name, none],
  [basic.name, basic],
  [english.name, english],
]);

export function normaliserNames(): string[] {
  return [...registry.keys()];
}

export function getNormaliser(name: string): Normaliser {
  const n = registry.get(name);
  if (!n) throw new Error(`unknown normaliser "${name}" (known: ${normaliserNames().join(', ')})`);
  return n;
}
