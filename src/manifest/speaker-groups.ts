import { groupOf } from './schema.ts';

/**
 * Speakers whose utterances declare different groups under one label key (a relabelled manifest, a speaker who
 * declared another accent later). Every group table counts such a speaker once in each group it declares, so speaker
 * counts, the speaker bootstrap, the group-vs-rest permutation test and the model view's clustered errors take one
 * person for several: they assume each speaker in one group. Found here so that commands can warn (never regrouped).
 */

/** The speakers of one label key that declare more than one group, with one example. */
export interface SpeakerCrossing {
  key: string;
  /** Distinct speakers with at least one utterance. */
  speakers: number;
  /** Of them, those whose utterances declare more than one group. */
  crossing: number;
  /** Speaker × group pairs the tables count (speakers as each group counts them, summed over the groups). */
  counted: number;
  /** The first such speaker (input order) and its first two groups, each with its first utterance id. */
  example: { speaker: string; groups: { group: string; firstId: string }[] };
}

/** Collects, per label key, each speaker's groups (missing label: `undeclared`), one count per distinct utterance id. */
export class SpeakerGroups {
  private readonly byKey = new Map<string, Map<string, Map<string, string>>>();
  private readonly seen = new Set<string>();

  constructor(private readonly keys: readonly string[]) {}

  /** Records one utterance (a run export repeats an utterance per backend × condition: counted once). No speaker: skipped. */
  add(id: string, speaker: string | undefined, labels: Readonly<Record<string, string>> | undefined): void {
    if (!speaker || this.seen.has(id)) return;
    this.seen.add(id);
    for (const key of this.keys) {
      const speakers = this.byKey.get(key) ?? new Map<string, Map<string, string>>();
      this.byKey.set(key, speakers);
      const groups = speakers.get(speaker) ?? new Map<string, string>();
      speakers.set(speaker, groups);
      const g = groupOf({ labels }, key);
      if (!groups.has(g)) groups.set(g, id);
    }
  }

  /** The keys with at least one speaker in several groups, in the order of `keys`. */
  crossings(): SpeakerCrossing[] {
    const out: SpeakerCrossing[] = [];
    for (const key of this.keys) {
      const speakers = this.byKey.get(key);
      if (!speakers) continue;
      const multi = [...speakers].filter(([, g]) => g.size > 1);
      if (!multi.length) continue;
      const [speaker, groups] = multi[0];
      out.push({
        key,
        speakers: speakers.size,
        crossing: multi.length,
        counted: [...speakers.values()].reduce((n, g) => n + g.size, 0),
        example: { speaker, groups: [...groups].slice(0, 2).map(([group, firstId]) => ({ group, firstId })) },
      });
    }
    return out;
  }
}

/** A speaker id shortened for a line: Common Voice's are 128 hex digits. */
function shortSpeaker(s: string): string {
  return s.length > 16 ? `${s.slice(0, 12)}…` : s;
}

/**
 * The warning line (without the `asrfair: warning: ` prefix) for one key's crossing speakers; `at` gives `file:line`
 * of an utterance id where the caller knows it; `at` null leaves the example out (a card: no speaker id, no group name).
 */
export function speakerCrossingWarning(c: SpeakerCrossing, at: ReadonlyMap<string, string> | null = new Map()): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const ex = at ? c.example.groups.map((g) => `"${g.group}"${at.has(g.firstId) ? ` at ${at.get(g.firstId)}` : ` (utterance ${g.firstId})`}`).join(' and ') : '';
  return (
    `${c.key}: ${n(c.crossing)} of ${n(c.speakers)} speakers declare more than one group${at ? ` (e.g. speaker "${shortSpeaker(c.example.speaker)}" is ${ex})` : ''}; ` +
    `each is counted once in every group it declares, ${n(c.speakers)} speakers as ${n(c.counted)}: speaker counts, the speaker bootstrap, ` +
    `the group-vs-rest permutation test and the model view's clustered errors take them for different speakers, and assume each speaker in one group`
  );
}
