/**
 * What was left out of the words scored, and which recordings were faulty, per group: the card's answer to "did a
 * corpus convention or a recording fault, rather than the recogniser, make this group's number?" (issue 12). Markup
 * counts come from the corpus importers' policies (manifest `markup`); audio faults from the audio stage's flags.
 * Each utterance counts once, whatever backends and conditions it ran through.
 */
import { AUDIO_FLAG_MEANINGS, countAudioFlagsByGroup, type AudioFlag } from '../audio/flags.ts';
import { summariseMarkup } from '../manifest/markup.ts';
import type { ScoredUtterance } from '../score/types.ts';

export interface CardDataQualityRow {
  group: string;
  utterances: number;
  /** Utterances whose reference a markup policy changed. */
  markupTouched: number;
  /** Markup tokens removed from references (never scored as words), and every markup occurrence by kind. */
  markupRemoved: number;
  markupKinds: Record<string, number>;
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
}

/** The section, or null when no utterance carries markup counts or audio flags (nothing to say). */
export function buildDataQuality(utts: readonly ScoredUtterance[], groupBy: string): CardDataQuality | null {
  const seen = new Set<string>();
  const unique = utts.filter((u) => (seen.has(u.id) ? false : (seen.add(u.id), true)));
  if (!unique.some((u) => u.markup || u.audioFlags?.length)) return null;
  const markup = summariseMarkup(unique, groupBy);
  const audio = countAudioFlagsByGroup(unique, groupBy);
  const rows = markup.map((m): CardDataQualityRow => {
    const a = audio.get(m.group);
    return {
      group: m.group,
      utterances: m.utterances,
      markupTouched: m.touched,
      markupRemoved: m.removedTokens,
      markupKinds: m.kinds,
      audioFlagged: a?.flagged ?? 0,
      audioFlags: a?.flags ?? {},
    };
  });
  const flags = [...new Set(rows.flatMap((r) => Object.keys(r.audioFlags)))].sort();
  return {
    groupBy,
    policies: [...new Set(markup.flatMap((m) => m.policies))].sort(),
    rows,
    flagMeanings: Object.fromEntries(flags.map((f) => [f, AUDIO_FLAG_MEANINGS[f as AudioFlag] ?? f])),
  };
}

/** "redaction 3, pause 2" (most frequent first); "—" when empty. */
export function countsText(c: Record<string, number>): string {
  const e = Object.entries(c).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e.length ? e.map(([k, n]) => `${k} ${n}`).join(', ') : '—';
}

export const DATA_QUALITY_TITLE = 'What was not scored as words, and audio faults, by group';

export function dataQualityNote(d: CardDataQuality): string {
  const pol = d.policies.length
    ? `Markup policy: ${d.policies.join(', ')} (README, "Importing corpora"): non-speech and redaction markup is removed from references, never counted as words.`
    : 'No corpus markup policy applied.';
  const flags = Object.entries(d.flagMeanings).map(([f, m]) => `${f}: ${m}`);
  return [pol, ...(flags.length ? [`Audio flags (the utterance was still scored): ${flags.join('; ')}.`] : [])].join(' ');
}
