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
 * - `reduce` (sclite `-m`, align_one_channel in `stm2ctm.c`): `ref` leaves out the segments that end
 *   at or before the channel's first CTM line begins, or begin at or after its last line ends (they
 *   take no words; a channel without CTM lines keeps all); `hyp` leaves out the CTM words that begin
 *   after the last kept segment ends or end before the first one begins (sclite compares with those
 *   times as C floats), an alternation only when all its words are out. Both are counted. As in
 *   sclite, when the channel's last segment is left out, the words after the last scored segment are
 *   not scored either (counted as `unassignedHypWords`).
 */
import { InputError } from '../manifest/errors.ts';
import { UtteranceScorer, type ScoreResult, type ScorerOptions } from './scorer.ts';
import { NceTally, type NceResult } from './nce.ts';
import { crlfFileOf, ctmConfidences, noTimeFaults, readCtm, type CtmCrWords, readStm, unitMidpoint, unitsToText, type CtmUnit, type StmLabel, type StmSegment, type TimeFaultPolicy, type TimeFaults } from './stm.ts';

export interface LongformResult extends ScoreResult {
  /** `;; LABEL` definitions of the STM (id, title, description). */
  labelInfo: StmLabel[];
  /** STM `file channel` keys without any CTM word (their segments are all deletions). */
  channelsWithoutHyp: string[];
  /** Segments marked IGNORE_TIME_SEGMENT_IN_SCORING, and the hypothesis words they took. */
  ignored: { segments: number; hypWords: number };
  /** sclite `-m`: segments and hypothesis words left out, and words after the last scored segment. */
  reduced: { segments: number; hypWords: number; unassignedHypWords: number };
  /** CTM time faults kept (`timeFaults: 'keep'`). */
  timeFaults: TimeFaults;
  /** Hypothesis CTM words with a confidence (the 6th column; see `ctmConfidences`). */
  hypConfidences: number;
  /**
   * sclite's NCE of those confidences, when every hypothesis word is a plain CTM line and every
   * segment's scored words map one to one onto its CTM lines; else what stood in the way
   * (alternations, segments that did not map): no NCE then.
   */
  nce?: NceResult | { unmatchedSegments: number; alternations: number };
  /** Hypothesis CTM words without a confidence while others have one: NCE reads them as 0, as sclite does. */
  withoutConfidence: number;
}

export interface LongformOptions extends ScorerOptions {
  /** sclite `-m ref` / `-m hyp` (see the top of this file). */
  reduce?: { ref?: boolean; hyp?: boolean };
  /** CTM negative durations and out-of-order times: stop (default) or keep as sclite does. */
  timeFaults?: TimeFaultPolicy;
}

/** Begin and duration of a unit's first and last CTM line (an alternation's markers: `*` reads as 0). */
function firstLine(u: CtmUnit): { begin: number; duration: number } {
  return u.kind === 'word' ? u : (u.markers[0] ?? { begin: 0, duration: 0 });
}
function lastLine(u: CtmUnit): { begin: number; duration: number } {
  return u.kind === 'word' ? u : (u.markers[u.markers.length - 1] ?? { begin: 0, duration: 0 });
}

/** sclite `-m hyp`: the units with the words outside [bt, et] (C floats) dropped; an alternation goes only whole. */
function reduceHyp(units: readonly CtmUnit[], bt: number, et: number): { kept: CtmUnit[]; dropped: number } {
  const out = (w: { begin: number; duration: number }): boolean => w.begin > et || w.begin + w.duration < bt;
  const kept: CtmUnit[] = [];
  let dropped = 0;
  for (const u of units) {
    if (u.kind === 'word') {
      if (out(u)) dropped++;
      else kept.push(u);
    } else if (u.alternatives.flat().every(out)) dropped += countWords([u]);
    else kept.push(u);
  }
  return { kept, dropped };
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
 * `kept` (sclite `-m ref`): a segment not kept takes nothing and is passed over; when the last segment
 * is not kept, the units after the last kept one are assigned to none (as in sclite).
 */
export function assignUnitsToSegments(segs: readonly StmSegment[], units: readonly CtmUnit[], kept?: readonly boolean[]): CtmUnit[][] {
  let next = 0;
  return segs.map((seg, rs) => {
    if (kept && !kept[rs]) return [];
    const start = next;
    if (rs === segs.length - 1) next = units.length;
    else while (next < units.length && unitMidpoint(units[next]!) < seg.end) next++;
    return units.slice(start, next);
  });
}

/** Scores an STM reference file against a CTM hypothesis file (see the top of this file). */
export async function scoreStmCtm(stmPath: string, ctmPath: string, opts: LongformOptions = {}): Promise<LongformResult> {
  const scorer = new UtteranceScorer(opts, 'delete');
  const fold = scorer.foldId;
  const stm = await readStm(stmPath, fold, opts.encoding);
  const timeFaults = noTimeFaults();
  const crWords: CtmCrWords = { lines: 0 };
  const ctm = await readCtm(ctmPath, fold, opts.timeFaults ?? 'error', timeFaults, opts.encoding, crWords);
  for (const [key, units] of ctm) {
    if (!stm.channels.has(key) && units.length > 0) {
      throw new InputError(ctmPath, units[0]!.line, `file/channel "${key}" has no segment in the reference ${stmPath}`);
    }
  }
  const hypConfidences = ctmConfidences(ctm);
  const allUnits = [...ctm.values()].flat();
  const alternations = allUnits.filter((u) => u.kind === 'alt').length;
  const withoutConfidence = allUnits.filter((u) => u.kind === 'word').length - hypConfidences;
  // As sclite: once the hypothesis has confidences, a word without one counts as confidence 0 (said by the CLI).
  const nce = hypConfidences > 0 && alternations === 0 ? new NceTally() : undefined;
  let unmatchedSegments = 0;
  const nsent = new Map<string, number>();
  const channelsWithoutHyp: string[] = [];
  const ignored = { segments: 0, hypWords: 0 };
  const reduced = { segments: 0, hypWords: 0, unassignedHypWords: 0 };
  const f = Math.fround;
  for (const [key, segs] of stm.channels) {
    let units = ctm.get(key) ?? [];
    if (units.length === 0) channelsWithoutHyp.push(key);
    const kept = segs.map(() => true);
    if (opts.reduce?.ref && units.length > 0) {
      const first = firstLine(units[0]!);
      const last = lastLine(units[units.length - 1]!);
      segs.forEach((seg, rs) => {
        if (first.begin >= seg.end || last.begin + last.duration <= seg.begin) kept[rs] = false;
      });
    }
    if (opts.reduce?.hyp) {
      let bt = 9999999;
      let et = -999999;
      segs.forEach((seg, rs) => {
        if (!kept[rs]) return;
        if (bt > seg.begin) bt = f(seg.begin);
        if (et < seg.end) et = f(seg.end);
      });
      const r = reduceHyp(units, bt, et);
      units = r.kept;
      reduced.hypWords += r.dropped;
    }
    const assigned = assignUnitsToSegments(segs, units, kept);
    reduced.unassignedHypWords += countWords(units) - assigned.reduce((n, a) => n + countWords(a), 0);
    segs.forEach((seg, rs) => {
      if (!kept[rs]) {
        reduced.segments++;
        return;
      }
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
      // NCE: the aligned hypothesis words take their CTM lines' confidences in order (plain words only).
      const confs = nce && hyp.kind === 'words' && taken.every((t) => t.kind === 'word') && hyp.words.length === taken.length
        ? taken.map((t) => (t.kind === 'word' ? (t.confidence ?? 0) : NaN))
        : undefined;
      if (nce && !confs) unmatchedSegments++;
      const scored = scorer.score(
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
        undefined,
        confs !== undefined,
      );
      if (nce && confs && scored?.ops) {
        let k = 0;
        for (const op of scored.ops) if (op.type !== 'D' && op.hyp) nce.add(seg.speaker, op.type === 'C', confs[k++]!);
      }
    });
  }
  const res = scorer.result();
  const nceOut: LongformResult['nce'] = hypConfidences === 0
    ? undefined
    : nce && unmatchedSegments === 0
      ? nce.result(res.speakers.rows())
      : { unmatchedSegments, alternations };
  const crlfFiles = crlfFileOf(ctmPath, crWords);
  return { ...res, ...(crlfFiles.length ? { crlfFiles } : {}), labelInfo: stm.labels, channelsWithoutHyp, ignored, reduced, timeFaults, hypConfidences, withoutConfidence: hypConfidences ? withoutConfidence : 0, ...(nceOut ? { nce: nceOut } : {}) };
}
