import { languageCode } from '../manifest/language-tag.ts';

/**
 * Language codes of recognisers and corpora. ISO 639-1 two-letter codes (the registry kept by the Library of
 * Congress, loc.gov/standards/iso639-2; 183 current codes, `bh` withdrawn) are what OpenAI's `language` accepts, what
 * Common Voice locales start with and what the manifest's `language` field holds.
 */
const ISO_639_1 = new Set(
  (
    'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es ' +
    'et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki ' +
    'kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no ' +
    'nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te ' +
    'tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);

/** True for a current ISO 639-1 code (lower case, two letters). */
export function isIso6391(code: string): boolean {
  return ISO_639_1.has(code);
}

/**
 * Checks an ISO 639-1 option value; the error says what was given and, for a language name or a locale, which code
 * was probably meant (`english` → `en`, `en-US` → `en`).
 */
export function checkIso6391(type: string, option: string, value: string): string {
  if (isIso6391(value)) return value;
  const prefix = /^([A-Za-z]{2})[-_][A-Za-z0-9]+$/.exec(value)?.[1]?.toLowerCase();
  const byName = NAMES[value.trim().toLowerCase()];
  const hint = prefix && isIso6391(prefix) ? ` (did you mean "${prefix}"?)` : byName ? ` (did you mean "${byName}"?)` : '';
  throw new Error(`${type} backend: option "${option}" must be an ISO-639-1 code such as en, es, ta (got ${JSON.stringify(value)})${hint}`);
}

/** The language part of a locale or language tag (`en-US` → `en`, `ta` → `ta`), when it is an ISO 639-1 code. */
export function languageOfTag(tag: string | undefined): string | undefined {
  const l = languageCode(tag);
  return l !== undefined && isIso6391(l) ? l : undefined;
}

/** A few language names people write instead of codes, for the hint only. */
const NAMES: Readonly<Record<string, string>> = {
  english: 'en', spanish: 'es', french: 'fr', german: 'de', italian: 'it', portuguese: 'pt', dutch: 'nl', russian: 'ru',
  chinese: 'zh', mandarin: 'zh', japanese: 'ja', korean: 'ko', arabic: 'ar', hindi: 'hi', tamil: 'ta', welsh: 'cy',
  turkish: 'tr', polish: 'pl', swedish: 'sv', persian: 'fa', urdu: 'ur', bengali: 'bn', swahili: 'sw', catalan: 'ca',
};
