/**
 * The `english` normaliser (version 2): a TypeScript port of Whisper's
 * EnglishTextNormalizer (openai/whisper, whisper/normalizers/english.py + basic.py +
 * english.json), the normaliser behind most published English WER numbers (also used by
 * Hugging Face's evaluation scripts). Rules, applied in this order:
 *
 *  1. Lower case.
 *  2. Remove text between brackets `[...]` or `<...>` and between parentheses `(...)`
 *     (annotations such as `[laughter]`, `<unk>`, `(inaudible)`).
 *  3. Remove fillers as whole words: hmm, mm, mhm, mmm, uh, um.
 *  4. Join a space before an apostrophe ("don 't" → "don't").
 *  5. Expand contractions and abbreviations, in this order:
 *     won't → will not, can't → can not, let's → let us, ain't → aint, y'all → you all,
 *     wanna → want to, gotta → got to, gonna → going to, i'ma / imma → i am going to,
 *     woulda/coulda/shoulda → would/could/should have, ma'am → madam;
 *     titles: mr → mister, mrs → missus, st → saint, dr → doctor, prof → professor,
 *     capt → captain, gov → governor, ald → alderman, gen → general, sen → senator,
 *     rep → representative, pres → president, rev → reverend, hon → honorable,
 *     asst → assistant, assoc → associate, lt → lieutenant, col → colonel, jr → junior,
 *     sr → senior, esq → esquire;
 *     perfect tenses: 'd been → had been, 's been → has been, 'd gone → had gone,
 *     's gone → has gone, 'd done → had done, 's got → has got;
 *     then n't → not, 're → are, 's → is, 'd → would, 'll → will, 't → not, 've → have, 'm → am.
 *     (So possessives become "is", exactly as Whisper does: "john's" → "john is".)
 *  6. Remove commas between digits ("1,000" → "1000"); remove periods not followed by a digit.
 *  7. Unicode NFKD; drop combining marks (diacritics), map œ→oe, ø→o, æ→ae, ß→ss, đ/ð→d,
 *     þ→th, ł→l; every other mark, symbol or punctuation becomes a space, except the numeric
 *     symbols . % $ ¢ € £.
 *  8. Numbers (EnglishNumberNormalizer): spelled-out numbers become digits ("twenty five" → 25,
 *     "nineteen ninety nine" → 1999, "two point five million" → 2500000, "double oh seven" →
 *     007, "one oh one" → 101); ordinals and plurals keep their suffix ("thirty first" → 31st,
 *     "nineteen fifties" → 1950s); "and a half" → .5; "half a million" → 500000; currency words
 *     after a number become a prefix symbol ("twenty dollars" → $20, "three euros and sixty
 *     five cents" → €3.65, "3 cents" → ¢3); "percent" / "per cent" → %; "minus"/"negative" →
 *     -, "plus"/"positive" → +; letters and digits are split ("rc232" → "rc 232") except the
 *     suffixes st/nd/rd/th/s; a lone "1" / "1s" is written "one" / "ones".
 *  9. British → American spellings from Whisper's list (src/text/data/english-spellings.json,
 *     1,739 entries: colour → color, organise → organize, ...).
 * 10. Currency symbols and % are attached to their numbers; those not next to a number are
 *     removed; whitespace is folded to single spaces.
 *
 * As in Whisper, curly apostrophes are not straightened ("neighbour’s" → "neighbor s"): apply
 * a GLM (src/text/glm.ts) or clean the text first if a corpus uses them.
 *
 * Two deliberate differences: the result is trimmed (Whisper can leave a trailing space, e.g.
 * after a dangling %), since tokens are what is scored; and (version 2) the letter "o" and the word
 * "oh" are the digit 0 only inside a spoken number (after "point", or before a digit word or an
 * arabic number, or ending the text right after a number: `spokenZero`), where Whisper reads every
 * one as 0: "O.K." → "o k" (Whisper "0 k"), "I.O.U." → "i o u", "one o'clock" → "one o clock"
 * (Whisper "10 clock"), "Oh, dear" → "oh dear" (Whisper "0 dear"); "one oh one" is still 101. On the
 * Artie and CORAAL transcripts in ../shared/data this changes 178 lines, none of them a number. Python's Unicode-aware `\b` and `\d`
 * are reproduced with Unicode property escapes; Python's unbounded integers with BigInt.
 */
import { readFileSync } from 'node:fs';
import type { Normaliser } from './normaliser.ts';

// Python's `\w` on str patterns: letters, numbers and underscore.
const W = '[\\p{L}\\p{N}_]';
/** Python `\b` right before a word character. */
const B0 = `(?<!${W})`;
/** Python `\b` right after a word character. */
const B1 = `(?!${W})`;

const re = (src: string): RegExp => new RegExp(src, 'gu');

// ---------------------------------------------------------------------------------------------
// basic.py: remove_symbols_and_diacritics

const ADDITIONAL_DIACRITICS: Record<string, string> = {
  'œ': 'oe', 'Œ': 'OE', 'ø': 'o', 'Ø': 'O', 'æ': 'ae', 'Æ': 'AE', 'ß': 'ss', 'ẞ': 'SS',
  'đ': 'd', 'Đ': 'D', 'ð': 'd', 'Ð': 'D', 'þ': 'th', 'Þ': 'th', 'ł': 'l', 'Ł': 'L',
};
const SYMBOLS_OR_EXTRA = /[\p{M}\p{S}\p{P}œŒøØæÆßẞđĐðÐþÞłŁ]/gu;
const NONSPACING_MARK = /^\p{Mn}$/u;

const PRINTABLE_ASCII = /^[\x20-\x7e\t\n\r]*$/;
// Every printable ASCII character that is not a letter, digit or space is punctuation or a symbol.
const ASCII_SYMBOL = /[!-/:-@[-`{-~]/g;

/** Whisper's remove_symbols_and_diacritics: NFKD, drop Mn marks, other marks/symbols/punctuation → space. */
export function removeSymbolsAndDiacritics(s: string, keep = ''): string {
  // fast path: NFKD leaves ASCII unchanged and ASCII has no marks
  if (PRINTABLE_ASCII.test(s)) return s.replace(ASCII_SYMBOL, (c) => (keep.includes(c) ? c : ' '));
  return s.normalize('NFKD').replace(SYMBOLS_OR_EXTRA, (c) => {
    if (keep.includes(c)) return c;
    const mapped = ADDITIONAL_DIACRITICS[c];
    if (mapped !== undefined) return mapped;
    return NONSPACING_MARK.test(c) ? '' : ' ';
  });
}

// ---------------------------------------------------------------------------------------------
// Exact decimal arithmetic (Python's Fraction, for the subset of strings that occur here)

interface Fraction {
  num: bigint;
  den: bigint;
}

const UNICODE_DIGIT = /\p{Nd}/u;

/** Value 0–9 of a Unicode decimal digit (they come in contiguous runs starting at zero). */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0)!;
  let n = 0;
  while (UNICODE_DIGIT.test(String.fromCodePoint(cp - 1)) && n < 60) {
    cp--;
    n++;
  }
  return n % 10;
}

function asciiDigits(s: string): string {
  return s.replace(/\p{Nd}/gu, (d) => (d >= '0' && d <= '9' ? d : String(digitValue(d))));
}

function toFraction(value: string | bigint): Fraction | undefined {
  if (typeof value === 'bigint') return { num: value, den: 1n };
  const m = /^\s*([+-]?)(?=\p{Nd}|\.\p{Nd})(\p{Nd}*)(?:\.(\p{Nd}*))?\s*$/u.exec(value);
  if (!m) return undefined;
  const int = asciiDigits(m[2] ?? '');
  const frac = asciiDigits(m[3] ?? '');
  let num = BigInt((int || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  if (m[1] === '-') num = -num;
  const g = gcd(num < 0n ? -num : num, den);
  if (g > 1n) {
    num /= g;
    den /= g;
  }
  return { num, den };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** f × multiplier as an integer, or undefined when it is not one. */
function timesInteger(f: Fraction | undefined, multiplier: bigint): bigint | undefined {
  if (!f) return undefined;
  const p = f.num * multiplier;
  return p % f.den === 0n ? p / f.den : undefined;
}

// ---------------------------------------------------------------------------------------------
// english.py: EnglishNumberNormalizer

type Value = bigint | string | null;

const ONES_LIST = [
  'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven',
  'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const ZEROS = new Set(['o', 'oh', 'zero']);
const ONES = new Map<string, number>(ONES_LIST.map((name, i) => [name, i + 1]));
const ONES_PLURAL = new Map<string, [number, string]>(
  [...ONES].map(([name, v]) => [name === 'six' ? 'sixes' : `${name}s`, [v, 's']]),
);
const ONES_ORDINAL = new Map<string, [number, string]>([
  ['zeroth', [0, 'th']],
  ['first', [1, 'st']],
  ['second', [2, 'nd']],
  ['third', [3, 'rd']],
  ['fifth', [5, 'th']],
  ['twelfth', [12, 'th']],
  ...[...ONES]
    .filter(([, v]) => v > 3 && v !== 5 && v !== 12)
    .map(([name, v]): [string, [number, string]] => [name + (name.endsWith('t') ? 'h' : 'th'), [v, 'th']]),
]);
const ONES_SUFFIXED = new Map([...ONES_PLURAL, ...ONES_ORDINAL]);

const TENS = new Map<string, number>([
  ['twenty', 20], ['thirty', 30], ['forty', 40], ['fifty', 50],
  ['sixty', 60], ['seventy', 70], ['eighty', 80], ['ninety', 90],
]);
const TENS_PLURAL = new Map<string, [number, string]>(
  [...TENS].map(([name, v]) => [name.replace('y', 'ies'), [v, 's']]),
);
const TENS_ORDINAL = new Map<string, [number, string]>(
  [...TENS].map(([name, v]) => [name.replace('y', 'ieth'), [v, 'th']]),
);
const TENS_SUFFIXED = new Map([...TENS_PLURAL, ...TENS_ORDINAL]);

const MULTIPLIERS = new Map<string, bigint>([
  ['hundred', 100n],
  ['thousand', 1000n],
  ['million', 10n ** 6n],
  ['billion', 10n ** 9n],
  ['trillion', 10n ** 12n],
  ['quadrillion', 10n ** 15n],
  ['quintillion', 10n ** 18n],
  ['sextillion', 10n ** 21n],
  ['septillion', 10n ** 24n],
  ['octillion', 10n ** 27n],
  ['nonillion', 10n ** 30n],
  ['decillion', 10n ** 33n],
]);
const MULTIPLIERS_SUFFIXED = new Map<string, [bigint, string]>([
  ...[...MULTIPLIERS].map(([name, v]): [string, [bigint, string]] => [`${name}s`, [v, 's']]),
  ...[...MULTIPLIERS].map(([name, v]): [string, [bigint, string]] => [`${name}th`, [v, 'th']]),
]);
const DECIMALS = new Set([...ONES.keys(), ...TENS.keys(), ...ZEROS]);

const PRECEDING_PREFIXERS = new Map([['minus', '-'], ['negative', '-'], ['plus', '+'], ['positive', '+']]);
const FOLLOWING_PREFIXERS = new Map([
  ['pound', '£'], ['pounds', '£'], ['euro', '€'], ['euros', '€'],
  ['dollar', '$'], ['dollars', '$'], ['cent', '¢'], ['cents', '¢'],
]);
const PREFIXES = new Set([...PRECEDING_PREFIXERS.values(), ...FOLLOWING_PREFIXERS.values()]);
const SUFFIXERS = new Map<string, string | Map<string, string>>([
  ['per', new Map([['cent', '%']])],
  ['percent', '%'],
]);
const SPECIALS = new Set(['and', 'double', 'triple', 'point']);

const NUMBER_WORDS = new Set<string>([
  ...ZEROS, ...ONES.keys(), ...ONES_SUFFIXED.keys(), ...TENS.keys(), ...TENS_SUFFIXED.keys(),
  ...MULTIPLIERS.keys(), ...MULTIPLIERS_SUFFIXED.keys(), ...PRECEDING_PREFIXERS.keys(),
  ...FOLLOWING_PREFIXERS.keys(), ...SUFFIXERS.keys(), ...SPECIALS,
]);

const ARABIC_NUMBER_RE = /^\p{Nd}+(\.\p{Nd}+)?$/u;
/** Python's re.match(r"^\d+(\.\d+)?$", w), rejecting most words by their first character. */
function isArabicNumber(w: string): boolean {
  const c = w.charCodeAt(0);
  if (c < 128 && (c < 48 || c > 57)) return false;
  return ARABIC_NUMBER_RE.test(w);
}
const isIn = (set: { has(k: string): boolean }, w: string | null): w is string => w !== null && set.has(w);

/** Words that can follow a spoken "oh"/"o" digit inside a number: digits, tens, "double"/"triple". */
const DIGIT_FOLLOWERS = new Set<string>([
  ...ONES.keys(), ...ONES_SUFFIXED.keys(), ...TENS.keys(), ...TENS_SUFFIXED.keys(), 'double', 'triple',
]);

/**
 * asrfair's change to Whisper (which reads every "o" and "oh" as 0: "O.K." → "0 k", "five o'clock" →
 * "50 clock", "oh dear" → "0 dear"): the "o"/"oh" at `padded[i]` is the digit 0 only after "point"
 * ("two point oh" → 2.0), when the run of "o"/"oh"/"zero" it starts is followed by a digit word or an
 * arabic number ("one oh one", "double oh seven", "oh two"), or when it closes the text right after a
 * number ("nineteen oh"). "zero" is always 0.
 */
function spokenZero(padded: readonly (string | null)[], i: number, inNumber: boolean): boolean {
  if (padded[i - 1] === 'point') return true; // "two point oh" = 2.0
  let j = i + 1;
  while (padded[j] != null && ZEROS.has(padded[j]!)) j++;
  const after = padded[j] ?? null;
  if (after === null) return inNumber;
  return DIGIT_FOLLOWERS.has(after) || isArabicNumber(after);
}

function* processWords(words: readonly string[]): Generator<string> {
  let prefix: string | null = null;
  let value: Value = null;
  let skip = false;

  const output = (result: Value | number): string => {
    let r = String(result);
    if (prefix !== null) r = prefix + r;
    value = null;
    prefix = null;
    return r;
  };
  /** Python's `value or ""` then str(): None, 0 and "" are falsy. */
  const orEmpty = (v: Value): string => (v === null || v === 0n || v === '' ? '' : String(v));

  const padded: (string | null)[] = [null, ...words, null];
  for (let i = 1; i + 1 < padded.length; i++) {
    const prev = padded[i - 1] ?? null;
    const current = padded[i]!;
    const next = padded[i + 1] ?? null;
    if (skip) {
      skip = false;
      continue;
    }

    const nextIsNumeric = next !== null && isArabicNumber(next);
    const hasPrefix = PREFIXES.has(current[0]!);
    const currentWithoutPrefix = hasPrefix ? current.slice(1) : current;

    if (isArabicNumber(currentWithoutPrefix)) {
      // arabic numbers (potentially with signs and fractions)
      const f = toFraction(currentWithoutPrefix)!;
      if (value !== null) {
        if (typeof value === 'string' && value.endsWith('.')) {
          // concatenate decimals / ip address components
          value = value + current;
          continue;
        } else {
          yield output(value);
        }
      }
      prefix = hasPrefix ? current[0]! : prefix;
      value = f.den === 1n ? f.num : currentWithoutPrefix;
    } else if (!NUMBER_WORDS.has(current)) {
      // non-numeric words
      if (value !== null) yield output(value);
      yield output(current);
    } else if (ZEROS.has(current)) {
      if (current === 'zero' || spokenZero(padded, i, value !== null)) {
        value = orEmpty(value) + '0';
      } else {
        // the letter "o" (O.K., I.O.U., o'clock) or the interjection "oh": a word, not a digit
        if (value !== null) yield output(value);
        yield output(current);
      }
    } else if (ONES.has(current)) {
      const ones = ONES.get(current)!;
      if (value === null) {
        value = BigInt(ones);
      } else if (typeof value === 'string' || isIn(ONES, prev)) {
        if (isIn(TENS, prev) && ones < 10) {
          // replace the last zero with the digit
          const v: string = String(value);
          value = v.slice(0, -1) + String(ones);
        } else {
          value = String(value) + String(ones);
        }
      } else if (ones < 10) {
        value = value % 10n === 0n ? value + BigInt(ones) : String(value) + String(ones);
      } else {
        // eleven to nineteen
        value = value % 100n === 0n ? value + BigInt(ones) : String(value) + String(ones);
      }
    } else if (ONES_SUFFIXED.has(current)) {
      // ordinal or cardinal; yield the number right away
      const [ones, suffix] = ONES_SUFFIXED.get(current)!;
      if (value === null) {
        yield output(String(ones) + suffix);
      } else if (typeof value === 'string' || isIn(ONES, prev)) {
        if (isIn(TENS, prev) && ones < 10) {
          yield output(String(value).slice(0, -1) + String(ones) + suffix);
        } else {
          yield output(String(value) + String(ones) + suffix);
        }
      } else if (ones < 10) {
        yield output(value % 10n === 0n ? String(value + BigInt(ones)) + suffix : String(value) + String(ones) + suffix);
      } else {
        yield output(value % 100n === 0n ? String(value + BigInt(ones)) + suffix : String(value) + String(ones) + suffix);
      }
      value = null;
    } else if (TENS.has(current)) {
      const tens = TENS.get(current)!;
      if (value === null) value = BigInt(tens);
      else if (typeof value === 'string') value = value + String(tens);
      else value = value % 100n === 0n ? value + BigInt(tens) : String(value) + String(tens);
    } else if (TENS_SUFFIXED.has(current)) {
      // ordinal or cardinal; yield the number right away
      const [tens, suffix] = TENS_SUFFIXED.get(current)!;
      if (value === null) yield output(String(tens) + suffix);
      else if (typeof value === 'string') yield output(value + String(tens) + suffix);
      else yield output(value % 100n === 0n ? String(value + BigInt(tens)) + suffix : String(value) + String(tens) + suffix);
    } else if (MULTIPLIERS.has(current)) {
      const multiplier = MULTIPLIERS.get(current)!;
      if (value === null) {
        value = multiplier;
      } else if (typeof value === 'string' || value === 0n) {
        const p = timesInteger(toFraction(value), multiplier);
        if (p !== undefined) {
          value = p;
        } else {
          yield output(value);
          value = multiplier;
        }
      } else {
        const before: bigint = (value / 1000n) * 1000n;
        const residual: bigint = value % 1000n;
        value = before + residual * multiplier;
      }
    } else if (MULTIPLIERS_SUFFIXED.has(current)) {
      const [multiplier, suffix] = MULTIPLIERS_SUFFIXED.get(current)!;
      if (value === null) {
        yield output(String(multiplier) + suffix);
      } else if (typeof value === 'string') {
        const p = timesInteger(toFraction(value), multiplier);
        if (p !== undefined) {
          yield output(String(p) + suffix);
        } else {
          yield output(value);
          yield output(String(multiplier) + suffix);
        }
      } else {
        const before: bigint = (value / 1000n) * 1000n;
        const residual: bigint = value % 1000n;
        value = before + residual * multiplier;
        yield output(String(value) + suffix);
      }
      value = null;
    } else if (PRECEDING_PREFIXERS.has(current)) {
      // apply prefix (positive, minus, etc.) if it precedes a number
      if (value !== null) yield output(value);
      if (isIn(NUMBER_WORDS, next) || nextIsNumeric) prefix = PRECEDING_PREFIXERS.get(current)!;
      else yield output(current);
    } else if (FOLLOWING_PREFIXERS.has(current)) {
      // apply prefix (dollars, cents, etc.) only after a number
      if (value !== null) {
        prefix = FOLLOWING_PREFIXERS.get(current)!;
        yield output(value);
      } else {
        yield output(current);
      }
    } else if (SUFFIXERS.has(current)) {
      // apply suffix symbols (percent -> '%')
      if (value !== null) {
        const suffix = SUFFIXERS.get(current)!;
        if (typeof suffix !== 'string') {
          if (isIn(suffix, next)) {
            yield output(String(value) + suffix.get(next)!);
            skip = true;
          } else {
            yield output(value);
            yield output(current);
          }
        } else {
          yield output(String(value) + suffix);
        }
      } else {
        yield output(current);
      }
    } else if (SPECIALS.has(current)) {
      if (!isIn(NUMBER_WORDS, next) && !nextIsNumeric) {
        // apply special handling only if the next word can be numeric
        if (value !== null) yield output(value);
        yield output(current);
      } else if (current === 'and') {
        // ignore "and" after hundreds, thousands, etc.
        if (!isIn(MULTIPLIERS, prev)) {
          if (value !== null) yield output(value);
          yield output(current);
        }
      } else if (current === 'double' || current === 'triple') {
        if (isIn(ONES, next) || isIn(ZEROS, next)) {
          const repeats = current === 'double' ? 2 : 3;
          const ones = ONES.get(next) ?? 0;
          value = orEmpty(value) + String(ones).repeat(repeats);
          skip = true;
        } else {
          if (value !== null) yield output(value);
          yield output(current);
        }
      } else if (current === 'point') {
        if (isIn(DECIMALS, next) || nextIsNumeric) value = orEmpty(value) + '.';
      }
    }
  }
  if (value !== null) yield output(value);
}

const MULTIPLIER_ALTERNATION = [...MULTIPLIERS.keys()].sort((a, b) => b.length - a.length).join('|');
const AND_A_HALF = re(`${B0}and\\s+a\\s+half${B1}`);
const HALF_A_MULTIPLIER = re(`${B0}(?:a\\s+half\\s+|half\\s+(?:a\\s+)?)(${MULTIPLIER_ALTERNATION})${B1}`);

function preprocessNumbers(s: string): string {
  // replace "<number> and a half" with "<number> point five"
  const results: string[] = [];
  const segments = s.split(AND_A_HALF);
  segments.forEach((segment, i) => {
    if (segment.trim().length === 0) return;
    results.push(segment);
    if (i === segments.length - 1) return;
    const parts = segment.trim().split(/\s+/);
    const lastWord = parts[parts.length - 1]!;
    results.push(DECIMALS.has(lastWord) || MULTIPLIERS.has(lastWord) ? 'point five' : 'and a half');
  });
  s = results.join(' ');

  // replace "half a million" (and similar) with "0.5 million"
  s = s.replace(HALF_A_MULTIPLIER, '0.5 $1');

  // put a space at number/letter boundary
  s = s.replace(/([a-z])([0-9])/g, '$1 $2');
  s = s.replace(/([0-9])([a-z])/g, '$1 $2');

  // but remove spaces which could be a suffix
  s = s.replace(re(`([0-9])\\s+(st|nd|rd|th|s)${B1}`), '$1$2');
  return s;
}

const COMBINE_CENTS = re(`([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})${B1}`);
const EXTRACT_CENTS = re(`[€£$]0.([0-9]{1,2})${B1}`);
const LONE_ONE = re(`${B0}1(s?)${B1}`);

function postprocessNumbers(s: string): string {
  // apply currency postprocessing; "$2 and ¢7" -> "$2.07"
  s = s.replace(COMBINE_CENTS, (_m, currency: string, integer: string, cents: string) =>
    `${currency}${integer}.${String(Number(cents)).padStart(2, '0')}`,
  );
  s = s.replace(EXTRACT_CENTS, (_m, cents: string) => `¢${Number(cents)}`);
  // write "one(s)" instead of "1(s)", just for the readability
  return s.replace(LONE_ONE, 'one$1');
}

/** Whisper's EnglishNumberNormalizer on its own (input already lower case). */
export function normaliseEnglishNumbers(s: string): string {
  s = preprocessNumbers(s);
  s = [...processWords(s.split(/\s+/).filter(Boolean))].join(' ');
  return postprocessNumbers(s);
}

// ---------------------------------------------------------------------------------------------
// english.py: EnglishSpellingNormalizer

let spellings: Map<string, string> | undefined;

/** British → American map (Whisper's english.json), loaded once on first use. */
export function englishSpellingMap(): ReadonlyMap<string, string> {
  if (!spellings) {
    const url = new URL('./data/english-spellings.json', import.meta.url);
    const json = JSON.parse(readFileSync(url, 'utf8')) as Record<string, string>;
    spellings = new Map(Object.entries(json));
  }
  return spellings;
}

/** Whisper's EnglishSpellingNormalizer: word-by-word British → American spelling. */
export function normaliseEnglishSpellings(s: string): string {
  const map = englishSpellingMap();
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => map.get(w) ?? w)
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// english.py: EnglishTextNormalizer

const IGNORE_PATTERNS = re(`${B0}(hmm|mm|mhm|mmm|uh|um)${B1}`);

/**
 * [pattern, replacement] in Whisper's order; `\b` is written out with the Unicode-aware B0/B1.
 * Each pattern's literal text is kept too: a pass runs only when the text contains it (same
 * result, far fewer regex scans).
 */
const REPLACERS: { needle: string; pattern: RegExp; replacement: string }[] = (
  [
    // common contractions
    [`${B0}won't${B1}`, 'will not'],
    [`${B0}can't${B1}`, 'can not'],
    [`${B0}let's${B1}`, 'let us'],
    [`${B0}ain't${B1}`, 'aint'],
    [`${B0}y'all${B1}`, 'you all'],
    [`${B0}wanna${B1}`, 'want to'],
    [`${B0}gotta${B1}`, 'got to'],
    [`${B0}gonna${B1}`, 'going to'],
    [`${B0}i'ma${B1}`, 'i am going to'],
    [`${B0}imma${B1}`, 'i am going to'],
    [`${B0}woulda${B1}`, 'would have'],
    [`${B0}coulda${B1}`, 'could have'],
    [`${B0}shoulda${B1}`, 'should have'],
    [`${B0}ma'am${B1}`, 'madam'],
    // contractions in titles/prefixes
    [`${B0}mr${B1}`, 'mister '],
    [`${B0}mrs${B1}`, 'missus '],
    [`${B0}st${B1}`, 'saint '],
    [`${B0}dr${B1}`, 'doctor '],
    [`${B0}prof${B1}`, 'professor '],
    [`${B0}capt${B1}`, 'captain '],
    [`${B0}gov${B1}`, 'governor '],
    [`${B0}ald${B1}`, 'alderman '],
    [`${B0}gen${B1}`, 'general '],
    [`${B0}sen${B1}`, 'senator '],
    [`${B0}rep${B1}`, 'representative '],
    [`${B0}pres${B1}`, 'president '],
    [`${B0}rev${B1}`, 'reverend '],
    [`${B0}hon${B1}`, 'honorable '],
    [`${B0}asst${B1}`, 'assistant '],
    [`${B0}assoc${B1}`, 'associate '],
    [`${B0}lt${B1}`, 'lieutenant '],
    [`${B0}col${B1}`, 'colonel '],
    [`${B0}jr${B1}`, 'junior '],
    [`${B0}sr${B1}`, 'senior '],
    [`${B0}esq${B1}`, 'esquire '],
    // perfect tenses; ideally any past participle, but that is harder
    [`'d been${B1}`, ' had been'],
    [`'s been${B1}`, ' has been'],
    [`'d gone${B1}`, ' had gone'],
    [`'s gone${B1}`, ' has gone'],
    [`'d done${B1}`, ' had done'], // "'s done" is ambiguous
    [`'s got${B1}`, ' has got'],
    // general contractions
    [`n't${B1}`, ' not'],
    [`'re${B1}`, ' are'],
    [`'s${B1}`, ' is'],
    [`'d${B1}`, ' would'],
    [`'ll${B1}`, ' will'],
    [`'t${B1}`, ' not'],
    [`'ve${B1}`, ' have'],
    [`'m${B1}`, ' am'],
  ] as const
).map(([p, r]) => ({ needle: p.replace(B0, '').replace(B1, ''), pattern: re(p), replacement: r }));

/** Whisper's EnglishTextNormalizer (see the rules at the top of this file). */
export function normaliseEnglish(text: string): string {
  let s = text.toLowerCase();

  s = s.replace(/[<[][^>\]]*[>\]]/g, ''); // remove words between brackets
  s = s.replace(/\(([^)]+?)\)/g, ''); // remove words between parenthesis
  s = s.replace(IGNORE_PATTERNS, '');
  s = s.replace(/\s+'/gu, "'"); // when there's a space before an apostrophe

  for (const { needle, pattern, replacement } of REPLACERS) {
    if (s.includes(needle)) s = s.replace(pattern, replacement);
  }

  s = s.replace(/(\p{Nd}),(\p{Nd})/gu, '$1$2'); // remove commas between digits
  s = s.replace(/\.([^0-9]|$)/gu, ' $1'); // remove periods not followed by numbers
  s = removeSymbolsAndDiacritics(s, '.%$¢€£'); // keep numeric symbols

  s = normaliseEnglishNumbers(s);
  s = normaliseEnglishSpellings(s);

  // attach currency symbols and percent to adjacent numbers
  s = s.replace(/([$¢€£])\s+([0-9])/gu, '$1$2');
  s = s.replace(/([0-9])\s+%/gu, '$1%');

  // now remove prefix/suffix symbols that are not preceded/followed by numbers
  s = s.replace(/[.$¢€£]([^0-9])/gu, ' $1');
  s = s.replace(/([^0-9])%/gu, '$1 ');

  return s.replace(/\s+/gu, ' ').trim();
}

export const english: Normaliser = {
  name: 'english',
  version: '2',
  // Whisper's rules whatever the language: Turkish/Azerbaijani I is lower-cased as I → i (the run says so per group).
  normalise: normaliseEnglish,
  lowerCases: true,
  foldsByLanguage: [],
};

