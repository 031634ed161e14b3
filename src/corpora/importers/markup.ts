/**
 * Per-corpus policies for the non-speech and redaction markup inside reference transcripts. Markup is never a word:
 * each policy removes it from the reference (or unwraps it when the words inside were spoken) and counts what it
 * did, by kind, into the utterance's optional `markup` field, so the service card can say how many tokens and
 * utterances the policy touched per group (`summariseMarkup` in `src/manifest/markup.ts`).
 *
 * Kinds: `pause` (timed silences), `nonspeech` (laughs, coughs, breaths, teeth sucks, noise tags), `paralinguistic`
 * (voice-quality notes such as "(laughing)" after spoken words), `redaction` (anonymised names/places: the audio is
 * altered, no recogniser can produce the tag), `unintelligible` (spans the transcriber could not hear), `fragment`
 * (cut-off words and false starts ending or starting in "-": CORAAL keeps them as sclite's optionally deletable
 * fragments `(like-)`, counted in `markup.deletable`), and, kept as words: `uncertain` (the transcriber's best
 * guess, unwrapped) and `overlap` (speech overlapping another speaker, unwrapped). Rows that hold nothing but markup
 * are not utterances: importers skip and count them.
 */
import type { Markup } from '../../manifest/schema.ts';
import { BRACKET_TAG, keptKind } from '../../manifest/markup.ts';

export type MarkupKind = 'pause' | 'nonspeech' | 'paralinguistic' | 'redaction' | 'unintelligible' | 'fragment' | 'uncertain' | 'overlap';

export interface MarkupResult {
  /** Reference with markup removed or unwrapped, whitespace folded. */
  text: string;
  /** What was done; undefined when the text had no markup. */
  markup?: Markup;
}

/** Policy name (recorded in each utterance's `markup.policy`) → what it does, for `--help` and the README. */
export const MARKUP_POLICIES: Readonly<Record<string, string>> = {
  coraal:
    'CORAAL conventions (CORAAL User Guide): (pause 0.52), <laugh>/<cough>/<ts>…, (laughing)-style notes, /RD-NAME-2/ redactions, ' +
    '/?/, /unintelligible/, /inaudible/ removed; [overlaps] and /best guesses/ unwrapped and kept (a slash inside a word, "9/11", is not markup); ' +
    'word fragments and false starts ("like-", "I-") kept in sclite\'s notation "(like-)" and scored as sclite -D -F scores them (NIST Hub-5): ' +
    'optionally deletable, and matching a hypothesis word they begin',
  edacc: 'EdAcc stm/text tags (<breath>, <overlap>, <laugh>, …) removed; segments marked IGNORE_TIME_SEGMENT_IN_SCORING skipped',
  kaldi: 'Kaldi noise tokens (<unk>, <noise>, [laughter], [noise], !SIL, …) removed as whole tokens',
  none: 'Common Voice, Speech Accent Archive and L2-ARCTIC references are read prompts without markup: left as they are',
};

/** Counts markup by kind; a kind is removed unless the policy keeps its words (KEPT_MARKUP_KINDS, one list for the card too). */
class Counter {
  removed = 0;
  kinds: Record<string, number> = {};
  constructor(readonly policy: string) {}
  deletable: Record<string, number> = {};
  add(kind: MarkupKind, n = 1): void {
    this.kinds[kind] = (this.kinds[kind] ?? 0) + n;
    if (!keptKind(this.policy, kind)) this.removed += n;
  }
  /** An occurrence kept in the reference as an sclite optionally deletable word (neither removed nor a plain word). */
  keepDeletable(kind: MarkupKind): void {
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    this.deletable[kind] = (this.deletable[kind] ?? 0) + 1;
  }
  /**
   * Folds whitespace; when markup was touched, also drops the punctuation it orphaned ("you know, ." → "you know,"),
   * which would otherwise be a reference word under the `none` normaliser.
   */
  result(text: string): MarkupResult {
    const folded = text.replace(/\s+/g, ' ').trim();
    if (!Object.keys(this.kinds).length) return { text: folded };
    const words = folded.split(' ').filter((t) => t && /[\p{L}\p{N}]/u.test(t));
    const deletable = Object.keys(this.deletable).length ? { deletable: this.deletable } : {};
    return { text: words.join(' '), markup: { policy: this.policy, removed: this.removed, kinds: this.kinds, ...deletable } };
  }
}

const FRAGMENT = /^(?:[\p{L}\p{N}']+-|-[\p{L}\p{N}']+)$/u;
const TRAILING_PUNCT = /[.,!?;:"]+$/u;

/**
 * Keeps word fragments and false starts ("I-", "m-", "like-", "-ing"; a token ending or starting in "-", trailing
 * punctuation ignored) in sclite's notation for an optionally deletable fragment, `(I-)`: scored with sclite `-D -F`
 * (the NIST Hub-5 convention), a hypothesis may omit it or output a word it begins ("like" for `(like-)`) at no cost.
 * Removing it instead made a recogniser that outputs the started word pay an insertion for each.
 */
function keepFragments(s: string, c: Counter): string {
  return s
    .split(/\s+/)
    .map((t) => {
      const w = t.replace(TRAILING_PUNCT, '');
      if (!FRAGMENT.test(w)) return t;
      c.keepDeletable('fragment');
      return `(${w})`;
    })
    .join(' ');
}

/** An optionally deletable word in sclite's notation, `(I-)` (what `keepFragments` writes). */
const DELETABLE_WORD = /(?:^|\s)\([^()\s]*\)(?=\s|$)/gu;

/** The reference without its optionally deletable words: what must hold a word for a row to be an utterance. */
export function withoutDeletable(text: string): string {
  return text.replace(DELETABLE_WORD, ' ');
}

/**
 * CORAAL `Content` (CORAAL User Guide, transcription conventions): pauses `(pause 0.52)`, non-linguistic sounds
 * `<laugh>`, `<ts>`, `<cough>`, `<clears throat>`, voice-quality notes `(laughing)`, `(whispered)`, redactions
 * `/RD-NAME-2/` (`/RD-SCHOOL-…/`, `/RD-ADDRESS-…/`, …), unintelligible `/?/`, `/??/`, `/unintelligible/`,
 * `/inaudible/` are removed; fragments `I-` become `(I-)` (kept, optionally deletable, see keepFragments); overlapping speech `[…]` (brackets may open and close on different
 * rows) and best guesses `/nah mean/` keep their words.
 */
export function applyCoraalMarkup(content: string): MarkupResult {
  const c = new Counter('coraal');
  let s = content;
  const drop = (re: RegExp, kind: MarkupKind) => {
    s = s.replace(re, () => {
      c.add(kind);
      return ' ';
    });
  };
  drop(/\(\s*pause\s+[\d.]+\s*\)/gi, 'pause');
  drop(/\([^()]*\)/g, 'paralinguistic');
  drop(/<[^<>]*>/g, 'nonspeech');
  // Derived releases write non-speech in square brackets ("[laugh]"): a bracket holding only such a word is not speech.
  drop(/\[\s*(?:laugh(?:s|ing|ter)?|cough(?:s|ing)?|sigh(?:s)?|breath(?:ing)?|noise|inaudible|unintelligible)\s*\]/gi, 'nonspeech');
  drop(/\/\s*RD-[A-Z]+[^/\s]*\s*\/(?:'s\b)?/g, 'redaction');
  // Redactions whose slashes the transcriber left out ("RD-WORK-4,", "/RD-NAME-3.").
  drop(/\/?\bRD-[A-Z]+(?:-\d+)?\b\/?/g, 'redaction');
  drop(/\/\s*(?:\?+|unintelligible|inaudible)\s*\//gi, 'unintelligible');
  // A slash between two letters or digits is part of a word ("9/11", "24/7", "and/or"), not a best guess's slash.
  s = s.replace(/(?<=[\p{L}\p{N}])\/(?=[\p{L}\p{N}])/gu, WORD_SLASH);
  s = s.replace(/\/([^/]*)\//g, (_m, w: string) => {
    c.add('uncertain');
    return ` ${w} `;
  });
  if (s.includes('/')) {
    // A best guess whose slashes open and close on different rows: unwrap its half.
    c.add('uncertain', (s.match(/\//g) ?? []).length);
    s = s.replace(/\//g, ' ');
  }
  const opens = (s.match(/\[/g) ?? []).length;
  const closes = (s.match(/\]/g) ?? []).length;
  if (opens || closes) c.add('overlap', Math.max(opens, closes));
  s = s.replace(/[[\]]/g, ' ');
  s = keepFragments(s, c);
  return c.result(s.replaceAll(WORD_SLASH, '/'));
}

/** Stands for a word-internal "/" while best-guess slashes are unwrapped (a private-use character). */
const WORD_SLASH = '\uE000';

/**
 * EdAcc transcripts: every `<tag>` (`<breath>`, `<overlap>`, `<laugh>`, `<cough>`, …) is removed; `<overlap>` counts as
 * overlap, `<foreign>`/`<unk>`/`<unintelligible>` as unintelligible, the rest as non-speech.
 */
export function applyEdaccMarkup(text: string): MarkupResult {
  const c = new Counter('edacc');
  const s = text.replace(/<([^<>]*)>/g, (_m, tag: string) => {
    const t = tag.trim();
    c.add(/^overlap$/i.test(t) ? 'overlap' : /^(?:foreign|unk|unintelligible|inaudible)$/i.test(t) ? 'unintelligible' : 'nonspeech');
    return ' ';
  });
  return c.result(s);
}

const KALDI_NOISE = new RegExp(`^(?:${BRACKET_TAG}|!SIL|!sil)$`);

/** Kaldi `text`: whole tokens `<unk>`, `<noise>`, `<SPOKEN_NOISE>`, `[laughter]`, `[noise]`, `!SIL` are removed. */
export function applyKaldiMarkup(text: string): MarkupResult {
  const c = new Counter('kaldi');
  const kept = text.split(/\s+/).filter((t) => {
    if (!t) return false;
    if (KALDI_NOISE.test(t)) {
      c.add('nonspeech');
      return false;
    }
    return true;
  });
  return c.result(kept.join(' '));
}

/** True when a reference has no word left (only punctuation, or nothing): such a row is not an utterance. */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
