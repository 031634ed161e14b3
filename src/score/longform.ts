/**
 * Long-form scoring: an STM reference against a CTM hypothesis, as sclite does it (SCTK
 * `stm2ctm.c`, align_ctm_to_stm_dp and segment_hyp_for_utt):
 *
 * - Per file and channel, the hypothesis words (in time order) are given to the reference segments
 *   in order: a segment takes the next words while their midpoint (begin + duration/2; for a CTM
 *   alternation the largest midpoint of its words) is before the segment's end; the channel's last
 *   segment takes every word left. So a word in the gap between two segments goes to the next one.
 * - A segment whose text contains `IGNORE_TIME_SEGMENT_IN_SCORING` (any case, underscores
 *   optional, as sclite matches it) takes its words as usual and neither it nor they are scored.
 * - Each segment is aligned like a trn utterance (markup, `-D`, `-F`, GLM, `-c`), with the id
 *   `speaker-NNN` (NNN counts that speaker's scored segments from 000, as sclite names them).
 * - A file/channel of the STM with no CTM word is scored as deletions (sclite continues too); a
 *   CTM file/channel absent from the STM is an error naming the CTM line.
 * - Segment labels (`<O,F0,M>`) accumulate into per-label totals: sclite's `lur` report, and groups.
 */
import { InputError } from '../manifest/errors.ts';
import { UtteranceScorer, type ScoreResult, type ScorerOptions } from './scorer.ts';
import { readCtm, readStm, unitMidpoint, unitsToText, type CtmUnit, type StmLabel, type StmSegment } from './stm.ts';

export interface LongformResult extends ScoreResult {
  /** `;; LABEL` definitions of the STM (id, title, description). */
  labelInfo: StmLabel[];
  /** STM `file channel` keys without any CTM word (their segments are all deletions). */
  channelsWithoutHyp: string[];
  /** Segments marked IGNORE_TIME_SEGMENT_IN_SCORING, and the hypothesis words they took. */
  ignored: { segments: number; hypWords: number };
}

/**
 * sclite 2.4.10 skips a segment whose text contains IGNORE_TIME_SEGMENT_IN_SCORING in any case and
 * with or without its underscores (measured: "ignoretimesegmentinscoring" is skipped too, "ignore
 * time segment in scoring" is not).
 */
export function isIgnoredSegment(text: string): boolean {
  return text.toLowerCase().replace(/_/g, '').includes('ignoretimesegmentinscoring');
}

const countWords = (units: readonly CtmUnit[]): number =>
  units.reduce((n, u) => n + (u.kind === 'word' ? 1 : Math.max(0, ...u.alternatives.map((a) => a.length))), 0);

/**
 * sclite's segment_hyp_for_utt for one file/channel: the CTM units (time order) each STM segment (file
 * order) takes — the next units while their midpoint is before the segment's end; the last segment takes
 * the rest. Returns one list per segment (IGNORE_TIME_SEGMENT_IN_SCORING segments take theirs too).
 */
export function assignUnitsToSegments(segs: readonly StmSegment[], units: readonly CtmUnit[]): CtmUnit[][] {
  let next = 0;
  return segs.map((seg, rs) => {
    const start = next;
    if (rs === segs.length - 1) next = units.length;
    else while (next < units.length && unitMidpoint(units[next]!) < seg.end) next++;
    return units.slice(start, next);
  });
}

/** Scores an STM reference file against a CTM hypothesis file (see the top of this file). */
export async function scoreStmCtm(stmPath: string, ctmPath: string, opts: ScorerOptions = {}): Promise<LongformResult> {
  const scorer = new UtteranceScorer(opts, 'delete');
  const fold = scorer.foldId;
  const stm = await readStm(stmPath, fold, opts.encoding);
  const ctm = await readCtm(ctmPath, fold, opts.encoding);
  for (const [key, units] of ctm) {
    if (!stm.channels.has(key) && units.length > 0) {
      throw new InputError(ctmPath, units[0]!.line, `file/channel "${key}" has no segment in the reference ${stmPath}`);
    }
  }
  const nsent = new Map<string, number>();
  const channelsWithoutHyp: string[] = [];
  const ignored = { segments: 0, hypWords: 0 };
  for (const [key, segs] of stm.channels) {
    const units = ctm.get(key) ?? [];
    if (units.length === 0) channelsWithoutHyp.push(key);
    const assigned = assignUnitsToSegments(segs, units);
    segs.forEach((seg, rs) => {
      const taken = assigned[rs]!;
      if (isIgnoredSegment(seg.text)) {
        ignored.segments++;
        ignored.hypWords += countWords(taken);
        return;
      }
      const n = nsent.get(seg.speaker) ?? 0;
      nsent.set(seg.speaker, n + 1);
      const ref = scorer.parse(seg.text, stmPath, seg.line);
      const hyp = scorer.parse(unitsToText(taken), ctmPath, taken[0]?.line ?? 0);
      scorer.score(
        {
          id: `${seg.speaker}-${String(n).padStart(3, '0')}`,
          speaker: seg.speaker,
          labels: seg.labels,
          begin: seg.begin,
          end: seg.end,
          file: seg.file,
          channel: seg.channel,
        },
        ref,
        hyp,
      );
    });
  }
  return { ...scorer.result(), labelInfo: stm.labels, channelsWithoutHyp, ignored };
}
