import type { ParsedText } from '../text/markup.ts';
import { alignNetworks } from './network.ts';
import { toNetwork } from './scorer.ts';
import type { Alignment } from './types.ts';

/** `(word)` → `word`: sclite's optional-deletion parentheses around a word shown in the texts. */
export const OPTIONAL_PARENS = /^\((.+)\)$/;

/** A network alignment and the two texts of the path it chose. */
export interface PathTexts extends Alignment {
  /**
   * The reference words of the path, space-separated: a word counted correct is written as the hypothesis word it
   * matched (a fragment `(in-)` matched by `in` is `in`), so CER and PER, which align the texts, see no error where the
   * words had none; an optionally deleted word is left out; optional-deletion parentheses never reach the text.
   */
  ref: string;
  /** The hypothesis words of the path, space-separated (an optionally deletable hypothesis word matched by nothing left out). */
  hyp: string;
}

/**
 * Aligns a parsed reference with a parsed hypothesis (read and normalised by the caller: words or sclite networks) as
 * sclite's net_dp.c does, with its 3/3/4 costs: `run`'s scoring of references with markup, and the glass box's and
 * adapt's reading of references that keep corpus fragments (sclite -D -F). Returns the operations and counts
 * (src/score/network.ts alignNetworks) and the texts of the chosen path.
 */
export function alignPathTexts(ref: ParsedText, hyp: ParsedText): PathTexts {
  const a = alignNetworks(toNetwork(ref), toNetwork(hyp));
  const kept = a.ops.filter((o) => !(o.type === 'C' && (o.ref === '' || o.hyp === '')));
  return {
    ...a,
    ref: kept.flatMap((o) => (o.ref ? [o.type === 'C' && o.hyp ? o.hyp : o.ref.replace(OPTIONAL_PARENS, '$1')] : [])).join(' '),
    hyp: kept.flatMap((o) => (o.hyp ? [o.hyp] : [])).join(' '),
  };
}
