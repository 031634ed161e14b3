/**
 * What the glass box reads of a manifest reference: markup tokens are not words (they are not spoken as written, so
 * their letters must not become canonical phones), and digits have no one spoken form ("42": forty-two or four
 * two), so canonical phones for them would be guesses.
 *
 * Markup, by the conventions the project reads elsewhere (sclite, Kaldi and EdAcc noise tokens): a whole token
 * `[noise]`, `<unk>` (Kaldi/EdAcc event and noise tags), `(uh)` (sclite's optionally deletable word, `-D`: not
 * required to be said) and `{breath}` (a braced tag with one alternative and no `/`: an event, not a word choice).
 * Alternations with `/` and fragments `(like-)` are left to the reader of marked references (analysis/fragments.ts).
 */

const MARKUP = /^(?:\[[^[\]]*\]|<[^<>]*>|\{[^{}/]*\}|\((?![^()]*-\))(?!-)[^()]*\))$/;

/** A reference as the glass box reads it: `ref` without markup tokens; `markup`: the tokens left out; `digits`: tokens holding a digit. */
export interface GlassReference {
  ref: string;
  markup: string[];
  digits: string[];
}

/**
 * Splits `text` (a manifest `text`, or a hypothesis: both sides' markup is read alike, as sclite reads it) into the
 * words the glass box scores, the markup tokens left out, and tokens with digits.
 */
export function glassReference(text: string): GlassReference {
  const ref: string[] = [];
  const markup: string[] = [];
  const digits: string[] = [];
  for (const t of text.split(/\s+/)) {
    if (!t) continue;
    if (MARKUP.test(t)) {
      markup.push(t);
      continue;
    }
    if (/\p{Nd}/u.test(t)) digits.push(t);
    ref.push(t);
  }
  return { ref: ref.join(' '), markup, digits };
}
