/**
 * What part of the manifests a run covers when it was limited (`asrfair run --limit N`, `asrfair demo --live-limit N`)
 * or is one shard of a sharded run (`asrfair run --shard i/n`): recorded in the run store's meta and in run.json
 * (`subset`), so a card, `check` and a reader of the export see "N of M utterances of the manifest" and which declared
 * groups the subset leaves out entirely. A merged run of every shard is whole again (src/scaleout/merge.ts).
 */
/** Utterances and utterances per group of each key, as the run engine counts what a run will contain (RunExpected). */
export interface SubsetCounts {
  utterances: number;
  groups: Record<string, Record<string, number>>;
}

/** Shard `index` of `count` (1-based), as `--shard i/n` gives it. */
export interface SubsetShard {
  index: number;
  count: number;
}

/** How a run's utterances were chosen: the first `limit` of the manifests, one shard of them, or both (a shard of the first `limit`). */
export interface SubsetChoice {
  limit?: number;
  shard?: SubsetShard;
}

/** run.json `subset`: the run covers part of its manifests. */
export interface RunSubset {
  /**
   * How the utterances were chosen: `first-n` = the first `limit` utterances of the manifests, in manifest order;
   * `shard` = the utterances whose id hashes to shard `shard.index` of `shard.count` (src/scaleout/shard.ts), of the
   * first `limit` when `limit` is set too.
   */
  how: 'first-n' | 'shard';
  /** The `--limit` given (always for `first-n`; for `shard`, only when the shard run was limited too). */
  limit?: number;
  /** The `--shard i/n` given (`how: 'shard'`). */
  shard?: SubsetShard;
  /** Utterances in the run. */
  utterances: number;
  /** Utterances of the whole manifests (every shard, no limit). */
  manifestUtterances: number;
  /**
   * Per grouping or slice key: the groups of the manifests that have no utterance in the run, with their utterance
   * count in the manifests (after the label map and bins, as the card names groups). Keys with none are left out.
   */
  notInRun: Record<string, Record<string, number>>;
  /**
   * A published card's copy of the subset (src/report/published-meta.ts): the groups left out, by key, with their
   * manifest counts withheld (a group's size is what small-cell suppression keeps from a reader). `notInRun` is then {}.
   */
  notInRunNamesOnly?: Record<string, string[]>;
}

/**
 * The subset a limited or sharded run covers: `run` is what the run reads (with the limit and shard), `full` the whole
 * manifests (no limit, no shard). Group names present in `full` but absent from `run` are listed per key.
 */
export function subsetOf(choice: SubsetChoice, run: SubsetCounts, full: SubsetCounts): RunSubset {
  const notInRun: Record<string, Record<string, number>> = {};
  for (const [key, groups] of Object.entries(full.groups)) {
    const missing = Object.entries(groups).filter(([g]) => !(run.groups[key]?.[g] ?? 0));
    if (missing.length) notInRun[key] = Object.fromEntries(missing.sort(([a], [b]) => a.localeCompare(b)));
  }
  return {
    how: choice.shard ? 'shard' : 'first-n',
    ...(choice.limit !== undefined ? { limit: choice.limit } : {}),
    ...(choice.shard ? { shard: { index: choice.shard.index, count: choice.shard.count } } : {}),
    utterances: run.utterances,
    manifestUtterances: full.utterances,
    notInRun,
  };
}

/**
 * The subset of a merged run of every shard (src/scaleout/merge.ts), from the shards' own records: none when the shards
 * were not limited (the merged run is whole); when they were (`--limit N` on each), the first-n record a `--limit N`
 * run would have: a group is not in the merged run when it is in no shard. Undefined too when a shard has no
 * shard-subset record (a store from before shards recorded one) and the shards were not limited; `missing` is true
 * when they were limited but the records cannot say which groups the limit left out.
 */
export function mergedSubset(shards: readonly (RunSubset | undefined)[]): { subset?: RunSubset; missing: boolean } {
  const limit = shards[0]?.limit;
  if (limit === undefined) return { missing: false };
  if (shards.some((s) => s?.how !== 'shard' || s.limit !== limit)) return { missing: true };
  const all = shards as RunSubset[];
  const notInRun: Record<string, Record<string, number>> = {};
  for (const [key, groups] of Object.entries(all[0].notInRun)) {
    const everywhere = Object.entries(groups).filter(([g]) => all.every((s) => s.notInRun[key]?.[g] !== undefined));
    if (everywhere.length) notInRun[key] = Object.fromEntries(everywhere);
  }
  return {
    subset: { how: 'first-n', limit, utterances: all.reduce((n, s) => n + s.utterances, 0), manifestUtterances: all[0].manifestUtterances, notInRun },
    missing: false,
  };
}

/** Whether the run left out part of its manifests (a limit at or above the manifest size leaves nothing out). */
export function isPartial(s: RunSubset | undefined): s is RunSubset {
  return s !== undefined && s.utterances < s.manifestUtterances;
}

/** The flags that chose a subset, as a user typed them: `--limit 50`, `--shard 2/3`, `--shard 2/3 --limit 50`. */
export function subsetFlags(s: RunSubset, limitFlag = '--limit'): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [s.shard ? `--shard ${s.shard.index}/${s.shard.count}` : '', s.limit !== undefined ? `${limitFlag} ${n(s.limit)}` : ''].filter(Boolean).join(' ');
}

/** What left groups out: "the limit", "the shard" or "the shard and the limit". */
function leftOutBy(s: RunSubset): string {
  return s.shard ? (s.limit !== undefined ? 'the shard and the limit' : 'the shard') : 'the limit';
}

/**
 * The sentence (cards, `run`, `check`) on a run limited to part of its manifests (run.json `subset`, src/run/subset.ts):
 * "Subset: this run covers N of M utterances of the manifest (--limit N: the first N in manifest order)." A shard says
 * "(--shard i/n: the utterances whose id hashes to shard i of n[, of the first N in manifest order])".
 */
export function subsetSentence(s: RunSubset, flag = '--limit'): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const first = s.limit !== undefined ? `the first ${n(s.limit)} in manifest order` : '';
  const how = s.shard
    ? `${subsetFlags(s, flag)}: the utterances whose id hashes to shard ${s.shard.index} of ${s.shard.count}${first ? `, of ${first}` : ''}; asrfair merge of every shard gives the whole run`
    : `${subsetFlags(s, flag)}: ${first}`;
  return `Subset: this run covers ${n(s.utterances)} of ${n(s.manifestUtterances)} utterances of the manifest (${how}); every count and rate is of this subset.`;
}

/**
 * The sentences (cards, `run`, `check`, `compare`) on groups of the manifest that a limited or sharded run leaves out
 * entirely ("Not in this run: …"), one per key. `about` names what says nothing about them (default "the card").
 */
export function notInRunSentences(s: RunSubset, about = 'the card'): string[] {
  const line = (key: string, names: string[], published: boolean) =>
    `Not in this run (by ${key}): ${names.join(', ')}: declared in the manifest, left out by ${leftOutBy(s)}${published ? ' (their utterance counts are not published: small-cell suppression)' : ''}, so ${about} says nothing about ${names.length === 1 ? 'it' : 'them'}.`;
  return [
    ...Object.entries(s.notInRun).map(([key, groups]) =>
      line(key, Object.entries(groups).map(([g, k]) => `"${g}" (${k.toLocaleString('en-US')} utterance${k === 1 ? '' : 's'} in the manifest)`), false),
    ),
    ...Object.entries(s.notInRunNamesOnly ?? {}).map(([key, names]) => line(key, names.map((g) => `"${g}"`), true)),
  ];
}

/**
 * A limited run's lines: what part it covers, then the declared groups it leaves out (none for a whole run or no subset).
 * `flag` names the option that set the limit (`--live-limit` when the demo set it); `about` what says nothing about the
 * groups left out (default "the card"; `compare` says "the comparison").
 */
export function subsetLines(s: RunSubset | undefined, flag = '--limit', about = 'the card'): string[] {
  return isPartial(s) ? [subsetSentence(s, flag), ...notInRunSentences(s, about)] : [];
}

/**
 * run.json `backendSubset`: the run called only some of its suite's backends (`asrfair run --backend NAME`). A card,
 * `run` and `check` say so; `check` fails on each backend left out unless `--allow-subset`, with which the gate
 * concerns the backends that ran only. Absent: every backend of the suite ran.
 */
export interface BackendSubset {
  /** The suite's backends, by name, in suite order. */
  suiteBackends: string[];
  /** The suite's backends the run did not call, in suite order (never empty). */
  notInRun: string[];
}

/** The backend subset of a run that called `ran` of the suite's `suite` backends (names); undefined when every one ran. */
export function backendSubsetOf(suite: readonly string[], ran: readonly string[]): BackendSubset | undefined {
  const notInRun = suite.filter((n) => !ran.includes(n));
  return notInRun.length ? { suiteBackends: [...suite], notInRun } : undefined;
}

/** The backends that ran, in suite order. */
export function backendsRan(b: BackendSubset): string[] {
  return b.suiteBackends.filter((n) => !b.notInRun.includes(n));
}

/** The flag that chose the backends, as a user types it: `--backend google-en-US` (comma-joined when several). */
export function backendSubsetFlag(b: BackendSubset): string {
  return `--backend ${backendsRan(b).join(',')}`;
}

const quotedList = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

/**
 * The lines (cards, `run`, `check`) on a run that called some of its suite's backends only: "Backend subset: this run
 * covers 1 of the suite's 2 backends (--backend google-en-US); not in this run: "amazon-en-US", left out by --backend,
 * so the card says nothing about it." Empty when `b` is undefined. `about` as in `subsetLines`.
 */
export function backendSubsetLines(b: BackendSubset | undefined, about = 'the card'): string[] {
  if (!b) return [];
  const ran = backendsRan(b);
  const one = b.notInRun.length === 1;
  return [
    `Backend subset: this run covers ${ran.length} of the suite's ${b.suiteBackends.length} backends (${backendSubsetFlag(b)}); not in this run: ${quotedList(b.notInRun)}, left out by --backend, so ${about} says nothing about ${one ? 'it' : 'them'}.`,
  ];
}
