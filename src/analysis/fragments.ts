/**
 * The glass box's and adapt's policy for references that keep a corpus's optionally deletable words in sclite's
 * notation (`markup.deletable`: CORAAL's word fragments and false starts, `(like-)`, see
 * src/corpora/importers/markup.ts), which `run` scores with sclite `-D -F` (src/score/run-scorer.ts: a fragment may be
 * left out, or matched by a hypothesis word it begins, at no cost; NIST Hub-5).
 *
 * A fragment's phones are unknown (the speaker stopped somewhere inside the word, or said nothing the transcriber
 * could spell), so no pass may treat it as the whole word it begins:
 * - phone loop and forced alignment: the fragment is left out of the canonical phones (what the speaker said of it
 *   can show as inserted phones in the phone loop, and is absorbed by silence or the neighbouring phones in forced
 *   alignment);
 * - black box: the fragment is left out of the reference, and the hypothesis word it matched under `-D -F`, when any,
 *   out of the hypothesis: neither is evidence, as neither is an error in the run's WER;
 * - adapt: left out of the canonical phones of its glass step, utterances holding one are left out of acoustic
 *   training (their transcript would train the whole word on part of it, or the fragment's audio on its neighbours),
 *   and dev/test decodes are scored with `-D -F`, as `run` scores them.
 */
import { parseMarkup, splitWords, type MarkupOptions } from '../text/markup.ts';
import { normaliseParsed } from '../score/scorer.ts';
import { alignPathTexts } from '../score/network-texts.ts';
import type { ErrorCounts } from '../score/types.ts';

/** The policy as one sentence, for reports (glass md/html/json, adapt's splits.json). */
export const FRAGMENT_POLICY =
  "corpus word fragments kept in sclite's notation, (like-), are left out of the canonical phones of every pass (their phones are unknown: the speaker stopped inside the word); the black box also leaves out the hypothesis word a fragment matched under sclite -D -F, as the run's WER does; what a speaker said of a fragment can show as inserted phones in the phone loop";

/** sclite `-D -F`: how `run` reads a reference that keeps corpus-deletable words (run-scorer's CORPUS_DELETABLE). */
const DELETABLE: MarkupOptions = { optionalDeletable: true, fragments: true };

/** An optionally deletable word in sclite's notation: `(like-)`, `(uh)`. */
const OPTIONAL = /^\(.+\)$/;

/** A reference split into what is always spoken (`ref`, words as written) and its optionally deletable words. */
export interface FragmentSplit {
  ref: string;
  fragments: string[];
}

/** Splits `text` (a reference as the corpus importer wrote it) at its optionally deletable words (sclite's `(…)`). */
export function splitFragments(text: string): FragmentSplit {
  const ref: string[] = [];
  const fragments: string[] = [];
  for (const w of splitWords(text)) (OPTIONAL.test(w) ? fragments : ref).push(w);
  return { ref: ref.join(' '), fragments };
}

/**
 * Aligns `hyp` with a reference that keeps deletable words the way `run` does (sclite `-D -F`, each side normalised
 * word by word with `normalise`, network alignment with sclite's costs). Returns the word counts (`ErrorCounts`:
 * an optionally deleted fragment is not a reference word, a matched one is a hit), the hypothesis without the words a
 * fragment matched (`hyp`, normalised words), how many those were (`matched`), and the reference words the alignment
 * chose, a matched fragment written as the hypothesis word (`alignedRef`, for character counts, as run-scorer does).
 * Markup errors (an unclosed `{`) throw InputError naming `where`.
 */
export function alignWithFragments(
  markedRef: string,
  hyp: string,
  normalise: (s: string) => string,
  where = '<reference>',
): { counts: ErrorCounts; hyp: string; matched: number; alignedRef: string } {
  const rp = normaliseParsed(parseMarkup(markedRef, DELETABLE, where), normalise);
  const hp = normaliseParsed(parseMarkup(hyp, DELETABLE, `hypothesis for ${where}`), normalise);
  // The run's alignment and reference text (run-scorer scores these utterances with the same function).
  const a = alignPathTexts(rp, hp);
  const kept: string[] = [];
  let matched = 0;
  for (const o of a.ops) {
    if (!o.hyp) continue;
    if (o.type === 'C' && o.ref !== undefined && OPTIONAL.test(o.ref)) matched++;
    else kept.push(o.hyp);
  }
  return { counts: a.counts, hyp: kept.join(' '), matched, alignedRef: a.ref };
}
