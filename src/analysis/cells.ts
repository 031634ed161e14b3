import { groupOf, INTERVIEWER, UNDECLARED } from '../manifest/schema.ts';
import type { ScoredUtterance } from './types.ts';
import type { Interval } from '../stats/types.ts';

/** Totals of one speaker within one group (the resampling unit). */
export interface SpeakerTotals {
  speaker: string;
  group: string;
  utterances: number;
  failed: number;
  failedWords: number;
  words: number;
  errors: number;
  sub: number;
  del: number;
  ins: number;
  chars: number;
  charErrors: number;
  phones: number;
  phoneErrors: number;
  phoneUtterances: number;
  seconds: number;
  /** Scored utterances with a known duration (text-only rows have none: their hours are not measured). */
  timed: number;
  /** Σ of per-utterance WERs (errors/ref words) over scored utterances with ≥ 1 reference word. */
  uttWerSum: number;
  /** Scored utterances with ≥ 1 reference word (the denominator of the mean per-utterance WER). */
  uttWerCount: number;
  /** Scored utterances whose S/D/I split is unknown (imported totals). */
  unsplit: number;
}

function empty(speaker: string, group: string): SpeakerTotals {
  return {
    speaker,
    group,
    utterances: 0,
    failed: 0,
    failedWords: 0,
    words: 0,
    errors: 0,
    sub: 0,
    del: 0,
    ins: 0,
    chars: 0,
    charErrors: 0,
    phones: 0,
    phoneErrors: 0,
    phoneUtterances: 0,
    seconds: 0,
    timed: 0,
    uttWerSum: 0,
    uttWerCount: 0,
    unsplit: 0,
  };
}

/** Adds one utterance to a running total (failed ones only to the failure counts). */
export function addUtterance(t: SpeakerTotals, u: ScoredUtterance): void {
  if (u.status !== 'ok') {
    t.failed++;
    t.failedWords += u.words?.ref ?? 0;
    return;
  }
  t.utterances++;
  if (u.errorSplit === 'total') t.unsplit++;
  t.words += u.words.ref;
  t.sub += u.words.sub;
  t.del += u.words.del;
  t.ins += u.words.ins;
  const errors = u.words.sub + u.words.del + u.words.ins;
  t.errors += errors;
  if (u.words.ref > 0) {
    t.uttWerSum += errors / u.words.ref;
    t.uttWerCount++;
  }
  t.chars += u.chars.ref;
  t.charErrors += u.chars.sub + u.chars.del + u.chars.ins;
  if (u.phones) {
    t.phoneUtterances++;
    t.phones += u.phones.ref;
    t.phoneErrors += u.phones.sub + u.phones.del + u.phones.ins;
  }
  if (u.durationSec !== undefined && Number.isFinite(u.durationSec)) {
    t.seconds += u.durationSec;
    t.timed++;
  }
}

/**
 * Per (group, speaker) totals. A speaker whose utterances carry different labels on `key` is split
 * into one cluster per group, so every cluster belongs to exactly one group.
 */
export function speakerTotals(utts: readonly ScoredUtterance[], groupOfUtt: (u: ScoredUtterance) => string): SpeakerTotals[] {
  const byKey = new Map<string, SpeakerTotals>();
  for (const u of utts) {
    const g = groupOfUtt(u);
    const k = `${g}\u0000${u.speaker}`;
    let t = byKey.get(k);
    if (!t) byKey.set(k, (t = empty(u.speaker, g)));
    addUtterance(t, u);
  }
  return [...byKey.values()];
}

/**
 * `i` when `ok`, else its estimate with an undefined interval (lo, hi NaN). For speaker-bootstrap intervals over too
 * few speakers (one: every resample is the same speaker; src/analysis/groups.ts intervalMinSpeakers): the interval is
 * undefined, not zero-width or narrow.
 */
export function undefinedUnless(ok: boolean, i: Interval): Interval {
  return ok ? i : { estimate: i.estimate, lo: NaN, hi: NaN };
}

/**
 * Whether a group (or an intersectional slice, `accent=us × gender=undeclared`) is not a declared one: the
 * `undeclared` group of utterances without the attribute, or a slice with any `undeclared` part. Such a group is
 * shown with its numbers but is never chosen as the best group nor as an automatic reference (nobody declared it).
 */
export function isUndeclaredGroup(name: string): boolean {
  return name.split(' × ').some((part) => part === UNDECLARED || part.endsWith(`=${UNDECLARED}`));
}

/**
 * Whether a group (or a slice part) is a role, not a declared group: `interviewer`, the group `groupOf` gives corpus
 * staff (`labels.role` = `interviewer`, CORAAL's `*_int_*` speakers imported with `--include-interviewers`) who
 * declared no value of the key, kept apart from `undeclared` speakers.
 */
export function isRoleGroup(name: string): boolean {
  return name.split(' × ').some((part) => part === INTERVIEWER || part.endsWith(`=${INTERVIEWER}`));
}

/**
 * Whether a group may be chosen as the best group or as an automatic reference: a declared group of the speaker
 * population, i.e. neither `undeclared` (isUndeclaredGroup) nor a role (isRoleGroup), nor a slice with such a part.
 * The other rows are shown with their numbers and their gap to the best group.
 */
export function isCandidateGroup(name: string): boolean {
  return !isUndeclaredGroup(name) && !isRoleGroup(name);
}

/** Group of an utterance on a label key (missing → 'undeclared'). */
export function labelGroup(key: string): (u: ScoredUtterance) => string {
  return (u) => groupOf(u, key);
}

/** Sum of several totals (speaker and group fields of the result are meaningless). */
export function sumTotals(ts: readonly SpeakerTotals[]): SpeakerTotals {
  const s = empty('', '');
  for (const t of ts) {
    s.utterances += t.utterances;
    s.failed += t.failed;
    s.failedWords += t.failedWords;
    s.words += t.words;
    s.errors += t.errors;
    s.sub += t.sub;
    s.del += t.del;
    s.ins += t.ins;
    s.chars += t.chars;
    s.charErrors += t.charErrors;
    s.phones += t.phones;
    s.phoneErrors += t.phoneErrors;
    s.phoneUtterances += t.phoneUtterances;
    s.seconds += t.seconds;
    s.timed += t.timed;
    s.uttWerSum += t.uttWerSum;
    s.uttWerCount += t.uttWerCount;
    s.unsplit += t.unsplit;
  }
  return s;
}

/** Utterances split by backend × condition, in sorted order. */
export function partitionByRun(utts: readonly ScoredUtterance[]): Array<{ backend: string; condition: string; utts: ScoredUtterance[] }> {
  const parts = new Map<string, { backend: string; condition: string; utts: ScoredUtterance[] }>();
  for (const u of utts) {
    const k = `${u.backend}\u0000${u.condition}`;
    let p = parts.get(k);
    if (!p) parts.set(k, (p = { backend: u.backend, condition: u.condition, utts: [] }));
    p.utts.push(u);
  }
  return [...parts.values()].sort((a, b) => a.backend.localeCompare(b.backend) || a.condition.localeCompare(b.condition));
}
