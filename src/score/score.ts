import { InputError } from '../manifest/errors.ts';
import { UtteranceScorer, type MissingHypPolicy, type ScoreResult, type ScorerOptions, type UtteranceScore } from './scorer.ts';
import { detectFormat, forEachTranscript, type Transcript, type TranscriptFormat } from './trn.ts';

export type { MissingHypPolicy, ScoreResult, UtteranceScore };

export interface ScoreOptions extends ScorerOptions {
  refFormat?: TranscriptFormat;
  hypFormat?: TranscriptFormat;
  /**
   * A reference with no hypothesis line: `delete` (default) scores all its words as deletions;
   * `skip` leaves it out of every count, as sclite does.
   */
  missingHyp?: MissingHypPolicy;
  /**
   * How a trn id names its speaker (sclite `-i`): `rm` / `spu_id` (default): the prefix before the
   * first `-` (else `_`); `wsj`: the first three characters. Speakers are case-folded with the ids.
   */
  idFormat?: IdFormat;
}

export type IdFormat = 'rm' | 'spu_id' | 'wsj';
export const ID_FORMATS: readonly IdFormat[] = ['rm', 'spu_id', 'wsj'];

/**
 * Scores a hypothesis file against a reference file (trn or JSONL). Hypotheses are loaded (keyed by
 * id) and the references streamed, so memory is bounded by the hypothesis set, not by alignments.
 * A reference without hypothesis counts as all deletions (or is skipped, `missingHyp: 'skip'`);
 * a hypothesis without reference, or a duplicate id on either side, is an InputError naming file
 * and line. Ids match case-insensitively unless `markup.caseSensitive` (sclite folds id case too).
 */
export async function scoreFiles(refPath: string, hypPath: string, opts: ScoreOptions = {}): Promise<ScoreResult> {
  const scorer = new UtteranceScorer(opts, opts.missingHyp ?? 'delete');
  const idKey = scorer.foldId;
  // A trn speaker comes from the id and is folded with it; a JSONL "speaker" is kept as given.
  const speakerKey = (t: Transcript): string =>
    t.format !== 'trn' ? t.speaker : idKey(opts.idFormat === 'wsj' ? t.id.slice(0, 3) : t.speaker);

  // Hypotheses are kept as (text, line) only; references are scored as they are read. A hypothesis
  // entry remembers the reference line that used it (duplicate check without a second map).
  const hyps = new Map<string, { id: string; text: string; line: number; refLine: number }>();
  forEachTranscript(hypPath, opts.hypFormat ?? detectFormat(hypPath), (h) => {
    const key = idKey(h.id);
    const prev = hyps.get(key);
    if (prev) throw new InputError(hypPath, h.line, `duplicate utterance id "${h.id}" (first at line ${prev.line})`);
    hyps.set(key, { id: h.id, text: h.text, line: h.line, refLine: 0 });
  });
  const refsWithoutHyp = new Map<string, number>();
  forEachTranscript(refPath, opts.refFormat ?? detectFormat(refPath), (r) => {
    const key = idKey(r.id);
    const h = hyps.get(key);
    const first = h ? h.refLine : refsWithoutHyp.get(key);
    if (first) throw new InputError(refPath, r.line, `duplicate utterance id "${r.id}" (first at line ${first})`);
    if (h) h.refLine = r.line;
    else refsWithoutHyp.set(key, r.line);
    scorer.score(
      { id: r.id, speaker: speakerKey(r) },
      scorer.parse(r.text, refPath, r.line),
      h ? scorer.parse(h.text, hypPath, h.line) : undefined,
    );
  });
  const orphans = [...hyps.values()].filter((h) => h.refLine === 0);
  if (orphans.length > 0) {
    const more = orphans.length > 1 ? ` (and ${orphans.length - 1} more)` : '';
    throw new InputError(hypPath, orphans[0]!.line, `hypothesis id "${orphans[0]!.id}" has no reference in ${refPath}${more}`);
  }
  return scorer.result();
}
