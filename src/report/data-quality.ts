/**
 * What was left out of the words scored, and which recordings were faulty, per group: the card's answer to "did a
 * corpus convention or a recording fault, rather than the recogniser, make this group's number?" (issue 12). Markup
 * counts come from the corpus importers' policies (manifest `markup`); audio faults from the audio stage's flags.
 * Each utterance counts once, whatever backends and conditions it ran through.
 */
import { AUDIO_FLAG_MEANINGS, countAudioFlagsByGroup, type AudioFlag } from '../audio/flags.ts';
import { summariseMarkup } from '../manifest/markup.ts';
import { MARKUP_POLICIES } from '../corpora/importers/markup.ts';
import type { ScoredUtterance } from '../score/types.ts';
import { groupOf } from '../manifest/schema.ts';

export interface CardDataQualityRow {
  group: string;
  utterances: number;
  /** Utterances whose reference a markup policy changed. */
  markupTouched: number;
  /** Markup tokens removed from references (never scored as words), and every markup occurrence by kind. */
  markupRemoved: number;
  markupKinds: Record<string, number>;
  /** `markupKinds` split: occurrences removed from the references, and occurrences unwrapped and kept as words. */
  markupRemovedKinds: Record<string, number>;
  markupKeptKinds: Record<string, number>;
  /** Occurrences kept in the references as optionally deletable words (CORAAL fragments `(like-)`, scored with sclite -D -F). */
  markupDeletableKinds: Record<string, number>;
  /** Reference words scored (after markup removal and the normaliser), each utterance once (first backend's row). */
  refWords: number;
  /** Utterances with at least one audio flag, and utterances per flag. */
  audioFlagged: number;
  audioFlags: Record<string, number>;
}

export interface CardDataQuality {
  groupBy: string;
  /** Markup policies applied (e.g. `coraal`). */
  policies: string[];
  rows: CardDataQualityRow[];
  /** Meaning of every audio flag that occurs. */
  flagMeanings: Record<string, string>;
  /** The section's note as every format prints it (dataQualityNote): the policies in full, the redaction warning. */
  note: string;
}

/** The section, or null when no utterance carries markup counts or audio flags (nothing to say). */
export function buildDataQuality(utts: readonly ScoredUtterance[], groupBy: string): CardDataQuality | null {
  const seen = new Set<string>();
  const unique = utts.filter((u) => (seen.has(u.id) ? false : (seen.add(u.id), true)));
  if (!unique.some((u) => u.markup || u.audioFlags?.length)) return null;
  const markup = summariseMarkup(unique, groupBy);
  const audio = countAudioFlagsByGroup(unique, groupBy);
  const words = new Map<string, number>();
  for (const u of unique) {
    const g = groupOf(u, groupBy);
    words.set(g, (words.get(g) ?? 0) + (u.words?.ref ?? 0));
  }
  const rows = markup.map((m): CardDataQualityRow => {
    const a = audio.get(m.group);
    return {
      group: m.group,
      utterances: m.utterances,
      markupTouched: m.touched,
      markupRemoved: m.removedTokens,
      markupKinds: m.kinds,
      markupRemovedKinds: m.removedKinds,
      markupKeptKinds: m.keptKinds,
      markupDeletableKinds: m.deletableKinds,
      refWords: words.get(m.group) ?? 0,
      audioFlagged: a?.flagged ?? 0,
      audioFlags: a?.flags ?? {},
    };
  });
  const flags = [...new Set(rows.flatMap((r) => Object.keys(r.audioFlags)))].sort();
  const d = {
    groupBy,
    policies: [...new Set(markup.flatMap((m) => m.policies))].sort(),
    rows,
    flagMeanings: Object.fromEntries(flags.map((f) => [f, AUDIO_FLAG_MEANINGS[f as AudioFlag] ?? f])),
  };
  return { ...d, note: dataQualityNote(d) };
}

/**
 * Says how references with optionally deletable markup were scored (src/score/run-scorer.ts CORPUS_DELETABLE): with
 * sclite -D -F whatever the suite's `markup:` setting, counted per group. Null when no group has such markup.
 */
export function deletableNote(d: Pick<CardDataQuality, 'rows'>): string | null {
  const rows = d.rows.filter((r) => Object.keys(r.markupDeletableKinds ?? {}).length > 0);
  if (!rows.length) return null;
  const total = (r: CardDataQualityRow) => Object.values(r.markupDeletableKinds).reduce((a, b) => a + b, 0);
  return (
    `Word fragments and false starts ("like-") are kept in the references in sclite's notation "(like-)", optionally deletable: ` +
    `scored as sclite -D -F scores them (NIST Hub-5 convention), whatever the suite's markup setting, so a recogniser may omit one ` +
    `or output a word it begins ("like") at no cost; they count as reference words, as in sclite. By group: ${rows.map((r) => `${r.group} ${total(r)}`).join(', ')}.`
  );
}

/** "redaction 3, pause 2" (most frequent first); "—" when empty. */
export function countsText(c: Record<string, number>): string {
  const e = Object.entries(c).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e.length ? e.map(([k, n]) => `${k} ${n}`).join(', ') : '—';
}

export const DATA_QUALITY_TITLE = 'What was not scored as words, and audio faults, by group';

/**
 * The section's note: each policy's rule in full (MARKUP_POLICIES: what it removes and what it unwraps and keeps),
 * the redaction warning when any group has redactions, and the audio flags' meanings.
 */
export function dataQualityNote(d: Omit<CardDataQuality, 'note'>): string {
  const pol = d.policies.length
    ? `Markup policy (README, "Importing corpora"): ${d.policies.map((p) => `${p}: ${MARKUP_POLICIES[p] ?? 'a policy this version does not describe'}`).join('; ')}. Removed markup is never counted as words; "kept" markup had its brackets or slashes taken off and its words scored.`
    : 'No corpus markup policy applied.';
  const flags = Object.entries(d.flagMeanings).map(([f, m]) => `${f}: ${m}`);
  const red = redactionWarning(d);
  const del = deletableNote(d);
  return [pol, ...(del ? [del] : []), ...(red ? [red] : []), ...(flags.length ? [`Audio flags (the utterance was still scored): ${flags.join('; ')}.`] : [])].join(' ');
}

/**
 * Redactions (CORAAL's `/RD-NAME-2/`: a name or place bleeped in the audio) are removed from the references, so a
 * word a recogniser outputs over the bleep counts as an insertion. Said per group with the rate per 1,000 reference
 * words, because a group with more redactions can show a higher WER for that reason alone. Null without redactions.
 * sclite's `-D` (which the scorer supports) cannot absorb such words: it lets a marked reference word be deleted at
 * no cost, it does not match a hypothesis word the reference lacks; so the span is removed and this warning given.
 */
export function redactionWarning(d: Pick<CardDataQuality, 'rows'>): string | null {
  const rows = d.rows.filter((r) => (r.markupRemovedKinds.redaction ?? 0) > 0);
  if (!rows.length) return null;
  const per = (r: CardDataQualityRow) => (r.refWords > 0 ? ((r.markupRemovedKinds.redaction ?? 0) / r.refWords) * 1000 : NaN);
  const list = [...d.rows]
    .sort((a, b) => (b.markupRemovedKinds.redaction ?? 0) - (a.markupRemovedKinds.redaction ?? 0) || a.group.localeCompare(b.group))
    .map((r) => `${r.group} ${r.markupRemovedKinds.redaction ?? 0}${Number.isFinite(per(r)) ? ` (${per(r).toFixed(1)} per 1,000 reference words)` : ''}`);
  return (
    `Warning: redactions (names and places bleeped in the audio) are removed from the references, so any word a recogniser outputs over one counts as an insertion; ` +
    `groups with more redactions can show more insertions for that reason alone. Redactions by group: ${list.join(', ')}. ` +
    'They are not scored as optionally deletable (sclite -D, which the scorer supports): -D lets a reference word be deleted at no cost and cannot absorb words the reference lacks.'
  );
}

/**
 * Publish mode: the section without the rows of the groups the card suppresses (their utterances and counts are the
 * sizes suppression withholds), its note recomputed from the rows left and saying how many are not listed. Null when
 * `d` is; `d` itself when it has no hidden group.
 */
export function dataQualityShown(d: CardDataQuality | null, hidden: ReadonlySet<string>): CardDataQuality | null {
  if (!d) return d;
  const rows = d.rows.filter((r) => !hidden.has(r.group));
  const left = d.rows.length - rows.length;
  if (!left) return d;
  const flags = new Set(rows.flatMap((r) => Object.keys(r.audioFlags)));
  const shown = { ...d, rows, flagMeanings: Object.fromEntries(Object.entries(d.flagMeanings).filter(([f]) => flags.has(f))) };
  return { ...shown, note: `${dataQualityNote(shown)} ${left} group${left === 1 ? '' : 's'} suppressed on this published card ${left === 1 ? 'is' : 'are'} not listed.` };
}
