import type { ScoringSettings } from '../score/run-export.ts';

/** Utterances folded one way, per declared language and per group of each grouping key (run.json `scoring`). */
type FoldCounts = { languages: Record<string, number>; groups: Record<string, Record<string, number>> };

/** `2 utterance(s) declaring tr and 1 utterance(s) declaring az`, then `; by accent: turkish 2, azerbaijani 1`. */
export function foldCountsText(f: FoldCounts): [string, string] {
  const langs = Object.entries(f.languages).map(([l, n]) => `${n} utterance(s) declaring ${l}`).join(' and ');
  const groups = Object.entries(f.groups).filter(([, g]) => Object.keys(g).length).map(([k, g]) => `; by ${k}: ${Object.entries(g).map(([name, n]) => `${name} ${n}`).join(', ')}`).join('');
  return [langs, groups];
}

/**
 * The sentence (the run's warning, and the card's) on tr/az utterances a normaliser lower-cased by Unicode's default
 * rules (run.json `scoring.defaultCaseFold`): how many per declared language and per group, and how to fold them by
 * their own rules. Names and numbers only; escaping is the writer's.
 */
export function defaultCaseFoldText(d: NonNullable<ScoringSettings['defaultCaseFold']>): string {
  const [langs, groups] = foldCountsText(d);
  const who = d.normaliser === 'english' ? "normaliser english (Whisper's English rules)" : `normaliser ${d.normaliser}`;
  return `${who} lower-cased ${langs} by Unicode's default rules (I → i, not ı), not by the Turkish/Azerbaijani I rules${groups}. Their references and hypotheses differ where one side writes I and the other ı (IŞIK vs ışık counts as an error); normaliser basic, or sclite markup folding case (the default), folds them by their language's rules.`;
}
