/**
 * What part of the manifests a run covers when it was limited (`asrfair run --limit N`, `asrfair demo --live-limit N`):
 * recorded in the run store's meta and in run.json (`subset`), so a card, `check` and a reader of the export see
 * "N of M utterances of the manifest" and which declared groups the subset leaves out entirely.
 */
/** Utterances and utterances per group of each key, as the run engine counts what a run will contain (RunExpected). */
export interface SubsetCounts {
  utterances: number;
  groups: Record<string, Record<string, number>>;
}

/** run.json `subset`: the run covers part of its manifests. */
export interface RunSubset {
  /** How the utterances were chosen: `first-n` = the first `limit` utterances of the manifests, in manifest order. */
  how: 'first-n';
  /** The `--limit` given. */
  limit: number;
  /** Utterances in the run. */
  utterances: number;
  /** Utterances of the whole manifests (as the run reads them: same filter, e.g. a shard). */
  manifestUtterances: number;
  /**
   * Per grouping or slice key: the groups of the manifests that have no utterance in the run, with their utterance
   * count in the manifests (after the label map and bins, as the card names groups). Keys with none are left out.
   */
  notInRun: Record<string, Record<string, number>>;
}

/**
 * The subset a limited run covers: `run` is what the run reads (with the limit), `full` the same manifests without it.
 * Group names present in `full` but absent from `run` are listed per key.
 */
export function subsetOf(limit: number, run: SubsetCounts, full: SubsetCounts): RunSubset {
  const notInRun: Record<string, Record<string, number>> = {};
  for (const [key, groups] of Object.entries(full.groups)) {
    const missing = Object.entries(groups).filter(([g]) => !(run.groups[key]?.[g] ?? 0));
    if (missing.length) notInRun[key] = Object.fromEntries(missing.sort(([a], [b]) => a.localeCompare(b)));
  }
  return { how: 'first-n', limit, utterances: run.utterances, manifestUtterances: full.utterances, notInRun };
}

/** Whether the run left out part of its manifests (a limit at or above the manifest size leaves nothing out). */
export function isPartial(s: RunSubset | undefined): s is RunSubset {
  return s !== undefined && s.utterances < s.manifestUtterances;
}

/**
 * The sentence (cards, `run`, `check`) on a run limited to part of its manifests (run.json `subset`, src/run/subset.ts):
 * "Subset: this run covers N of M utterances of the manifest (--limit N: the first N in manifest order)."
 */
export function subsetSentence(s: RunSubset, flag = '--limit'): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `Subset: this run covers ${n(s.utterances)} of ${n(s.manifestUtterances)} utterances of the manifest (${flag} ${n(s.limit)}: the first ${n(s.limit)} in manifest order); every count and rate is of this subset.`;
}

/** The sentences (cards, `run`, `check`) on groups of the manifest that a limited run leaves out entirely ("Not in this run: …"), one per key. */
export function notInRunSentences(s: RunSubset): string[] {
  return Object.entries(s.notInRun).map(
    ([key, groups]) =>
      `Not in this run (by ${key}): ${Object.entries(groups).map(([g, k]) => `"${g}" (${k.toLocaleString('en-US')} utterance${k === 1 ? '' : 's'} in the manifest)`).join(', ')}: declared in the manifest, left out by the limit, so the card says nothing about ${Object.keys(groups).length === 1 ? 'it' : 'them'}.`,
  );
}

/**
 * A limited run's lines: what part it covers, then the declared groups it leaves out (none for a whole run or no subset).
 * `flag` names the option that set the limit (`--live-limit` when the demo set it).
 */
export function subsetLines(s: RunSubset | undefined, flag = '--limit'): string[] {
  return isPartial(s) ? [subsetSentence(s, flag), ...notInRunSentences(s)] : [];
}
