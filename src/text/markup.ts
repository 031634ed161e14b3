/**
 * Transcript markup as NIST sclite reads it in trn (and stm) text (SCTK `sclite(1)`, `word.c`,
 * `net_adt.c`; behaviour checked against Debian's sclite 2.4.10 and SCTK's own test suite):
 *
 * - Words are separated by ASCII white space only (space, tab, CR, LF, FF, VT): a no-break space
 *   (U+00A0) or an ideographic space (U+3000) is part of a word, as in sclite.
 * - `{ a / b c / @ }` is an alternation: any one of its alternatives may match (nested ones too);
 *   `/` and `}` need no spaces around them inside it, and a word may follow its `}` directly. `@` is
 *   the empty word: it can be matched by nothing at (almost) no cost. Outside an alternation `/` and
 *   `@` are ordinary characters of a word (`9/10` is one word, `/` alone is a word), as in sclite;
 *   an empty alternative (`{ a / }`) is dropped, as sclite drops it (use `@` for "nothing"). See
 *   `parseItems` for the errors (sclite 2.4.10 silently drops the rest of the line, or crashes).
 * - `(uh)`: optionally deletable (sclite `-D`): deleting it is scored as correct; without `-D` the
 *   parentheses stay part of the word, as in sclite.
 * - `th-`, `-ing`: fragments (sclite `-F`): a fragment matches any word it is a prefix (or suffix)
 *   of; without `-F` it is a plain word.
 * - `word;tag1;tag2`: everything from the first unescaped `;` is a tag and dropped; `\;` is a
 *   literal semicolon. A trailing `*` (on words longer than one character) is dropped.
 * - Case is folded (to lower case) unless case-sensitive (sclite `-s`), as `CaseFold` says.
 */
import { InputError } from '../manifest/errors.ts';
import { languageCode } from '../manifest/language-tag.ts';

/** How markup is read; the defaults are sclite's without flags. */
export interface MarkupOptions {
  /** sclite `-s`: compare case-sensitively (default false: fold to lower case). */
  caseSensitive?: boolean;
  /**
   * How case is folded when not case-sensitive (see `CaseFold`): `unicode` (default), `ascii` or
   * `babel_turkish`.
   */
  caseFold?: CaseFold;
  /**
   * The declared language of the text (ISO 639-1, a region may follow: `tr`, `az-AZ`). With `unicode`
   * folding, Turkish (`tr`) and Azerbaijani (`az`) text is lower-cased by their dotted/dotless I rules
   * (`toLocaleLowerCase('tr')`: `İ` → `i`, `I` → `ı`); other languages and no language: `toLowerCase()`.
   * `ascii` and `babel_turkish` are sclite's fixed tables and ignore it.
   */
  language?: string;
  /** sclite `-D`: `(word)` is optionally deletable (default false). */
  optionalDeletable?: boolean;
  /** sclite `-F`: fragments `th-` / `-ing` match words they start / end (default false). */
  fragments?: boolean;
}

/** One word of a network (arc label). */
export interface NetWord {
  /** As shown in reports (tags dropped, case folded unless case-sensitive). */
  text: string;
  /** What is compared: `text` without the optional-deletion parentheses. */
  key: string;
  /** `@`, the empty word. */
  isNull: boolean;
  optDel: boolean;
  /** Fragment matching applies (sclite `-F`). */
  frag: boolean;
}

/**
 * A word network (a DAG) in sclite's shape: arc 0 is the empty head; every other arc has a word and
 * the arcs that may precede it (`preds`, in the order alternatives were written); `finals` are the
 * arcs that may end the utterance. Arcs are numbered in topological order.
 */
export interface WordNetwork {
  words: (NetWord | null)[];
  preds: number[][];
  finals: number[];
}

/** The parsed text of one utterance: a plain word list when there is no markup that needs a network. */
export type ParsedText = { kind: 'words'; words: string[] } | { kind: 'network'; net: WordNetwork };

/** ASCII white space: what separates words in sclite (not NBSP, not U+3000). */
export const SCLITE_SPACE = /[ \t\n\r\f\v]+/;
const ANY_MARKUP = /[{}/@;*\\()-]/;

type Item = string | Item[][];

/** Splits on runs of ASCII white space (sclite's separators), without a regular expression. */
export function splitWords(t: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (start >= 0) {
        out.push(t.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(t.slice(start));
  return out;
}

/**
 * One token as sclite's `new_WORD_parseText` reads it: everything from the first `;` not preceded by `\`
 * is a tag and dropped, every `\` is dropped (`TEXT_strBdup_noEscape`: `\;` is a literal `;`, `a\b`
 * is `ab`), then one trailing `*` on a word longer than one character (`new_WORD`).
 */
export function cleanWord(tok: string): string {
  let w = tok;
  const semi = w.search(/(?<!\\);/);
  if (semi >= 0) w = w.slice(0, semi);
  if (w.includes('\\')) w = w.replace(/\\/g, '');
  if (w.length > 1 && w.endsWith('*')) w = w.slice(0, -1);
  return w;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/**
 * sclite's tokeniser (SCTK `find_next_TEXT_token`, `expand_alternates`, `find_next_TEXT_alternation`):
 * tokens are separated by ASCII white space; a token that begins with `{` runs, across white space,
 * to the `}` that balances it and is an alternation; any other token runs to the next white space and
 * is one word, whatever `/` or `@` it holds (`9/10` is one word, as in sclite). Inside an alternation
 * its text up to the last `}` is split at every `/` outside nested braces; empty alternatives are
 * dropped (sclite skips white space and `/` before each), and each alternative is read again by these
 * rules. What sclite cannot read is an InputError naming file:line: an unclosed `{` (sclite drops the
 * rest of the line), an alternation with no alternative and a `{` inside a word (sclite crashes on
 * both, measured on Debian's 2.4.10), and a `}` outside an alternation (sclite scores it as part of a
 * word; asrfair treats it as a markup slip).
 */
function parseItems(text: string, file: string, line: number | undefined): Item[] {
  const items: Item[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    if (text[i] === '{') {
      let depth = 0;
      do {
        const c = text[i];
        if (c === '{') depth++;
        else if (c === '}') depth--;
        i++;
      } while (i < n && depth > 0);
      if (depth > 0) throw new InputError(file, line, 'unbalanced "{": the alternation is not closed with "}"');
      const alts = alternatives(text.slice(start + 1, i - 1)).map((a) => parseItems(a, file, line));
      if (alts.length === 0) throw new InputError(file, line, `the alternation "${text.slice(start, i)}" has no alternative (sclite crashes on it; write "{ @ }" for nothing)`);
      items.push(alts);
    } else {
      while (i < n && !isSpace(text.charCodeAt(i))) i++;
      const tok = text.slice(start, i);
      if (tok.includes('{')) throw new InputError(file, line, `"{" inside the word "${tok}": an alternation must begin a word (sclite crashes on it)`);
      if (tok.includes('}')) throw new InputError(file, line, `unbalanced "}" without "{" in "${tok}"`);
      items.push(tok);
    }
  }
  return items;
}

/** The alternatives of an alternation's inner text: split at `/` outside nested braces, empty ones dropped. */
function alternatives(inner: string): string[] {
  const out: string[] = [];
  const n = inner.length;
  let i = 0;
  for (;;) {
    while (i < n && (isSpace(inner.charCodeAt(i)) || inner[i] === '/')) i++;
    if (i >= n) return out;
    const start = i;
    let depth = 0;
    for (; i < n; i++) {
      const c = inner[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '/' && depth === 0) break;
    }
    out.push(inner.slice(start, i));
  }
}

/**
 * How case is folded when not case-sensitive:
 * - `unicode`: full Unicode lower case (`toLowerCase`; by the Turkish/Azerbaijani I rules for text declared `tr`/`az`,
 *   see `MarkupOptions.language`); equals sclite's `-e utf-8 babel_vietnamese` on Vietnamese text.
 * - `ascii`: A–Z only, as sclite's plain `-e utf-8` and its 8-bit ASCII default.
 * - `babel_turkish`: sclite's `-e utf-8 babel_turkish` exactly (SCTK text.c `KCC_babel_turkish`, checked against
 *   Debian's sclite 2.4.10): A–Z except `I`, plus Ç Ö Ü Ğ Ş → ç ö ü ğ ş, `İ` (U+0130) → `i` and `I` → `ı` (U+0131);
 *   nothing else (`Â`, `Î`, Greek, a combining dot above U+0307 stay as written).
 */
export const CASE_FOLDS = ['unicode', 'ascii', 'babel_turkish'] as const;
export type CaseFold = (typeof CASE_FOLDS)[number];

/** True for a `CaseFold` name. */
export function isCaseFold(v: string): v is CaseFold {
  return (CASE_FOLDS as readonly string[]).includes(v);
}

const HAS_ASCII_UPPER = /[A-Z]/;
const asciiLower = (t: string): string => (HAS_ASCII_UPPER.test(t) ? t.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : t);

/** Upper-cases a–z only, as sclite's pra does when it folds ASCII case (`café` → `CAFé`). */
export const asciiUpper = (t: string): string => t.replace(/[a-z]+/g, (m) => m.toUpperCase());

/** sclite babel_turkish's upper → lower table (SCTK text.c KCC_babel_turkish), with A–Z but I as C tolower maps them. */
const BABEL_TURKISH_LOWER: Readonly<Record<string, string>> = {
  '\u00C7': '\u00E7', '\u00D6': '\u00F6', '\u00DC': '\u00FC', '\u0130': 'i', I: '\u0131', '\u011E': '\u011F', '\u015E': '\u015F',
};
const BABEL_TURKISH_UPPER = /[A-Z\u00C7\u00D6\u00DC\u0130\u011E\u015E]/g;

/** Lower case as sclite's `-e utf-8 babel_turkish` (see `CaseFold`): `IŞIK İSTANBUL` → `ışık istanbul`. */
export function babelTurkishLower(t: string): string {
  return t.replace(BABEL_TURKISH_UPPER, (c) => BABEL_TURKISH_LOWER[c] ?? String.fromCharCode(c.charCodeAt(0) + 32));
}

const BABEL_TURKISH_UPPER_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(BABEL_TURKISH_LOWER).map(([u, l]) => [l, u]),
);
const BABEL_TURKISH_LOWER_CHARS = /[a-z\u00E7\u00F6\u00FC\u0131\u011F\u015F]/g;

/** Upper case as sclite's `-e utf-8 babel_turkish` prints errors in `pra`: `i` → `İ`, `ı` → `I`, ç ö ü ğ ş, a–z. */
export function babelTurkishUpper(t: string): string {
  return t.replace(BABEL_TURKISH_LOWER_CHARS, (c) => BABEL_TURKISH_UPPER_OF[c] ?? String.fromCharCode(c.charCodeAt(0) - 32));
}

/**
 * How the `pra` report upper-cases an error's words under `opts` (sclite prints errors in upper case unless `-s`):
 * identity when case-sensitive, a–z only for `ascii` (sclite's default: `café` → `CAFé`), sclite's table for
 * `babel_turkish`, else `toUpperCase`.
 */
export function caseUpper(o: MarkupOptions): (t: string) => string {
  if (o.caseSensitive) return (t) => t;
  if (o.caseFold === 'ascii') return asciiUpper;
  return o.caseFold === 'babel_turkish' ? babelTurkishUpper : (t) => t.toUpperCase();
}

/** Languages (ISO 639-1) whose lower case has the dotted/dotless I rules: Turkish and Azerbaijani. */
export const DOTLESS_I_LANGUAGES: readonly string[] = ['tr', 'az'];

/** `tr` for a `tr`/`az` language tag (`tr-TR`, `az`), else undefined: the locale `unicode` folding lower-cases by. */
export function foldLocale(language: string | undefined): 'tr' | undefined {
  const l = languageCode(language);
  return l !== undefined && DOTLESS_I_LANGUAGES.includes(l) ? 'tr' : undefined;
}

const turkishLower = (t: string): string => t.toLocaleLowerCase('tr');
const unicodeLower = (t: string): string => t.toLowerCase();

/** The case folding `opts` asks for (identity when case-sensitive). */
export function caseFolder(o: MarkupOptions): (t: string) => string {
  if (o.caseSensitive) return (t) => t;
  if (o.caseFold === 'ascii') return asciiLower;
  if (o.caseFold === 'babel_turkish') return babelTurkishLower;
  return foldLocale(o.language) ? turkishLower : unicodeLower;
}

function makeWord(tok: string, o: MarkupOptions): NetWord {
  const text = cleanWord(caseFolder(o)(tok));
  const optDel = !!o.optionalDeletable && text.length >= 2 && text.startsWith('(') && text.endsWith(')');
  return { text, key: optDel ? text.slice(1, -1) : text, isNull: text === '@', optDel, frag: !!o.fragments };
}

/** True when the word needs network scoring (null word, optional deletion, fragment matching). */
function special(w: NetWord): boolean {
  return w.isNull || w.optDel || (w.frag && w.key.length > 1 && (w.key.startsWith('-') || w.key.endsWith('-')));
}

/**
 * Parses the words of one utterance (trn text without its id) as sclite reads them. Plain text
 * comes back as a word list (the fast path); alternations, `@`, and `-D`/`-F` markup as a network.
 * Errors name `file:line`.
 */
export function parseMarkup(
  text: string,
  opts: MarkupOptions = {},
  file = '<text>',
  line?: number,
  fold: (t: string) => string = caseFolder(opts),
): ParsedText {
  if (!ANY_MARKUP.test(text)) {
    return { kind: 'words', words: splitWords(fold(text)) };
  }
  const items = parseItems(text, file, line);
  const flat = items.every((i) => typeof i === 'string');
  if (flat) {
    const ws = (items as string[]).map((t) => makeWord(t, opts));
    if (!ws.some(special)) return { kind: 'words', words: ws.map((w) => w.text).filter((w) => w !== '') };
  }
  const net: WordNetwork = { words: [null], preds: [[]], finals: [] };
  const compile = (seq: Item[], preds: number[]): number[] => {
    let cur = preds;
    for (const it of seq) {
      if (typeof it === 'string') {
        const w = makeWord(it, opts);
        if (w.text === '') continue;
        net.words.push(w);
        net.preds.push(cur);
        cur = [net.words.length - 1];
      } else {
        const outs: number[] = [];
        for (const alt of it) for (const o of compile(alt, cur)) if (!outs.includes(o)) outs.push(o);
        cur = outs;
      }
    }
    return cur;
  };
  net.finals = compile(items, [0]);
  return { kind: 'network', net };
}

/** A linear network from a word list (to align a plain side against a network). */
export function wordsToNetwork(words: readonly string[]): WordNetwork {
  const net: WordNetwork = { words: [null], preds: [[]], finals: [0] };
  for (const w of words) {
    net.preds.push([net.words.length - 1]);
    net.words.push({ text: w, key: w, isNull: false, optDel: false, frag: false });
  }
  net.finals = [net.words.length - 1];
  return net;
}
